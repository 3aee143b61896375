/* SPDX-License-Identifier: MIT */
/*
 * One profile writer per traced process: created at the process's first
 * interval (so cargo, build scripts and rustup's proxy, which run no
 * queries, leave no dump), closed when it exits. Thread ids become small
 * integers in order of first appearance; timestamps (already less the
 * probes' own cost, done in BPF) become ns since the process's exec.
 */
#ifndef SELFPROF_PROCS_H
#define SELFPROF_PROCS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "events.h"

struct label_table;
#include "output.h"

struct probe_set;
struct proc;

/* A finished dump, for the end-of-run report. */
struct dump {
	char *path;
	char *crate;
	pid_t pid;
	uint64_t events;	/* in the file (for a failed dump: as read back) */
	bool failed;		/* writer reported an error (message printed) */
	bool unreadable;	/* failed, and what is on disk does not read (a cut .gz) */
	bool deleted;		/* failed: the file (or its directory) was deleted while tracing */
};

/* How a process's dump ended, for the final metadata. */
enum proc_end {
	PROC_END_RUNNING,	/* still running when tracing stopped (or its exit notice was lost) */
	PROC_END_EXIT,		/* exited: exit_code */
	PROC_END_SIGNAL,	/* killed by a signal: signal */
	PROC_END_EXEC,		/* exec'd another program: a new dump follows */
};

/* Run-wide BPF counters (STAT__COUNT, less calibration's) for the final
 * metadata: the kernel side counts per CPU, not per process. */
typedef void (*procs_stats_fn)(void *ctx, uint64_t out[STAT__COUNT]);

struct procs_opts {
	const struct label_table *labels;	/* probe id -> label */
	struct output_spec *out;	/* where, and as whom (out->as), dumps are created */
	const char *extra_json;	/* extra metadata members */
	procs_stats_fn stats;	/* optional */
	void *stats_ctx;
};

struct procs {
	struct procs_opts o;
	struct proc **v;
	size_t n, cap;
	struct dump *dumps;
	size_t ndumps;
	uint64_t events;	/* intervals in the files, all processes */
	uint64_t dropped;	/* intervals of processes with no usable writer */
	size_t nfailed;		/* dumps cut short by a write error */
	size_t untraced;	/* processes that left the trace: a privileged exec */
	int64_t mono_to_wall;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
};

void procs_init(struct procs *ps, const struct procs_opts *o);
/* Close every open dump (final metadata: PROC_END_RUNNING) and free
 * everything but ps->dumps. */
void procs_finish(struct procs *ps);
void procs_free(struct procs *ps);

/* A traced process exec'd: a new image with its own time origin. */
void procs_exec(struct procs *ps, const struct rec_exec *r);
/* Register a process already running (-p PID): origin from /proc. */
void procs_attach_running(struct procs *ps, pid_t pid);
void procs_interval(struct procs *ps, const struct rec_interval *r);
/* A traced process ended; wstatus as from wait() (the kernel's exit_code). */
void procs_exit(struct procs *ps, pid_t pid, int wstatus);

/* A timestamp as ns since origin (0 if before it). */
uint64_t procs_rel_time(uint64_t t, uint64_t origin);

#endif
