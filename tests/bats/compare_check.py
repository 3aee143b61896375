#!/usr/bin/env python3
"""compare_check.py SELFPROF BASE NEW COMPARE_JSON [MAX_CRATES]
compare_check.py --html REPORT.html COMPARE_JSON

Checks `selfprof compare --json` output against other selfprof commands on
the same inputs (BASE and NEW: directories of per-crate dumps):

- the crate list, self-time sums and dump counts against `selfprof diff
  --json BASE NEW` (its per-crate table);
- every label of every crate present in both runs, all seven deltas,
  against `selfprof diff --json` over directories holding that crate's
  dumps only (so several dumps of a crate are summed the same way);
- the absolute before/after values of single-dump crates against
  `selfprof summarize --tsv`;
- internal consistency: delta = new - base, sums over labels, presence.

--html: the data embedded in the page holds the same numbers as the JSON,
and nothing in it can end its <script> element.

MAX_CRATES limits the per-label checks (which run selfprof per crate) to
the first crates by name, for big synthetic inputs.

Prints one line of counts; exits 1 with the first mismatches on failure.
"""
import json
import os
import subprocess
import sys
import tempfile

METRICS = ["self_ns", "time_ns", "count", "cache_hits", "blocked_ns", "incr_load_ns", "hashing_ns"]
# The same metrics as `selfprof diff --json` names their deltas.
DIFF_KEYS = ["self_delta_ns", "time_delta_ns", "count_delta", "cache_hits_delta",
             "blocked_delta_ns", "incr_load_delta_ns", "hashing_delta_ns"]
# ... and as `selfprof summarize --tsv` orders its columns (after the label).
TSV_COLS = ["self_ns", "time_ns", "count", "blocked_ns", "incr_load_ns", "hashing_ns", "cache_hits"]

errors = []


def fail(msg):
    errors.append(msg)
    if len(errors) >= 20:
        report_and_exit()


def report_and_exit():
    for e in errors:
        print("MISMATCH:", e, file=sys.stderr)
    sys.exit(1 if errors else 0)


