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

struct fixups {
	struct ring_buffer *rb;
	uint64_t records;	/* stops handled */
	uint64_t written;	/* slots rewritten */
	uint64_t skipped;	/* slots no longer holding the expected value */
	uint64_t failed;	/* slots that could not be read or written */
	int pids[64];		/* processes to continue after this batch */
	size_t npids;
};

/* 0, or -errno. map_fd: the fixup ring buffer (tracer_fixup_fd). */
int fixups_init(struct fixups *f, int map_fd);
int fixups_epoll_fd(const struct fixups *f);
/* Handle every pending record; each stopped process is continued. */
void fixups_consume(struct fixups *f);
void fixups_free(struct fixups *f);

#endif
