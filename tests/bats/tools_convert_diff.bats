#!/usr/bin/env bats
# selfprof convert and selfprof diff.
load tools_helper

@test "convert keeps summary and dump of every vector (v9 out, plain and gzip)" {
	for v in $VECTORS; do
		for out in "$v.mm_profdata" "$v.mm_profdata.gz"; do
			"$SELFPROF" convert "$DATA/$v.mm_profdata" "$BATS_TEST_TMPDIR/$out"
			cmp <("$SELFPROF" summarize --tsv "$BATS_TEST_TMPDIR/$out") "$DATA/$v.summary.tsv" ||
				fail "summary of converted $out differs"
			cmp <("$SELFPROF" dump "$DATA/$v.mm_profdata") <("$SELFPROF" dump "$BATS_TEST_TMPDIR/$out") ||
				fail "dump of converted $out differs"
		done
		# the plain output is version 9, the .gz one gzip
		[ "$(head -c 8 "$BATS_TEST_TMPDIR/$v.mm_profdata" | od -An -tx1 | tr -d ' \n')" = 4d4d504409000000 ]
		[ "$(head -c 2 "$BATS_TEST_TMPDIR/$v.mm_profdata.gz" | od -An -tx1 | tr -d ' \n')" = 1f8b ]
	done
}

@test "convert reads gzip input and writes version 8 on request" {
	"$SELFPROF" convert "$DATA/hello-1.95-default.mm_profdata.gz" "$BATS_TEST_TMPDIR/h.mm_profdata"
	cmp <("$SELFPROF" summarize --tsv "$BATS_TEST_TMPDIR/h.mm_profdata") "$DATA/hello-1.95-default.summary.tsv"
	"$SELFPROF" convert --format-version 8 "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/t8.mm_profdata"
	[ "$(head -c 8 "$BATS_TEST_TMPDIR/t8.mm_profdata" | od -An -tx1 | tr -d ' \n')" = 4d4d504408000000 ]
	cmp <("$SELFPROF" dump "$DATA/tiny-all.mm_profdata") <("$SELFPROF" dump "$BATS_TEST_TMPDIR/t8.mm_profdata")
}

@test "convert of the v8 vector gives v9 that measureme-style readers agree on" {
	"$SELFPROF" convert "$DATA/hello-1.63-debian.mm_profdata" "$BATS_TEST_TMPDIR/old.mm_profdata"
	run "$SELFPROF" summarize "$BATS_TEST_TMPDIR/old.mm_profdata"
	assert_success
	assert_line "Total cpu time: $(python3 -c 'import sys; ns=int(sys.argv[1]); print("%d.%sms" % (ns // 10**6, ("%06d" % (ns % 10**6)).rstrip("0")) if ns < 10**9 else "%d.%ss" % (ns // 10**9, ("%09d" % (ns % 10**9)).rstrip("0")))' "$(cat "$DATA/hello-1.63-debian.total_ns")")"
}

@test "convert errors: bad input leaves no output, same file refused" {
	printf 'MMPD\x0a\x00\x00\x00' > "$BATS_TEST_TMPDIR/v10.mm_profdata"
	run "$SELFPROF" convert "$BATS_TEST_TMPDIR/v10.mm_profdata" "$BATS_TEST_TMPDIR/out.mm_profdata"
	assert_failure 1
	assert_output --partial "version 10"
	[ ! -e "$BATS_TEST_TMPDIR/out.mm_profdata" ]
	cp "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/same.mm_profdata"
	run "$SELFPROF" convert "$BATS_TEST_TMPDIR/same.mm_profdata" "$BATS_TEST_TMPDIR/same.mm_profdata"
	assert_failure 2
	cmp "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/same.mm_profdata"
	run "$SELFPROF" convert "$DATA/tiny-all.mm_profdata" /nonexistent-dir/x.mm_profdata
	assert_failure 1
	assert_output --regexp '^selfprof: /nonexistent-dir/x.mm_profdata: '
}

@test "diff of a profile with itself: all changes zero" {
	run "$SELFPROF" diff --tsv "$DATA/tiny-all.mm_profdata" "$DATA/tiny-all.mm_profdata"
	assert_success
	assert_line "# total_time_ns_change	0"
	[ "$(grep -v '^#' <<<"$output" | cut -f2,4,6-10 | sort -u)" = "$(printf '0\t0\t0\t0\t0\t0\t0')" ]
	run "$SELFPROF" diff "$DATA/tiny-all.mm_profdata" "$DATA/tiny-all.mm_profdata"
	assert_success
	assert_line "Total cpu time: +0ns"
	assert_line --index 1 --regexp '^\| Item +\| Self Time +\| Self Time Change \| Time +\| Time Change \| Item count \| Cache hits \| Blocked time \| Incremental load time \| Incremental hashing time \|$'
}

