// SPDX-License-Identifier: MIT
/*
 * Folded stacks (spec 12.2): the same backward walk as the summary, over
 * intervals only, one nesting stack per thread. An interval adds its
 * duration to its stack's node and takes it from its parent's node; the
 * root gets each thread's span minus its top-level intervals (idle time).
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cli.h"
#include "profile.h"
#include "stacks.h"

struct open_interval {
	uint64_t start, end;
	uint32_t node;
};

struct thread_walk {
	struct open_interval *stack;
	size_t depth, cap;
	uint64_t first_start;	/* min start over the thread's intervals */
	uint64_t last_end;	/* end of its last interval in the file */
	uint64_t top_level_ns;	/* Σ durations of intervals with no parent */
};

struct walk {
	struct thread_walk *threads;
	size_t nthreads, cap;
	struct spt_u64map by_id;	/* thread id -> index */
};

static int add_node(struct spt_stacks *st, uint32_t parent, uint32_t label)
{
	struct spt_stack_node *v = spt_grow(st->nodes, st->n, &st->cap, sizeof(*v), 256);

	if (!v)
		return -1;
	st->nodes = v;
	st->nodes[st->n] = (struct spt_stack_node){
		.parent = parent, .label = label,
		.depth = parent == SPT_NO_PARENT ? 0 : st->nodes[parent].depth + 1,
	};
	if (st->nodes[st->n].depth > st->max_depth)
		st->max_depth = st->nodes[st->n].depth;
	st->n++;
	return 0;
}

/* The node for label under parent, created on first use; -1 on ENOMEM. */
static int64_t child_node(struct spt_stacks *st, uint32_t parent, uint32_t label)
{
	uint64_t key = (uint64_t)parent << 32 | label, node;

	if (spt_u64map_get(&st->children, key, &node))
		return (int64_t)node;
	node = st->n;
	if (add_node(st, parent, label) || spt_u64map_put(&st->children, key, node))
		return -1;
	return (int64_t)node;
}

static struct thread_walk *thread_of(struct walk *w, uint32_t tid, const struct sp_event *ev)
{
	struct thread_walk *v;
	uint64_t idx;

	if (spt_u64map_get(&w->by_id, tid, &idx))
		return &w->threads[idx];
	v = spt_grow(w->threads, w->nthreads, &w->cap, sizeof(*v), 16);
	if (!v)
		return NULL;
	w->threads = v;
	if (spt_u64map_put(&w->by_id, tid, w->nthreads))
		return NULL;
	/* Met first in the backward walk: its end is the thread's last end. */
	w->threads[w->nthreads] = (struct thread_walk){ .first_start = ev->start,
							.last_end = ev->end };
	return &w->threads[w->nthreads++];
}

static int push(struct thread_walk *t, const struct sp_event *ev, uint32_t node)
{
	struct open_interval *v = spt_grow(t->stack, t->depth, &t->cap, sizeof(*v), 32);

	if (!v)
		return -1;
	t->stack = v;
	t->stack[t->depth++] = (struct open_interval){ ev->start, ev->end, node };
	return 0;
}

static int add_interval(struct spt_stacks *st, struct walk *w, const struct sp_event *ev)
{
	struct thread_walk *t = thread_of(w, ev->thread, ev);
	uint64_t dur = ev->end - ev->start;
	uint32_t parent = 0;
	int64_t node;

	if (!t)
		return -1;
	if (ev->start < t->first_start)
		t->first_start = ev->start;
	while (t->depth && !(t->stack[t->depth - 1].start <= ev->start &&
			     ev->end <= t->stack[t->depth - 1].end))
		t->depth--;
	if (t->depth) {
		parent = t->stack[t->depth - 1].node;
		st->nodes[parent].value -= (int64_t)dur;
	} else {
		t->top_level_ns += dur;
	}
	node = child_node(st, parent, sp_reader_label_of(st->r, ev->id));
	if (node < 0)
		return -1;
	st->nodes[node].value += (int64_t)dur;
	return push(t, ev, (uint32_t)node);
}

