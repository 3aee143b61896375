#!/usr/bin/env bash
# The tracer's benchmarks (root; run by tests/bench/run.sh):
#   1. cost per event against the floor of a null uprobe pair (tracer_floor)
#   2. overhead on a real compile: plain vs -Z self-profile vs selfprof-bpf,
#      interleaved runs, medians and ratios
#   3. attach time for every provider probe point
#   4. lost events at the highest rate (tracer_floor's 1e6 calls back to back)
#   TRACER_BENCH_CALLS (default 1000000), TRACER_BENCH_ROUNDS (default 5)
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BPF="$PWD/$BUILD/bin/selfprof-bpf"
calls=${TRACER_BENCH_CALLS:-1000000}
rounds=${TRACER_BENCH_ROUNDS:-5}
export PATH="$HOME/.cargo/bin:$PATH"

echo "== tracer: per-event cost vs the floor ($calls calls of a push/mov/pop/ret function)"
"$BUILD"/tests/bench/tracer_floor "$calls" | sed 's/^/  /'

command -v rustc >/dev/null || { echo "== tracer: no rustc, compile benchmarks skipped"; exit 0; }
w=$(mktemp -d "${TMPDIR:-/tmp}/tracer-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT
cp tests/fixtures/hello.rs "$w/"
cd "$w"

ms() { # command... -> wall milliseconds
	local t0 t1
	t0=$(date +%s%N)
	"$@" > /dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

compile_bench() { # name, rustc args...
	local name=$1; shift
	echo "== tracer: compile of $name (debug), $rounds interleaved rounds, median wall ms"
	: > plain.t; : > zsp.t; : > bpf.t; : > uret.t; : > exits.t
	for r in $(seq "$rounds"); do
		rm -rf zsp out; mkdir -p zsp out
		ms rustc "$@" >> plain.t
		ms env RUSTC_BOOTSTRAP=1 rustc -Z self-profile=zsp "$@" >> zsp.t
		ms "$BPF" --summary=none -o out/ -- rustc "$@" >> bpf.t
		ms "$BPF" --summary=none --returns=uret -o out/ -- rustc "$@" >> uret.t
		ms "$BPF" --summary=none --returns=exits -o out/ -- rustc "$@" >> exits.t
	done
	local p z b u x
	p=$(median < plain.t) z=$(median < zsp.t) b=$(median < bpf.t) u=$(median < uret.t)
	x=$(median < exits.t)
	echo "  plain_ms $p"
	echo "  self_profile_ms $z ratio $(awk "BEGIN { printf \"%.2f\", $z / $p }")"
	echo "  selfprof_bpf_ms $b ratio $(awk "BEGIN { printf \"%.2f\", $b / $p }") (default; includes startup)"
	echo "  selfprof_bpf_uretprobes_ms $u ratio $(awk "BEGIN { printf \"%.2f\", $u / $p }") (--returns=uret: return probes + unwind guard)"
	echo "  selfprof_bpf_exits_ms $x ratio $(awk "BEGIN { printf \"%.2f\", $x / $p }") (--returns=exits: a uprobe on each ret)"
}
compile_bench hello.rs --edition 2021 hello.rs -o hello
rs=/usr/share/cargo/registry/regex-syntax-0.6.27/src/lib.rs
if [ -e "$rs" ]; then
	compile_bench "regex-syntax 0.6.27" --edition 2018 --crate-type lib \
		--crate-name regex_syntax --cap-lints allow "$rs" -o librs.rlib
fi

echo "== tracer: attach time and lost events on that compile"
"$BPF" -v --summary=none -o out/ -- rustc --edition 2021 hello.rs -o hello 2>&1 |
	grep -E "attached|exit sites|lost|EVENTS LOST|probe hits" | sed 's/^selfprof-bpf: /  /'

echo "== tracer: startup (selfprof-bpf -- true: discovery, disassembly, calibration, attach, detach)"
: > st.t
for r in $(seq "$rounds"); do ms "$BPF" --summary=none -- true >> st.t; done
echo "  startup_ms $(median < st.t)"
# until the command runs (calibration's probes are detached meanwhile)
: > st.t
for r in $(seq "$rounds"); do
	t0=$(date +%s%N)
	t1=$("$BPF" --summary=none -- date +%s%N 2>/dev/null | head -1)
	echo $(( (t1 - t0) / 1000000 )) >> st.t
done
echo "  command_starts_after_ms $(median < st.t)"

# The first rustc of a trace is held at its exec while its library is
# discovered (symbols, exit sites, hook sites): `selfprof-bpf -- rustc -vV`
# less `rustc -vV`, with an empty discovery cache and with a warm one.
echo "== tracer: the first rustc's hold (discovery), cold and warm cache, median ms over rustc -vV"
mkdir -m 0700 cache
: > plain.t; : > cold.t; : > warm.t
for r in $(seq "$rounds"); do
	ms rustc -vV >> plain.t
	rm -f cache/hooks-*
	SELFPROF_CACHE_DIR=$PWD/cache ms "$BPF" --summary=none -- rustc -vV >> cold.t
	SELFPROF_CACHE_DIR=$PWD/cache ms "$BPF" --summary=none -- rustc -vV >> warm.t
done
p=$(median < plain.t)
echo "  hold_cold_ms $(( $(median < cold.t) - p ))  hold_warm_ms $(( $(median < warm.t) - p ))  (rustc -vV alone $p ms)"

# Accuracy: the 20 queries with the most self time in rustc's own profile
# (an untraced -Z self-profile run: in a traced one rustc's own intervals
# include our probes' time); their share of the total in our dump of the
# same compile command, mean absolute difference in percentage points;
# with the probe-cost correction (default) and without.
echo "== tracer: accuracy on hello.rs (top-20 queries' share of total time)"
SELFPROF="$(cd "$(dirname "$BPF")" && pwd)/selfprof"
shares() { # dump -> "label share%" for every label
	"$SELFPROF" summarize --tsv "$1" | awk -F'\t' '
		/^# total_time_ns/ { split($0, a, "\t"); total = a[2] }
		!/^#/ { self[$1] = $2 }
		END { for (l in self) printf "%s %.4f\n", l, 100 * self[l] / total }'
}
mad() { # own.shares ours.shares -> mean |difference| over own's top 20
	sort -k2 -g -r "$1" | head -20 > top.txt
	awk 'NR == FNR { ours[$1] = $2; next }
		{ d = $2 - ($1 in ours ? ours[$1] : 0); s += d < 0 ? -d : d; n++ }
		END { printf "%.2f (over %d queries)", s / n, n }' "$2" top.txt
}
rm -rf zsp; mkdir -p zsp
RUSTC_BOOTSTRAP=1 rustc --edition 2021 -Z self-profile=zsp hello.rs -o hello
# rustc's Query labels only (its GenericActivity rows are not compared)
"$SELFPROF" dump zsp/*.mm_profdata | awk -F'\t' '!/^#/ && $2 == "Query" { print $3 }' |
	sort -u > qlabels.txt
shares zsp/*.mm_profdata | awk 'NR == FNR { q[$1] = 1; next } ($1 in q)' qlabels.txt - > own.s
for mode in "" --no-correction; do
	rm -rf out; mkdir -p out
	"$BPF" --summary=none $mode -o out/ -- rustc --edition 2021 hello.rs -o hello 2>/dev/null
	shares out/*.mm_profdata > ours.s
	echo "  mad_pp${mode:+_no_correction} $(mad own.s ours.s)"
done

# Per query (issue 10's rule): every Query label rustc's own profile of
# regex-syntax calls >= 100 times, our summed self time within 10% or
# 2 us a call of rustc's (separate runs, both RUSTC_BOOTSTRAP=1). The
# labels off most, as ours/rustc's. Labels whose children rustc records
# and we do not (mir_pass_*: optimized_mir, mir_built...) are off by those.
if [ -e "$rs" ]; then
	echo "== tracer: per-query accuracy on regex-syntax (queries called >= 100 times)"
	RS=(--edition 2018 --crate-type lib --crate-name regex_syntax --cap-lints allow "$rs" -o librs.rlib)
	rm -rf zsp; mkdir -p zsp
	RUSTC_BOOTSTRAP=1 rustc -Z self-profile=zsp "${RS[@]}"
	"$SELFPROF" dump zsp/*.mm_profdata | awk -F'\t' '!/^#/ && $2 == "Query" { print $3 }' |
		sort -u > qlabels.txt
	for mode in "" --no-correction; do
		RUSTC_BOOTSTRAP=1 "$BPF" --summary=none $mode -o rs.mm_profdata -- rustc "${RS[@]}" 2>/dev/null
		"$SELFPROF" summarize --tsv zsp/*.mm_profdata > own.tsv
		"$SELFPROF" summarize --tsv rs.mm_profdata > ours.tsv
		awk -F'\t' -v mode="${mode:-correction}" '
			FILENAME == ARGV[1] { q[$1] = 1; next }
			FILENAME == ARGV[2] { if (!/^#/ && ($1 in q) && $4 >= 100) { ts[$1] = $2; tc[$1] = $4 }; next }
			!/^#/ && ($1 in ts) { d = $2 - ts[$1]; if (d < 0) d = -d; n++
				if (d <= ts[$1] / 10 || d <= 2000 * tc[$1]) ok++
				else bad = bad sprintf(" %s %.1fx", $1, $2 / ts[$1]) }
			END { printf "  perquery_within_rule %d of %d (%s)%s\n", ok, n, mode, bad }' \
			qlabels.txt own.tsv ours.tsv
	done
fi
