// SPDX-License-Identifier: MIT
/* Shared pieces: layouts per version, errors, kinds, hash maps, buffers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

int sp_layout_for(uint32_t version, struct sp_layout *out)
{
	if (version == 9) {
		*out = (struct sp_layout){ 9, 8, 32, 16 };
		return 0;
	}
	if (version == 8) {
		*out = (struct sp_layout){ 8, 4, 24, 8 };
		return 0;
	}
	return SP_EVERSION;
}

int sp_seterr(struct sp_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static const char *const kind_names[SP_KIND__COUNT] = {
	[SP_KIND_OTHER] = "",
	[SP_KIND_QUERY] = "Query",
	[SP_KIND_GENERIC_ACTIVITY] = "GenericActivity",
	[SP_KIND_INCR_LOAD] = "IncrementalLoadResult",
	[SP_KIND_INCR_HASHING] = "IncrementalResultHashing",
	[SP_KIND_QUERY_BLOCKED] = "QueryBlocked",
	[SP_KIND_CACHE_HIT] = "QueryCacheHit",
	[SP_KIND_CACHE_HIT_COUNT] = "QueryCacheHitCount",
	[SP_KIND_ARTIFACT_SIZE] = "ArtifactSize",
};

SP_EXPORT const char *sp_kind_name(enum sp_kind kind)
{
	return (unsigned)kind < SP_KIND__COUNT ? kind_names[kind] : "";
}

SP_EXPORT enum sp_kind sp_kind_from_name(const char *name, size_t len)
{
	for (int k = 1; k < SP_KIND__COUNT; k++)
		if (strlen(kind_names[k]) == len && !memcmp(kind_names[k], name, len))
			return k;
	return SP_KIND_OTHER;
}

/* analyzeme's label rule: the text before the first \x1e, which must be
 * non-empty and free of control characters other than common whitespace. */
long sp_label_len(const char *text, size_t len)
{
	const char *sep = memchr(text, SP_ARG_SEPARATOR, len);
	size_t n = sep ? (size_t)(sep - text) : len;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = text[i];
		if ((c < 0x20 || c == 0x7f) && c != ' ' && c != '\t' && c != '\n' &&
		    c != '\r' && c != '\f')
			return -1;
	}
	return (long)n;
}

SP_EXPORT size_t sp_split_args(const char *text, size_t len, size_t *label_len,
			       const char **args, size_t *arg_lens, size_t max_args)
{
	const char *end = text + len, *p;
	size_t nargs = 0;

	p = memchr(text, SP_ARG_SEPARATOR, len);
	if (label_len)
		*label_len = p ? (size_t)(p - text) : len;
	while (p) {
		const char *start = p + 1;
		const char *next = memchr(start, SP_ARG_SEPARATOR, end - start);
		size_t n = (next ? next : end) - start;

		if (nargs < max_args) {
			args[nargs] = start;
			arg_lens[nargs] = n;
		}
		nargs++;
		p = next;
	}
	return nargs;
}

/* ------------------------------------------------------------ hashing */

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t sp_hash_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ len;
	size_t i = 0;

	for (; i + 8 <= len; i += 8)
		h = mix64(h ^ sp_get_u64(b + i)) * 0x100000001b3ULL;
	uint64_t tail = 0;
	for (size_t j = 0; i + j < len; j++)
		tail |= (uint64_t)b[i + j] << (8 * j);
	return mix64(h ^ tail);
}

/* ------------------------------------------------------------ u64 map */

static int u64map_grow(struct sp_u64map *m)
{
	struct sp_u64map bigger = { 0 };

	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.keys = malloc(bigger.cap * sizeof(*bigger.keys));
	bigger.vals = malloc(bigger.cap * sizeof(*bigger.vals));
	bigger.used = calloc(bigger.cap, 1);
	if (!bigger.keys || !bigger.vals || !bigger.used) {
		sp_u64map_free(&bigger);
		return SP_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->used[i])
			sp_u64map_put(&bigger, m->keys[i], m->vals[i]);
	sp_u64map_free(m);
	*m = bigger;
	return 0;
}

