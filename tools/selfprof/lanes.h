/* SPDX-License-Identifier: MIT */
/*
 * crox --collapse-threads (spec MMPROFDATA.md 12.1, as measureme's crox
 * does it): threads whose [first, last] spans do not overlap share a lane,
 * so a profile of many short-lived threads stays a few tracks tall.
 */
#ifndef SPT_LANES_H
#define SPT_LANES_H

#include <stddef.h>
#include <stdint.h>

#include "selfprof.h"

struct spt_thread_span {
	uint32_t thread;
	uint64_t first, last;	/* earliest and latest time of its events */
	uint32_t lane;		/* set by spt_assign_lanes */
};

struct spt_lanes {
	struct spt_thread_span *spans;
	size_t n, cap;
	struct sp_u64map index;	/* thread id -> spans[] index */
};

/*
 * Give every span a lane: in order of first time, a thread takes over the
 * lane of the earliest-ending thread not yet taken over if that one ended
 * before it started, else opens a new lane (numbered from 0). Ties go by
 * thread id. 0, or -1 on ENOMEM.
 */
int spt_assign_lanes(struct spt_thread_span *spans, size_t n);

/* The lanes of r's threads, from the times of its interval and instant
 * events. 0, or SPT_EXIT_FAIL after a message naming path; free l with
 * spt_lanes_free either way. */
int spt_lanes_build(struct spt_lanes *l, struct sp_reader *r, const char *path);

/* The lane of thread; the thread id itself when l was not built. */
uint32_t spt_lane_of(const struct spt_lanes *l, uint32_t thread);

void spt_lanes_free(struct spt_lanes *l);

#endif
