// SPDX-License-Identifier: MIT
/*
 * The summary object: one block holding the struct, its rows, artifacts
 * and strings, so that sp_summary_free is one free() whoever built it
 * (sp_summarize or sp_summary_merge).
 */
#include <stdlib.h>

#include "internal.h"

int sp_row_cmp(const void *a, const void *b)
{
	const struct sp_row *x = a, *y = b;

	if (x->self_ns != y->self_ns)
		return x->self_ns > y->self_ns ? -1 : 1;
	return strcmp(x->label, y->label);
}

int sp_artifact_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sp_artifact *)a)->label, ((const struct sp_artifact *)b)->label);
}

struct sp_summary *sp_summary_alloc(size_t nrows, size_t nart, size_t text, char **textp)
{
	struct sp_summary *s = calloc(1, sizeof(*s) + nrows * sizeof(struct sp_row) +
				      nart * sizeof(struct sp_artifact) + text);

	if (!s)
		return NULL;
	s->rows = (struct sp_row *)(s + 1);
	s->artifacts = (struct sp_artifact *)(s->rows + nrows);
	*textp = (char *)(s->artifacts + nart);
	return s;
}

const char *sp_summary_strdup(char **textp, const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = memcpy(*textp, s, len);

	*textp += len;
	return copy;
}

SP_EXPORT void sp_summary_free(struct sp_summary *s)
{
	free(s);
}

SP_EXPORT const struct sp_row *sp_summary_find(const struct sp_summary *s, const char *label)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (!strcmp(s->rows[i].label, label))
			return &s->rows[i];
	return NULL;
}

SP_EXPORT int64_t sp_summary_self_ns(const struct sp_summary *s)
{
	int64_t sum = 0;

	for (size_t i = 0; i < s->nrows; i++)
		sum += s->rows[i].self_ns;
	return sum;
}
