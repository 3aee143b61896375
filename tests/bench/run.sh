#!/usr/bin/env bash
# make bench: every benchmark, results printed as figures and ratios in one run.
#   BENCH_EVENTS   events in the format benchmark (default 10000000)
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
events=${BENCH_EVENTS:-10000000}

echo "== format library: write then summarize $events synthetic events (~500 labels, nested, 5 threads)"
# tmpfs: the library's speed, not this VM disk's writeback throttling.
"$BUILD"/tests/bench/bench_format "$events" /dev/shm | sed 's/^/  /'
echo "-- same on a disk-backed directory (${TMPDIR:-/tmp})"
"$BUILD"/tests/bench/bench_format "$events" "${TMPDIR:-/tmp}" | grep -E 'per_sec' | sed 's/^/  /'
echo "-- peak RSS does not follow the event count: 1/10 of the events"
"$BUILD"/tests/bench/bench_format $((events / 10)) /dev/shm | grep -E 'rss' | sed 's/^/  /'

# The tracer's benchmarks (root only) live beside this script.
for b in tests/bench/tracer*.sh; do
	[ -x "$b" ] || continue
	if [ "$(id -u)" -ne 0 ]; then
		echo "== $(basename "$b"): skipped (needs root)"
		continue
	fi
	"$b"
done
