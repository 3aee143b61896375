/* SPDX-License-Identifier: MIT */
/*
 * The watchdog: a small process that outlives the loader for one job. BPF
 * stops a traced thread (SIGSTOP) when the loader must act for it (the
 * unwind guard's stack rewrites); if the loader dies then, SIGKILL
 * included, that process would stay stopped for ever. The watchdog notices
 * the loader's end (its pipe reads EOF) and sends SIGCONT to every traced
 * process BPF has stopped (TRACED_STOPPED in the traced map).
 */
#ifndef SELFPROF_WATCHDOG_H
#define SELFPROF_WATCHDOG_H
#include <sys/types.h>

struct watchdog {
	pid_t pid;	/* 0: not running */
	int pipe_fd;	/* write end; the loader's death closes it */
};

/* Start it with the traced map's fd and the user the trace is for (only
 * their processes are continued). Returns 0 or -errno. */
int watchdog_start(struct watchdog *w, int traced_map_fd, uid_t uid);

/* The loader's normal end, everything detached: let it do its one pass
 * and wait for it. */
void watchdog_stop(struct watchdog *w);

#endif
