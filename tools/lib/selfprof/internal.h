/* SPDX-License-Identifier: MIT */
/* libselfprof internals shared by the writer, the reader and the analysis. */
#ifndef SELFPROF_INTERNAL_H
#define SELFPROF_INTERNAL_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "selfprof.h"

#define SP_EXPORT __attribute__((visibility("default")))

/* Stream magics (each stream's first 4 bytes) and page tags. */
#define SP_FILE_MAGIC	"MMPD"
#define SP_EVENTS_MAGIC	"MMES"
#define SP_DATA_MAGIC	"MMSD"
#define SP_INDEX_MAGIC	"MMSI"
enum { SP_TAG_EVENTS = 0, SP_TAG_DATA = 1, SP_TAG_INDEX = 2, SP_NTAGS = 3 };
#define SP_STREAM_HEADER_SIZE 8
#define SP_PAGE_HEADER_SIZE 5

#define SP_STR_REF	0xFE
#define SP_STR_END	0xFF

/* Sizes that differ between format versions 8 and 9. */
struct sp_layout {
	uint32_t version;
	uint32_t id_size;	/* string id and address: 8 (v9) or 4 (v8) */
	uint32_t event_size;	/* 32 or 24 */
	uint32_t index_size;	/* 16 or 8 */
};
int sp_layout_for(uint32_t version, struct sp_layout *out);

static inline void sp_put_u32(uint8_t *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static inline void sp_put_u64(uint8_t *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static inline uint32_t sp_get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static inline uint64_t sp_get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }

/* Fill err (may be NULL) with a formatted one-line message; returns code. */
int sp_seterr(struct sp_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Hash map from byte strings to u64 values; keys are copied into an arena. */
struct sp_strmap {
	struct sp_strmap_slot { uint64_t hash; uint64_t key_off; uint32_t key_len; uint64_t val; } *slots;
	size_t cap, n;
	char *arena;	/* keys, each followed by a NUL */
	size_t arena_len, arena_cap;
};
uint64_t sp_hash_bytes(const void *p, size_t len);
bool sp_strmap_get(const struct sp_strmap *m, const void *key, size_t len, uint64_t *val);
int sp_strmap_put(struct sp_strmap *m, const void *key, size_t len, uint64_t val);
/* The stored copy of a key (NUL-ended), found by value through the caller. */
static inline const char *sp_strmap_key(const struct sp_strmap *m, uint64_t key_off)
{
	return m->arena + key_off;
}
void sp_strmap_free(struct sp_strmap *m);

/*
 * Room for element n of arr, an array of *cap elements of size bytes: arr
 * itself while n < *cap, else arr reallocated to twice the capacity (first
 * when empty) with *cap updated. NULL on ENOMEM, arr then untouched.
 */
static inline void *sp_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *v;

	if (n < *cap)
		return arr;
	if (want > SIZE_MAX / size)
		return NULL;
	v = realloc(arr, want * size);
	if (v)
		*cap = want;
	return v;
}

/* A growable byte buffer. */
struct sp_buf {
	char *data;
	size_t len, cap;
};
int sp_buf_reserve(struct sp_buf *b, size_t extra);
int sp_buf_append(struct sp_buf *b, const void *p, size_t len);
void sp_buf_free(struct sp_buf *b);

/* The label of an id text, as analyzeme splits it: length of the text before
 * the first \x1e, or -1 when analyzeme would call it a parse error. */
long sp_label_len(const char *text, size_t len);

/* The order of a summary's rows: self time descending, then label. */
int sp_row_cmp(const void *a, const void *b);
/* The order of a summary's artifacts: by label. */
int sp_artifact_cmp(const void *a, const void *b);

/*
 * A summary in one block that sp_summary_free frees: nrows rows and nart
 * artifacts (counts left at 0 to fill in), then text bytes for its strings,
 * handed out by sp_summary_strdup. NULL on ENOMEM.
 */
struct sp_summary *sp_summary_alloc(size_t nrows, size_t nart, size_t text, char **textp);
/* Copy s to *textp and advance it; returns the copy. */
const char *sp_summary_strdup(char **textp, const char *s);

#endif
