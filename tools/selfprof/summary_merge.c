// SPDX-License-Identifier: MIT
/* Sum several summaries into one; see summary_merge.h. */
#include <stdlib.h>
#include <string.h>

#include "summary_merge.h"

static int cmp_rows_by_label(const void *a, const void *b)
{
	return strcmp(((const struct sp_row *)a)->label, ((const struct sp_row *)b)->label);
}

static int cmp_rows_by_self(const void *a, const void *b)
{
	const struct sp_row *ra = a, *rb = b;

	if (ra->self_ns != rb->self_ns)
		return ra->self_ns > rb->self_ns ? -1 : 1;
	return strcmp(ra->label, rb->label);
}

static int cmp_artifacts_by_label(const void *a, const void *b)
{
	return strcmp(((const struct sp_artifact *)a)->label,
		      ((const struct sp_artifact *)b)->label);
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

	qsort(rows, n, sizeof(*rows), cmp_rows_by_label);
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

	qsort(a, n, sizeof(*a), cmp_artifacts_by_label);
	for (size_t i = 0; i < n; i++) {
		if (out && !strcmp(a[out - 1].label, a[i].label))
			a[out - 1].bytes += a[i].bytes;
		else
			a[out++] = a[i];
	}
	return out;
}

/* Labels point into the parts until this copies them. On failure the
 * labels not yet copied become NULL, so the summary can still be freed. */
static int own_labels(struct sp_summary *s)
{
	size_t i = 0, j = 0;

	for (; i < s->nrows; i++)
		if (!(s->rows[i].label = strdup(s->rows[i].label)))
			goto fail;
	for (; j < s->nartifacts; j++)
		if (!(s->artifacts[j].label = strdup(s->artifacts[j].label)))
			goto fail;
	return 0;
fail:
	for (; i < s->nrows; i++)
		s->rows[i].label = NULL;
	for (; j < s->nartifacts; j++)
		s->artifacts[j].label = NULL;
	return -1;
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

static int gather(struct sp_summary *s, struct sp_summary *const *parts, size_t nparts)
{
	size_t nrows = 0, nart = 0;

	for (size_t i = 0; i < nparts; i++) {
		nrows += parts[i]->nrows;
		nart += parts[i]->nartifacts;
	}
	s->rows = calloc(nrows + 1, sizeof(*s->rows));
	s->artifacts = calloc(nart + 1, sizeof(*s->artifacts));
	if (!s->rows || !s->artifacts)
		return -1;
	for (size_t i = 0; i < nparts; i++) {
		memcpy(s->rows + s->nrows, parts[i]->rows, parts[i]->nrows * sizeof(*s->rows));
		s->nrows += parts[i]->nrows;
		memcpy(s->artifacts + s->nartifacts, parts[i]->artifacts,
		       parts[i]->nartifacts * sizeof(*s->artifacts));
		s->nartifacts += parts[i]->nartifacts;
		add_totals(s, parts[i]);
	}
	return 0;
}

struct sp_summary *spt_summary_merge(struct sp_summary *const *parts, size_t nparts)
{
	struct sp_summary *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->meta.cmd = "";
	s->meta.counter = "wall-time";
	s->meta.json = "";
	if (gather(s, parts, nparts)) {
		s->nrows = s->nartifacts = 0;	/* labels not owned yet */
		spt_summary_merged_free(s);
		return NULL;
	}
	s->nrows = fold_rows(s->rows, s->nrows);
	s->nartifacts = fold_artifacts(s->artifacts, s->nartifacts);
	if (own_labels(s)) {
		spt_summary_merged_free(s);
		return NULL;
	}
	qsort(s->rows, s->nrows, sizeof(*s->rows), cmp_rows_by_self);
	return s;
}

/* Every label here is owned or NULL (see own_labels). */
void spt_summary_merged_free(struct sp_summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->rows && i < s->nrows; i++)
		free((char *)s->rows[i].label);
	for (size_t i = 0; s->artifacts && i < s->nartifacts; i++)
		free((char *)s->artifacts[i].label);
	free(s->rows);
	free(s->artifacts);
	free(s);
}

int64_t spt_summary_self_total(const struct sp_summary *s)
{
	int64_t sum = 0;

	for (size_t i = 0; i < s->nrows; i++)
		sum += s->rows[i].self_ns;
	return sum;
}
