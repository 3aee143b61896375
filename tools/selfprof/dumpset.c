// SPDX-License-Identifier: MIT
/* Profiles of one side of a diff, grouped by crate; see dumpset.h. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "cli.h"
#include "dumpset.h"
#include "summary_merge.h"

struct path_list {
	char **paths;
	size_t n, cap;
};

static int is_dump_name(const char *name)
{
	size_t len = strlen(name);
	static const char *const suffixes[] = { ".mm_profdata", ".mm_profdata.gz" };

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(suffixes[i]);

		if (len > n && !strcmp(name + len - n, suffixes[i]))
			return 1;
	}
	return 0;
}

/* Append p (malloc'ed, now owned by the list); frees p on failure. */
static int path_list_push(struct path_list *l, char *p)
{
	char **v = p ? spt_grow(l->paths, l->n, &l->cap, sizeof(*v), 16) : NULL;

	if (!v) {
		free(p);
		return -1;
	}
	l->paths = v;
	l->paths[l->n++] = p;
	return 0;
}

static int path_list_add(struct path_list *l, const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return -1;
	return path_list_push(l, p);
}

static void path_list_free(struct path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
}

static int cmp_crate_then_path(const void *a, const void *b)
{
	const char *pa = *(char *const *)a, *pb = *(char *const *)b;
	char ca[256], cb[256];
	int c;

	sp_crate_from_path(pa, ca, sizeof(ca));
	sp_crate_from_path(pb, cb, sizeof(cb));
	c = strcmp(ca, cb);
	return c ? c : strcmp(pa, pb);
}

/* Every dump in dir, sorted by crate name then path. */
static int list_dumps(const char *dir, struct path_list *l)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		spt_error(dir, "cannot open directory: %s", strerror(errno));
		return SPT_EXIT_FAIL;
	}
	while ((e = readdir(d)))
		if (is_dump_name(e->d_name) && path_list_add(l, dir, e->d_name)) {
			closedir(d);
			return spt_out_of_memory(dir);
		}
	closedir(d);
	if (!l->n) {
		spt_error(dir, "no .mm_profdata files in this directory");
		return SPT_EXIT_FAIL;
	}
	qsort(l->paths, l->n, sizeof(*l->paths), cmp_crate_then_path);
	return 0;
}

static void free_summaries(struct sp_summary **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sp_summary_free(v[i]);
	free(v);
}

/* Summarize paths[0..n) (one crate) and sum them into crate->summary. */
static int load_crate(struct spt_crate *crate, char *const *paths, size_t n)
{
	struct sp_summary **parts = calloc(n, sizeof(*parts));
	struct sp_error err = { 0 };
	char name[256];

	if (!parts)
		return SPT_EXIT_FAIL;
	for (size_t i = 0; i < n; i++)
		if (sp_summarize_file(paths[i], &parts[i], &err)) {
			free_summaries(parts, i);
			return spt_lib_error(paths[i], &err);
		}
	sp_crate_from_path(paths[0], name, sizeof(name));
	crate->name = strdup(name);
	crate->ndumps = n;
	crate->summary = spt_summary_merge(parts, n);
	free_summaries(parts, n);
	if (!crate->name || !crate->summary)
		return spt_out_of_memory(paths[0]);
	return 0;
}

/* How many paths from i on share paths[i]'s crate. */
static size_t same_crate_run(const struct path_list *l, size_t i)
{
	char first[256], other[256];
	size_t j = i + 1;

	sp_crate_from_path(l->paths[i], first, sizeof(first));
	for (; j < l->n; j++) {
		sp_crate_from_path(l->paths[j], other, sizeof(other));
		if (strcmp(first, other))
			break;
	}
	return j - i;
}

static int load_crates(struct spt_dumpset *set, const struct path_list *l)
{
	set->crates = calloc(l->n, sizeof(*set->crates));
	if (!set->crates)
		return spt_out_of_memory(set->path);
	for (size_t i = 0; i < l->n;) {
		size_t run = same_crate_run(l, i);
		int rc = load_crate(&set->crates[set->ncrates++], l->paths + i, run);

		if (rc)
			return rc;
		i += run;
	}
	return 0;
}

static int combine(struct spt_dumpset *set)
{
	struct sp_summary **parts = calloc(set->ncrates + 1, sizeof(*parts));

	if (!parts)
		return -1;
	for (size_t i = 0; i < set->ncrates; i++)
		parts[i] = set->crates[i].summary;
	set->combined = spt_summary_merge(parts, set->ncrates);
	free(parts);
	return set->combined ? 0 : -1;
}

int spt_dumpset_load(struct spt_dumpset *set, const char *path)
{
	struct path_list l = { 0 };
	struct stat st;
	int rc;

	*set = (struct spt_dumpset){ .path = path };
	set->is_dir = !stat(path, &st) && S_ISDIR(st.st_mode);
	if (set->is_dir)
		rc = list_dumps(path, &l);
	else if (path_list_push(&l, strdup(path)))
		rc = SPT_EXIT_FAIL;
	else
		rc = 0;
	if (!rc)
		rc = load_crates(set, &l);
	if (!rc && combine(set))
		rc = spt_out_of_memory(path);
	path_list_free(&l);
	return rc;
}

void spt_dumpset_free(struct spt_dumpset *set)
{
	for (size_t i = 0; i < set->ncrates; i++) {
		free(set->crates[i].name);
		spt_summary_merged_free(set->crates[i].summary);
	}
	free(set->crates);
	spt_summary_merged_free(set->combined);
	*set = (struct spt_dumpset){ 0 };
}

const struct spt_crate *spt_dumpset_find(const struct spt_dumpset *set, const char *name)
{
	for (size_t i = 0; i < set->ncrates; i++)
		if (!strcmp(set->crates[i].name, name))
			return &set->crates[i];
	return NULL;
}
