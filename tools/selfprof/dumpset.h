/* SPDX-License-Identifier: MIT */
/*
 * One side of `selfprof diff`: a profile file, or a directory of dumps
 * grouped by crate name (sp_crate_from_path). Several dumps of one crate
 * are summed: cargo compiles a package's lib, bins and build script as
 * separate crates that may share a name, and all of them cost build time.
 */
#ifndef SPT_DUMPSET_H
#define SPT_DUMPSET_H

#include <stddef.h>

#include "selfprof.h"

struct spt_crate {
	char *name;
	size_t ndumps;
	struct sp_summary *summary;	/* sum over the crate's dumps (merged) */
};

struct spt_dumpset {
	const char *path;
	int is_dir;
	struct spt_crate *crates;	/* sorted by name */
	size_t ncrates;
	struct sp_summary *combined;	/* sum over all crates (merged) */
};

/* Load path (file or directory). 0, or SPT_EXIT_FAIL after a message. */
int spt_dumpset_load(struct spt_dumpset *set, const char *path);
void spt_dumpset_free(struct spt_dumpset *set);
/* The crate of that name, or NULL. */
const struct spt_crate *spt_dumpset_find(const struct spt_dumpset *set, const char *name);

#endif
