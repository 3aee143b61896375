// SPDX-License-Identifier: MIT
/*
 * Interval nesting in a backward walk (see selfprof.h): one stack of open
 * intervals per thread. An interval closes, going backwards, once the next
 * one met does not lie inside it, so popping until the top encloses the
 * new interval leaves its parent on top.
 */
#include <stdlib.h>

#include "internal.h"

struct open_interval {
	uint64_t start, end, tag;
};

struct thread {
	struct sp_nesting_thread info;
	struct open_interval *stack;
	size_t depth, cap;
};

struct sp_nesting {
	struct thread *threads;
	size_t nthreads, cap;
	struct sp_u64map numbers;	/* thread id -> index */
	size_t last;			/* the thread of the interval last entered */
};

SP_EXPORT struct sp_nesting *sp_nesting_new(void)
{
	return calloc(1, sizeof(struct sp_nesting));
}

static int add_thread(struct sp_nesting *n, const struct sp_event *ev)
{
	struct thread *v = sp_grow(n->threads, n->nthreads, &n->cap, sizeof(*v), 16);

	if (!v)
		return SP_ENOMEM;
	n->threads = v;
	if (sp_u64map_put(&n->numbers, ev->thread, n->nthreads))
		return SP_ENOMEM;
	/* Met first going backwards: its end is the thread's last in the file. */
	v[n->nthreads++] = (struct thread){
		.info = { ev->thread, ev->start, ev->end, ev->end, 0 },
	};
	return 0;
}

/* ev's thread, added on first sight; NULL on ENOMEM. */
static struct thread *thread_of(struct sp_nesting *n, const struct sp_event *ev)
{
	uint64_t idx;

	if (n->nthreads && n->threads[n->last].info.thread == ev->thread)
		return &n->threads[n->last];
	if (!sp_u64map_get(&n->numbers, ev->thread, &idx)) {
		if (add_thread(n, ev))
			return NULL;
		idx = n->nthreads - 1;
	}
	n->last = idx;
	return &n->threads[idx];
}

static int push(struct thread *t, const struct open_interval *o)
{
	struct open_interval *v = sp_grow(t->stack, t->depth, &t->cap, sizeof(*v), 64);

	if (!v)
		return SP_ENOMEM;
	t->stack = v;
	t->stack[t->depth++] = *o;
	return 0;
}

static bool encloses(const struct open_interval *o, const struct sp_event *ev)
{
	return o->start <= ev->start && ev->end <= o->end;
}

static void widen(struct sp_nesting_thread *t, const struct sp_event *ev)
{
	if (ev->start < t->min_start)
		t->min_start = ev->start;
	if (ev->end > t->max_end)
		t->max_end = ev->end;
}

SP_EXPORT int sp_nesting_enter(struct sp_nesting *n, const struct sp_event *ev, uint64_t tag,
			       uint64_t *parent_tag)
{
	struct thread *t = thread_of(n, ev);
	int nested;

	if (!t)
		return SP_ENOMEM;
	while (t->depth && !encloses(&t->stack[t->depth - 1], ev))
		t->depth--;
	widen(&t->info, ev);
	nested = t->depth > 0;
	if (nested)
		*parent_tag = t->stack[t->depth - 1].tag;
	else
		t->info.top_level_ns += ev->end - ev->start;
	if (push(t, &(struct open_interval){ ev->start, ev->end, tag }))
		return SP_ENOMEM;
	return nested;
}

SP_EXPORT void sp_nesting_retag(struct sp_nesting *n, uint64_t tag)
{
	struct thread *t = &n->threads[n->last];

	t->stack[t->depth - 1].tag = tag;
}

SP_EXPORT size_t sp_nesting_num_threads(const struct sp_nesting *n)
{
	return n->nthreads;
}

SP_EXPORT const struct sp_nesting_thread *sp_nesting_thread(const struct sp_nesting *n, size_t i)
{
	return i < n->nthreads ? &n->threads[i].info : NULL;
}

SP_EXPORT void sp_nesting_free(struct sp_nesting *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nthreads; i++)
		free(n->threads[i].stack);
	free(n->threads);
	sp_u64map_free(&n->numbers);
	free(n);
}
