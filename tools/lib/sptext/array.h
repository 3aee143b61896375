/* SPDX-License-Identifier: MIT */
/* The growth step of the tool's appended-to arrays. */
#ifndef SPT_ARRAY_H
#define SPT_ARRAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * arr, an array of *cap elements of size bytes, with room for element n:
 * arr itself while n < *cap, else reallocated to twice the capacity (first
 * when empty; doubling keeps appends amortised O(1)) with *cap updated.
 * NULL on ENOMEM, arr then untouched.
 */
static inline void *spt_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *v;

	if (n < *cap)
		return arr;
	if (size && want > SIZE_MAX / size)
		return NULL;
	v = realloc(arr, want * size);
	if (v)
		*cap = want;
	return v;
}

#endif
