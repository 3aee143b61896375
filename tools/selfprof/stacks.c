// SPDX-License-Identifier: MIT
/*
 * Folded stacks (spec 12.2): the same backward walk as the summary
 * (sp_nesting), over intervals only. An interval adds its duration to its
 * stack's node and takes it from its parent's node; the root gets each
 * thread's span minus its top-level intervals (idle time).
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cli.h"
#include "profile.h"
#include "stacks.h"

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

	if (sp_u64map_get(&st->children, key, &node))
		return (int64_t)node;
	node = st->n;
	if (add_node(st, parent, label) || sp_u64map_put(&st->children, key, node))
		return -1;
	return (int64_t)node;
}

/* The interval's duration goes to its node and is taken from its parent's. */
static int add_interval(struct spt_stacks *st, struct sp_nesting *nest, const struct sp_event *ev)
{
	uint64_t dur = ev->end - ev->start, parent = 0;
	int nested = sp_nesting_enter(nest, ev, 0, &parent);	/* its node is known below */
	int64_t node;

	if (nested < 0)
		return -1;
	if (nested)
		st->nodes[parent].value -= (int64_t)dur;
	node = child_node(st, (uint32_t)parent, sp_reader_label_of(st->r, ev->id));
	if (node < 0)
		return -1;
	st->nodes[node].value += (int64_t)dur;
	sp_nesting_retag(nest, (uint64_t)node);
	return 0;
}

/* The root: each thread's span less its top-level intervals (idle time). */
static void root_idle_time(struct spt_stacks *st, const struct sp_nesting *nest)
{
	int64_t idle = 0;

	for (size_t i = 0; i < sp_nesting_num_threads(nest); i++) {
		const struct sp_nesting_thread *t = sp_nesting_thread(nest, i);

		idle += (int64_t)(t->last_end - t->min_start - t->top_level_ns);
	}
	st->nodes[0].value = idle;
}

static int walk_events(struct spt_stacks *st, struct sp_nesting *nest, const char *path)
{
	struct sp_event ev;

	for (uint64_t i = sp_reader_num_events(st->r); i-- > 0;) {
		if (spt_read_event(st->r, i, &ev, path))
			return SPT_EXIT_FAIL;
		/* Unused here, but a kind that is no string makes the profile
		 * malformed, as every other command finds. Cached: cheap. */
		sp_reader_kind_of(st->r, ev.kind);
		if (ev.type == SP_EVENT_INTERVAL && add_interval(st, nest, &ev))
			return spt_out_of_memory(path);
	}
	return spt_check_strings(st->r, path);
}

int spt_stacks_build(struct spt_stacks *st, struct sp_reader *r, const char *path)
{
	struct sp_nesting *nest = sp_nesting_new();
	int rc;

	*st = (struct spt_stacks){ .r = r };
	if (!nest || add_node(st, SPT_NO_PARENT, 0)) {
		sp_nesting_free(nest);
		return spt_out_of_memory(path);
	}
	rc = walk_events(st, nest, path);
	if (!rc)
		root_idle_time(st, nest);
	sp_nesting_free(nest);
	return rc;
}

void spt_stacks_free(struct spt_stacks *st)
{
	free(st->nodes);
	sp_u64map_free(&st->children);
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
