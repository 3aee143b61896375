// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * selfprof-bpf's BPF side: one entry and one return program shared by every
 * probe point in librustc_driver (the attach cookie says which query), plus
 * three BTF tracepoints that follow the traced processes through fork, exec
 * and exit. Complete intervals go to a ring buffer; nothing is allocated or
 * looked up by name on the hot path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

/* Mirrors of user/probes.h (which includes <stdint.h>, not usable here). */
#define PROBE_ROLE_INTERVAL	0
#define PROBE_ROLE_CONTEXT	1
#define PROBE_ROLE_INHERIT	2
#define COOKIE_ID(c)		((__u32)(c))
#define COOKIE_ROLE(c)		((__u8)((c) >> 32))
#define COOKIE_KIND(c)		((__u8)((c) >> 40))

/* Pending bytes above which the consumer is woken at once; below it the
 * loader's periodic poll picks records up, sparing a wakeup per event. */
#define WAKEUP_BYTES		(1 << 20)

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* What one probe hit costs the traced thread, ns, by kind of hit: set by
 * the loader after calibration (0 while calibrating or with
 * --no-correction). Subtracted from later timestamps of the thread. */
volatile __u64 entry_cost_ns;
volatile __u64 exit_cost_ns;	/* a uprobe on an exit instruction */
volatile __u64 uret_cost_ns;	/* a return probe */

/* tgid -> TRACED_* flags. Filled by the loader and by the fork program. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SP_MAX_PROCS);
	__type(key, __u32);
	__type(value, __u32);
} traced SEC(".maps");

/* Open frames per thread; task storage is freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sp_thread);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20);	/* resized by the loader before load */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_add(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += n;	/* per-CPU: no atomics needed */
}

static __always_inline bool is_traced(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return bpf_map_lookup_elem(&traced, &tgid) != NULL;
}

/*
 * The calling thread's frames, if its process is traced. A thread gets
 * state only in a traced process, so having it answers the question
 * without the pid lookup on the hot path (the state goes with the
 * thread; exec resets it).
 */
static __always_inline struct sp_thread *thread_state(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sp_thread *t = bpf_task_storage_get(&threads, task, 0, 0);

	if (t || !is_traced())
		return t;
	t = bpf_task_storage_get(&threads, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		stat_add(STAT_NO_STORAGE, 1);
	return t;
}

/*
 * A timestamp less the probe time the thread took before it. The cost of a
 * hit is an average: a short gap between two hits can come out negative,
 * so corrected time is kept monotonic per thread; that also keeps every
 * child inside its parent and siblings apart, as the analysis needs.
 */
static __always_inline __u64 corrected(struct sp_thread *t, __u64 now, __u64 hit_cost)
{
	now -= t->cost;
	t->cost += hit_cost;
	if (now < t->last)
		now = t->last;
	t->last = now;
	return now;
}

static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

SEC("uprobe")
int BPF_KPROBE(sp_entry)
{
	__u64 now = bpf_ktime_get_ns();
	struct sp_thread *t;
	struct sp_frame *f;
	__u64 cookie;
	__u32 d;

	t = thread_state();
	if (!t)
		return 0;
	now = corrected(t, now, entry_cost_ns);
	d = t->depth;
	if (d >= SP_MAX_DEPTH) {
		stat_add(STAT_DEPTH_OVERFLOW, 1);
		return 0;
	}
	cookie = bpf_get_attach_cookie(ctx);
	f = &t->frames[d];
	f->cookie = cookie;
	f->start = now;
	f->sp = PT_REGS_SP(ctx);
	/* INHERIT points are named after the innermost enclosing frame. */
	if (COOKIE_ROLE(cookie) == PROBE_ROLE_INHERIT && d > 0)
		f->label = t->frames[(d - 1) & (SP_MAX_DEPTH - 1)].label;
	else
		f->label = COOKIE_ID(cookie);
	t->depth = d + 1;
	return 0;
}

/*
 * The index of the open frame whose entry stack pointer is sp, searching
 * from the top; -1 if none. Normally the top matches at once; frames above
 * the match were skipped by unwinding (rustc's fatal errors unwind).
 */
static __always_inline int find_frame(struct sp_thread *t, __u32 depth, __u64 sp)
{
#pragma clang loop unroll(disable)
	for (int i = 0; i < SP_MAX_DEPTH; i++) {
		int idx = (int)depth - 1 - i;

		if (idx < 0)
			break;
		if (t->frames[idx & (SP_MAX_DEPTH - 1)].sp == sp)
			return idx;
	}
	return -1;
}

/*
 * The end of a probed function: a uprobe on one of its exit instructions
 * (`ret`, where the stack pointer is the entry's), or for functions that
 * leave by a tail call, a return probe (SP_COOKIE_URET: 8 above, the
 * return address popped). user/exits.h says why not return probes always.
 */
SEC("uprobe")
int BPF_KPROBE(sp_return)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 cookie, site, pid_tgid;
	struct rec_interval *r;
	struct sp_thread *t;
	struct sp_frame *f;
	bool uret;
	int idx;
	__u32 d;

	/* only threads that took an entry have state */
	t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (!t)
		return 0;
	site = bpf_get_attach_cookie(ctx);
	uret = site & SP_COOKIE_URET;
	now = corrected(t, now, uret ? uret_cost_ns : exit_cost_ns);
	d = t->depth;
	if (d > SP_MAX_DEPTH)
		return 0;
	idx = find_frame(t, d, PT_REGS_SP(ctx) - (uret ? 8 : 0));
	f = &t->frames[(idx < 0 ? 0 : idx) & (SP_MAX_DEPTH - 1)];
	/* The frame must be this function's: an exit site carries the
	 * cookie of the point it ends. */
	if (idx < 0 || COOKIE_ID(f->cookie) != COOKIE_ID(site)) {
		stat_add(STAT_UNMATCHED, 1);
		return 0;
	}
	if ((__u32)idx + 1 != d)
		stat_add(STAT_UNWOUND, d - 1 - idx);
	t->depth = idx;
	cookie = f->cookie;
	if (COOKIE_ROLE(cookie) == PROBE_ROLE_CONTEXT)
		return 0;

	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r) {
		stat_add(STAT_LOST, 1);
		return 0;
	}
	r->type = REC_INTERVAL;
	r->kind = COOKIE_KIND(cookie);
	r->flags = 0;
	r->id = COOKIE_ROLE(cookie) == PROBE_ROLE_INHERIT ? f->label : COOKIE_ID(cookie);
	pid_tgid = bpf_get_current_pid_tgid();
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->start = f->start;
	r->end = now;
	bpf_ringbuf_submit(r, wakeup_flags());
	return 0;
}

