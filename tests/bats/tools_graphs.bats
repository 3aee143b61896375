#!/usr/bin/env bats
# selfprof crox (Chrome trace) and selfprof flamegraph (folded stacks, SVG).
load tools_helper

@test "crox: valid JSON, one X event per interval, measureme's key order" {
	for v in $VECTORS; do
		"$SELFPROF" crox "$DATA/$v.mm_profdata" > "$BATS_TEST_TMPDIR/$v.json"
		n=$(count_intervals "$DATA/$v.mm_profdata")
		run python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
x = [e for e in d if e["ph"] == "X"]
assert len(x) == int(sys.argv[2]), (len(x), sys.argv[2])
assert list(x[0]) == ["name", "cat", "ph", "ts", "dur", "pid", "tid", "args"], list(x[0])
m = [e for e in d if e["ph"] == "M"]
assert m[-1]["name"] == "process_sort_index"
assert all(e["pid"] == x[0]["pid"] for e in d)
' "$BATS_TEST_TMPDIR/$v.json" "$n"
		assert_success
	done
}

@test "crox: timestamps, arguments, process name" {
	"$SELFPROF" crox -o "$BATS_TEST_TMPDIR/t.json" "$DATA/tiny-all.mm_profdata"
	run python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
e = d[0]
# first event: target_machine_factory 11457..25xxx ns after start_time 1795541264929256262
assert e["name"] == "target_machine_factory" and e["cat"] == "GenericActivity", e
assert e["ts"] == 1795541264940714 and e["tid"] == 3 and e["pid"] == 32563 and e["args"] is None, e
assert {"args": {"name": "tiny"}, "cat": "", "name": "process_name", "ph": "M", "pid": 32563, "tid": 0, "ts": 0} in d
assert d[-1]["args"] == {"sort_index": 1795541264929256}
assert any(x["cat"] == "LLVM Pass" and x["args"] and "arg0" in x["args"] for x in d)
assert len({x["tid"] for x in d if x["ph"] == "X"}) == 3
' "$BATS_TEST_TMPDIR/t.json"
	assert_success
}

@test "crox --minimum-duration drops short intervals; several files" {
	all=$(count_intervals "$DATA/hello-1.95-args.mm_profdata")
	long=$("$SELFPROF" dump "$DATA/hello-1.95-args.mm_profdata" | awk -F'\t' '!/^#/ && $6 != "" && $6 - $5 >= 1000000' | wc -l)
	"$SELFPROF" crox --minimum-duration 1000 "$DATA/hello-1.95-args.mm_profdata" > "$BATS_TEST_TMPDIR/m.json"
	run python3 -c 'import json,sys; print(sum(e["ph"] == "X" for e in json.load(open(sys.argv[1]))))' "$BATS_TEST_TMPDIR/m.json"
	assert_success
	assert_output "$long"
	[ "$long" -lt "$all" ]
	"$SELFPROF" crox "$DATA/tiny-all.mm_profdata" "$DATA/geom-incr2.mm_profdata" > "$BATS_TEST_TMPDIR/two.json"
	run python3 -c 'import json,sys; print(len({e["pid"] for e in json.load(open(sys.argv[1]))}))' "$BATS_TEST_TMPDIR/two.json"
	assert_success
	assert_output 2
}

@test "crox: a bad input leaves no output file" {
	printf 'nope' > "$BATS_TEST_TMPDIR/bad.mm_profdata"
	run "$SELFPROF" crox -o "$BATS_TEST_TMPDIR/out.json" "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/bad.mm_profdata"
	assert_failure 1
	[ ! -e "$BATS_TEST_TMPDIR/out.json" ]
}