@test "diff of two vectors: union of labels, sorted by |self change|, signs" {
	local b=$DATA/hello-1.95-default.mm_profdata n=$DATA/geom-incr2.mm_profdata
	run "$SELFPROF" diff --tsv "$b" "$n"
	assert_success
	labels=$(cat "$DATA/hello-1.95-default.summary.tsv" "$DATA/geom-incr2.summary.tsv" | grep -v '^#' | cut -f1 | sort -u | wc -l)
	[ "$(grep -vc '^#' <<<"$output")" -eq "$labels" ]
	grep -v '^#' <<<"$output" | awk -F'\t' '{ v = $2 < 0 ? -$2 : $2; if (NR > 1 && v > prev) exit 1; prev = v }'
	t_b=$(cat "$DATA/hello-1.95-default.total_ns") t_n=$(cat "$DATA/geom-incr2.total_ns")
	assert_line "# total_time_ns_change	$((t_n - t_b))"
	# run_linker exists only in base: negated, -100%
	assert_line --regexp '^run_linker	-[0-9]+	-100\.00	-[0-9]+	-100\.00	'
	# <unknown> (virtual ids rustc never mapped) exists only in NEW: +inf
	assert_line --regexp '^<unknown>	[0-9]+	inf	'
	run "$SELFPROF" diff "$b" "$n"
	assert_success
	assert_line --regexp '^\| run_linker +\| -[0-9.]+ms +\| -100\.00% +\|'
	assert_line --regexp '^\| <unknown> +\| \+[0-9.]+(ns|µs|ms|s) +\| \+inf% +\|'
	assert_line --regexp '^Total cpu time: -[0-9.]+ms$'
	assert_line --regexp '^\| Item +\| Artifact Size Change \|$'
}

@test "diff --json, --exclude, --top" {
	run "$SELFPROF" diff --json -e LLVM --exclude link "$DATA/hello-1.95-default.mm_profdata" "$DATA/hello-1.96-debian.mm_profdata"
	assert_success
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["total_delta_ns"] == d["new_total_ns"] - d["base_total_ns"]
labels = [r["label"] for r in d["rows"]]
assert labels and not [l for l in labels if "LLVM" in l or "link" in l]
mags = [abs(r["self_delta_ns"]) for r in d["rows"]]
assert mags == sorted(mags, reverse=True)
' <<<"$output"
	run "$SELFPROF" diff --top 4 "$DATA/hello-1.95-default.mm_profdata" "$DATA/hello-1.96-debian.mm_profdata"
	assert_success
	[ "$(sed -n '4,/^+/p' <<<"$output" | grep -c '^| ')" -eq 4 ]
}

@test "diff of directories: crates matched by name, dumps of one crate summed" {
	local b=$BATS_TEST_TMPDIR/base n=$BATS_TEST_TMPDIR/new
	mkdir -p "$b" "$n"
	cp "$DATA/hello-1.95-default.mm_profdata" "$b/hello-0000101.mm_profdata"
	cp "$DATA/tiny-all.mm_profdata" "$b/tiny-0000102.mm_profdata"
	cp "$DATA/hello-1.96-debian.mm_profdata" "$n/hello-0000201.mm_profdata"
	cp "$DATA/geom-incr2.mm_profdata" "$n/geom-0000202.mm_profdata"
	gzip -c "$DATA/geom-threads8.mm_profdata" > "$n/geom-0000203.mm_profdata.gz"
	touch "$n/notes.txt"
	run "$SELFPROF" diff "$b" "$n"
	assert_success
	assert_line --regexp '^\| Crate +\| Base self time +\| New self time +\| Self time change +\| Change +\| Dumps \(base/new\) \| Note +\|$'
	assert_line --regexp '^\| geom +\| 0\.00ns +\| [0-9.]+ms +\| \+[0-9.]+ms +\| \+inf% +\| 0/2 +\| only in new +\|$'
	assert_line --regexp '^\| tiny +\| [0-9.]+ms +\| 0\.00ns +\| -[0-9.]+ms +\| -100\.00% +\| 1/0 +\| only in base +\|$'
	assert_line --regexp '^\| hello +\| [0-9.]+ms +\| [0-9.]+ms +\| [-+][0-9.]+ms +\| [-+][0-9.]+% +\| 1/1 +\| +\|$'
	assert_line "Per-label differences, all crates together:"
	run "$SELFPROF" diff --json "$b" "$n"
	assert_success
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
c = {x["crate"]: x for x in d["crates"]}
tsv = lambda v: sum(int(l.split("\t")[1]) for l in open(sys.argv[1] + "/" + v + ".summary.tsv") if not l.startswith("#"))
assert c["geom"]["new_self_ns"] == tsv("geom-incr2") + tsv("geom-threads8"), c["geom"]
assert c["geom"]["only_in"] == "new" and c["tiny"]["only_in"] == "base" and c["hello"]["only_in"] is None
assert c["hello"]["base_self_ns"] == tsv("hello-1.95-default")
tot = lambda v: int(open(sys.argv[1] + "/" + v + ".total_ns").read())
assert d["base_total_ns"] == tot("hello-1.95-default") + tot("tiny-all")
assert d["new_total_ns"] == tot("hello-1.96-debian") + tot("geom-incr2") + tot("geom-threads8")
' "$DATA" <<<"$output"
}

@test "diff errors: missing file, empty directory" {
	run "$SELFPROF" diff "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/nope.mm_profdata"
	assert_failure 1
	assert_output --regexp "^selfprof: $BATS_TEST_TMPDIR/nope.mm_profdata: "
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run "$SELFPROF" diff "$BATS_TEST_TMPDIR/empty" "$DATA/tiny-all.mm_profdata"
	assert_failure 1
	assert_output "selfprof: $BATS_TEST_TMPDIR/empty: no .mm_profdata files in this directory"
}

@test "diff of directories leaves out cargo's ___ target-info probe dumps" {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p base new
	cp "$DATA/geom-incr2.mm_profdata" base/geom-0000001.mm_profdata
	cp "$DATA/geom-threads8.mm_profdata" new/geom-0000002.mm_profdata
	printf 'MMPD' > new/___-0000003.mm_profdata	# rustc may leave it without strings
	run "$SELFPROF" diff base new
	assert_success
	refute_output --partial '___'
	assert_output --partial 'geom'
}
