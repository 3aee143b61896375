#!/usr/bin/env bats
# selfprof compare: command line, and its numbers on real builds of
# tests/fixtures/workspace-compare (debug vs release, via rustc's own
# -Z self-profile and, as root with the tracer built, via selfprof-bpf)
# checked against `selfprof diff --json` and `selfprof summarize --tsv`.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup_file() {
	export SELFPROF_ROOT=${SELFPROF_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export SELFPROF=${SELFPROF:-$SELFPROF_ROOT/build/bin/selfprof}
	export SELFPROF_BPF=${SELFPROF_BPF:-$SELFPROF_ROOT/build/bin/selfprof-bpf}
	export PATH="$HOME/.cargo/bin:$PATH"
	export FIXTURE=$SELFPROF_ROOT/tests/fixtures/workspace-compare
	export RUNS=$BATS_FILE_TMPDIR/runs
	mkdir -p "$RUNS"
	# Two real builds, shared by the tests below: rustc writes one dump per process.
	if command -v cargo >/dev/null; then
		profiled_build "$RUNS/debug" "$BATS_FILE_TMPDIR/t-debug"
		profiled_build "$RUNS/release" "$BATS_FILE_TMPDIR/t-release" --release
	fi
}

# profiled_build OUTDIR TARGETDIR [cargo args]: a clean build with -Z self-profile.
profiled_build() {
	local out=$1 target=$2
	shift 2
	mkdir -p "$out"
	(cd "$FIXTURE" && RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Z self-profile=$out" \
		cargo build --quiet --offline --locked --target-dir "$target" "$@")
}

need_builds() {
	[ -n "$(ls "$RUNS/debug" 2>/dev/null)" ] || skip "cargo not available: no fixture builds"
}

check() {
	python3 "$BATS_TEST_DIRNAME/compare_check.py" "$@"
}

@test "compare: --help" {
	run "$SELFPROF" compare --help
	assert_success
	assert_output --partial "Usage: selfprof compare"
	assert_output --partial "--json"
}

@test "compare: usage errors exit 2" {
	run "$SELFPROF" compare "$BATS_FILE_TMPDIR"
	assert_failure 2
	assert_output --partial "expected two runs"
	run "$SELFPROF" compare --frobnicate a b
	assert_failure 2
	run "$SELFPROF" compare a b -o
	assert_failure 2
}

@test "compare: missing input, empty directory, broken dump exit 1" {
	run "$SELFPROF" compare /nonexistent/x "$SELFPROF_ROOT/tests/data/tiny-all.mm_profdata"
	assert_failure 1
	assert_output --partial "/nonexistent/x"
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run "$SELFPROF" compare "$BATS_TEST_TMPDIR/empty" "$SELFPROF_ROOT/tests/data/tiny-all.mm_profdata"
	assert_failure 1
	assert_output --partial "no .mm_profdata files"
	mkdir -p "$BATS_TEST_TMPDIR/broken"
	cp "$SELFPROF_ROOT/tests/data/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/broken/tiny-0000001.mm_profdata"
	printf 'not a profile' > "$BATS_TEST_TMPDIR/broken/junk-0000002.mm_profdata"
	run "$SELFPROF" compare "$BATS_TEST_TMPDIR/broken" "$BATS_TEST_TMPDIR/broken" --json
	assert_failure 1
	assert_output --partial "junk-0000002.mm_profdata"
}

@test "compare: --keep-going skips a broken dump and says so" {
	mkdir -p "$BATS_TEST_TMPDIR/broken"
	cp "$SELFPROF_ROOT/tests/data/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/broken/tiny-0000001.mm_profdata"
	printf 'not a profile' > "$BATS_TEST_TMPDIR/broken/junk-0000002.mm_profdata"
	run "$SELFPROF" compare -k "$BATS_TEST_TMPDIR/broken" "$BATS_TEST_TMPDIR/broken" -o "$BATS_TEST_TMPDIR/k.json" --json
	assert_success
	run jq -r '(.warnings | length), (.crates | map(.crate) | join(","))' "$BATS_TEST_TMPDIR/k.json"
	assert_success
	assert_output $'2\ntiny'
}

@test "compare: --keep-going names each skipped dump, in file name order, then fails if none is left" {
	local d=$BATS_TEST_TMPDIR/bad
	mkdir -p "$d"
	printf 'x' > "$d/b-0000002.mm_profdata"
	printf 'y' > "$d/a-0000001.mm_profdata"
	run "$SELFPROF" compare -k "$d" "$SELFPROF_ROOT/tests/data/tiny-all.mm_profdata" --json
	assert_failure 1
	assert_line --index 0 --regexp "^selfprof: compare: skipped $d/a-0000001.mm_profdata: $d/a-0000001.mm_profdata: not a "
	assert_line --index 1 --regexp "^selfprof: compare: skipped $d/b-0000002.mm_profdata: "
	assert_line --index 2 "selfprof: $d: no readable dump"
	[ "${#lines[@]}" -eq 3 ]
}

@test "compare: two single dumps, same file twice: every delta is zero" {
	local f=$SELFPROF_ROOT/tests/data/geom-incr2.mm_profdata
	run "$SELFPROF" compare "$f" "$f" --json
	assert_success
	echo "$output" > "$BATS_TEST_TMPDIR/same.json"
	run jq -r '[.crates[].queries[].delta[]] | map(select(. != 0)) | length' "$BATS_TEST_TMPDIR/same.json"
	assert_success
	assert_output 0
	# The crate of a file outside a build directory is its file name's stem.
	run jq -r '.crates[0].crate, .crates[0].in, (.crates[0].queries | length)' "$BATS_TEST_TMPDIR/same.json"
	assert_success
	assert_line --index 0 geom-incr2
	assert_line --index 1 both
	[ "${lines[2]}" -gt 100 ]
}

@test "compare: two different single dumps match selfprof diff label by label" {
	local a=$SELFPROF_ROOT/tests/data/geom-incr2.mm_profdata b=$SELFPROF_ROOT/tests/data/geom-threads8.mm_profdata
	"$SELFPROF" compare "$a" "$b" --json -o "$BATS_TEST_TMPDIR/c.json"
	"$SELFPROF" diff --json "$a" "$b" > "$BATS_TEST_TMPDIR/d.json"
	run jq -r '.crates | length, .[0].crate, .[0].in' "$BATS_TEST_TMPDIR/c.json"
	assert_success
	# the arrow as UTF-8 bytes: $'\u2192' depends on the caller's locale
	assert_output $'1\ngeom-incr2 \xe2\x86\x92 geom-threads8\nboth'
	run jq -r --slurpfile d "$BATS_TEST_TMPDIR/d.json" '
		[.crates[].queries[] | {(.label): .delta}] | add as $q
		| [$d[0].rows[] | select($q[.label].self_ns != .self_delta_ns or $q[.label].blocked_ns != .blocked_delta_ns
			or $q[.label].incr_load_ns != .incr_load_delta_ns or $q[.label].count != .count_delta)] | length' \
		"$BATS_TEST_TMPDIR/c.json"
	assert_success
	assert_output 0
}

@test "compare: debug vs release build of the fixture workspace matches diff and summarize" {
	need_builds
	run "$SELFPROF" compare "$RUNS/debug" "$RUNS/release" --json -o "$BATS_TEST_TMPDIR/c.json" \
		--base-name debug --new-name release
	assert_success
	run check "$SELFPROF" "$RUNS/debug" "$RUNS/release" "$BATS_TEST_TMPDIR/c.json"
	assert_success
	assert_output --regexp '^ok: [0-9]+ crates, [0-9]+ label deltas'
	# Every workspace crate is there, in both runs.
	run jq -r '[.crates[] | select(.in == "both") | .crate] | join(",")' "$BATS_TEST_TMPDIR/c.json"
	assert_success
	assert_output --partial "app,geo,render,shapes"
	run jq -r '.base.name, .new.name, .base.dumps, .new.dumps' "$BATS_TEST_TMPDIR/c.json"
	# cargo's ___ target-info probe dumps are not counted (no crate)
	assert_success
	assert_output $'debug\nrelease\n'"$(ls "$RUNS/debug" | grep -vc '^___-')"$'\n'"$(ls "$RUNS/release" | grep -vc '^___-')"
}

@test "compare: a package's lib and bin dumps (both crate app) are summed" {
	need_builds
	"$SELFPROF" compare "$RUNS/debug" "$RUNS/release" --json -o "$BATS_TEST_TMPDIR/c.json"
	run jq -r '.crates[] | select(.crate == "app") | .summed, (.base.dumps | length), (.new.dumps | length)' \
		"$BATS_TEST_TMPDIR/c.json"
	assert_success
	assert_output $'true\n2\n2'
	# The sum of the two dumps' summaries, label by label, is what compare reports.
	local want got
	want=$(for f in "$RUNS"/debug/app-*.mm_profdata; do "$SELFPROF" summarize --tsv "$f"; done |
		awk -F'\t' '!/^#/ && $1 == "typeck" { s += $2 } END { print s + 0 }')
	got=$(jq -r '.crates[] | select(.crate == "app") | .queries[] | select(.label == "typeck") | .base.self_ns' \
		"$BATS_TEST_TMPDIR/c.json")
	[ "$want" -gt 0 ]
	assert_equal "$got" "$want"
}

@test "compare: the optimised build visibly changes LLVM work" {
	need_builds
	"$SELFPROF" compare "$RUNS/debug" "$RUNS/release" --json -o "$BATS_TEST_TMPDIR/c.json"
	# -O runs LLVM's optimisation passes that a debug build skips or barely runs.
	run jq -r '[.crates[] | select(.crate == "geo") | .queries[] | select(.label | startswith("LLVM"))
		| select(.delta.count != 0 or .in != "both")] | length' "$BATS_TEST_TMPDIR/c.json"
	assert_success
	[ "$output" -gt 0 ]
}