@test "crox --collapse-threads: threads that do not overlap share lanes, numbered by start" {
	# geom-incr2: thread 3 spans it all, 6 outlives 7, then 8..16 run one after another
	"$SELFPROF" crox --collapse-threads "$DATA/geom-incr2.mm_profdata" > "$BATS_TEST_TMPDIR/c.json"
	run python3 -c '
import json, sys
print(sorted({e["tid"] for e in json.load(open(sys.argv[1])) if e["ph"] == "X"}))' "$BATS_TEST_TMPDIR/c.json"
	assert_success
	assert_output "[0, 1, 2]"
	# geom-threads8: 13 takes over the lane of 8 (the first to end), 14 that of 6
	"$SELFPROF" crox "$DATA/geom-threads8.mm_profdata" > "$BATS_TEST_TMPDIR/p.json"
	"$SELFPROF" crox --collapse-threads "$DATA/geom-threads8.mm_profdata" > "$BATS_TEST_TMPDIR/c.json"
	run python3 -c '
import json, sys
p, c = (json.load(open(f)) for f in sys.argv[1:3])
print(sorted({(a["tid"], b["tid"]) for a, b in zip(p, c) if a["ph"] == "X"}))
' "$BATS_TEST_TMPDIR/p.json" "$BATS_TEST_TMPDIR/c.json"
	assert_success
	assert_output "[(4, 0), (5, 5), (6, 4), (7, 6), (8, 7), (9, 2), (10, 1), (11, 3), (13, 7), (14, 4)]"
	for v in $VECTORS; do
		"$SELFPROF" crox "$DATA/$v.mm_profdata" > "$BATS_TEST_TMPDIR/$v.json"
		"$SELFPROF" crox --collapse-threads "$DATA/$v.mm_profdata" > "$BATS_TEST_TMPDIR/$v.c.json"
		"$SELFPROF" dump "$DATA/$v.mm_profdata" > "$BATS_TEST_TMPDIR/$v.tsv"
		run python3 -c '
import json, sys
plain, lanes = (json.load(open(f)) for f in sys.argv[1:3])
span = {}	# thread -> [first, last] over intervals and instants, in ns
for line in open(sys.argv[3]):
    f = line.rstrip("\n").split("\t")
    if line[0] != "#" and f[4]:
        t, times = int(f[0]), [int(f[4]), int(f[5] or f[4])]
        span[t] = [min(span.get(t, times)[0], *times), max(span.get(t, times)[1], *times)]
lane = {}
assert len(plain) == len(lanes)
for p, c in zip(plain, lanes):	# the same trace but for the tids of X events
    if p["ph"] == "X":
        assert lane.setdefault(p["tid"], c["tid"]) == c["tid"], p
        p["tid"] = c["tid"]
    assert p == c, (p, c)
by_start = sorted(lane, key=lambda t: (span[t][0], t))
opened = [lane[t] for t in by_start if lane[t] not in [lane[u] for u in by_start[:by_start.index(t)]]]
assert opened == list(range(len(opened))), opened	# new lanes 0, 1, ... in start order
for t in lane:
    for u in lane:
        if t < u and lane[t] == lane[u]:
            assert span[t][1] < span[u][0] or span[u][1] < span[t][0], (t, u, span[t], span[u])
' "$BATS_TEST_TMPDIR/$v.json" "$BATS_TEST_TMPDIR/$v.c.json" "$BATS_TEST_TMPDIR/$v.tsv"
		assert_success
	done
	# lanes per file; --minimum-duration drops events, not the lanes of the rest
	"$SELFPROF" crox --collapse-threads -o "$BATS_TEST_TMPDIR/two.json" \
		"$DATA/geom-threads8.mm_profdata" "$DATA/geom-incr2.mm_profdata"
	"$SELFPROF" crox --collapse-threads --minimum-duration 1000 \
		"$DATA/geom-threads8.mm_profdata" "$DATA/geom-incr2.mm_profdata" > "$BATS_TEST_TMPDIR/long.json"
	run python3 -c '
import json, sys
d, long = (json.load(open(f)) for f in sys.argv[1:3])
assert long == [e for e in d if e["ph"] != "X" or e["dur"] >= 1000]
pids = list(dict.fromkeys(e["pid"] for e in d))
print([len({e["tid"] for e in d if e["ph"] == "X" and e["pid"] == p}) for p in pids], len(pids))
' "$BATS_TEST_TMPDIR/two.json" "$BATS_TEST_TMPDIR/long.json"
	assert_success
	assert_output "[8, 3] 2"
}

@test "flamegraph: sorted folded stacks summing to the total time of every vector" {
	for v in $VECTORS; do
		"$SELFPROF" flamegraph "$DATA/$v.mm_profdata" > "$BATS_TEST_TMPDIR/$v.folded"
		LC_ALL=C sort -c "$BATS_TEST_TMPDIR/$v.folded" || fail "$v: not sorted"
		sum=$(awk '{ s += $NF } END { print s }' "$BATS_TEST_TMPDIR/$v.folded")
		[ "$sum" = "$(cat "$DATA/$v.total_ns")" ] || fail "$v: $sum != total"
		grep -qv '^rustc' "$BATS_TEST_TMPDIR/$v.folded" && fail "$v: a stack not rooted at rustc"
		[ "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/$v.folded" | sort | uniq -d | wc -l)" -eq 0 ]
	done
}

@test "flamegraph: known stacks of tiny-all" {
	run "$SELFPROF" flamegraph "$DATA/tiny-all.mm_profdata"
	assert_success
	assert_line --regexp '^rustc [0-9]+$'
	assert_line --regexp '^rustc;LLVM_passes [0-9]+$'
	assert_line --regexp '^rustc;analysis;type_check_crate;typeck [0-9]+$'
}

@test "flamegraph --svg: well-formed, self-contained SVG with hover titles" {
	"$SELFPROF" flamegraph --svg -o "$BATS_TEST_TMPDIR/f.svg" "$DATA/hello-1.95-default.mm_profdata"
	run python3 -c '
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == ns + "svg"
frames = root.findall(ns + "g")
assert len(frames) > 100
assert not root.findall(".//" + ns + "script")
t = frames[0].find(ns + "title").text
assert t.startswith("rustc (") and t.endswith("100.00%)"), t
w = float(frames[0].find(ns + "rect").get("width"))
assert all(float(g.find(ns + "rect").get("width")) <= w + 0.01 for g in frames)
print(len(frames))
' "$BATS_TEST_TMPDIR/f.svg"
	assert_success
	run "$SELFPROF" flamegraph --svg --title 'a <b> & "c"' "$DATA/tiny-all.mm_profdata"
	assert_success
	assert_output --partial 'a &lt;b&gt; &amp; &quot;c&quot;'
}
