// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "labels.h"
#include "probes.h"

int labels_add(struct label_table *t, const struct probe_set *set)
{
	if (set->id_base != t->n)
		return -EINVAL;
	if (t->n + set->n > t->cap) {
		size_t cap = t->cap ? t->cap : 512;
		const char **v;

		while (cap < t->n + set->n)
			cap *= 2;
		v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	for (size_t i = 0; i < set->n; i++)
		t->v[t->n++] = set->points[i].label;
	return 0;
}

const char *labels_get(const struct label_table *t, uint32_t id)
{
	return id < t->n ? t->v[id] : NULL;
}

void labels_free(struct label_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
