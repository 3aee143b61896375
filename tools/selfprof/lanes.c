// SPDX-License-Identifier: MIT
/* Threads onto shared lanes for crox --collapse-threads; see lanes.h. */
#include <stdlib.h>

#include "array.h"
#include "cli.h"
#include "lanes.h"
#include "profile.h"

typedef int cmp_fn(const void *, const void *);

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static const struct spt_thread_span *span_at(const void *p)
{
	return *(const struct spt_thread_span *const *)p;
}

static int cmp_first(const void *a, const void *b)
{
	const struct spt_thread_span *x = span_at(a), *y = span_at(b);

	return cmp_u64(x->first, y->first) ?: cmp_u64(x->thread, y->thread);
}

static int cmp_last(const void *a, const void *b)
{
	const struct spt_thread_span *x = span_at(a), *y = span_at(b);

	return cmp_u64(x->last, y->last) ?: cmp_u64(x->thread, y->thread);
}

/* Pointers to spans[0..n) in cmp order; NULL on ENOMEM. */
static struct spt_thread_span **sorted(struct spt_thread_span *spans, size_t n, cmp_fn *cmp)
{
	struct spt_thread_span **v = malloc(n * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = &spans[i];
	qsort(v, n, sizeof(*v), cmp);
	return v;
}

/* Threads in order of first and of last time; see spt_assign_lanes. */
static void take_lanes(struct spt_thread_span **by_first, struct spt_thread_span **by_last,
		       size_t n)
{
	size_t ended = 0;	/* by_last[ended]: the next lane to take over */
	uint32_t nlanes = 0;

	for (size_t i = 0; i < n; i++) {
		struct spt_thread_span *t = by_first[i];

		/* by_last[ended] started no later than it ended, so before t:
		 * its lane is set by the time t takes it over. */
		if (t->first > by_last[ended]->last)
			t->lane = by_last[ended++]->lane;
		else
			t->lane = nlanes++;
	}
}

int spt_assign_lanes(struct spt_thread_span *spans, size_t n)
{
	struct spt_thread_span **by_first, **by_last;
	int rc = -1;

	if (!n)
		return 0;
	by_first = sorted(spans, n, cmp_first);
	by_last = sorted(spans, n, cmp_last);
	if (by_first && by_last) {
		take_lanes(by_first, by_last, n);
		rc = 0;
	}
	free(by_last);
	free(by_first);
	return rc;
}

/* The thread's span, empty on first sight; NULL on ENOMEM. */
static struct spt_thread_span *span_of(struct spt_lanes *l, uint32_t thread)
{
	struct spt_thread_span *v;
	uint64_t idx;

	if (sp_u64map_get(&l->index, thread, &idx))
		return &l->spans[idx];
	v = spt_grow(l->spans, l->n, &l->cap, sizeof(*v), 16);
	if (!v)
		return NULL;
	l->spans = v;
	if (sp_u64map_put(&l->index, thread, l->n))
		return NULL;
	l->spans[l->n] = (struct spt_thread_span){ .thread = thread, .first = UINT64_MAX };
	return &l->spans[l->n++];
}

/* Widen the thread's span by an event; integers carry no time. Like
 * measureme, do not trust an interval's start to precede its end. */
static int add_event(struct spt_lanes *l, const struct sp_event *ev)
{
	uint64_t lo = ev->start < ev->end ? ev->start : ev->end;
	uint64_t hi = ev->start < ev->end ? ev->end : ev->start;
	struct spt_thread_span *t;

	if (ev->type == SP_EVENT_INTEGER)
		return 0;
	t = span_of(l, ev->thread);
	if (!t)
		return -1;
	if (lo < t->first)
		t->first = lo;
	if (hi > t->last)
		t->last = hi;
	return 0;
}

int spt_lanes_build(struct spt_lanes *l, struct sp_reader *r, const char *path)
{
	uint64_t n = sp_reader_num_events(r);
	struct sp_event ev;

	*l = (struct spt_lanes){ 0 };
	for (uint64_t i = 0; i < n; i++) {
		if (spt_read_event(r, i, &ev, path))
			return SPT_EXIT_FAIL;
		if (add_event(l, &ev))
			return spt_out_of_memory(path);
	}
	return spt_assign_lanes(l->spans, l->n) ? spt_out_of_memory(path) : 0;
}

uint32_t spt_lane_of(const struct spt_lanes *l, uint32_t thread)
{
	uint64_t idx;

	return sp_u64map_get(&l->index, thread, &idx) ? l->spans[idx].lane : thread;
}

void spt_lanes_free(struct spt_lanes *l)
{
	free(l->spans);
	sp_u64map_free(&l->index);
	*l = (struct spt_lanes){ 0 };
}
