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

/* Uprobe sessions (kernel >= 6.12): one program sees a call's entry and
 * its return, and an entry that returns non-zero gets no return probe. */
extern bool bpf_session_is_return(void) __ksym __weak;

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
volatile __u64 stepped_cost_ns;	/* an entry probe the kernel single-steps */

/* Stop each traced process that execs an executable not in exes until
 * the loader has looked at it (its librustc_driver attached, or none):
 * set by the loader when it finds libraries per process. */
volatile bool hold_new_exes;
/* The invoking user's ids: a traced process that execs into other ids
 * (a setuid program) is no longer traced. */
volatile __u32 traced_uid;
volatile __u32 traced_gid;

/* Executables the loader has looked at: sp_exe_key -> SP_EXE_*. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sp_exe_key);
	__type(value, __u32);
} exes SEC(".maps");

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

/*
 * Unwinding through return probes. A return probe replaces the return
 * address in the probed frame's stack slot with the kernel's trampoline
 * (the first slot of the [uprobes] mapping), which has no unwind info:
 * an unwinder reaching it stops, and a Rust panic then aborts ("failed to
 * initiate panic"). So when an unwinder starts in a traced thread
 * (sp_unwind: _Unwind_RaiseException and co.), every live hijacked slot
 * gets its return address back, as the kernel recorded it in the thread's
 * return instances. Frames the unwinder then removes never fire their
 * return probe; the kernel drops their instances later (it checks the
 * stack pointer against each instance on the next return probe or
 * trampoline hit, as it does for longjmp), and sp_return drops our frames
 * of them as unwound. Frames that stay (below a catch_unwind, or all of
 * them after a backtrace) get the trampoline back: on the caught panic's
 * cleanup (sp_rearm) or at the thread's next probe hit.
 *
 * BPF cannot write user memory on a locked-down kernel (no
 * bpf_probe_write_user), so the program stops the thread (SIGSTOP, taken
 * before it runs another user instruction) and hands the slots to the
 * loader, which rewrites those still holding the expected value
 * (process_vm_writev) and sends SIGCONT. Only slots above the stack
 * pointer (live frames) of threads with our state are listed.
 */
#define RI_MAX		128	/* return instances walked (the kernel keeps <= 64 + chains) */
#define SIGSTOP_NR	19

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} fixrb SEC(".maps");

static __always_inline __u64 trampoline_of(struct task_struct *task)
{
	return BPF_CORE_READ(task, mm, uprobes_state.xol_area, vaddr);
}

/* The guard reads uprobe internals that a kernel may rename: without
 * them it does nothing (and says so in STAT_GUARD_BLIND), and the rest of
 * the program still loads. */
static __always_inline bool guard_fields_exist(void)
{
	return bpf_core_field_exists(struct uprobe_task, return_instances) &&
	       bpf_core_field_exists(struct return_instance, stack) &&
	       bpf_core_field_exists(struct return_instance, orig_ret_vaddr) &&
	       bpf_core_field_exists(struct return_instance, next) &&
	       bpf_core_field_exists(struct xol_area, vaddr);
}

struct slot_walk {
	struct return_instance *ri;	/* next instance */
	struct sp_thread *t;
	__u64 sp, tramp;
	bool restore;
	__u32 n;
};

/* One return instance (a bpf_loop step): list its slot if it is above
 * sp and holds the trampoline (restore) or its return address (rearm). */
