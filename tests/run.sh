#!/usr/bin/env bash
# Runs every C unit test binary and every bats file, each producing TAP, and
# prints the totals as the last line: "N passed, N failed[, N skipped]".
# BUILD selects the build tree (make test uses the sanitizer build).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD SELFPROF_ROOT=$PWD
export SELFPROF="$PWD/$BUILD/bin/selfprof" SELFPROF_BPF="$PWD/$BUILD/bin/selfprof-bpf"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0 failed=0 skipped=0

count_tap() { # file -> adds to totals, prints failures
	local p f s
	p=$(grep -cE '^ok ' "$1" | tr -d ' ')
	s=$(grep -cE '^ok .*# ?skip' "$1" | tr -d ' ')
	f=$(grep -cE '^not ok ' "$1" | tr -d ' ')
	passed=$((passed + p - s)) skipped=$((skipped + s)) failed=$((failed + f))
	grep -E -A15 '^not ok ' "$1" | sed 's/^/    /'
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	TMPDIR="$out" timeout 600 "$t" > "$out/$name.tap" 2>&1
	rc=$?
	count_tap "$out/$name.tap"
	echo "unit $name: $(grep -cE '^ok ' "$out/$name.tap") ok, $(grep -cE '^not ok ' "$out/$name.tap") not ok"
	# A crash (sanitizer report, signal) with no "not ok" line still fails.
	if [ $rc -ne 0 ] && ! grep -qE '^not ok ' "$out/$name.tap"; then
		failed=$((failed + 1)); echo "    $name exited $rc:"; tail -20 "$out/$name.tap" | sed 's/^/    /'
	fi
done

for b in tests/bats/*.bats; do
	[ -e "$b" ] || continue
	name=$(basename "$b" .bats)
	TMPDIR="$out" timeout 1800 bats --tap "$b" > "$out/$name.tap" 2>&1
	count_tap "$out/$name.tap"
	echo "bats $name: $(grep -cE '^ok ' "$out/$name.tap") ok, $(grep -cE '^not ok ' "$out/$name.tap") not ok"
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
