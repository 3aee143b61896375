/* SPDX-License-Identifier: MIT */
/*
 * The BPF side's handle: open, load and attach the selfprof skeleton's
 * fork/exec/exit tracepoints; the traced-pid map; the statistics.
 * Probe points are attached separately (attach.h) with the programs here.
 */
#ifndef SELFPROF_TRACER_H
#define SELFPROF_TRACER_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "attach.h"
#include "events.h"

struct selfprof_bpf;

struct tracer {
	struct selfprof_bpf *skel;
	enum attach_method method;	/* what the uprobe programs were loaded for */
	bool sessions;			/* sp_session loaded: the kernel has uprobe sessions */
	bool guard_fields;		/* the kernel's BTF has what the unwind guard reads */
	struct bpf_link *tp_links[3];
};

/* Load for the given attach method (uprobe_multi programs need their own
 * expected_attach_type). ringbuf_bytes: 0 for the default (32 MiB). The
 * session program loads only where the kernel has uprobe sessions
 * (t->sessions says which). */
int tracer_open(struct tracer *t, enum attach_method m, uint32_t ringbuf_bytes,
		char *err, size_t errlen);
void tracer_close(struct tracer *t);

const struct bpf_program *tracer_entry_prog(const struct tracer *t);
const struct bpf_program *tracer_return_prog(const struct tracer *t);
/* Entry and return probe in one, declining the return probe in untraced
 * threads; NULL without t->sessions. */
const struct bpf_program *tracer_session_prog(const struct tracer *t);
/* The unwind guard's programs (unwind.h): an unwinder's entry, Rust's catch. */
const struct bpf_program *tracer_unwind_prog(const struct tracer *t);
const struct bpf_program *tracer_rearm_prog(const struct tracer *t);
int tracer_ringbuf_fd(const struct tracer *t);
/* The traced-pid map (watchdog.h). */
int tracer_traced_fd(const struct tracer *t);
/* The unwind guard's ring buffer of slots to rewrite (fixups.h). */
int tracer_fixup_fd(const struct tracer *t);

/* Record pid's probe hits (follow: its future children's too). */
int tracer_trace_pid(struct tracer *t, pid_t pid, bool follow);
int tracer_untrace_pid(struct tracer *t, pid_t pid);

/* The cost of one probe hit by kind (ns), subtracted from the traced
 * threads' later timestamps; all 0 (the initial state) disables that. */
void tracer_set_costs(struct tracer *t, uint64_t entry, uint64_t exit, uint64_t uret,
		      uint64_t stepped);

/* Stop traced processes that exec an executable not yet looked at
 * (tracer_exe_seen) until the loader continues them. */
void tracer_hold_new_exes(struct tracer *t, bool hold);
/* The user the trace is for: a traced process that execs into other ids
 * (setuid, setgid) leaves the trace. */
void tracer_set_user(struct tracer *t, uid_t uid, gid_t gid);
/* Remember what an executable is (SP_EXE_*): its processes are not held. */
int tracer_exe_seen(struct tracer *t, const struct sp_exe_key *exe, uint32_t what);

/* Drop the calling thread's frames (left by calibration). */
int tracer_forget_self(struct tracer *t);

/* Sum the per-CPU counters into out[STAT__COUNT]. */
int tracer_stats(const struct tracer *t, uint64_t out[STAT__COUNT]);

#endif
