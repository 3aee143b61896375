/* SPDX-License-Identifier: MIT */
/*
 * The event loop of a session: signals (forwarded to the command), the
 * unwind guard's fixups (a stopped thread waits for them) and the ring
 * buffer, until the command or -p's target has ended.
 */
#ifndef SELFPROF_LOOP_H
#define SELFPROF_LOOP_H

struct session;

/* From the very start of main: the loop's signals queue until it runs. */
void loop_block_signals_early(void);

/* signalfd, epoll, the ring buffers. 0 or the exit code (said). */
int loop_setup(struct session *s);

/* Until the command has ended (or tracing is stopped); then drain. */
void loop_run(struct session *s);

#endif