static void root_idle_time(struct spt_stacks *st, const struct walk *w)
{
	int64_t idle = 0;

	for (size_t i = 0; i < w->nthreads; i++) {
		const struct thread_walk *t = &w->threads[i];

		idle += (int64_t)(t->last_end - t->first_start - t->top_level_ns);
	}
	st->nodes[0].value = idle;
}

static void free_walk(struct walk *w)
{
	for (size_t i = 0; i < w->nthreads; i++)
		free(w->threads[i].stack);
	free(w->threads);
	spt_u64map_free(&w->by_id);
}

static int walk_events(struct spt_stacks *st, struct walk *w, const char *path)
{
	struct sp_event ev;

	for (uint64_t i = sp_reader_num_events(st->r); i-- > 0;) {
		if (spt_read_event(st->r, i, &ev, path))
			return SPT_EXIT_FAIL;
		/* Unused here, but a kind that is no string makes the profile
		 * malformed, as every other command finds. Cached: cheap. */
		sp_reader_kind_of(st->r, ev.kind);
		if (ev.type == SP_EVENT_INTERVAL && add_interval(st, w, &ev))
			return spt_out_of_memory(path);
	}
	return spt_check_strings(st->r, path);
}

int spt_stacks_build(struct spt_stacks *st, struct sp_reader *r, const char *path)
{
	struct walk w = { 0 };
	int rc;

	*st = (struct spt_stacks){ .r = r };
	if (add_node(st, SPT_NO_PARENT, 0))
		return spt_out_of_memory(path);
	rc = walk_events(st, &w, path);
	if (!rc)
		root_idle_time(st, &w);
	free_walk(&w);
	return rc;
}

void spt_stacks_free(struct spt_stacks *st)
{
	free(st->nodes);
	spt_u64map_free(&st->children);
	*st = (struct spt_stacks){ 0 };
}

const char *spt_stacks_label(const struct spt_stacks *st, size_t node)
{
	if (st->nodes[node].parent == SPT_NO_PARENT)
		return SPT_ROOT_LABEL;
	return sp_reader_label_text(st->r, st->nodes[node].label);
}

static void free_keys(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* Every node's full key; parents come first, so each extends its parent's. */
static char **build_keys(const struct spt_stacks *st)
{
	char **keys = calloc(st->n, sizeof(*keys));

	if (!keys)
		return NULL;
	for (size_t i = 0; i < st->n; i++) {
		const struct spt_stack_node *nd = &st->nodes[i];
		int len = nd->parent == SPT_NO_PARENT ?
			asprintf(&keys[i], "%s", SPT_ROOT_LABEL) :
			asprintf(&keys[i], "%s;%s", keys[nd->parent], spt_stacks_label(st, i));

		if (len < 0) {
			keys[i] = NULL;
			free_keys(keys, i);
			return NULL;
		}
	}
	return keys;
}

struct keyed_value {
	const char *key;
	int64_t value;
};

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(((const struct keyed_value *)a)->key, ((const struct keyed_value *)b)->key);
}

int spt_stacks_print_folded(const struct spt_stacks *st, FILE *out)
{
	char **keys = build_keys(st);
	struct keyed_value *v;

	if (!keys)
		return -1;
	v = malloc(st->n * sizeof(*v));
	if (!v) {
		free_keys(keys, st->n);
		return -1;
	}
	for (size_t i = 0; i < st->n; i++)
		v[i] = (struct keyed_value){ keys[i], st->nodes[i].value };
	qsort(v, st->n, sizeof(*v), cmp_keys);
	for (size_t i = 0; i < st->n; i++)
		fprintf(out, "%s %lld\n", v[i].key, (long long)v[i].value);
	free_keys(keys, st->n);
	free(v);
	return 0;
}
