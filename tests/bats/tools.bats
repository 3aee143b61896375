#!/usr/bin/env bats
# selfprof command line: top level, summarize, dump, errors.
load tools_helper

@test "selfprof --help lists every subcommand" {
	run "$SELFPROF" --help
	assert_success
	for c in summarize diff dump crox flamegraph compare convert; do
		assert_output --partial "  $c "
	done
}

@test "selfprof without a command or with an unknown one is a usage error" {
	run "$SELFPROF"
	assert_failure 2
	run "$SELFPROF" frobnicate
	assert_failure 2
	assert_output "selfprof: unknown command 'frobnicate' (see 'selfprof --help')"
}

@test "selfprof --version" {
	run "$SELFPROF" --version
	assert_success
	assert_output --regexp '^selfprof [0-9]+\.[0-9]+'
}

@test "every subcommand has --help and -h" {
	for c in summarize diff dump crox flamegraph compare convert; do
		run "$SELFPROF" "$c" --help
		assert_success
		assert_output --partial "Usage: selfprof $c"
		run "$SELFPROF" "$c" -h
		assert_success
	done
}

@test "summarize --tsv is byte-identical to every vector's summary.tsv" {
	for v in $VECTORS; do
		"$SELFPROF" summarize --tsv "$DATA/$v.mm_profdata" > "$BATS_TEST_TMPDIR/$v.tsv"
		cmp "$BATS_TEST_TMPDIR/$v.tsv" "$DATA/$v.summary.tsv" || fail "summary of $v differs"
	done
}

@test "summarize --tsv reads gzip-compressed profiles" {
	run "$SELFPROF" summarize --tsv "$DATA/hello-1.95-default.mm_profdata.gz"
	assert_success
	assert_output "$(cat "$DATA/hello-1.95-default.summary.tsv")"
}

@test "summarize table: columns, dots, total cpu time, artifact sizes" {
	run "$SELFPROF" summarize "$DATA/tiny-all.mm_profdata"
	assert_success
	assert_line --index 0 --regexp '^\+-+\+'
	assert_line --index 1 --regexp '^\| Item +\| Self time +\| % of total time \| Time +\| Item count \| Cache hits \|$'
	assert_line --index 3 --regexp '^\| LLVM_passes \.+ +\| 33\.20ms +\| 16\.782 +\| 33\.20ms +\| 1 +\| 0 +\|$'
	assert_line "Total cpu time: 197.848085ms"
	assert_line --regexp '^\| Item +\| Artifact Size \|$'
	assert_line --regexp '^\| crate_metadata +\| 1711 bytes +\|$'
}

@test "summarize shows the optional columns only when used" {
	run "$SELFPROF" summarize "$DATA/hello-1.95-default.mm_profdata"
	assert_success
	assert_output --partial "| Item "	# the table is there, without the columns
	refute_output --partial "Blocked time"
	refute_output --partial "Incremental load time"
	run "$SELFPROF" summarize "$DATA/geom-threads8.mm_profdata"
	assert_success
	assert_output --partial "| Blocked time"
	run "$SELFPROF" summarize "$DATA/geom-incr2.mm_profdata"
	assert_success
	assert_output --partial "| Incremental load time"
	assert_output --partial "| Incremental result hashing time"
}

