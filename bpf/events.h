/* SPDX-License-Identifier: MIT */
/*
 * Records and tables shared by the BPF programs (bpf/selfprof.bpf.c) and
 * the loader (user/). Plain fixed-size types only: this header is included
 * both against vmlinux.h (BPF side) and against <stdint.h> (user side).
 */
#ifndef SELFPROF_EVENTS_H
#define SELFPROF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Open frames kept per thread. rustc's query nesting rarely passes ~60;
 * deeper frames are counted in STAT_DEPTH_OVERFLOW and not recorded. */
#define SP_MAX_DEPTH		128

/* Command line bytes copied at exec (NUL-separated, like /proc/PID/cmdline). */
#define SP_ARGS_MAX		4096

/* Processes followed at once (cargo -jN runs N rustc at a time). */
#define SP_MAX_PROCS		8192

/* Record types: the first u16 of every ring buffer record. */
enum sp_rec_type {
	REC_INTERVAL = 1,	/* struct rec_interval */
	REC_EXEC = 2,		/* struct rec_exec: a traced process exec'd */
	REC_EXIT = 3,		/* struct rec_exit: a traced process's last thread exited */
	REC_FIXUP = 4,		/* struct rec_fixup (own ring buffer): stack slots to rewrite */
};

/*
 * What a probe point does when hit, in its attach cookie so that the BPF
 * programs need no map lookup to know it.
 *  SP_ROLE_INTERVAL: emits an interval with the point's own kind and label
 *	(query providers -> Query, pass functions -> GenericActivity).
 *  SP_ROLE_CONTEXT: opens a frame naming a query (Q::execute_query_incr)
 *	that emits nothing itself; SP_ROLE_INHERIT points nested in it take
 *	its label.
 *  SP_ROLE_INHERIT: emits an interval of the point's kind (QueryBlocked,
 *	IncrementalLoadResult...) labelled with the innermost open
 *	CONTEXT/INTERVAL frame's query label.
 *  SP_ROLE_AFTER: emits an interval of the point's kind labelled with the
 *	query whose provider frame (a Query INTERVAL) last ended in the
 *	thread: rustc hashes a result right after its provider returned
 *	(IncrementalResultHashing); the point's own label if none ended yet.
 */
#define SP_ROLE_INTERVAL	0
#define SP_ROLE_CONTEXT		1
#define SP_ROLE_INHERIT		2
#define SP_ROLE_AFTER		3

/* sp_kind's Query (tools/lib/selfprof), the kind whose end SP_ROLE_AFTER
 * points follow; the loader checks that the two agree. */
#define SP_COOKIE_KIND_QUERY	1

/* Cookie layout: bits 0..31 the point's probe id (the index of its label),
 * bits 32..35 the role, 36..39 the key (below), bits 40..47 the sp_kind
 * (tools/lib/selfprof). */
#define SP_COOKIE(id, role, kind) \
	((__u64)(__u32)(id) | ((__u64)((role) & 0x0f) << 32) | ((__u64)(__u8)(kind) << 40))
#define SP_COOKIE_ID(c)		((__u32)(c))
#define SP_COOKIE_ROLE(c)	((__u8)((c) >> 32) & 0x0f)
#define SP_COOKIE_KIND(c)	((__u8)((c) >> 40))

/*
 * Bits 36..39 (the role byte's high half): what names the frame a point
 * opens or closes, its key. Normally the stack pointer: a function's
 * entry and exits, or a guard living in the frame of its hook (same sp at
 * start and end). A guard written through a pointer into a caller's frame
 * (rustc's LLVM_passes: spawn_work stores it into the coordinator's
 * `llvm_start_time`) is named by its address instead: at the start, the
 * callee-saved register holding it; at the end, the drop's argument.
 */
#define SP_KEY_SP	0
#define SP_KEY_RDI	1
#define SP_KEY_RBX	2
#define SP_KEY_RBP	3
#define SP_KEY_R12	4
#define SP_KEY_R13	5
#define SP_KEY_R14	6
#define SP_KEY_R15	7
#define SP_COOKIE_KEY_SHIFT	36
#define SP_COOKIE_KEY(c)	((__u8)((c) >> SP_COOKIE_KEY_SHIFT) & 0x0f)
#define SP_COOKIE_WITH_KEY(key)	((__u64)((key) & 0x0f) << SP_COOKIE_KEY_SHIFT)

