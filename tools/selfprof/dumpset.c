// SPDX-License-Identifier: MIT
/* Profiles of one side of a diff or compare, grouped by crate; see dumpset.h. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "cli.h"
#include "dumpset.h"
#include "profile.h"

/* A dump file; summary NULL until read (or when it cannot be). */
struct dump {
	char *path;
	struct sp_summary *summary;
};

struct dump_list {
	struct dump *v;
	size_t n, cap;
};

/* Append path (malloc'ed, now owned by the list); frees it on failure. */
static int dump_list_push(struct dump_list *l, char *path)
{
	struct dump *v = path ? spt_grow(l->v, l->n, &l->cap, sizeof(*v), 16) : NULL;

	if (!v) {
		free(path);
		return -1;
	}
	l->v = v;
	l->v[l->n++] = (struct dump){ .path = path };
	return 0;
}

static int dump_list_add(struct dump_list *l, const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return -1;
	return dump_list_push(l, p);
}

static void dump_list_free(struct dump_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		if (l->v[i].summary)
			sp_summary_free(l->v[i].summary);
	}
	free(l->v);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct dump *)a)->path, ((const struct dump *)b)->path);
}

static int cmp_crate_then_path(const void *a, const void *b)
{
	const char *pa = ((const struct dump *)a)->path, *pb = ((const struct dump *)b)->path;
	char ca[256], cb[256];
	int c;

	sp_crate_from_path(pa, ca, sizeof(ca));
	sp_crate_from_path(pb, cb, sizeof(cb));
	c = strcmp(ca, cb);
	return c ? c : strcmp(pa, pb);
}

/* cargo asks rustc about the target with `rustc - --crate-name ___ --print=...`;
 * with -Z self-profile in RUSTFLAGS that run leaves a dump too (sometimes
 * without its strings). It is no crate of the build: leave it out. */
static bool is_cargo_probe(const char *file)
{
	char crate[8];

	sp_crate_from_path(file, crate, sizeof(crate));
	return !strcmp(crate, "___");
}

/* Every dump in dir, in the order they are to be read (see read_by_name). */
static int list_dumps(const char *dir, struct dump_list *l, const struct spt_dumpset_opts *o)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		spt_error(dir, "%s: %s", o->list_failed ? o->list_failed : "cannot open directory",
			  strerror(errno));
		return SPT_EXIT_FAIL;
	}
	while ((e = readdir(d)))
		if (spt_is_dump_name(e->d_name) && !is_cargo_probe(e->d_name) &&
		    dump_list_add(l, dir, e->d_name)) {
			closedir(d);
			return spt_out_of_memory(dir);
		}
	closedir(d);
	if (!l->n) {
		spt_error(dir, "no .mm_profdata files in this directory");
		return SPT_EXIT_FAIL;
	}
	qsort(l->v, l->n, sizeof(*l->v), o->read_by_name ? cmp_path : cmp_crate_then_path);
	return 0;
}

/* A dump that cannot be read: fails the load, or is recorded (keep-going). */
static int skip_dump(struct spt_dumpset *set, const char *path, const struct sp_error *err,
		     const struct spt_dumpset_opts *o)
{
	char line[1024];	/* compare's warnings were always cut there */
	char **v;

	if (!o->keep_going_cmd)
		return spt_lib_error(path, err);
	snprintf(line, sizeof(line), "%s: %s", path, err->msg[0] ? err->msg : "cannot read");
	spt_error(o->keep_going_cmd, "skipped %s", line);
	v = realloc(set->skipped, (set->nskipped + 1) * sizeof(*v));
	if (!v)
		return spt_out_of_memory(set->path);
	set->skipped = v;
	v[set->nskipped] = strdup(line);
	return v[set->nskipped++] ? 0 : spt_out_of_memory(set->path);
}

/* Drop the dumps left unread (skipped) from the list. */
static void drop_unread(struct dump_list *l)
{
	size_t kept = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].summary)
			l->v[kept++] = l->v[i];
		else
			free(l->v[i].path);
	l->n = kept;
}

/* Summarize every listed dump, in list order. */
static int read_dumps(struct spt_dumpset *set, struct dump_list *l, const struct spt_dumpset_opts *o)
{
	int rc = 0;

	for (size_t i = 0; i < l->n && !rc; i++) {
		struct sp_error err = { 0 };

		if (spt_summarize_file(l->v[i].path, &l->v[i].summary, &err)) {
			l->v[i].summary = NULL;
			rc = skip_dump(set, l->v[i].path, &err, o);
		}
	}
	if (rc)
		return rc;
	drop_unread(l);
	set->ndumps = l->n;
	if (!l->n) {	/* only with keep-going: every dump was skipped */
		spt_error(set->path, "no readable dump");
		return SPT_EXIT_FAIL;
	}
	return 0;
}

static const char *file_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The dumps' file names, for compare's report. */
static int set_file_names(struct spt_crate *crate, const struct dump *dumps, size_t n)
{
	crate->files = calloc(n, sizeof(*crate->files));
	if (!crate->files)
		return -1;
	crate->ndumps = n;
	for (size_t i = 0; i < n; i++)
		if (!(crate->files[i] = strdup(file_name(dumps[i].path))))
			return -1;
	return 0;
}

