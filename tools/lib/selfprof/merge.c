// SPDX-License-Identifier: MIT
/*
 * Summaries summed label by label (sp_summary_merge): gather every part's
 * rows and artifacts, sort them by label and fold equal labels together,
 * then copy the result into one block as sp_summarize builds it.
 */
#include <stdlib.h>

#include "internal.h"

/* Rows and artifacts whose labels still point into the parts. */
struct gathered {
	struct sp_row *rows;
	struct sp_artifact *artifacts;
	size_t nrows, nartifacts;
};

static int cmp_row_labels(const void *a, const void *b)
{
	return strcmp(((const struct sp_row *)a)->label, ((const struct sp_row *)b)->label);
}

static void add_row(struct sp_row *into, const struct sp_row *from)
{
	into->self_ns += from->self_ns;
	into->time_ns += from->time_ns;
	into->count += from->count;
	into->cache_hits += from->cache_hits;
	into->blocked_ns += from->blocked_ns;
	into->incr_load_ns += from->incr_load_ns;
	into->hashing_ns += from->hashing_ns;
}

/* Sort by label and fold equal labels together; returns the new count. */
static size_t fold_rows(struct sp_row *rows, size_t n)
{
	size_t out = 0;

	qsort(rows, n, sizeof(*rows), cmp_row_labels);
	for (size_t i = 0; i < n; i++) {
		if (out && !strcmp(rows[out - 1].label, rows[i].label))
			add_row(&rows[out - 1], &rows[i]);
		else
			rows[out++] = rows[i];
	}
	return out;
}

static size_t fold_artifacts(struct sp_artifact *a, size_t n)
{
	size_t out = 0;

	qsort(a, n, sizeof(*a), sp_artifact_cmp);
	for (size_t i = 0; i < n; i++) {
		if (out && !strcmp(a[out - 1].label, a[i].label))
			a[out - 1].bytes += a[i].bytes;
		else
			a[out++] = a[i];
	}
	return out;
}

static int gather(struct gathered *g, struct sp_summary *const *parts, size_t nparts)
{
	size_t nrows = 0, nart = 0;

	for (size_t i = 0; i < nparts; i++) {
		nrows += parts[i]->nrows;
		nart += parts[i]->nartifacts;
	}
	g->rows = malloc((nrows + 1) * sizeof(*g->rows));
	g->artifacts = malloc((nart + 1) * sizeof(*g->artifacts));
	if (!g->rows || !g->artifacts)
		return SP_ENOMEM;
	for (size_t i = 0; i < nparts; i++) {
		memcpy(g->rows + g->nrows, parts[i]->rows, parts[i]->nrows * sizeof(*g->rows));
		g->nrows += parts[i]->nrows;
		memcpy(g->artifacts + g->nartifacts, parts[i]->artifacts,
		       parts[i]->nartifacts * sizeof(*g->artifacts));
		g->nartifacts += parts[i]->nartifacts;
	}
	g->nrows = fold_rows(g->rows, g->nrows);
	g->nartifacts = fold_artifacts(g->artifacts, g->nartifacts);
	return 0;
}

/* The folded rows and artifacts with their own copies of the labels. */
static struct sp_summary *copy_out(const struct gathered *g)
{
	static const char counter[] = "wall-time";
	size_t text = 2 + sizeof(counter);	/* cmd and json are "" */
	struct sp_summary *s;
	char *p;

	for (size_t i = 0; i < g->nrows; i++)
		text += strlen(g->rows[i].label) + 1;
	for (size_t i = 0; i < g->nartifacts; i++)
		text += strlen(g->artifacts[i].label) + 1;
	if (!(s = sp_summary_alloc(g->nrows, g->nartifacts, text, &p)))
		return NULL;
	s->meta.cmd = sp_summary_strdup(&p, "");
	s->meta.counter = sp_summary_strdup(&p, counter);
	s->meta.json = sp_summary_strdup(&p, "");
	for (size_t i = 0; i < g->nrows; i++) {
		s->rows[i] = g->rows[i];
		s->rows[i].label = sp_summary_strdup(&p, g->rows[i].label);
	}
	for (size_t i = 0; i < g->nartifacts; i++) {
		s->artifacts[i] = g->artifacts[i];
		s->artifacts[i].label = sp_summary_strdup(&p, g->artifacts[i].label);
	}
	s->nrows = g->nrows;
	s->nartifacts = g->nartifacts;
	return s;
}

static void add_totals(struct sp_summary *into, const struct sp_summary *from)
{
	into->total_ns += from->total_ns;
	into->num_events += from->num_events;
	into->num_threads += from->num_threads;
	for (int k = 0; k < SP_KIND__COUNT; k++)
		into->kind_counts[k] += from->kind_counts[k];
	if (!into->version)
		into->version = from->version;
}

SP_EXPORT int sp_summary_merge(struct sp_summary *const *parts, size_t nparts,
			       struct sp_summary **out, struct sp_error *err)
{
	struct gathered g = { 0 };
	struct sp_summary *s = NULL;

	if (!gather(&g, parts, nparts))
		s = copy_out(&g);
	free(g.rows);
	free(g.artifacts);
	*out = s;
	if (!s)
		return sp_seterr(err, SP_ENOMEM, "out of memory");
	for (size_t i = 0; i < nparts; i++)
		add_totals(s, parts[i]);
	qsort(s->rows, s->nrows, sizeof(*s->rows), sp_row_cmp);
	return 0;
}