/* Bit 48: set on the cookies of plain return probes (calibration, and
 * kernels without uprobe sessions), whose stack pointer is 8 above the
 * entry's and whose cost differs from an exit-site uprobe's. */
#define SP_COOKIE_URET		(1ULL << 48)

/* Bit 63: the probed instruction is handled unlike its role's usual one,
 * so its hit is charged the other cost. On an end probe (SP_COOKIE_EMULATED):
 * an instruction the kernel emulates (a hook's branch or call), as cheap as
 * an entry probe: charged entry_cost_ns, not the cost of a single-stepped
 * `ret`. On an entry (SP_COOKIE_STEPPED): a first instruction the kernel
 * single-steps (rustc's query thunks begin `mov; jmp *%rax`), charged
 * stepped_cost_ns, not an emulated push's cost. An end's cookie never
 * carries STEPPED; a session's return half sees its entry's cookie, so
 * close_frame tests for a return probe before it reads bit 63. */
#define SP_COOKIE_EMULATED	(1ULL << 63)
#define SP_COOKIE_STEPPED	(1ULL << 63)

/*
 * Bits 49..62: the point's distance to its match id, the id its ends
 * carry. 0 for most points. rustc's hook sites of one function whose
 * guards share a stack slot (user/hooks.h) are a group: their guards are
 * never live at once, so each of the slot's ends closes whichever of them
 * is open; their ends carry the group's first id, each member its own id
 * and its distance to that.
 */
#define SP_COOKIE_DELTA_SHIFT	49
#define SP_COOKIE_DELTA_MAX	0x3fffU
#define SP_COOKIE_DELTA(d)	((__u64)((d) & SP_COOKIE_DELTA_MAX) << SP_COOKIE_DELTA_SHIFT)
#define SP_COOKIE_MATCH(c)	\
	(SP_COOKIE_ID(c) - (__u32)(((c) >> SP_COOKIE_DELTA_SHIFT) & SP_COOKIE_DELTA_MAX))

/* The kernel's limit of pending return probes per thread
 * (MAX_URETPROBE_DEPTH, include/linux/uprobes.h): past it a return probe
 * is not installed, so the entry declines it and counts the loss. */
#define SP_KERNEL_URET_DEPTH	64

/*
 * One finished interval; the only record on the hot path, so kept at 32
 * bytes. Timestamps are CLOCK_MONOTONIC ns (bpf_ktime_get_ns) less the
 * cost of every probe hit this thread took before them (the probes' own
 * time, measured by the loader: user/calibrate.h), so that intervals and
 * their parents shrink by what the probes added.
 */
struct rec_interval {
	__u16 type;		/* REC_INTERVAL */
	__u8 kind;		/* enum sp_kind */
	__u8 flags;
	__u32 id;		/* label's probe id (for INHERIT points: the enclosing frame's) */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u64 start;
	__u64 end;
};

/* An executable file, as the kernel names it (s_dev, i_ino). */
struct sp_exe_key {
	__u64 ino;
	__u32 dev;		/* the kernel's dev_t: major << 20 | minor */
	__u32 pad;
};

/* What the loader found an executable to be (exes map values). */
#define SP_EXE_OTHER	1	/* runs no librustc_driver: nothing to do */
#define SP_EXE_RUSTC	2	/* its librustc_driver is attached */

struct rec_exec {
	__u16 type;		/* REC_EXEC */
	__u16 flags;		/* REC_EXEC_* */
	__u32 pid;
	__u64 time;		/* ktime of the exec: the process's time origin */
	__u64 start_boottime;	/* the process's, to tell it from a later one of that pid */
	struct sp_exe_key exe;
	__u32 args_len;		/* bytes used in args */
	char comm[16];
	char args[SP_ARGS_MAX];
};
#define REC_EXEC_TRUNCATED	1	/* args cut at SP_ARGS_MAX */
#define REC_EXEC_HELD		2	/* a new executable: stopped (SIGSTOP) until the
					 * loader has found and attached its library */