@test "summarize prints the total of every vector in Duration debug text" {
	for v in $VECTORS; do
		ns=$(cat "$DATA/$v.total_ns")
		expect=$(python3 -c '
import sys
ns = int(sys.argv[1])
for div, unit, digits in ((10**9, "s", 9), (10**6, "ms", 6), (10**3, "\u00b5s", 3), (1, "ns", 0)):
    if ns >= div or div == 1:
        frac = ("%0*d" % (digits, ns % div)).rstrip("0") if digits else ""
        print("%d%s%s" % (ns // div, "." + frac if frac else "", unit))
        break' "$ns")
		[ -n "$expect" ]
		run "$SELFPROF" summarize "$DATA/$v.mm_profdata"
		assert_success
		assert_line "Total cpu time: $expect"
	done
}

@test "summarize --top and --percent-above" {
	run "$SELFPROF" summarize --top 3 "$DATA/hello-1.95-default.mm_profdata"
	assert_success
	# exactly 3 rows in the first table (header, separator, rows, separator)
	[ "$(sed -n '4,/^+/p' <<<"$output" | grep -c '^| ')" -eq 3 ]
	assert_line --index 3 --regexp '^\| run_linker '
	run "$SELFPROF" summarize -p 5 "$DATA/hello-1.95-default.mm_profdata"
	assert_success
	assert_line --regexp '^Filtered results account for [0-9]+\.[0-9]{3}% of total time\.$'
	refute_output --partial "| typeck "
	run "$SELFPROF" summarize --percent-above 0 "$DATA/tiny-all.mm_profdata"
	assert_success
	assert_line "Filtered results account for 96.699% of total time."
}

@test "summarize --json is valid JSON with the total of every vector" {
	for v in $VECTORS; do
		"$SELFPROF" summarize --json "$DATA/$v.mm_profdata" > "$BATS_TEST_TMPDIR/$v.json"
		run python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["query_data"]
assert d["total_time_ns"] == int(open(sys.argv[2]).read())
t = d["total_time"]
assert t["secs"] * 10**9 + t["nanos"] == d["total_time_ns"]
tsv = [l.split("\t") for l in open(sys.argv[3]) if not l.startswith("#")]
assert len(rows) == len(tsv), (len(rows), len(tsv))
for r, l in zip(rows, tsv):
    assert r["self_ns"] == int(l[1]) and r["time_ns"] == int(l[2])
    assert r["invocation_count"] == int(l[3]) and r["number_of_cache_hits"] == int(l[7])
' "$BATS_TEST_TMPDIR/$v.json" "$DATA/$v.total_ns" "$DATA/$v.summary.tsv"
		assert_success
	done
}

@test "summarize several files: one table per file under a heading" {
	run "$SELFPROF" summarize "$DATA/tiny-all.mm_profdata" "$DATA/geom-incr2.mm_profdata"
	assert_success
	assert_line "== $DATA/tiny-all.mm_profdata =="
	assert_line "== $DATA/geom-incr2.mm_profdata =="
	[ "$(grep -c '^Total cpu time' <<<"$output")" -eq 2 ]
	run "$SELFPROF" summarize --json "$DATA/tiny-all.mm_profdata" "$DATA/geom-incr2.mm_profdata"
	assert_success
	python3 -c 'import json,sys; d = json.loads(sys.stdin.read()); assert len(d) == 2' <<<"$output"
}

@test "dump has one line per event and the kinds of kinds.txt" {
	for v in $VECTORS; do
		"$SELFPROF" dump "$DATA/$v.mm_profdata" > "$BATS_TEST_TMPDIR/dump"
		grep -v '^#' "$BATS_TEST_TMPDIR/dump" | cut -f2 | sort | uniq -c |
			awk '{n=$1; $1=""; print substr($0,2) "\t" n}' | sort > "$BATS_TEST_TMPDIR/kinds"
		awk '{n=$1; $1=""; print substr($0,2) "\t" n}' "$DATA/$v.kinds.txt" | sort > "$BATS_TEST_TMPDIR/expect"
		cmp "$BATS_TEST_TMPDIR/kinds" "$BATS_TEST_TMPDIR/expect" || fail "kinds of $v differ"
	done
}

@test "dump: header, metadata, escaped arguments, instants and integers" {
	run "$SELFPROF" dump "$DATA/tiny-all.mm_profdata"
	assert_success
	assert_line --index 0 "# start_time_ns	1795541264929256262"
	assert_line --index 1 "# process_id	32563"
	assert_line --index 3 "# counter	wall-time"
	assert_line --index 4 "# thread	kind	label	args	start_ns	end_ns	value"
	# an integer event: value only
	assert_line --regexp '^[0-9]+	ArtifactSize	object_file	[^	]+			[0-9]+$'
	# an instant: start only
	assert_line --regexp '^[0-9]+	QueryCacheHit	[a-z_]+	[^	]*	[0-9]+		$'
	# LLVM pass arguments, separator shown as \x1e when there are several
	run "$SELFPROF" dump "$DATA/hello-1.95-args.mm_profdata"
	assert_success
	assert_line --regexp '^3	GenericActivity	codegen_module	hello\.[0-9a-f]+-cgu\.0\\x1e[0-9]+	[0-9]+	[0-9]+	$'
}

@test "dump --thread keeps one thread" {
	run "$SELFPROF" dump --thread 6 "$DATA/tiny-all.mm_profdata"
	assert_success
	[ "$(grep -vc '^#' <<<"$output")" -gt 0 ]
	[ "$(grep -v '^#' <<<"$output" | cut -f1 | sort -u)" = 6 ]
}

@test "bad input: truncated, wrong magic, v7, v10, empty, missing -> exit 1, one line" {
	local t=$BATS_TEST_TMPDIR
	head -c 1000 "$DATA/tiny-all.mm_profdata" > "$t/trunc.mm_profdata"
	printf 'XXXX\x09\x00\x00\x00' > "$t/magic.mm_profdata"
	{ printf 'MMPD\x07\x00\x00\x00'; tail -c +9 "$DATA/tiny-all.mm_profdata"; } > "$t/v7.mm_profdata"
	{ printf 'MMPD\x0a\x00\x00\x00'; tail -c +9 "$DATA/tiny-all.mm_profdata"; } > "$t/v10.mm_profdata"
	: > "$t/empty.mm_profdata"
	for f in trunc magic v7 v10 empty missing; do
		for c in summarize dump crox flamegraph "flamegraph --svg"; do
			run "$SELFPROF" $c "$t/$f.mm_profdata"
			assert_failure 1
			[ "${#lines[@]}" -eq 1 ] || fail "$c $f: ${#lines[@]} lines"
			assert_output --regexp "^selfprof: $t/$f.mm_profdata: "
		done
	done
	run "$SELFPROF" summarize "$t/v7.mm_profdata"
	assert_failure 1
	assert_output --partial "version 7"
	run "$SELFPROF" dump "$t/v10.mm_profdata"
	assert_failure 1
	assert_output --partial "version 10"
	run "$SELFPROF" summarize --tsv "$DATA/tiny-all.mm_profdata" "$t/trunc.mm_profdata"
	assert_failure 1
}

@test "usage errors exit 2 with one line" {
	for args in "summarize" "summarize --bogus $DATA/tiny-all.mm_profdata" "summarize --top x $DATA/tiny-all.mm_profdata" \
		"summarize -p -3 $DATA/tiny-all.mm_profdata" "summarize --top" "dump" "dump a b" "dump -t x a" \
		"crox" "crox --minimum-duration abc a" "flamegraph" "flamegraph a b" "flamegraph --svgx a" \
		"convert a" "convert --format-version 7 a b" "diff a" "diff a b c" "diff --top z a b" \
		"compare a" "compare --bogus a b" "compare a b -o"; do
		run "$SELFPROF" $args
		assert_failure 2
		[ "${#lines[@]}" -eq 1 ] || fail "'$args' printed ${#lines[@]} lines"
		assert_output --regexp '^selfprof: [a-z]+: '
	done
}

@test "write errors on stdout are reported, not ignored" {
	for c in "summarize" "summarize --tsv" "summarize --json" "dump" "crox" "flamegraph" "flamegraph --svg"; do
		run bash -c "'$SELFPROF' $c '$DATA/tiny-all.mm_profdata' > /dev/full"
		assert_failure 1
		assert_output --partial "write error"
	done
	run bash -c "'$SELFPROF' diff '$DATA/tiny-all.mm_profdata' '$DATA/geom-incr2.mm_profdata' > /dev/full"
	assert_failure 1
	run bash -c "'$SELFPROF' --help > /dev/full"
	assert_failure 1
}

@test "a fresh rustc profile: summarize, dump, crox, flamegraph, convert" {
	make_rustc_profile
	run "$SELFPROF" summarize --tsv "$FRESH"
	assert_success
	assert_line --index 0 "# label	self_ns	time_ns	count	blocked_ns	incr_load_ns	hashing_ns	cache_hits"
	assert_output --partial "typeck	"
	run "$SELFPROF" summarize "$FRESH"
	assert_success
	assert_output --partial "Total cpu time: "
	"$SELFPROF" crox -o "$BATS_TEST_TMPDIR/fresh.json" "$FRESH"
	json_ok "$BATS_TEST_TMPDIR/fresh.json"
	total=$("$SELFPROF" summarize --tsv "$FRESH" | sed -n 's/^# total_time_ns\t//p')
	sum=$("$SELFPROF" flamegraph "$FRESH" | awk '{s += $NF} END {print s + 0}')
	[ "$total" -gt 0 ]
	[ "$total" = "$sum" ]
	"$SELFPROF" convert "$FRESH" "$BATS_TEST_TMPDIR/fresh2.mm_profdata"
	cmp <("$SELFPROF" dump "$FRESH") <("$SELFPROF" dump "$BATS_TEST_TMPDIR/fresh2.mm_profdata")
}

@test "corrupted profiles never crash any subcommand (exit 0 or 1)" {
	local m=$BATS_TEST_TMPDIR/m.mm_profdata
	for seed in 1 2 3 4 5 6 7 8 9 10 11 12; do
		python3 - "$DATA/tiny-all.mm_profdata" "$m" "$seed" <<'PY'
import random, sys
src, dst, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = random.Random(seed)
d = bytearray(open(src, "rb").read())
for _ in range(r.randint(1, 30)):
    # half of the hits in the late string-data pages, where damage is subtle
    lo = 8 if r.random() < 0.5 else max(8, len(d) - 60000)
    d[r.randrange(lo, len(d))] = r.randrange(256)
if seed % 4 == 0:
    d = d[:r.randrange(8, len(d))]
open(dst, "wb").write(d)
PY
		for c in summarize "summarize --json" dump crox flamegraph "flamegraph --svg"; do
			run "$SELFPROF" $c "$m"
			[ "$status" -le 1 ] || fail "seed $seed: $c exited $status"
		done
		run "$SELFPROF" convert "$m" "$BATS_TEST_TMPDIR/c.mm_profdata"
		[ "$status" -le 1 ] || fail "seed $seed: convert exited $status"
		run "$SELFPROF" diff "$m" "$DATA/tiny-all.mm_profdata"
		[ "$status" -le 1 ] || fail "seed $seed: diff exited $status"
	done
}

@test "-o naming an input file is refused and the input left intact" {
	cp "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/in.mm_profdata"
	for c in dump crox flamegraph "flamegraph --svg"; do
		run "$SELFPROF" $c -o "$BATS_TEST_TMPDIR/in.mm_profdata" "$BATS_TEST_TMPDIR/in.mm_profdata"
		assert_failure 2
		assert_output --partial "is an input file"
	done
	cmp "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/in.mm_profdata"
}

@test "output files: -o writes the same bytes as stdout" {
	for c in dump crox flamegraph "flamegraph --svg"; do
		"$SELFPROF" $c "$DATA/geom-incr2.mm_profdata" > "$BATS_TEST_TMPDIR/stdout"
		"$SELFPROF" $c -o "$BATS_TEST_TMPDIR/file" "$DATA/geom-incr2.mm_profdata"
		cmp "$BATS_TEST_TMPDIR/stdout" "$BATS_TEST_TMPDIR/file" || fail "$c -o differs"
	done
	run "$SELFPROF" dump -o /nonexistent-dir/x "$DATA/geom-incr2.mm_profdata"
	assert_failure 1
	assert_output --regexp '^selfprof: /nonexistent-dir/x: cannot create: '
}

@test "option errors name the option: unknown, missing value, value not taken" {
	run "$SELFPROF" diff --json=1 a b
	assert_failure 2
	assert_output "selfprof: diff: option '--json' takes no value (see 'selfprof diff --help')"
	run "$SELFPROF" dump --bogus=3 x
	assert_failure 2
	assert_output --partial "unknown option '--bogus=3'"
	run "$SELFPROF" summarize -Z x
	assert_failure 2
	assert_output --partial "unknown option '-Z'"
	run "$SELFPROF" summarize --top
	assert_failure 2
	assert_output --partial "option '--top' needs a value"
}

@test "summarize DIR: crates by self time, then the rows summed over all crates" {
	cd "$BATS_TEST_TMPDIR"
	mkdir build
	cp "$DATA/geom-threads8.mm_profdata" build/geom-0000001.mm_profdata
	cp "$DATA/geom-incr2.mm_profdata" build/geom-0000002.mm_profdata	# two dumps of one crate
	cp "$DATA/tiny-all.mm_profdata" build/tiny-0000003.mm_profdata
	run "$SELFPROF" summarize build
	assert_success
	assert_line --index 0 '2 crates by self time (3 dumps):'
	assert_line --regexp '^\| geom +\| [0-9.]+ms +\| [0-9.]+ +\| 2 +\| geom-0000001\.mm_profdata +\|$'
	assert_line 'All 2 crates, summed:'
	# the summed rows equal the sum of the three dumps' rows
	want=$(for f in build/*; do "$SELFPROF" summarize --tsv "$f"; done |
		awk -F'\t' '$1 == "typeck" { s += $2; n += $4 } END { print s "\t" n }')
	run "$SELFPROF" summarize --tsv build
	assert_success
	assert_line --index 0 --regexp '^# crate	geom	[0-9]+	2$'
	[ "$(echo "$output" | awk -F'\t' '$1 == "typeck" { print $2 "\t" $4 }')" = "$want" ]
	run "$SELFPROF" summarize --json build
	assert_success
	echo "$output" | python3 -c 'import json,sys; d = json.load(sys.stdin); assert [c["name"] for c in d["crates"]] == ["geom", "tiny"], d["crates"]'
}