SP_EXPORT bool sp_u64map_get(const struct sp_u64map *m, uint64_t key, uint64_t *val)
{
	if (!m->cap)
		return false;
	for (size_t i = mix64(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->used[i])
			return false;
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return true;
		}
	}
}

SP_EXPORT int sp_u64map_put(struct sp_u64map *m, uint64_t key, uint64_t val)
{
	if ((m->n + 1) * 4 > m->cap * 3 && u64map_grow(m))
		return SP_ENOMEM;
	for (size_t i = mix64(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->used[i]) {
			m->used[i] = 1;
			m->keys[i] = key;
			m->vals[i] = val;
			m->n++;
			return 0;
		}
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	}
}

SP_EXPORT void sp_u64map_free(struct sp_u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ string map */

static int strmap_grow(struct sp_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	struct sp_strmap_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return SP_ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct sp_strmap_slot *s = &m->slots[i];
		if (!s->val)
			continue;
		size_t j = s->hash & (cap - 1);
		while (slots[j].val)
			j = (j + 1) & (cap - 1);
		slots[j] = *s;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

/* Slots are empty when all-zero; stored values are offset by one so that a
 * real entry (even an empty key with value 0) is never all-zero. */
static struct sp_strmap_slot *strmap_find(const struct sp_strmap *m, const void *key,
					  size_t len, uint64_t hash)
{
	for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct sp_strmap_slot *s = &m->slots[i];
		if (!s->val)
			return s;
		if (s->hash == hash && s->key_len == len &&
		    !memcmp(m->arena + s->key_off, key, len))
			return s;
	}
}

bool sp_strmap_get(const struct sp_strmap *m, const void *key, size_t len, uint64_t *val)
{
	if (!m->cap)
		return false;
	struct sp_strmap_slot *s = strmap_find(m, key, len, sp_hash_bytes(key, len));
	if (!s->val)
		return false;
	*val = s->val - 1;
	return true;
}

int sp_strmap_put(struct sp_strmap *m, const void *key, size_t len, uint64_t val)
{
	uint64_t hash = sp_hash_bytes(key, len);

	if ((m->n + 1) * 4 > m->cap * 3 && strmap_grow(m))
		return SP_ENOMEM;
	struct sp_strmap_slot *s = strmap_find(m, key, len, hash);
	if (s->val) {
		s->val = val + 1;
		return 0;
	}
	if (m->arena_len + len + 1 > m->arena_cap) {
		size_t cap = m->arena_cap ? m->arena_cap : 4096;
		while (cap < m->arena_len + len + 1)
			cap *= 2;
		char *arena = realloc(m->arena, cap);
		if (!arena)
			return SP_ENOMEM;
		m->arena = arena;
		m->arena_cap = cap;
	}
	memcpy(m->arena + m->arena_len, key, len);
	m->arena[m->arena_len + len] = 0;
	*s = (struct sp_strmap_slot){ hash, m->arena_len, (uint32_t)len, val + 1 };
	m->arena_len += len + 1;
	m->n++;
	return 0;
}

void sp_strmap_free(struct sp_strmap *m)
{
	free(m->slots);
	free(m->arena);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ buffers */

int sp_buf_reserve(struct sp_buf *b, size_t extra)
{
	if (b->len + extra <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra)
		cap *= 2;
	char *data = realloc(b->data, cap);
	if (!data)
		return SP_ENOMEM;
	b->data = data;
	b->cap = cap;
	return 0;
}

int sp_buf_append(struct sp_buf *b, const void *p, size_t len)
{
	if (sp_buf_reserve(b, len + 1))
		return SP_ENOMEM;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = 0;
	return 0;
}

void sp_buf_free(struct sp_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
