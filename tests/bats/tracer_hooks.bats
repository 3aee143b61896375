#!/usr/bin/env bats
# Hooks (the default): GenericActivity events from rustc's own dormant
# profiler hooks: start and end are plain instruction probes paired by stack
# pointer, no return probe. Each compile runs once, traced, with rustc's own
# -Z self-profile on in the same process, so both profiles describe the
# same work (RUSTC_BOOTSTRAP=1 by itself changes rustc's work: it is set
# for both). Every (kind, label) count we record must equal rustc's, and
# every label rustc records that we do not must be one of the few named
# below, each for a reason.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load tracer_helper

setup() {
	tracer_setup hooks
	cp "$FIX/hello.rs" "$FIX/typeerr.rs" .
}

teardown() {
	# a background trace left by a failed test: end its input, then it
	{ exec 8>&-; } 2>/dev/null
	[ -n "${tracer:-}" ] && kill "$tracer" 2>/dev/null && wait "$tracer" 2>/dev/null
	[ -n "${W:-}" ] && cd / && rm -rf "$W"
	return 0
}

# Labels rustc records that the hooks cannot give, and why:
#   mir_pass_*      MIR pass names come through a vtable at run time
#   self_profile_*  rustc's profiler's own work, only when it profiles
#   <unknown>       Query events of anonymous queries (-C incremental)
#   encode_query_results, link_binary_check_files_are_writeable: guards
#                   that move into a closure (-C incremental; < 0.2%)
unreachable() {
	case $1 in
	mir_pass_* | self_profile_* | '<unknown>' | encode_query_results | \
		link_binary_check_files_are_writeable) return 0 ;;
	esac
	return 1
}

# dump -> "kind<TAB>label<TAB>count" of its Query, GenericActivity and
# QueryBlocked events
counts() {
	"$SELFPROF" dump "$1" | awk -F'\t' '!/^#/ && ($2 == "Query" || $2 == "GenericActivity" ||
		$2 == "QueryBlocked") {
		c[$2 "\t" $3]++ } END { for (k in c) print k "\t" c[k] }' | sort
}