def run_json(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def side_values(side, metric):
    return side["sum"][metric] if side else 0


def check_internal(c):
    """Deltas, sums and presence inside the compare output alone."""
    b, n = c["base"], c["new"]
    expected_in = "both" if b and n else "base" if b else "new"
    if c["in"] != expected_in:
        fail(f"{c['crate']}: in={c['in']}, expected {expected_in}")
    for m in METRICS:
        if c["delta"][m] != side_values(n, m) - side_values(b, m):
            fail(f"{c['crate']}: crate delta {m}")
        for k, side in (("base", b), ("new", n)):
            if side and sum((q[k] or {}).get(m, 0) for q in c["queries"]) != side["sum"][m]:
                fail(f"{c['crate']}: {k} sum of {m} over queries")
    for q in c["queries"]:
        for m in METRICS:
            bv = q["base"][m] if q["base"] else 0
            nv = q["new"][m] if q["new"] else 0
            if q["delta"][m] != nv - bv:
                fail(f"{c['crate']}/{q['label']}: delta {m}")


def check_crates_against_diff(selfprof, base, new, data):
    d = run_json([selfprof, "diff", "--json", base, new])
    by_name = {x["crate"]: x for x in d["crates"]}
    ours = {c["crate"]: c for c in data["crates"]}
    if set(by_name) != set(ours):
        fail(f"crate sets differ: diff {sorted(by_name)} compare {sorted(ours)}")
    for name, x in by_name.items():
        c = ours.get(name)
        if not c:
            continue
        got = (side_values(c["base"], "self_ns"), side_values(c["new"], "self_ns"),
               len(c["base"]["dumps"]) if c["base"] else 0, len(c["new"]["dumps"]) if c["new"] else 0)
        want = (x["base_self_ns"], x["new_self_ns"], x["base_dumps"], x["new_dumps"])
        if got != want:
            fail(f"{name}: (base self, new self, base dumps, new dumps) {got} != diff {want}")
    total = (data["base"]["total_ns"], data["new"]["total_ns"])
    if total != (d["base_total_ns"], d["new_total_ns"]):
        fail(f"total_ns {total} != diff ({d['base_total_ns']}, {d['new_total_ns']})")


def link_dumps(src_dir, names, dst_dir):
    os.makedirs(dst_dir)
    for n in names:
        os.symlink(os.path.abspath(os.path.join(src_dir, n)), os.path.join(dst_dir, n))


def check_labels_against_diff(selfprof, base, new, c, tmp):
    """One crate's labels against `selfprof diff` of that crate's dumps alone."""
    bdir, ndir = os.path.join(tmp, c["crate"] + ".base"), os.path.join(tmp, c["crate"] + ".new")
    link_dumps(base, c["base"]["dumps"], bdir)
    link_dumps(new, c["new"]["dumps"], ndir)
    d = run_json([selfprof, "diff", "--json", bdir, ndir])
    rows = {r["label"]: r for r in d["rows"]}
    ours = {q["label"]: q for q in c["queries"]}
    if set(rows) != set(ours):
        fail(f"{c['crate']}: label sets differ ({len(rows)} in diff, {len(ours)} in compare)")
    for label, r in rows.items():
        q = ours.get(label)
        if not q:
            continue
        got = [q["delta"][m] for m in METRICS]
        want = [r[k] for k in DIFF_KEYS]
        if got != want:
            fail(f"{c['crate']}/{label}: deltas {got} != diff {want}")
        only = {"both": None, "base": "base", "new": "new"}[q["in"]]
        if only != r["only_in"]:
            fail(f"{c['crate']}/{label}: in={q['in']} but diff only_in={r['only_in']}")
        pct = r["self_percent"]
        if pct is not None and q["self_change_pct"] is not None and abs(pct - q["self_change_pct"]) > 1e-3:
            fail(f"{c['crate']}/{label}: self % {q['self_change_pct']} != diff {pct}")
    return len(rows)


def summarize_tsv(selfprof, path):
    out = subprocess.run([selfprof, "summarize", "--tsv", path], check=True,
                         capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        rows[f[0]] = dict(zip(TSV_COLS, map(int, f[1:])))
    return rows


def check_values_against_summarize(selfprof, run_dir, c, key):
    side = c[key]
    if not side or len(side["dumps"]) != 1:
        return 0
    want = summarize_tsv(selfprof, os.path.join(run_dir, side["dumps"][0]))
    got = {q["label"]: q[key] for q in c["queries"] if q[key]}
    # TSV escapes some characters in labels; compare only labels it shows verbatim.
    for label, v in got.items():
        if label in want and v != want[label]:
            fail(f"{c['crate']}/{label}: {key} {v} != summarize {want[label]}")
    if len(got) != len(want):
        fail(f"{c['crate']}: {len(got)} {key} labels, summarize has {len(want)}")
    return len(want)


def page_data(path):
    """The compact data of a report page, and its raw text."""
    with open(path, encoding="utf-8") as f:
        page = f.read()
    opener = '<script type="application/json" id="sp-data">'
    if page.count(opener) != 1:
        fail("the page has no single data element")
        report_and_exit()
    text = page.split(opener, 1)[1].split("</script>", 1)[0]
    return json.loads(text), text


def check_html(report, json_path):
    with open(json_path, encoding="utf-8") as f:
        data = json.load(f)
    compact, text = page_data(report)
    if "<" in text:
        fail("a '<' inside the page's data element")
    runs = [{k: data[s][k] for k in ("name", "path", "dumps")} for s in ("base", "new")]
    if compact["runs"] != runs or compact["metrics"] != METRICS:
        fail(f"runs/metrics differ: {compact['runs']} vs {runs}")
    if [c["name"] for c in compact["crates"]] != [c["crate"] for c in data["crates"]]:
        fail("crate lists differ")
    rows = 0
    for cc, c in zip(compact["crates"], data["crates"]):
        for k, side in enumerate((c["base"], c["new"])):
            want = side and {"dumps": side["dumps"], "total_ns": side["total_ns"], "events": side["events"],
                             "queries": side["queries"], "sum": [side["sum"][m] for m in METRICS]}
            if cc["s"][k] != want:
                fail(f"{c['crate']}: side {k} {cc['s'][k]} != {want}")
        got = {}
        for r in cc["q"]:
            got[compact["labels"][r[0]]] = (r[1], r[2:9], r[9:16])
        for q in c["queries"]:
            pres = (1 if q["base"] else 0) | (2 if q["new"] else 0)
            vals = [[(q[k] or {}).get(m, 0) for m in METRICS] for k in ("base", "new")]
            if got.get(q["label"]) != (pres, vals[0], vals[1]):
                fail(f"{c['crate']}/{q['label']}: page {got.get(q['label'])} != json {(pres, *vals)}")
            rows += 1
        if len(got) != len(c["queries"]):
            fail(f"{c['crate']}: {len(got)} rows in the page, {len(c['queries'])} in the JSON")
    if errors:
        report_and_exit()
    print(f"ok: page data matches the JSON: {len(data['crates'])} crates, {rows} rows")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--html":
        check_html(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    selfprof, base, new, path = sys.argv[1:5]
    max_crates = int(sys.argv[5]) if len(sys.argv) == 6 else None
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("format") != "selfprof-compare":
        fail("not selfprof compare JSON")
    for c in data["crates"]:
        check_internal(c)
    check_crates_against_diff(selfprof, base, new, data)
    labels = values = 0
    with tempfile.TemporaryDirectory() as tmp:
        for c in data["crates"][:max_crates]:
            if c["base"] and c["new"]:
                labels += check_labels_against_diff(selfprof, base, new, c, tmp)
            values += check_values_against_summarize(selfprof, base, c, "base")
            values += check_values_against_summarize(selfprof, new, c, "new")
    if errors:
        report_and_exit()
    print(f"ok: {len(data['crates'])} crates, {labels} label deltas, {values} absolute rows checked")


if __name__ == "__main__":
    main()