/* Children of traced processes are traced too (cargo -> rustc). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sp_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u32 *flags, val;

	if (child->pid != child->tgid)	/* a new thread, not a process */
		return 0;
	flags = bpf_map_lookup_elem(&traced, &ptgid);
	if (!flags || !(*flags & TRACED_FOLLOW_FORKS))
		return 0;
	val = *flags;
	bpf_map_update_elem(&traced, &ctgid, &val, BPF_ANY);
	return 0;
}

/* A traced process became a new program: tell the loader, with its
 * command line, and forget frames of the old image. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sp_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct sp_thread *t;
	struct rec_exec *r;
	unsigned long as, ae, len;

	if (!bpf_map_lookup_elem(&traced, &tgid))
		return 0;
	t = bpf_task_storage_get(&threads, p, 0, 0);
	if (t) {
		t->depth = 0;
		t->cost = 0;
		t->last = 0;
	}
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r) {
		stat_add(STAT_LOST_CONTROL, 1);
		return 0;
	}
	r->type = REC_EXEC;
	r->flags = 0;
	r->pid = tgid;
	r->time = bpf_ktime_get_ns();
	r->start_time = p->start_time;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	as = BPF_CORE_READ(p, mm, arg_start);
	ae = BPF_CORE_READ(p, mm, arg_end);
	len = ae > as ? ae - as : 0;
	if (len > SP_ARGS_MAX) {
		len = SP_ARGS_MAX;
		r->flags = REC_EXEC_TRUNCATED;
	}
	if (bpf_probe_read_user(r->args, len, (void *)as))
		len = 0;
	r->args_len = len;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* The last thread of a traced process exited: its dump can be closed. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sp_exit, struct task_struct *p, bool group_dead)
{
	__u32 tgid = p->tgid;
	struct rec_exit *r;

	if (!group_dead || !bpf_map_lookup_elem(&traced, &tgid))
		return 0;
	bpf_map_delete_elem(&traced, &tgid);
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r) {
		stat_add(STAT_LOST_CONTROL, 1);
		return 0;
	}
	r->type = REC_EXIT;
	r->pad = 0;
	r->pid = tgid;
	r->time = bpf_ktime_get_ns();
	r->exit_code = p->exit_code;
	r->pad2 = 0;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return 0;
}
