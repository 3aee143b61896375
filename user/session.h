/* SPDX-License-Identifier: MIT */
/*
 * One run of selfprof-bpf: what it set up (output as the user, BPF, the
 * drivers, the watchdog, calibration, the dumps), the command or -p's
 * target it follows, and its end report. The event loop: loop.h.
 */
#ifndef SELFPROF_SESSION_H
#define SELFPROF_SESSION_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "calibrate.h"
#include "child.h"
#include "drain.h"
#include "drivers.h"
#include "events.h"
#include "fixups.h"
#include "options.h"
#include "output.h"
#include "procs.h"
#include "tracer.h"
#include "watchdog.h"

struct session {
	struct opts *o;
	struct invoker inv;
	struct tracer tr;
	struct driver_set drivers;
	struct calibration cal;
	struct fixups fix;		/* the unwind guard's stack rewrites */
	struct watchdog wd;		/* continues what BPF stopped if we die */
	struct output_spec out;		/* also: out.as, the user's rights */
	struct procs procs;
	struct drain drain;
	char extra_json[1024];
	pid_t child;		/* CMD's pid, or the -p target */
	int child_status;	/* exit code to return */
	bool child_done;
	int sigfd, epfd;
	uint64_t stat_base[STAT__COUNT];	/* counters before the child ran */
	int stop_signals;
	bool traced;		/* the command ran, or -p's target was followed */
};

/* --list-probes: print the probe points and exit. Returns the exit code. */
int session_list_probes(struct session *s);

/* Everything before the command runs; 0 or the exit code (said). path:
 * the command resolved (for session_start). */
int session_setup(struct session *s, char *path, size_t size);

/* Run the command (or follow -p's target). 0 or the exit code (said). */
int session_start(struct session *s, const char *path);

/* The ring buffer's exec and exit records, for the loop (loop.h). */
void session_on_exit(void *ctx, pid_t pid, int exit_code);
void session_on_exec(void *ctx, const struct rec_exec *r);

/* Detach, drain, close the dumps, report. Returns whether a dump could
 * not be written completely. */
bool session_teardown(struct session *s);

#endif
