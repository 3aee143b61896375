// SPDX-License-Identifier: MIT
/* Open-addressing u64 -> u64 hash map with linear probing; see u64map.h. */
#include <stdlib.h>

#include "u64map.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	/* A 64-bit finaliser spreads sequential ids over the table. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static size_t find_slot(const struct spt_u64map *m, uint64_t key)
{
	size_t i = slot_of(key, m->cap);

	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int spt_u64map_get(const struct spt_u64map *m, uint64_t key, uint64_t *val)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = find_slot(m, key);
	if (!m->used[i])
		return 0;
	*val = m->vals[i];
	return 1;
}

static int grow(struct spt_u64map *m)
{
	struct spt_u64map bigger = { .cap = m->cap ? m->cap * 2 : 256 };

	bigger.keys = malloc(bigger.cap * sizeof(*bigger.keys));
	bigger.vals = malloc(bigger.cap * sizeof(*bigger.vals));
	bigger.used = calloc(bigger.cap, 1);
	if (!bigger.keys || !bigger.vals || !bigger.used) {
		spt_u64map_free(&bigger);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->used[i]) {
			size_t j = find_slot(&bigger, m->keys[i]);

			bigger.used[j] = 1;
			bigger.keys[j] = m->keys[i];
			bigger.vals[j] = m->vals[i];
		}
	}
	bigger.n = m->n;
	spt_u64map_free(m);
	*m = bigger;
	return 0;
}

int spt_u64map_put(struct spt_u64map *m, uint64_t key, uint64_t val)
{
	size_t i;

	/* Keep the load factor at or below one half. */
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -1;
	i = find_slot(m, key);
	if (!m->used[i]) {
		m->used[i] = 1;
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

void spt_u64map_free(struct spt_u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	*m = (struct spt_u64map){ 0 };
}
