#!/usr/bin/env bats
# The selfprof compare page in headless Chromium (Debian's chromium, driven
# by playwright-core from npm: tests/browser/compare.test.js). A report of
# two real builds of tests/fixtures/workspace-compare, and a synthetic build
# of 300 crates x 500 queries for size and responsiveness. Screenshots go to
# $SELFPROF_TEST_OUT/compare (default build/test-output/compare).

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup_file() {
	export SELFPROF_ROOT=${SELFPROF_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export SELFPROF=${SELFPROF:-$SELFPROF_ROOT/build/bin/selfprof}
	export PATH="$HOME/.cargo/bin:$PATH"
	export BROWSER_DIR=$SELFPROF_ROOT/tests/browser
	export SHOTS=${SELFPROF_TEST_OUT:-$SELFPROF_ROOT/${BUILD:-build}/test-output}/compare
	export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
	mkdir -p "$SHOTS"
	# playwright-core, once, from the committed lock file (no browser download).
	if [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ] && command -v npm >/dev/null; then
		(cd "$BROWSER_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
			npm ci --no-audit --no-fund --loglevel=error) >"$BATS_FILE_TMPDIR/npm.log" 2>&1 ||
			cat "$BATS_FILE_TMPDIR/npm.log" >&2
	fi
}

need_browser() {
	command -v node >/dev/null || skip "node not installed"
	[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ||
		skip "playwright-core (tests/browser/package.json) needs node >= 20"
	[ -x "$CHROMIUM" ] || skip "chromium not installed (make deps)"
	[ -d "$BROWSER_DIR/node_modules/playwright-core" ] || skip "playwright-core could not be installed (npm offline?)"
}

browser_test() {
	node "$BROWSER_DIR/compare.test.js" "$@"
}

@test "compare page in Chromium: fixture build debug vs release" {
	need_browser
	command -v cargo >/dev/null || skip "cargo not available"
	local t=$BATS_TEST_TMPDIR fixture=$SELFPROF_ROOT/tests/fixtures/workspace-compare
	mkdir -p "$t/debug" "$t/release"
	(cd "$fixture" && RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Z self-profile=$t/debug" \
		cargo build --quiet --offline --locked --target-dir "$t/td")
	(cd "$fixture" && RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Z self-profile=$t/release" \
		cargo build --quiet --offline --locked --target-dir "$t/tr" --release)
	"$SELFPROF" compare "$t/debug" "$t/release" --base-name debug --new-name release -o "$t/r.html"
	"$SELFPROF" compare "$t/debug" "$t/release" --base-name debug --new-name release --json -o "$t/r.json"
	cp "$t/r.html" "$SHOTS/fixture.html"
	run browser_test --report "$t/r.html" --json "$t/r.json" --out "$SHOTS" --name fixture
	echo "$output"
	assert_success
	refute_output --partial "not ok"
	[ -s "$SHOTS/fixture-crate.png" ]
}

@test "compare page in Chromium: 300 crates x 500 queries, escaping, speed" {
	need_browser
	local t=$BATS_TEST_TMPDIR lib=$SELFPROF_ROOT/build/lib/libselfprof.a
	[ -f "$lib" ] || skip "no $lib to build the dump generator with"
	# Synthetic dumps from libselfprof's writer (tests/browser/gen_dumps.c).
	cc -O2 -std=gnu11 -Wall -Wextra -I"$SELFPROF_ROOT/tools/lib/selfprof" -o "$t/gen_dumps" \
		"$BROWSER_DIR/gen_dumps.c" "$lib" -lz
	mkdir -p "$t/a" "$t/b"
	"$t/gen_dumps" "$t/a" 300 500 0
	"$t/gen_dumps" "$t/b" 300 500 1
	local t0=$EPOCHREALTIME
	"$SELFPROF" compare "$t/a" "$t/b" -o "$t/s.html"
	local secs
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	"$SELFPROF" compare "$t/a" "$t/b" --json -o "$t/s.json"
	run python3 "$BATS_TEST_DIRNAME/compare_check.py" --html "$t/s.html" "$t/s.json"
	assert_success
	# The big case's numbers, per label, for a few crates (incl. the summed one).
	run python3 "$BATS_TEST_DIRNAME/compare_check.py" "$SELFPROF" "$t/a" "$t/b" "$t/s.json" 3
	assert_success
	local size
	size=$(stat -c %s "$t/s.html")
	echo "# 300x500 report: $size bytes, written in ${secs}s" >&3
	[ "$size" -lt 20000000 ]
	run browser_test --report "$t/s.html" --json "$t/s.json" --out "$SHOTS" --name synthetic \
		--nasty --budget-ms 5000
	echo "$output"
	assert_success
	refute_output --partial "not ok"
	echo "$output" | grep '^# synthetic' >&3
}
