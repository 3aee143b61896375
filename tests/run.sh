#!/usr/bin/env bash
# Runs every C unit test binary and every bats file, each producing TAP, and
# prints the totals as the last line: "N passed, N failed[, N skipped]".
# BUILD selects the build tree (make test uses the sanitizer build).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# One known locale whatever the caller's: UTF-8 text (µs, →) in outputs and
# patterns means the same bytes everywhere. C.UTF-8 exists on Debian.
export LC_ALL=C.UTF-8
unset LANGUAGE
export BUILD SELFPROF_ROOT=$PWD
export SELFPROF="$PWD/$BUILD/bin/selfprof" SELFPROF_BPF="$PWD/$BUILD/bin/selfprof-bpf"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The tracer's discovery cache (user/hookcache.h): the run's own, root's
# 0700, so that no earlier run's entries (or the host's) decide anything
mkdir -m 0700 "$out/cache"
export SELFPROF_CACHE_DIR="$out/cache"
passed=0 failed=0 skipped=0

# TAP from the unit harness (tests/unit/test.h) and from bats: "ok N name",
# "ok N name # skip reason" (SKIP in any case), "not ok N name".
count_tap() { # file rc -> adds to totals, prints failures
	local p f s plan seen
	p=$(grep -cE '^ok [0-9]+' "$1")
	s=$(grep -ciE '^ok [0-9]+.* # ?skip\b' "$1")
	f=$(grep -cE '^not ok [0-9]+' "$1")
	passed=$((passed + p - s)) skipped=$((skipped + s)) failed=$((failed + f))
	grep -E -A15 '^not ok ' "$1" | sed 's/^/    /'
	# Tests the plan announced but that never reported (a crash, a
	# timeout) are failures too; so is a non-zero exit with no "not ok".
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$1" | head -1)
	seen=$((p + f))
	if [ -n "$plan" ] && [ "$seen" -lt "$plan" ]; then
		failed=$((failed + plan - seen))
		echo "    $(basename "$1" .tap): $((plan - seen)) of $plan tests never reported (exit $2):"
		tail -20 "$1" | sed 's/^/    /'
	elif [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		echo "    $(basename "$1" .tap) exited $2 with no failed test:"
		tail -20 "$1" | sed 's/^/    /'
	fi
}

summary() { # file kind name
	echo "$2 $3: $(grep -cE '^ok [0-9]+' "$1") ok ($(grep -ciE '^ok [0-9]+.* # ?skip\b' "$1") skipped), $(grep -cE '^not ok [0-9]+' "$1") not ok"
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	TMPDIR="$out" timeout 600 "$t" > "$out/$name.tap" 2>&1
	rc=$?
	summary "$out/$name.tap" unit "$name"
	count_tap "$out/$name.tap" "$rc"	# a crash (sanitizer, signal) fails
done

for b in tests/bats/*.bats; do
	[ -e "$b" ] || continue
	name=$(basename "$b" .bats)
	TMPDIR="$out" timeout 1800 bats --tap "$b" > "$out/$name.tap" 2>&1
	rc=$?
	summary "$out/$name.tap" bats "$name"
	count_tap "$out/$name.tap" "$rc"
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