#define REC_EXEC_UNTRACED	4	/* it gained privileges (setuid/setgid): no
					 * longer traced, nothing of it is recorded */

struct rec_exit {
	__u16 type;		/* REC_EXIT */
	__u16 pad;
	__u32 pid;
	__u64 time;
	__s32 exit_code;	/* task->exit_code (wait status) */
	__u32 pad2;
};

/*
 * Stack slots of a stopped thread for the loader to rewrite (the kernel is
 * locked down here: BPF cannot write user memory itself): give return
 * probes' slots their return address back before an unwinder walks the
 * stack, or the trampoline back afterwards (bpf/selfprof.bpf.c says why).
 * The thread has been sent SIGSTOP; the loader writes each slot that
 * still holds `expect`, then sends SIGCONT.
 */
#define SP_FIXUP_MAX	64
struct sp_fixup_slot {
	__u64 addr;
	__u64 expect;
	__u64 put;
};

struct rec_fixup {
	__u16 type;		/* REC_FIXUP */
	__u16 n;		/* slots used */
	__u32 pid;
	__u32 tid;
	__u32 restore;		/* 1: before unwinding; 0: rearming after it */
	__u64 start_boottime;	/* the process's, to tell it from a later one of that pid */
	struct sp_fixup_slot slot[SP_FIXUP_MAX];
};

/* One open frame: the probe's cookie, its entry time and stack pointer. */
struct sp_frame {
	__u64 cookie;
	__u64 start;		/* entry time, less the thread's probe cost before it */
	__u64 sp;		/* the key (SP_COOKIE_KEY): stack pointer at entry (points to
			 * the return address), or a guard's address */
	__u32 label;		/* probe id naming this frame for INHERIT children */
	__u32 pad;
};

/* Per-thread state (task local storage). */
struct sp_thread {
	__u32 depth;		/* frames in use */
	__u32 rearm;		/* return-probe slots were restored for an unwinder:
				 * put the trampoline back into those still live */
	__u64 cost;		/* ns of probe hits this thread has taken so far */
	__u64 last;		/* the last corrected timestamp: they never go back */
	__u32 last_query;	/* 1 + probe id of the last Query interval ended, or 0 */
	__u32 pad;
	struct sp_frame frames[SP_MAX_DEPTH];
	struct rec_fixup fix;	/* built here (per thread: BPF programs on one CPU may
				 * preempt each other, a per-CPU buffer could mix) */
};

/* Per-CPU counters (stats map index). */
enum sp_stat {
	STAT_LOST = 0,		/* ring buffer reservation failed: interval lost */
	STAT_DEPTH_OVERFLOW,	/* entry with SP_MAX_DEPTH frames open: not recorded */
	STAT_UNMATCHED,		/* return with no matching frame (attached mid-call) */
	STAT_UNWOUND,		/* frames dropped because an outer frame returned (unwinding) */
	STAT_NO_STORAGE,	/* task storage could not be allocated */
	STAT_LOST_CONTROL,	/* exec/exit record lost */
	STAT_UNWIND_RESTORED,	/* return-probe slots to get their address back for an unwinder */
	STAT_UNWIND_REARMED,	/* slots to get the trampoline back once unwinding stopped */
	STAT_FIXUP_LOST,	/* fixup record lost (its ring buffer full): slots left as they were */
	STAT_URET_REFUSED,	/* entry past the kernel's return-probe nesting limit: not recorded */
	STAT_GUARD_BLIND,	/* unwinder started but this kernel's return instances are unreadable */
	STAT_UNENDED,		/* frames still open when their thread exited or exec'd: no end seen */
	STAT__COUNT
};

/* Traced-pid map value flags. */
#define TRACED_FOLLOW_FORKS	1
#define TRACED_STOPPED		2	/* BPF sent it SIGSTOP; the loader owes it SIGCONT
					 * (or the watchdog, if the loader dies) */

#endif
