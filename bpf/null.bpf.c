// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * The benchmark floor: an entry and a return program that do nothing, so
 * that tests/bench/tracer* can time the bare cost of a uprobe+uretprobe
 * pair and compare selfprof.bpf.c's programs against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("uprobe")
int BPF_KPROBE(null_entry)
{
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(null_return)
{
	return 0;
}