static long walk_one(__u64 i, struct slot_walk *w)
{
	struct return_instance *ri = w->ri;
	struct rec_fixup *r = &w->t->fix;
	__u64 slot, stack, orig;
	__u32 n = w->n;

	if (!ri || n >= SP_FIXUP_MAX)
		return 1;
	stack = BPF_CORE_READ(ri, stack);
	orig = BPF_CORE_READ(ri, orig_ret_vaddr);
	w->ri = BPF_CORE_READ(ri, next);
	if (stack <= w->sp || orig == w->tramp)
		return 0;
	if (bpf_probe_read_user(&slot, sizeof(slot), (void *)stack) ||
	    slot != (w->restore ? w->tramp : orig))
		return 0;
	r->slot[n & (SP_FIXUP_MAX - 1)].addr = stack;
	r->slot[n & (SP_FIXUP_MAX - 1)].expect = slot;
	r->slot[n & (SP_FIXUP_MAX - 1)].put = w->restore ? orig : w->tramp;
	w->n = n + 1;
	return 0;
}

/* The process is about to stop for the loader: flag it, so that a
 * watchdog continues it should the loader die first (user/watchdog.h).
 * Only BPF sets the flag and nothing clears it: a SIGCONT to a process
 * that runs does nothing, so a stale flag costs nothing. */
static __always_inline void mark_stopped(__u32 tgid)
{
	__u32 *flags = bpf_map_lookup_elem(&traced, &tgid);

	if (flags)
		*flags |= TRACED_STOPPED;
}

/* Have the loader rewrite the slots (restore: before an unwinder; else
 * rearm: after one); the thread stops until it has. */
static __noinline void fix_slots(struct sp_thread *t, __u64 sp, bool restore)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct slot_walk w = { .t = t, .sp = sp, .restore = restore };
	struct rec_fixup *r = &t->fix;
	__u64 pid_tgid;

	if (!restore)
		t->rearm = 0;
	if (!guard_fields_exist()) {
		stat_add(STAT_GUARD_BLIND, 1);
		return;
	}
	w.tramp = trampoline_of(task);
	if (!w.tramp)
		return;
	w.ri = BPF_CORE_READ(task, utask, return_instances);
	bpf_loop(RI_MAX, walk_one, &w, 0);
	if (!w.n)
		return;
	pid_tgid = bpf_get_current_pid_tgid();
	r->type = REC_FIXUP;
	r->n = w.n;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->restore = restore;
	r->start_boottime = BPF_CORE_READ(task, group_leader, start_boottime);
	if (bpf_ringbuf_output(&fixrb, r, sizeof(*r), BPF_RB_FORCE_WAKEUP)) {
		stat_add(STAT_FIXUP_LOST, 1);
		return;
	}
	mark_stopped(r->pid);
	bpf_send_signal_thread(SIGSTOP_NR);
	stat_add(restore ? STAT_UNWIND_RESTORED : STAT_UNWIND_REARMED, w.n);
	if (restore)
		t->rearm = 1;
}

static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Pending return probes of the current thread, as the kernel counts them
 * against SP_KERNEL_URET_DEPTH; 0 where the field is unknown. */
static __always_inline __u32 kernel_uret_depth(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!bpf_core_field_exists(struct uprobe_task, depth))
		return 0;
	return BPF_CORE_READ(task, utask, depth);
}

/* A register of the probed thread, loaded where it is named: left to
 * itself clang merges a switch's loads into one through a computed
 * context pointer, which the verifier refuses. */
#define CTX_REG(ctx, reg) ({ __u64 v_ = (ctx)->reg; asm volatile("" : "+r"(v_)); v_; })

/* The frame's key at a probe with this cookie (SP_COOKIE_KEY). */
static __always_inline __u64 frame_key(struct pt_regs *ctx, __u64 cookie)
{
	if (!SP_COOKIE_KEY(cookie))	/* nearly every probe: no switch */
		return PT_REGS_SP(ctx);
	switch (SP_COOKIE_KEY(cookie)) {
	case SP_KEY_RDI: return CTX_REG(ctx, di);
	case SP_KEY_RBX: return CTX_REG(ctx, bx);
	case SP_KEY_RBP: return CTX_REG(ctx, bp);
	case SP_KEY_R12: return CTX_REG(ctx, r12);
	case SP_KEY_R13: return CTX_REG(ctx, r13);
	case SP_KEY_R14: return CTX_REG(ctx, r14);
	case SP_KEY_R15: return CTX_REG(ctx, r15);
	default: return CTX_REG(ctx, sp);
	}
}