# Trace one compile with rustc's own profiler on; compare. $@: rustc's arguments.
traced_with_own() {
	rm -rf ours own
	mkdir own
	# shellcheck disable=SC2086 # RUSTC: a command, OPTS options: words split on purpose
	run env RUSTC_BOOTSTRAP=1 "$SELFPROF_BPF" --hooks ${OPTS:-} --summary=none -o ours/ -- \
		${RUSTC:-rustc} -Z self-profile=own "$@"
	echo "$output" | grep -Eq "^selfprof-bpf: lost events: ${LOST_WANT:-0$}"
	counts ours/*.mm_profdata > ours.txt
	counts own/*.mm_profdata > theirs.txt
}

# Nothing recorded that rustc did not record with the same count; what
# rustc records and we do not is named above.
assert_same_counts() {
	run comm -23 ours.txt theirs.txt
	assert_output ""
	missing=""
	while read -r l; do
		unreachable "$l" || missing="$missing $l"
	done < <(comm -23 <(cut -f2 theirs.txt | sort -u) <(cut -f2 ours.txt | sort -u))
	[ -z "$missing" ] || fail "recorded by rustc, not by us:$missing"
}

activities() { awk -F'\t' '$1 == "GenericActivity"' "$1" | wc -l; }

@test "hooks: a plain compile: every Query and GenericActivity count equals rustc's own" {
	traced_with_own hello.rs -o hello
	assert_same_counts
	[ "$(activities ours.txt)" -ge 100 ]
	# a verbose activity moved by rep movsq, a guard moved word by word,
	# activities of one function sharing a guard slot, metadata decoding
	for l in run_linker pre_AST_expansion_lint_checks expand_crate late_resolve_crate \
		finish_ongoing_codegen metadata_decode_entry_def_kind; do
		grep -q "^GenericActivity	$l	" ours.txt || fail "no $l"
	done
}

@test "hooks on the nightly toolchain: a plain compile's counts equal rustc's own" {
	rustup run nightly rustc --version > /dev/null 2>&1 || skip "no nightly toolchain"
	RUSTC="rustup run nightly rustc" traced_with_own hello.rs -o hello
	assert_success
	assert_same_counts
	[ "$(activities ours.txt)" -ge 100 ]
}

# QueryBlocked (a query waiting for another thread computing it) is named
# after the query waited for: the execute_query_* context frames of
# --probes=all give that name. Not default: they cost 12% more on
# regex-syntax (2.54x against 2.26x), and only -Z threads=N blocks.
@test "--probes=all under -Z threads=4: QueryBlocked counts equal rustc's own" {
	cp "$FIX/geom.rs" .
	OPTS=--probes=all traced_with_own -Z threads=4 --crate-type lib geom.rs
	assert_success
	assert_same_counts
	grep -q '^QueryBlocked	' theirs.txt || skip "no query blocked in this run (rustc's own has none)"
	# every label's count equal (above), and no label of rustc's missing
	[ "$(grep -c '^QueryBlocked	' ours.txt)" -eq "$(grep -c '^QueryBlocked	' theirs.txt)" ]
}

@test "hooks: -C opt-level=3: counts equal rustc's own" {
	traced_with_own -C opt-level=3 hello.rs -o hello
	assert_same_counts
}

@test "hooks: a compile with a type error: counts equal rustc's own" {
	# The query the error unwinds out of ends in rustc's profile (its guard
	# records while unwinding) but not in ours: rustc exits before any
	# outer frame of ours ends. It is counted as lost, not dropped silently.
	LOST_WANT="([0-9]+) \(.*no end seen before the thread exited ([0-9]+)," \
		traced_with_own typeerr.rs -o typeerr
	unended=$(echo "$output" | sed -nE 's/.*no end seen before the thread exited ([0-9]+),.*/\1/p')
	# rustc exits 1 and names no query of its own profile (it writes
	# their strings only at the end of a successful session): compare
	# the Query total, and every activity. rustc records one query more
	# (6,530 against 6,529 on 1.95): the one we count as unended.
	[ "$status" -eq 1 ]
	q() { awk -F'\t' '$1 == "Query" { n += $3 } END { print n + 0 }' "$1"; }
	[ "$(q ours.txt)" -gt 1000 ]
	[ "$unended" -ge 1 ]
	[ "$(q ours.txt)" -le "$(q theirs.txt)" ]
	[ "$(q theirs.txt)" -le "$(( $(q ours.txt) + unended ))" ]
	grep GenericActivity ours.txt > ours.ga
	grep GenericActivity theirs.txt > theirs.ga
	run comm -23 ours.ga theirs.ga
	assert_output ""
	[ "$(activities ours.ga)" -ge 50 ]
}

# Hashing we do not record, so rustc's count of these labels is higher:
# results fed, not computed (TyCtxt::create_def and friends), named only
# by the feeding caller; and rustc's <unknown>, codegen units and the
# metadata hashed by with_task in compile_codegen_unit and encode_metadata
# (dep nodes that are no query).
fed() {
	case $1 in
	def_kind | def_span | visibility | crate_name | features_query | crate_for_resolver | \
		output_filenames | '<unknown>') return 0 ;;
	esac
	return 1
}

hashing() {
	"$SELFPROF" dump "$1" | awk -F'\t' '!/^#/ && $2 == "IncrementalResultHashing" {
		c[$3]++ } END { for (k in c) print k "\t" c[k] }' | sort
}

