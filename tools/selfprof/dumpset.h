/* SPDX-License-Identifier: MIT */
/*
 * One side of `selfprof diff` or `selfprof compare`: a profile file, or a
 * directory of dumps grouped by crate name (sp_crate_from_path). Several
 * dumps of one crate are summed: cargo compiles a package's lib, bins and
 * build script as separate crates that may share a name, and all of them
 * cost build time.
 */
#ifndef SPT_DUMPSET_H
#define SPT_DUMPSET_H

#include <stdbool.h>
#include <stddef.h>

#include "selfprof.h"

struct spt_crate {
	char *name;
	size_t ndumps;
	char **files;			/* the dumps' file names (no directory), in name order */
	struct sp_summary *summary;	/* sum over the crate's dumps (merged) */
};

struct spt_dumpset {
	const char *path;
	int is_dir;
	struct spt_crate *crates;	/* sorted by name */
	size_t ncrates;
	size_t ndumps;			/* dumps read, over all crates */
	char **skipped;			/* keep_going: "PATH: MESSAGE" per dump not read */
	size_t nskipped;
	struct sp_summary *combined;	/* sum over all crates (merged) */
};

/*
 * How the commands differ in loading. The defaults (all zero) are diff's;
 * compare's were written separately, and each command keeps its own
 * wording and order so that neither one's output changes.
 */
struct spt_dumpset_opts {
	/* Skip a dump that cannot be read, saying "selfprof: CMD: skipped PATH:
	 * MESSAGE" and recording it in skipped[], instead of failing. */
	const char *keep_going_cmd;
	/* Read a directory's dumps in file name order (compare) rather than
	 * grouped by crate (diff): the order of the messages about them. */
	bool read_by_name;
	/* How a directory that cannot be listed is reported: "<what>: <errno>". */
	const char *list_failed;	/* default "cannot open directory" */
};

/* Load path (file or directory); opts may be NULL. 0, or SPT_EXIT_FAIL
 * after a message. Free the set with spt_dumpset_free either way. */
int spt_dumpset_load(struct spt_dumpset *set, const char *path,
		     const struct spt_dumpset_opts *opts);
void spt_dumpset_free(struct spt_dumpset *set);
/* A crate of either side of a diff or compare, with its namesake on the other. */
struct spt_crate_pair {
	const char *name;
	const struct spt_crate *base, *new_;	/* NULL: not on that side */
};

/* Pair the crates of base and new_ by name, in name order (a merge of the
 * sorted lists), into pairs[], which has room for base->ncrates +
 * new_->ncrates. Returns the number of pairs. */
size_t spt_dumpset_pair(const struct spt_dumpset *base, const struct spt_dumpset *new_,
			struct spt_crate_pair *pairs);
/* The crate of that name, or NULL. */
const struct spt_crate *spt_dumpset_find(const struct spt_dumpset *set, const char *name);

#endif