static __always_inline bool is_query(__u64 cookie)
{
	return SP_COOKIE_ROLE(cookie) == SP_ROLE_INTERVAL &&
	       SP_COOKIE_KIND(cookie) == SP_COOKIE_KIND_QUERY;
}

/* A frame not opened (counted by the caller): if it was a query's, the
 * result hashed after it is not the last ended query's, so AFTER points
 * must not take that name. */
static __always_inline bool not_opened(struct sp_thread *t, __u64 cookie)
{
	if (is_query(cookie))
		t->last_query = 0;
	return false;
}

/*
 * A probed function was entered: open a frame for it. want_return says a
 * return probe is to end it: then the kernel must be able to install one
 * (its nesting limit), or the frame is not opened and the loss counted.
 * Returns whether a frame was opened.
 */
static __always_inline bool open_frame(struct pt_regs *ctx, bool want_return)
{
	__u64 now = bpf_ktime_get_ns();
	struct sp_thread *t;
	struct sp_frame *f;
	__u64 cookie;
	__u32 d;

	t = thread_state();
	if (!t)
		return false;
	if (t->rearm)
		fix_slots(t, PT_REGS_SP(ctx), false);
	cookie = bpf_get_attach_cookie(ctx);
	now = corrected(t, now, (cookie & SP_COOKIE_STEPPED) ? stepped_cost_ns : entry_cost_ns);
	d = t->depth;
	if (d >= SP_MAX_DEPTH) {
		stat_add(STAT_DEPTH_OVERFLOW, 1);
		return not_opened(t, cookie);
	}
	if (want_return && kernel_uret_depth() >= SP_KERNEL_URET_DEPTH) {
		stat_add(STAT_URET_REFUSED, 1);
		return not_opened(t, cookie);
	}
	f = &t->frames[d];
	f->cookie = cookie;
	f->start = now;
	f->sp = frame_key(ctx, cookie);
	/* INHERIT points are named after the innermost enclosing frame,
	 * AFTER points after the query that last ended. */
	if (SP_COOKIE_ROLE(cookie) == SP_ROLE_INHERIT && d > 0)
		f->label = t->frames[(d - 1) & (SP_MAX_DEPTH - 1)].label;
	else if (SP_COOKIE_ROLE(cookie) == SP_ROLE_AFTER && t->last_query) {
		f->label = t->last_query - 1;
		t->last_query = 0;	/* one hashing per result */
	} else
		f->label = SP_COOKIE_ID(cookie);
	t->depth = d + 1;
	return true;
}

/* Entry of a function whose end is an exit-site probe (sp_return). */
SEC("uprobe")
int BPF_KPROBE(sp_entry)
{
	open_frame(ctx, false);
	return 0;
}

/*
 * The index of the open frame matching id (SP_COOKIE_MATCH) whose entry
 * stack pointer is sp,
 * searching from the top; -1 if none. Normally the top matches at once;
 * frames above the match were skipped by unwinding (rustc's fatal errors
 * unwind), or are hook events of the same function frame (one sp) that
 * never reached an end.
 */
static __always_inline int find_frame(struct sp_thread *t, __u32 depth, __u64 sp, __u32 id)
{
#pragma clang loop unroll(disable)
	for (int i = 0; i < SP_MAX_DEPTH; i++) {
		int idx = (int)depth - 1 - i;
		struct sp_frame *f;

		if (idx < 0)
			break;
		f = &t->frames[idx & (SP_MAX_DEPTH - 1)];
		if (f->sp == sp && SP_COOKIE_MATCH(f->cookie) == id)
			return idx;
	}
	return -1;
}

