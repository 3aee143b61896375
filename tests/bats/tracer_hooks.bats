#!/usr/bin/env bats
# --hooks (experimental): GenericActivity events from rustc's own dormant
# profiler hooks, start and end as plain instruction probes paired by
# stack pointer. Every (label, count) it records must equal rustc's own
# profile of the same compile (both with RUSTC_BOOTSTRAP=1, which by itself
# changes rustc's work); it does not yet record every label.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load tracer_helper

setup() {
	tracer_setup hooks
	cp "$FIX/hello.rs" .
}

teardown() {
	[ -n "${W:-}" ] && cd / && rm -rf "$W"
	return 0
}

activity_counts() { # dump -> "label count" of its GenericActivity events, sorted
	"$SELFPROF" dump "$1" | awk -F'\t' '!/^#/ && $2 == "GenericActivity" { c[$3]++ }
		END { for (k in c) print k, c[k] }' | sort
}

@test "--hooks: every GenericActivity count recorded equals rustc's own" {
	run "$SELFPROF_BPF" --hooks --summary=none -o hooks.mm_profdata -- \
		env RUSTC_BOOTSTRAP=1 rustc hello.rs -o hello
	assert_success
	mkdir own
	RUSTC_BOOTSTRAP=1 rustc -Z self-profile=own hello.rs -o hello
	activity_counts hooks.mm_profdata > ours.txt
	activity_counts own/*.mm_profdata > theirs.txt
	# labels the pass functions alone never gave (metadata decoding, MIR passes' neighbours)
	[ "$(wc -l < ours.txt)" -ge 80 ]
	grep -q '^metadata_decode_entry_' ours.txt
	# nothing recorded that rustc did not record, with the same count
	run comm -23 ours.txt theirs.txt
	assert_output ""
}