static int sum_dumps(struct spt_crate *crate, const struct dump *dumps, size_t n)
{
	struct sp_summary **parts = calloc(n, sizeof(*parts));
	int rc;

	if (!parts)
		return -1;
	for (size_t i = 0; i < n; i++)
		parts[i] = dumps[i].summary;
	rc = sp_summary_merge(parts, n, &crate->summary, NULL);
	free(parts);
	return rc;
}

/* dumps[0..n), all of one crate, as that crate. */
static int make_crate(struct spt_crate *crate, const struct dump *dumps, size_t n)
{
	char name[256];

	sp_crate_from_path(dumps[0].path, name, sizeof(name));
	crate->name = strdup(name);
	if (!crate->name || set_file_names(crate, dumps, n) || sum_dumps(crate, dumps, n))
		return spt_out_of_memory(dumps[0].path);
	return 0;
}

/* How many dumps from i on share dumps[i]'s crate. */
static size_t same_crate_run(const struct dump_list *l, size_t i)
{
	char first[256], other[256];
	size_t j = i + 1;

	sp_crate_from_path(l->v[i].path, first, sizeof(first));
	for (; j < l->n; j++) {
		sp_crate_from_path(l->v[j].path, other, sizeof(other));
		if (strcmp(first, other))
			break;
	}
	return j - i;
}

static int make_crates(struct spt_dumpset *set, struct dump_list *l)
{
	/* The dumps may have been read in name order (read_by_name). */
	qsort(l->v, l->n, sizeof(*l->v), cmp_crate_then_path);
	set->crates = calloc(l->n, sizeof(*set->crates));
	if (!set->crates)
		return spt_out_of_memory(set->path);
	for (size_t i = 0; i < l->n;) {
		size_t run = same_crate_run(l, i);
		int rc = make_crate(&set->crates[set->ncrates++], l->v + i, run);

		if (rc)
			return rc;
		i += run;
	}
	return 0;
}

static int combine(struct spt_dumpset *set)
{
	struct sp_summary **parts = calloc(set->ncrates + 1, sizeof(*parts));
	int rc;

	if (!parts)
		return -1;
	for (size_t i = 0; i < set->ncrates; i++)
		parts[i] = set->crates[i].summary;
	rc = sp_summary_merge(parts, set->ncrates, &set->combined, NULL);
	free(parts);
	return rc;
}

int spt_dumpset_load(struct spt_dumpset *set, const char *path,
		     const struct spt_dumpset_opts *opts)
{
	static const struct spt_dumpset_opts defaults;
	const struct spt_dumpset_opts *o = opts ? opts : &defaults;
	struct dump_list l = { 0 };
	struct stat st;
	int rc;

	*set = (struct spt_dumpset){ .path = path };
	set->is_dir = !stat(path, &st) && S_ISDIR(st.st_mode);
	if (set->is_dir)
		rc = list_dumps(path, &l, o);
	else if (dump_list_push(&l, strdup(path)))
		rc = spt_out_of_memory(path);
	else
		rc = 0;
	rc = rc ?: read_dumps(set, &l, o);
	rc = rc ?: make_crates(set, &l);
	if (!rc && combine(set))
		rc = spt_out_of_memory(path);
	dump_list_free(&l);
	return rc;
}

void spt_dumpset_free(struct spt_dumpset *set)
{
	for (size_t i = 0; i < set->ncrates; i++) {
		for (size_t j = 0; j < set->crates[i].ndumps; j++)
			free(set->crates[i].files[j]);
		free(set->crates[i].files);
		free(set->crates[i].name);
		sp_summary_free(set->crates[i].summary);
	}
	for (size_t i = 0; i < set->nskipped; i++)
		free(set->skipped[i]);
	free(set->skipped);
	free(set->crates);
	sp_summary_free(set->combined);
	*set = (struct spt_dumpset){ 0 };
}

const struct spt_crate *spt_dumpset_find(const struct spt_dumpset *set, const char *name)
{
	for (size_t i = 0; i < set->ncrates; i++)
		if (!strcmp(set->crates[i].name, name))
			return &set->crates[i];
	return NULL;
}

size_t spt_dumpset_pair(const struct spt_dumpset *base, const struct spt_dumpset *new_,
			struct spt_crate_pair *pairs)
{
	size_t i = 0, j = 0, n = 0;

	while (i < base->ncrates || j < new_->ncrates) {
		int d = i == base->ncrates ? 1 : j == new_->ncrates ? -1 :
			strcmp(base->crates[i].name, new_->crates[j].name);
		const struct spt_crate *b = d <= 0 ? &base->crates[i++] : NULL;
		const struct spt_crate *nc = d >= 0 ? &new_->crates[j++] : NULL;

		pairs[n++] = (struct spt_crate_pair){ b ? b->name : nc->name, b, nc };
	}
	return n;
}