/*
 * A probed function ended: close its frame and emit the interval. uret: a
 * return probe (the return address popped: sp is 8 above the entry's),
 * else a uprobe on one of its exit instructions (`ret`, where the stack
 * pointer is the entry's). site: the cookie of the point it ends.
 */
static __always_inline void close_frame(struct pt_regs *ctx, __u64 site, bool uret)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 cookie, pid_tgid;
	struct rec_interval *r;
	struct sp_thread *t;
	struct sp_frame *f;
	int idx;
	__u32 d;

	/* only threads that took an entry have state */
	t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (!t)
		return;
	if (t->rearm)
		fix_slots(t, PT_REGS_SP(ctx), false);
	now = corrected(t, now, uret ? uret_cost_ns :
				(site & SP_COOKIE_EMULATED) ? entry_cost_ns : exit_cost_ns);
	d = t->depth;
	if (d > SP_MAX_DEPTH)
		return;
	/* The frame must be this function's (or its group's). */
	idx = find_frame(t, d, uret ? PT_REGS_SP(ctx) - 8 : frame_key(ctx, site),
			 SP_COOKIE_ID(site));
	if (idx < 0) {
		stat_add(STAT_UNMATCHED, 1);
		return;
	}
	f = &t->frames[idx & (SP_MAX_DEPTH - 1)];
	if ((__u32)idx + 1 != d)
		stat_add(STAT_UNWOUND, d - 1 - idx);
	t->depth = idx;
	cookie = f->cookie;
	if (SP_COOKIE_ROLE(cookie) == SP_ROLE_CONTEXT)
		return;
	if (is_query(cookie))	/* calibration's id, -1, makes it 0: none */
		t->last_query = f->label + 1;

	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r) {
		stat_add(STAT_LOST, 1);
		return;
	}
	r->type = REC_INTERVAL;
	r->kind = SP_COOKIE_KIND(cookie);
	r->flags = 0;
	r->id = f->label;	/* the point's own id, unless named after another */
	pid_tgid = bpf_get_current_pid_tgid();
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->start = f->start;
	r->end = now;
	bpf_ringbuf_submit(r, wakeup_flags());
}

/* An exit site, or a plain return probe (SP_COOKIE_URET). */
SEC("uprobe")
int BPF_KPROBE(sp_return)
{
	__u64 site = bpf_get_attach_cookie(ctx);

	close_frame(ctx, site, site & SP_COOKIE_URET);
	return 0;
}

/*
 * Entry and return of one call (a uprobe session). The entry declines the
 * return probe (returns 1) unless it opened a frame: so a return address
 * is hijacked only in traced threads, and no other process's unwinding
 * meets the kernel's trampoline because a trace runs.
 */
SEC("uprobe")
int BPF_KPROBE(sp_session)
{
	if (bpf_session_is_return()) {
		close_frame(ctx, bpf_get_attach_cookie(ctx), true);
		return 0;
	}
	return open_frame(ctx, true) ? 0 : 1;
}

/* Entry of an unwinder (libgcc's _Unwind_RaiseException, _Unwind_Resume,
 * _Unwind_ForcedUnwind, _Unwind_Backtrace...): real return addresses
 * back on the stack above it. */
SEC("uprobe")
int BPF_KPROBE(sp_unwind)
{
	struct sp_thread *t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);

	if (t)
		fix_slots(t, PT_REGS_SP(ctx), true);
	return 0;
}

/* Rust caught a panic (__rust_panic_cleanup, called from catch_unwind's
 * landing pad): the frames above are live, trampolines back. */
SEC("uprobe")
int BPF_KPROBE(sp_rearm)
{
	struct sp_thread *t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);

	if (t && t->rearm)
		fix_slots(t, PT_REGS_SP(ctx), false);
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

/* Whether the new image is no longer simply the user's: a secure exec
 * (setuid, setgid, file capabilities, an LSM transition) or ids other
 * than the user's. Then it leaves the trace. */
