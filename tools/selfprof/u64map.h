/* SPDX-License-Identifier: MIT */
/* An open-addressing hash map from u64 keys to u64 values (tool side). */
#ifndef SPT_U64MAP_H
#define SPT_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct spt_u64map {
	uint64_t *keys;
	uint64_t *vals;
	unsigned char *used;
	size_t cap;	/* 0 or a power of two */
	size_t n;
};

/* 1 and *val set when key is present, else 0. */
int spt_u64map_get(const struct spt_u64map *m, uint64_t key, uint64_t *val);
/* Insert or overwrite. 0, or -1 on ENOMEM. */
int spt_u64map_put(struct spt_u64map *m, uint64_t key, uint64_t val);
void spt_u64map_free(struct spt_u64map *m);

#endif
