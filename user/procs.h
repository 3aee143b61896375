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
#include "output.h"

struct probe_set;
struct proc;

/* A finished dump, for the end-of-run report. */
struct dump {
	char *path;
	char *crate;
	pid_t pid;
	uint64_t events;
	bool failed;		/* writer reported an error (message printed) */
};

struct procs_opts {
	const struct probe_set *set;
	struct output_spec *out;
	uid_t uid;		/* dumps are chowned to uid/gid */
	gid_t gid;
	const char *extra_json;	/* extra metadata members */
};

struct procs {
	struct procs_opts o;
	struct proc **v;
	size_t n, cap;
	struct dump *dumps;
	size_t ndumps;
	uint64_t events;	/* intervals written, all processes */
	uint64_t dropped;	/* intervals of processes with no usable writer */
	int64_t mono_to_wall;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
};

void procs_init(struct procs *ps, const struct procs_opts *o);
/* Close every open dump and free everything but ps->dumps. */
void procs_finish(struct procs *ps);
void procs_free(struct procs *ps);

/* A traced process exec'd: a new image with its own time origin. */
void procs_exec(struct procs *ps, const struct rec_exec *r);
/* Register a process already running (-p PID): origin from /proc. */
void procs_attach_running(struct procs *ps, pid_t pid);
void procs_interval(struct procs *ps, const struct rec_interval *r);
void procs_exit(struct procs *ps, pid_t pid);

/* A timestamp as ns since origin (0 if before it). */
uint64_t procs_rel_time(uint64_t t, uint64_t origin);

#endif
