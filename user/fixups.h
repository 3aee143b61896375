/* SPDX-License-Identifier: MIT */
/*
 * The loader's half of the unwind guard (unwind_guard.h): BPF stops a
 * traced thread whose stack slots must change (return probes' trampolines
 * out before an unwinder walks the stack, back in afterwards) and lists
 * them in its own ring buffer; this writes them into the process and
 * lets it go on (SIGCONT).
 */
#ifndef SELFPROF_FIXUPS_H
#define SELFPROF_FIXUPS_H
#include <stddef.h>
#include <stdint.h>

struct ring_buffer;

#include <sys/types.h>

#define FIXUPS_BATCH	64

struct fixups {
	struct ring_buffer *rb;
	int traced_fd;		/* the traced-pid map: a record's process must still be in it */
	uid_t uid;		/* and still the user's (its /proc/PID theirs) */
	uint64_t records;	/* stops handled */
	uint64_t written;	/* slots rewritten */
	uint64_t skipped;	/* slots no longer holding the expected value */
	uint64_t failed;	/* slots that could not be read or written */
	uint64_t refused;	/* records of a process no longer the traced one */
	int pidfds[FIXUPS_BATCH];	/* processes to continue after this batch */
	pid_t pids[FIXUPS_BATCH];
	size_t npids;
};

/* 0, or -errno. rb_fd: the fixup ring buffer (tracer_fixup_fd); traced_fd:
 * the traced-pid map; uid: the user the trace is for. */
int fixups_init(struct fixups *f, int rb_fd, int traced_fd, uid_t uid);
int fixups_epoll_fd(const struct fixups *f);
/* Handle every pending record; each stopped process is continued. */
void fixups_consume(struct fixups *f);
void fixups_free(struct fixups *f);

#endif