@test "compare: crates in one run only are marked and still checked" {
	need_builds
	mkdir -p "$BATS_TEST_TMPDIR/base" "$BATS_TEST_TMPDIR/new"
	# base without render, new without shapes.
	for f in "$RUNS"/debug/*; do [[ $(basename "$f") == render-* ]] || ln -s "$f" "$BATS_TEST_TMPDIR/base/"; done
	for f in "$RUNS"/release/*; do [[ $(basename "$f") == shapes-* ]] || ln -s "$f" "$BATS_TEST_TMPDIR/new/"; done
	"$SELFPROF" compare "$BATS_TEST_TMPDIR/base" "$BATS_TEST_TMPDIR/new" --json -o "$BATS_TEST_TMPDIR/c.json"
	run jq -r '.crates[] | select(.crate == "render" or .crate == "shapes") | "\(.crate) \(.in) \(.self_change_pct)"' \
		"$BATS_TEST_TMPDIR/c.json"
	assert_success
	assert_line "render new null"
	assert_line "shapes base -100"
	run check "$SELFPROF" "$BATS_TEST_TMPDIR/base" "$BATS_TEST_TMPDIR/new" "$BATS_TEST_TMPDIR/c.json"
	assert_success
}

@test "compare: gzip-compressed dumps give the same numbers" {
	need_builds
	mkdir -p "$BATS_TEST_TMPDIR/gz"
	for f in "$RUNS"/release/*; do gzip -c "$f" > "$BATS_TEST_TMPDIR/gz/$(basename "$f").gz"; done
	"$SELFPROF" compare "$RUNS/debug" "$RUNS/release" --json | jq -S '.crates' > "$BATS_TEST_TMPDIR/plain.json"
	"$SELFPROF" compare "$RUNS/debug" "$BATS_TEST_TMPDIR/gz" --json | jq -S '.crates' |
		sed 's/\.mm_profdata\.gz"/.mm_profdata"/' > "$BATS_TEST_TMPDIR/gz.json"
	run diff "$BATS_TEST_TMPDIR/plain.json" "$BATS_TEST_TMPDIR/gz.json"
	assert_success
}

@test "compare: the HTML report embeds the same data, safely" {
	need_builds
	run "$SELFPROF" compare "$RUNS/debug" "$RUNS/release" -o "$BATS_TEST_TMPDIR/r.html"
	assert_success
	"$SELFPROF" compare "$RUNS/debug" "$RUNS/release" --json -o "$BATS_TEST_TMPDIR/c.json"
	run check --html "$BATS_TEST_TMPDIR/r.html" "$BATS_TEST_TMPDIR/c.json"
	assert_success
	# Self-contained: no URL the browser would fetch.
	run grep -Eo '(src|href)="[a-z]+:[^"]*"|@import|url\(' "$BATS_TEST_TMPDIR/r.html"
	assert_failure
	# Without -o the page goes to standard output.
	run bash -c '"$SELFPROF" compare "$RUNS/debug" "$RUNS/release" | head -c 15'
	assert_success
	assert_output "<!DOCTYPE html>"
}

@test "compare: a write error is reported" {
	need_builds
	[ -w /dev/full ] || skip "no /dev/full"
	run "$SELFPROF" compare "$RUNS/debug" "$RUNS/release" -o /dev/full
	assert_failure 1
	assert_output --partial "write error"
}

@test "compare: builds traced by selfprof-bpf (root only) match diff" {
	[ -x "$SELFPROF_BPF" ] || skip "selfprof-bpf not built"
	[ "$(id -u)" -eq 0 ] || skip "tracing needs root"
	command -v cargo >/dev/null || skip "cargo not available"
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/debug" "$t/release"
	(cd "$FIXTURE" && "$SELFPROF_BPF" -o "$t/debug/" -- \
		cargo build --quiet --offline --locked --target-dir "$t/td") 3>&-
	(cd "$FIXTURE" && "$SELFPROF_BPF" -o "$t/release/" -- \
		cargo build --quiet --offline --locked --target-dir "$t/tr" --release) 3>&-
	run "$SELFPROF" compare "$t/debug" "$t/release" --json -o "$t/c.json"
	assert_success
	run check "$SELFPROF" "$t/debug" "$t/release" "$t/c.json"
	assert_success
	run jq -r '[.crates[] | select(.in == "both") | .crate] | join(",")' "$t/c.json"
	assert_success
	assert_output --partial "geo"
}
