#!/usr/bin/env bats
# A trace changes nothing outside it: untraced compilers next to a trace
# behave as without it, a killed tracer leaves nothing stopped, and what a
# trace cannot record is reported by cause. Needs root and rustup's rustc.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load tracer_helper

setup() {
	tracer_setup isolation
	cp "$FIX/typeerr.rs" "$FIX/hello.rs" .
}

teardown() {
	# nothing of ours may survive a test, stopped or not
	[ -n "${TRACER:-}" ] && kill -KILL "$TRACER" 2>/dev/null
	pkill -CONT -f "rustc typeerr.rs" 2>/dev/null
	[ -n "${W:-}" ] && cd / && rm -rf "$W"
	return 0
}

# State letter of pid ($1), or "gone".
proc_state() {
	awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo gone
}

# Wait up to $2 tenths of a second for pid $1 to reach state T.
wait_stopped() {
	for _ in $(seq "$2"); do
		[ "$(proc_state "$1")" = T ] && return 0
		sleep 0.1
	done
	return 1
}

@test "an untraced failing compile next to a trace exits 1, not 134 (10 of 10)" {
	"$SELFPROF_BPF" --summary=none -o idle.mm_profdata -- sh -c 'touch attached; sleep 60' \
		2>trace.err &
	TRACER=$!
	for _ in $(seq 200); do [ -e attached ] && break; sleep 0.1; done
	[ -e attached ]
	for i in $(seq 10); do
		run rustc typeerr.rs
		assert_equal "$status" 1
		refute_output --partial "failed to initiate panic"
		assert_output --partial "mismatched types"
	done
}

@test "a traced failing compile still exits 1 and is recorded" {
	run "$SELFPROF_BPF" --summary=none -o fail.mm_profdata -- rustc typeerr.rs
	assert_equal "$status" 1
	refute_output --partial "failed to initiate panic"
	[ -s fail.mm_profdata ]
}

@test "SIGKILL of the tracer while it holds a thread stopped leaves no stopped process" {
	# The traced rustc unwinds (a type error): BPF stops it for the loader,
	# which is itself stopped here, then killed.
	printf '#!/bin/sh\ntouch started\nsleep 2\nexec rustc typeerr.rs\n' > failing.sh
	chmod +x failing.sh
	"$SELFPROF_BPF" --summary=none -o k.mm_profdata -- ./failing.sh 2>trace.err &
	TRACER=$!
	for _ in $(seq 200); do [ -e started ] && break; sleep 0.1; done
	[ -e started ]
	kill -STOP "$TRACER"
	for _ in $(seq 200); do
		rp=$(pgrep -f "rustc typeerr.rs" | head -1)
		[ -n "$rp" ] && break
		sleep 0.1
	done
	[ -n "$rp" ]
	wait_stopped "$rp" 300	# the unwind guard stopped it
	kill -KILL "$TRACER"
	for _ in $(seq 100); do
		[ "$(proc_state "$rp")" = gone ] && break
		sleep 0.1
	done
	assert_equal "$(proc_state "$rp")" gone
}

@test "deep query nesting: the kernel's return-probe limit is reported as a loss, by cause" {
	{
		echo '#![recursion_limit = "2048"]'
		echo 'pub struct S0(pub u8);'
		for i in $(seq 1 399); do echo "pub struct S$i(pub S$((i - 1)));"; done
		echo 'fn main() { println!("{}", std::mem::size_of::<S399>()); }'
	} > deep.rs
	run "$SELFPROF_BPF" --summary=none -o deep.mm_profdata -- rustc deep.rs
	assert_success
	assert_output --regexp "lost events: [1-9][0-9]* \(.*kernel return-probe nesting limit [1-9]"
	run grep -ao '"uret_limit_run": [1-9][0-9]*' deep.mm_profdata
	assert_success
}

@test "a shallow compile reports no losses" {
	run "$SELFPROF_BPF" --summary=none -o hello.mm_profdata -- rustc hello.rs
	assert_success
	assert_output --partial "lost events: 0"
}

@test "a kernel whose uprobe internals the guard cannot read: exit sites, and failing compiles still exit 1" {
	# SELFPROF_BPF_NO_GUARD_FIELDS stands for a kernel whose BTF lacks them
	run env SELFPROF_BPF_NO_GUARD_FIELDS=1 "$SELFPROF_BPF" -v --summary=none \
		-o fallback.mm_profdata -- rustc typeerr.rs
	assert_equal "$status" 1
	assert_output --partial "no return probes: this kernel's uprobe internals"
	assert_output --partial "probe points left out"
	refute_output --partial "failed to initiate panic"
	[ -s fallback.mm_profdata ]
	run env SELFPROF_BPF_NO_GUARD_FIELDS=1 "$SELFPROF_BPF" --returns=uret --summary=none \
		-o refused.mm_profdata -- rustc hello.rs
	assert_output --partial "is not traced"
	assert_output --partial "NOT TRACED"
}