# Per label: equal to rustc's own, or (a fed query) at most rustc's.
assert_same_hashing() {
	hashing ours/*.mm_profdata > ours.txt
	hashing own/*.mm_profdata > theirs.txt
	bad=""
	while IFS=$'\t' read -r label theirs; do
		mine=$(awk -F'\t' -v l="$label" '$1 == l { print $2 }' ours.txt)
		if fed "$label"; then
			[ "${mine:-0}" -le "$theirs" ] || bad="$bad $label:${mine}>$theirs"
		else
			[ "${mine:-0}" = "$theirs" ] || bad="$bad $label:${mine:-0}!=$theirs"
		fi
	done < theirs.txt
	run comm -23 <(cut -f1 ours.txt) <(cut -f1 theirs.txt)
	assert_output ""
	# our fallback name (no query ended before the hashing) never appears
	run grep -c '^<unknown>' ours.txt
	assert_output 0
	[ -z "$bad" ] || fail "IncrementalResultHashing counts differ:$bad"
}

@test "hooks: three incremental steps: IncrementalResultHashing counts equal rustc's own" {
	cp "$FIX/geom.rs" .
	# first build, unchanged rebuild, rebuild after adding a function
	for step in 1 2 3; do
		[ "$step" = 3 ] && echo 'pub fn added_fn(x: u64) -> u64 { x * 3 + 1 }' >> geom.rs
		traced_with_own --crate-type=lib -C incremental=inc geom.rs
		assert_success
		assert_same_hashing
		n=$(awk -F'\t' '{ s += $2 } END { print s + 0 }' ours.txt)
		echo "step $step: $n hashing events, $(wc -l < ours.txt) labels" >&2
		[ "$step" != 1 ] || [ "$n" -ge 1000 ]
		[ "$step" = 1 ] || [ "$n" -ge 20 ]
	done
}

@test "hooks: a hashing never takes another query's name, even past the return-probe limit" {
	# 400 nested types: past the kernel's 64 pending return probes, query
	# frames are refused; the hashing after a refused query must not take
	# the name of whichever query last ended (it is <unknown>, and counted)
	{
		echo '#![recursion_limit = "2048"]'
		echo 'pub struct S0(pub u8);'
		for i in $(seq 1 399); do echo "pub struct S$i(pub S$((i - 1)));"; done
		echo 'fn main() { println!("{}", std::mem::size_of::<S399>()); }'
	} > deep.rs
	LOST_WANT="[1-9][0-9]* \(.*kernel return-probe nesting limit [1-9]" \
		traced_with_own -C incremental=inc deep.rs
	assert_success
	hashing ours/*.mm_profdata > ours.txt
	hashing own/*.mm_profdata > theirs.txt
	over=$(join -t $'\t' -a1 -e0 -o 0,1.2,2.2 ours.txt theirs.txt |
		awk -F'\t' '$1 != "<unknown>" && $2 > $3 { printf " %s:%s>%s", $1, $2, $3 }')
	[ -z "$over" ] || fail "hashing named after the wrong query:$over"
	run awk -F'\t' '$1 == "<unknown>" { print $2 }' ours.txt
	[ "${output:-0}" -gt 0 ]
}

@test "--hooks without rustc's profiler on: counts equal a separate run of rustc's own" {
	# With profiling off, the code after a hook's branch may skip the end
	# test (the compiler knows the guard is None there): fewer labels
	# pair than with rustc's profiler on (95 against 140 on 1.95's
	# hello.rs), but none may be wrong, and nothing may be lost here.
	run env RUSTC_BOOTSTRAP=1 "$SELFPROF_BPF" --hooks --summary=none -o off.mm_profdata -- \
		rustc hello.rs -o hello
	assert_success
	echo "$output" | grep -q '^selfprof-bpf: lost events: 0$'
	mkdir own
	RUSTC_BOOTSTRAP=1 rustc -Z self-profile=own hello.rs -o hello
	counts off.mm_profdata > ours.txt
	counts own/*.mm_profdata > theirs.txt
	run comm -23 ours.txt theirs.txt
	assert_output ""
	[ "$(activities ours.txt)" -ge 20 ]
}

@test "--no-hooks: only the pass functions' activities" {
	run "$SELFPROF_BPF" --no-hooks --summary=none -o nohooks.mm_profdata -- rustc hello.rs -o hello
	assert_success
	n=$("$SELFPROF" dump nohooks.mm_profdata |
		awk -F'\t' '!/^#/ && $2 == "GenericActivity" { print $3 }' | sort -u | wc -l)
	[ "$n" -ge 5 ] && [ "$n" -le 17 ]
}

@test "hooks: their end probes are charged an emulated probe's cost, not a ret's" {
	# Charged the ~10 us of a single-stepped ret, every hook end froze the
	# thread's corrected clock: all 33,000 events of hello.rs lasted 0 ns.
	for mode in hooks no-hooks; do
		run "$SELFPROF_BPF" --$mode --summary=none -o $mode.mm_profdata -- rustc hello.rs -o hello
		assert_success
	done
	analysis() { "$SELFPROF" dump "$1" |
		awk -F'\t' '!/^#/ && $2 == "Query" && $3 == "analysis" { n += $6 - $5 } END { print n + 0 }'; }
	a=$(analysis hooks.mm_profdata) b=$(analysis no-hooks.mm_profdata)
	echo "analysis: $a ns with hooks, $b without"
	[ "$b" -gt 0 ]
	[ "$a" -gt $((b / 2)) ] && [ "$a" -lt $((b * 2)) ]
}

# While a trace is attached, the kernel writes its breakpoints (int3) into
# every private mapping of the library, read-only ones too. Discovery must
# read the file as it is: another user's trace running at the same time
# must not change which hooks (or their probes) we find.
@test "hook discovery does not see another trace's breakpoints" {
	run "$SELFPROF_BPF" --list-hooks
	assert_success
	echo "$output" > before.txt
	mkfifo src
	"$SELFPROF_BPF" --summary=none -o t.mm_profdata -- \
		rustc --crate-type lib --emit metadata -o t.rmeta - < src 2> trace.err 3>&- &
	tracer=$!
	exec 8> src
	# rustc blocks reading its source from stdin only once it runs, after
	# its exec hold: the probes are attached by then
	for _ in $(seq 600); do
		pid=$(pgrep -P "$tracer" rustc || true)
		[ -n "$pid" ] && [[ "$(cat /proc/"$pid"/syscall 2>/dev/null)" == "0 0x0 "* ]] && break
		sleep 0.1
	done
	[[ "$(cat /proc/"$pid"/syscall)" == "0 0x0 "* ]]
	run "$SELFPROF_BPF" --list-hooks
	exec 8>&-
	wait "$tracer"
	assert_success
	diff before.txt <(echo "$output")
}

# Discovery (0.7 s on 1.95, more under ASan) is kept in root's cache: the
# second trace of the same library reads it and records the same events.
@test "hook discovery is cached: a second trace reads it and records the same" {
	# only on file systems whose owners and times the kernel keeps
	case $(stat -f -c %T .) in
	ext2/ext3 | xfs | btrfs | tmpfs) ;;
	*) skip "work directory on $(stat -f -c %T .): no cache there by design" ;;
	esac
	findmnt -no OPTIONS -T . | grep -Eqw 'nosuid|nodev' && skip "nosuid/nodev mount: no cache there"
	mkdir -m 0700 cache
	export SELFPROF_CACHE_DIR=$PWD/cache
	run "$SELFPROF_BPF" -v --summary=none -o a.mm_profdata -- rustc hello.rs -o hello
	assert_success
	assert_output --regexp "selfprof-bpf: .*librustc_driver.*: [0-9]+ hook sites found, cached"
	[ "$(ls cache/hooks-* | wc -l)" -eq 1 ]
	run "$SELFPROF_BPF" -v --summary=none -o b.mm_profdata -- rustc hello.rs -o hello
	assert_success
	assert_output --regexp "selfprof-bpf: .*librustc_driver.*: [0-9]+ hook sites from the cache"
	counts a.mm_profdata > a.txt
	counts b.mm_profdata > b.txt
	[ "$(activities a.txt)" -gt 100 ]
	diff a.txt b.txt
	# a cache others may write is not used
	chmod 0777 cache
	run "$SELFPROF_BPF" -v --summary=none -o c.mm_profdata -- rustc hello.rs -o hello
	assert_success
	assert_output --regexp "hook sites found \(not cached\)"
}
