#!/usr/bin/env bats
# selfprof-bpf's command line: strict values, one line per error, exit 64.
# Needs no root: the options are parsed before anything else.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	: "${SELFPROF_ROOT:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
	: "${SELFPROF_BPF:=$SELFPROF_ROOT/build/bin/selfprof-bpf}"
	[ -x "$SELFPROF_BPF" ] || skip "selfprof-bpf not built"
}

# $1: what the one line must say; the rest: the arguments
usage_error() {
	local want=$1
	shift
	run "$SELFPROF_BPF" "$@"
	assert_equal "$status" 64
	assert_equal "${#lines[@]}" 1
	assert_output --partial "$want"
}

@test "numbers are whole and in range, never read as far as they go" {
	usage_error "-p 12x: want a process id" -p 12x
	usage_error "-p 0: want a process id" -p 0
	usage_error "-p -5: want a process id" -p -5
	usage_error "-p 99999999999: want a process id" -p 99999999999
	usage_error "--cost-ns=-1: want a whole number" --cost-ns=-1 -- true
	usage_error "--cost-ns=7ns: want a whole number" --cost-ns=7ns -- true
	usage_error "--ringbuf-size=1M1: want a power of two" --ringbuf-size=1M1 -- true
}

@test "named values, unknown options, and the command or -p: one line each" {
	usage_error "--returns=sometimes: want auto, uret, exits or callees" --returns=sometimes -- true
	usage_error "--summary=all: want none, top or full" --summary=all -- true
	usage_error "--probes=some: want queries, default or all" --probes=some -- true
	usage_error "--frobnicate: unknown option" --frobnicate -- true
	usage_error "give either -p PID or -- CMD"
	usage_error "give either -p PID or -- CMD" -p 1 -- true
}

@test "--help and --version succeed on stdout" {
	run "$SELFPROF_BPF" --help
	assert_success
	assert_output --partial "usage: selfprof-bpf"
	assert_output --partial "71 out of memory"
	run "$SELFPROF_BPF" --version
	assert_success
	assert_output --regexp "^selfprof-bpf [0-9]+\.[0-9]+$"
}