static __always_inline bool gained_privileges(struct task_struct *p, struct linux_binprm *bprm)
{
	const struct cred *c = p->cred;

	if (BPF_CORE_READ_BITFIELD_PROBED(bprm, secureexec))
		return true;
	return BPF_CORE_READ(c, euid.val) != traced_uid ||
	       BPF_CORE_READ(c, egid.val) != traced_gid ||
	       BPF_CORE_READ(c, suid.val) != traced_uid ||
	       BPF_CORE_READ(c, sgid.val) != traced_gid;
}

/* An executable the loader has not seen: stop the process before its
 * first instruction, so that its librustc_driver is attached before any
 * query runs (the loader continues it). */
static __always_inline __u16 hold_if_new(struct rec_exec *r)
{
	if (!hold_new_exes || bpf_map_lookup_elem(&exes, &r->exe))
		return 0;
	mark_stopped(r->pid);
	bpf_send_signal(SIGSTOP_NR);
	return REC_EXEC_HELD;
}

static __always_inline void copy_args(struct task_struct *p, struct rec_exec *r)
{
	unsigned long as, ae, len;

	as = BPF_CORE_READ(p, mm, arg_start);
	ae = BPF_CORE_READ(p, mm, arg_end);
	len = ae > as ? ae - as : 0;
	if (len > SP_ARGS_MAX) {
		len = SP_ARGS_MAX;
		r->flags |= REC_EXEC_TRUNCATED;
	}
	if (bpf_probe_read_user(r->args, len, (void *)as))
		len = 0;
	r->args_len = len;
}

/*
 * Frames of t still open (starts whose end never came: the thread exits
 * or execs inside them, or an end the discovery missed) are events lost:
 * counted, so that no hook's missing end passes silently. Context frames
 * emit nothing and are not counted.
 */
struct unended {
	struct sp_thread *t;
	__u64 n;
};

static long unended_one(__u64 i, struct unended *u)
{
	u->n += SP_COOKIE_ROLE(u->t->frames[i & (SP_MAX_DEPTH - 1)].cookie) != SP_ROLE_CONTEXT;
	return 0;
}

static __always_inline void count_unended(struct sp_thread *t)
{
	struct unended u = { .t = t };
	__u32 d = t->depth;

	if (!d)
		return;
	bpf_loop(d < SP_MAX_DEPTH ? d : SP_MAX_DEPTH, unended_one, &u, 0);
	if (u.n)
		stat_add(STAT_UNENDED, u.n);
}

/* A traced process became a new program: tell the loader, with its
 * executable and command line, and forget frames of the old image. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sp_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct sp_thread *t;
	struct rec_exec *r;

	if (!bpf_map_lookup_elem(&traced, &tgid))
		return 0;
	t = bpf_task_storage_get(&threads, p, 0, 0);
	if (t) {
		count_unended(t);
		t->depth = 0;
		t->cost = 0;
		t->last = 0;
		t->last_query = 0;	/* an id of the old image's library */
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
	r->start_boottime = BPF_CORE_READ(p, group_leader, start_boottime);
	r->exe.ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	r->exe.dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
	r->exe.pad = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->args_len = 0;
	if (gained_privileges(p, bprm)) {
		/* no state either: its probe hits find nothing to act on */
		bpf_map_delete_elem(&traced, &tgid);
		bpf_task_storage_delete(&threads, p);
		r->flags = REC_EXEC_UNTRACED;
	} else {
		copy_args(p, r);
		r->flags |= hold_if_new(r);
	}
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* The last thread of a traced process exited: its dump can be closed. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sp_exit, struct task_struct *p, bool group_dead)
{
	__u32 tgid = p->tgid;
	struct sp_thread *t;
	struct rec_exit *r;

	/* any thread with state was traced, even once the last thread has
	 * taken its process out of the map: count what it leaves open */
	t = bpf_task_storage_get(&threads, p, 0, 0);
	if (t)
		count_unended(t);
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
