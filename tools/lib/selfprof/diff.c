// SPDX-License-Identifier: MIT
/*
 * Differences between two summaries, per label over the union of labels
 * (measureme's `summarize diff`, spec MMPROFDATA.md 11.4), and the crate
 * name of a dump file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void set_error(struct sp_error *err, int code, const char *msg)
{
	if (!err)
		return;
	err->code = code;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

static int cmp_row_ptr_by_label(const void *a, const void *b)
{
	const struct sp_row *ra = *(const struct sp_row *const *)a;
	const struct sp_row *rb = *(const struct sp_row *const *)b;

	return strcmp(ra->label, rb->label);
}

/* The rows of s as pointers sorted by label, for a merge walk. */
static const struct sp_row **rows_by_label(const struct sp_summary *s)
{
	const struct sp_row **v = malloc((s->nrows ? s->nrows : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->nrows; i++)
		v[i] = &s->rows[i];
	qsort(v, s->nrows, sizeof(*v), cmp_row_ptr_by_label);
	return v;
}

/* A label missing on one side counts as a row of zeros there. */
static void fill_deltas(struct sp_diff_row *d, const struct sp_row *base,
			const struct sp_row *new_)
{
	static const struct sp_row zero;
	const struct sp_row *b = base ? base : &zero;
	const struct sp_row *n = new_ ? new_ : &zero;

	d->label = base ? base->label : new_->label;
	d->base = base;
	d->new_ = new_;
	d->self_delta = n->self_ns - b->self_ns;
	d->time_delta = (int64_t)(n->time_ns - b->time_ns);
	d->count_delta = (int64_t)(n->count - b->count);
	d->cache_hits_delta = (int64_t)(n->cache_hits - b->cache_hits);
	d->blocked_delta = (int64_t)(n->blocked_ns - b->blocked_ns);
	d->incr_load_delta = n->incr_load_ns - b->incr_load_ns;
	d->hashing_delta = n->hashing_ns - b->hashing_ns;
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

static int cmp_diff_rows(const void *a, const void *b)
{
	const struct sp_diff_row *da = a, *db = b;
	uint64_t ma = magnitude(da->self_delta), mb = magnitude(db->self_delta);

	if (ma != mb)
		return ma > mb ? -1 : 1;
	return strcmp(da->label, db->label);
}

/* Merge two label-sorted row lists into diff rows; returns the count. */
static size_t merge_rows(const struct sp_row **b, size_t nb, const struct sp_row **n,
			 size_t nn, struct sp_diff_row *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < nb || j < nn) {
		int c = i == nb ? 1 : j == nn ? -1 : strcmp(b[i]->label, n[j]->label);

		if (c < 0)
			fill_deltas(&out[k++], b[i++], NULL);
		else if (c > 0)
			fill_deltas(&out[k++], NULL, n[j++]);
		else
			fill_deltas(&out[k++], b[i++], n[j++]);
	}
	return k;
}

SP_EXPORT int sp_diff_summaries(const struct sp_summary *base, const struct sp_summary *new_,
		      struct sp_diff **out, struct sp_error *err)
{
	const struct sp_row **b = NULL, **n = NULL;
	struct sp_diff *d;

	*out = NULL;
	if (!base || !new_) {
		set_error(err, SP_EINVAL, "diff: missing summary");
		return SP_EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (d)
		d->rows = malloc((base->nrows + new_->nrows + 1) * sizeof(*d->rows));
	b = rows_by_label(base);
	n = rows_by_label(new_);
	if (!d || !d->rows || !b || !n) {
		free(b);
		free(n);
		sp_diff_free(d);
		set_error(err, SP_ENOMEM, "diff: out of memory");
		return SP_ENOMEM;
	}
	d->nrows = merge_rows(b, base->nrows, n, new_->nrows, d->rows);
	free(b);
	free(n);
	qsort(d->rows, d->nrows, sizeof(*d->rows), cmp_diff_rows);
	d->total_delta = (int64_t)(new_->total_ns - base->total_ns);
	d->base = base;
	d->new_ = new_;
	*out = d;
	return SP_OK;
}

SP_EXPORT void sp_diff_free(struct sp_diff *d)
{
	if (!d)
		return;
	free(d->rows);
	free(d);
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/* Length of name without ".gz" and then its extension (".mm_profdata"). */
static size_t stem_length(const char *name, size_t len)
{
	if (ends_with(name, len, ".gz"))
		len -= 3;
	for (size_t i = len; i > 0; i--)
		if (name[i - 1] == '.')
			return i - 1 > 0 ? i - 1 : len;
	return len;
}

/* Cut a trailing "-<digits>" (rustc's -{pid:07}) off the stem. */
static size_t strip_pid(const char *stem, size_t len)
{
	size_t i = len;

	while (i > 0 && stem[i - 1] >= '0' && stem[i - 1] <= '9')
		i--;
	if (i < len && i > 1 && stem[i - 1] == '-')
		return i - 1;
	return len;
}

SP_EXPORT size_t sp_crate_from_path(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t len = strip_pid(name, stem_length(name, strlen(name)));

	if (!size)
		return 0;
	if (len >= size)
		len = size - 1;
	memcpy(buf, name, len);
	buf[len] = 0;
	return len;
}
