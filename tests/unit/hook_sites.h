/* SPDX-License-Identifier: MIT */
/* Unit tests of the hook sites: a site by its call's address. */
#ifndef SELFPROF_TEST_HOOK_SITES_H
#define SELFPROF_TEST_HOOK_SITES_H
#include <stddef.h>
#include <stdint.h>
#include "hooks.h"

static inline const struct hook_site *t_site_at(const struct hook_set *h, uint64_t call)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->sites[i].call == call)
			return &h->sites[i];
	return NULL;
}

#endif
