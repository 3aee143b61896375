// SPDX-License-Identifier: MIT
/*
 * selfprof diff: per-label differences between two profiles (measureme's
 * `summarize diff`), or between two directories of dumps matched by crate.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dumpset.h"
#include "escape.h"
#include "fmt.h"
#include "table.h"

static const char usage[] =
"Usage: selfprof diff [OPTIONS] BASE NEW\n"
"\n"
"Per-label differences NEW - BASE, as measureme's `summarize diff`: self time\n"
"and time (with % change), item count, cache hits, blocked, incremental load\n"
"and hashing time; rows over the union of labels, sorted by the absolute\n"
"self-time change; then the total cpu time change and artifact size changes.\n"
"A label only in BASE shows negated values and -100%, one only in NEW +inf%.\n"
"\n"
"BASE and NEW may be profiles or directories of dumps. Directories are matched\n"
"by crate name (the file name before '-<pid>'); several dumps of one crate in\n"
"a directory are summed (a package's lib, bins and build script may share a\n"
"crate name). For directories a per-crate table (crate, base and new total\n"
"self time, change, %) comes first, crates on one side only marked, then\n"
"the per-label diff over all crates together. Dumps of crate '___' (cargo's\n"
"target-info probe, `rustc - --crate-name ___ --print=...`) are left out.\n"
"\n"
"Options:\n"
"  --json            JSON on stdout instead of tables (integer ns; percentages\n"
"                    null when infinite or undefined)\n"
"  --tsv             tab-separated rows in integer ns (mmcheck.py diff format)\n"
"  -e, --exclude S   hide labels containing S (repeatable)\n"
"  --top N           show only the first N label rows\n"
"  -h, --help        show this help\n";

enum diff_style { DIFF_TABLE, DIFF_TSV, DIFF_JSON };

struct diff_opts {
	enum diff_style style;
	uint64_t top_n;
	char **excludes;
	size_t nexcludes;
};

/* A crate row: matched by name over both sides. */
struct crate_pair {
	const char *name;
	const struct spt_crate *base, *new_;
	int64_t base_self, new_self;
};

/* measureme's Self Time Change: +inf for new labels, -100 for removed ones. */
static double change_percent(int64_t base, int64_t new_, int in_base, int in_new)
{
	if (!in_base)
		return INFINITY;
	if (!in_new)
		return -100.0;
	return (double)(new_ - base) / (double)base * 100.0;
}

/* measureme's change column: Rust's {:+.2} of an f64, then '%'. */
static void fmt_change_percent(char *buf, size_t size, double pct)
{
	size_t len;

	spt_fmt_f64(buf, size, pct, 2, 1);
	len = strlen(buf);
	snprintf(buf + len, size - len, "%%");
}

static int excluded(const struct diff_opts *o, const char *label)
{
	for (size_t i = 0; i < o->nexcludes; i++)
		if (strstr(label, o->excludes[i]))
			return 1;
	return 0;
}

static double row_self_percent(const struct sp_diff_row *r)
{
	return change_percent(r->base ? r->base->self_ns : 0, r->new_ ? r->new_->self_ns : 0,
			      r->base != NULL, r->new_ != NULL);
}

static double row_time_percent(const struct sp_diff_row *r)
{
	return change_percent(r->base ? (int64_t)r->base->time_ns : 0,
			      r->new_ ? (int64_t)r->new_->time_ns : 0,
			      r->base != NULL, r->new_ != NULL);
}

/* ---- crates */

static int cmp_crate_pairs(const void *a, const void *b)
{
	const struct crate_pair *pa = a, *pb = b;
	int64_t da = pa->new_self - pa->base_self, db = pb->new_self - pb->base_self;
	uint64_t ma = da < 0 ? -(uint64_t)da : (uint64_t)da;
	uint64_t mb = db < 0 ? -(uint64_t)db : (uint64_t)db;

	if (ma != mb)
		return ma > mb ? -1 : 1;
	return strcmp(pa->name, pb->name);
}

/* Union of both sides' crates, by |self time change|; *count gets the
 * count. NULL on ENOMEM. */
static struct crate_pair *pair_crates(const struct spt_dumpset *b, const struct spt_dumpset *n,
				      size_t *count)
{
	size_t room = b->ncrates + n->ncrates + 1;
	struct spt_crate_pair *pairs = calloc(room, sizeof(*pairs));
	struct crate_pair *v = pairs ? calloc(room, sizeof(*v)) : NULL;

	if (!v) {
		free(pairs);
		return NULL;
	}
	*count = spt_dumpset_pair(b, n, pairs);
	for (size_t i = 0; i < *count; i++) {
		const struct spt_crate_pair *p = &pairs[i];

		v[i] = (struct crate_pair){ p->name, p->base, p->new_,
			p->base ? sp_summary_self_ns(p->base->summary) : 0,
			p->new_ ? sp_summary_self_ns(p->new_->summary) : 0 };
	}
	free(pairs);
	qsort(v, *count, sizeof(*v), cmp_crate_pairs);
	return v;
}

static const char *crate_note(const struct crate_pair *p)
{
	if (!p->base)
		return "only in new";
	if (!p->new_)
		return "only in base";
	return "";
}

static int add_crate_row(struct spt_table *t, const struct crate_pair *p)
{
	char base[SPT_DURATION_BUF], new_[SPT_DURATION_BUF], delta[SPT_DURATION_BUF];
	char pct[32], dumps[48];
	const char *cells[7] = { p->name, base, new_, delta, pct, dumps, crate_note(p) };

	spt_fmt_duration2(base, sizeof(base), p->base_self);
	spt_fmt_duration2(new_, sizeof(new_), p->new_self);
	spt_fmt_signed_duration(delta, sizeof(delta), p->new_self - p->base_self, !p->new_);
	fmt_change_percent(pct, sizeof(pct), change_percent(p->base_self, p->new_self,
							    p->base != NULL, p->new_ != NULL));
	snprintf(dumps, sizeof(dumps), "%zu/%zu", p->base ? p->base->ndumps : 0,
		 p->new_ ? p->new_->ndumps : 0);
	return spt_table_add(t, cells);
}

static int print_crate_table(FILE *out, const struct crate_pair *v, size_t n)
{
	static const char *const titles[7] = { "Crate", "Base self time", "New self time",
		"Self time change", "Change", "Dumps (base/new)", "Note" };
	struct spt_table *t = spt_table_new(7);
	int rc = !t || spt_table_add(t, titles);

	for (size_t i = 0; i < n && !rc; i++)
		rc = add_crate_row(t, &v[i]);
	if (!rc)
		spt_table_print(t, out);
	spt_table_free(t);
	return rc;
}

/* ---- labels */

static int add_label_row(struct spt_table *t, const struct sp_diff_row *r)
{
	char *label = spt_escaped(r->label);
	char self[SPT_DURATION_BUF], self_pct[32], time[SPT_DURATION_BUF], time_pct[32];
	char count[24], hits[24], blocked[SPT_DURATION_BUF], load[SPT_DURATION_BUF];
	char hashing[SPT_DURATION_BUF];
	const char *cells[10] = { label, self, self_pct, time, time_pct, count, hits,
				  blocked, load, hashing };
	int removed = r->new_ == NULL;	/* measureme prints -0ns for its zeros */
	int rc;

	spt_fmt_signed_duration(self, sizeof(self), r->self_delta, removed);
	fmt_change_percent(self_pct, sizeof(self_pct), row_self_percent(r));
	spt_fmt_signed_duration(time, sizeof(time), r->time_delta, removed);
	fmt_change_percent(time_pct, sizeof(time_pct), row_time_percent(r));
	snprintf(count, sizeof(count), "%+lld", (long long)r->count_delta);
	snprintf(hits, sizeof(hits), "%+lld", (long long)r->cache_hits_delta);
	spt_fmt_signed_duration(blocked, sizeof(blocked), r->blocked_delta, removed);
	spt_fmt_signed_duration(load, sizeof(load), r->incr_load_delta, removed);
	spt_fmt_signed_duration(hashing, sizeof(hashing), r->hashing_delta, removed);
	rc = label ? spt_table_add(t, cells) : -1;
	free(label);
	return rc;
}

/* The rows shown: not excluded, at most --top. */
static int row_wanted(const struct diff_opts *o, const struct sp_diff_row *r, size_t shown)
{
	return !(o->top_n && shown >= o->top_n) && !excluded(o, r->label);
}

static int print_label_table(FILE *out, const struct sp_diff *d, const struct diff_opts *o)
{
	static const char *const titles[10] = { "Item", "Self Time", "Self Time Change", "Time",
		"Time Change", "Item count", "Cache hits", "Blocked time",
		"Incremental load time", "Incremental hashing time" };
	struct spt_table *t = spt_table_new(10);
	int rc = !t || spt_table_add(t, titles);
	size_t shown = 0;

	for (size_t i = 0; i < d->nrows && !rc; i++)
		if (row_wanted(o, &d->rows[i], shown)) {
			rc = add_label_row(t, &d->rows[i]);
			shown++;
		}
	if (!rc)
		spt_table_print(t, out);
	spt_table_free(t);
	return rc;
}

/* ---- artifacts: union of labels, signed change */

struct artifact_change {
	const char *label;
	int64_t delta;
};

static int cmp_artifact_changes(const void *a, const void *b)
{
	const struct artifact_change *x = a, *y = b;

	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* Both artifact lists are sorted by label: merge them. */
static struct artifact_change *artifact_changes(const struct sp_summary *b,
						const struct sp_summary *n, size_t *count)
{
	struct artifact_change *v = calloc(b->nartifacts + n->nartifacts + 1, sizeof(*v));
	size_t i = 0, j = 0, k = 0;

	if (!v)
		return NULL;
	while (i < b->nartifacts || j < n->nartifacts) {
		int c = i == b->nartifacts ? 1 : j == n->nartifacts ? -1 :
			strcmp(b->artifacts[i].label, n->artifacts[j].label);

		if (c < 0) {
			v[k++] = (struct artifact_change){ b->artifacts[i].label,
							   -(int64_t)b->artifacts[i].bytes };
			i++;
		} else if (c > 0) {
			v[k++] = (struct artifact_change){ n->artifacts[j].label,
							   (int64_t)n->artifacts[j].bytes };
			j++;
		} else {
			v[k++] = (struct artifact_change){ b->artifacts[i].label,
				(int64_t)(n->artifacts[j].bytes - b->artifacts[i].bytes) };
			i++, j++;
		}
	}
	qsort(v, k, sizeof(*v), cmp_artifact_changes);
	*count = k;
	return v;
}

static int print_artifact_table(FILE *out, const struct artifact_change *v, size_t n)
{
	static const char *const titles[2] = { "Item", "Artifact Size Change" };
	struct spt_table *t = spt_table_new(2);
	int rc = !t || spt_table_add(t, titles);

	for (size_t i = 0; i < n && !rc; i++) {
		char bytes[40], *label = spt_escaped(v[i].label);
		const char *cells[2] = { label, bytes };

		snprintf(bytes, sizeof(bytes), "%lld bytes", (long long)v[i].delta);
		rc = !label || spt_table_add(t, cells);
		free(label);
	}
	if (!rc && n)
		spt_table_print(t, out);
	spt_table_free(t);
	return rc;
}

/* ---- TSV (mmcheck.py diff's format) */

static void put_tsv_percent(FILE *out, double pct, int removed)
{
	char buf[32];

	spt_fmt_f64(buf, sizeof(buf), removed ? -100.0 : pct, 2, 0);
	fputs(buf, out);
}

static void print_tsv_rows(FILE *out, const struct sp_diff *d, const struct diff_opts *o)
{
	size_t shown = 0;

	fputs("# label\tself_ns_change\tself_pct\ttime_ns_change\ttime_pct\tcount_change"
	      "\tcache_hits_change\tblocked_ns_change\tincr_load_ns_change\thashing_ns_change\n",
	      out);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct sp_diff_row *r = &d->rows[i];

		if (!row_wanted(o, r, shown))
			continue;
		shown++;
		spt_put_tsv(out, r->label, strlen(r->label));
		fprintf(out, "\t%lld\t", (long long)r->self_delta);
		put_tsv_percent(out, row_self_percent(r), !r->new_);
		fprintf(out, "\t%lld\t", (long long)r->time_delta);
		put_tsv_percent(out, row_time_percent(r), !r->new_);
		fprintf(out, "\t%lld\t%lld\t%lld\t%lld\t%lld\n", (long long)r->count_delta,
			(long long)r->cache_hits_delta, (long long)r->blocked_delta,
			(long long)r->incr_load_delta, (long long)r->hashing_delta);
	}
	fprintf(out, "# total_time_ns_change\t%lld\n", (long long)d->total_delta);
}

static void print_tsv_artifacts(FILE *out, const struct artifact_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputs("# artifact\t", out);
		spt_put_tsv(out, v[i].label, strlen(v[i].label));
		fprintf(out, "\t%lld\n", (long long)v[i].delta);
	}
}

/* ---- JSON */

static void put_json_percent(FILE *out, double pct)
{
	if (isnan(pct) || isinf(pct))
		fputs("null", out);
	else
		fprintf(out, "%.4f", pct);
}

static void put_json_str(FILE *out, const char *s)
{
	spt_put_json_string(out, s, strlen(s));
}

static void print_json_crates(FILE *out, const struct crate_pair *v, size_t n)
{
	fputs(",\"crates\":[", out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n{\"crate\":" : "\n{\"crate\":", out);
		put_json_str(out, v[i].name);
		fprintf(out, ",\"base_self_ns\":%lld,\"new_self_ns\":%lld,\"self_delta_ns\":%lld,"
			"\"percent\":", (long long)v[i].base_self, (long long)v[i].new_self,
			(long long)(v[i].new_self - v[i].base_self));
		put_json_percent(out, change_percent(v[i].base_self, v[i].new_self,
						     v[i].base != NULL, v[i].new_ != NULL));
		fprintf(out, ",\"base_dumps\":%zu,\"new_dumps\":%zu,\"only_in\":%s}",
			v[i].base ? v[i].base->ndumps : 0, v[i].new_ ? v[i].new_->ndumps : 0,
			!v[i].base ? "\"new\"" : !v[i].new_ ? "\"base\"" : "null");
	}
	fputs("]", out);
}

static void print_json_row(FILE *out, const struct sp_diff_row *r)
{
	fputs("{\"label\":", out);
	put_json_str(out, r->label);
	fprintf(out, ",\"self_delta_ns\":%lld,\"self_percent\":", (long long)r->self_delta);
	put_json_percent(out, row_self_percent(r));
	fprintf(out, ",\"time_delta_ns\":%lld,\"time_percent\":", (long long)r->time_delta);
	put_json_percent(out, row_time_percent(r));
	fprintf(out, ",\"count_delta\":%lld,\"cache_hits_delta\":%lld,\"blocked_delta_ns\":%lld,"
		"\"incr_load_delta_ns\":%lld,\"hashing_delta_ns\":%lld,\"only_in\":%s}",
		(long long)r->count_delta, (long long)r->cache_hits_delta,
		(long long)r->blocked_delta, (long long)r->incr_load_delta,
		(long long)r->hashing_delta,
		!r->base ? "\"new\"" : !r->new_ ? "\"base\"" : "null");
}

static void print_json(FILE *out, const struct sp_diff *d, const struct diff_opts *o,
		       const struct crate_pair *crates, size_t ncrates,
		       const struct artifact_change *arts, size_t narts, int by_crate)
{
	size_t shown = 0;

	fprintf(out, "{\"base_total_ns\":%llu,\"new_total_ns\":%llu,\"total_delta_ns\":%lld",
		(unsigned long long)d->base->total_ns, (unsigned long long)d->new_->total_ns,
		(long long)d->total_delta);
	if (by_crate)
		print_json_crates(out, crates, ncrates);
	fputs(",\"rows\":[", out);
	for (size_t i = 0; i < d->nrows; i++) {
		if (!row_wanted(o, &d->rows[i], shown))
			continue;
		fputs(shown++ ? ",\n" : "\n", out);
		print_json_row(out, &d->rows[i]);
	}
	fputs("],\n\"artifact_sizes\":[", out);
	for (size_t i = 0; i < narts; i++) {
		fputs(i ? ",{\"label\":" : "{\"label\":", out);
		put_json_str(out, arts[i].label);
		fprintf(out, ",\"delta\":%lld}", (long long)arts[i].delta);
	}
	fputs("]}\n", out);
}

/* ---- driver */

static int print_tables(FILE *out, const struct sp_diff *d, const struct diff_opts *o,
			const struct crate_pair *crates, size_t ncrates,
			const struct artifact_change *arts, size_t narts, int by_crate)
{
	char total[SPT_DURATION_BUF];
	int rc = 0;

	if (by_crate) {
		rc = print_crate_table(out, crates, ncrates);
		fputs("\nPer-label differences, all crates together:\n", out);
	}
	rc = rc ?: print_label_table(out, d, o);
	spt_fmt_signed_duration(total, sizeof(total), d->total_delta, 0);
	fprintf(out, "Total cpu time: %s\n", total);
	return rc ?: print_artifact_table(out, arts, narts);
}

static int print_diff(const struct spt_dumpset *base, const struct spt_dumpset *new_,
		      const struct sp_diff *d, const struct diff_opts *o)
{
	int by_crate = base->is_dir || new_->is_dir;
	size_t ncrates = 0, narts = 0;
	struct crate_pair *crates = by_crate ? pair_crates(base, new_, &ncrates) : NULL;
	struct artifact_change *arts = artifact_changes(base->combined, new_->combined, &narts);
	int rc = (by_crate && !crates) || !arts;

	if (!rc && o->style == DIFF_JSON)
		print_json(stdout, d, o, crates, ncrates, arts, narts, by_crate);
	else if (!rc && o->style == DIFF_TSV) {
		print_tsv_rows(stdout, d, o);
		print_tsv_artifacts(stdout, arts, narts);
	} else if (!rc)
		rc = print_tables(stdout, d, o, crates, ncrates, arts, narts, by_crate);
	free(crates);
	free(arts);
	return rc ? spt_out_of_memory("diff") : spt_close_output(stdout, NULL);
}

static int run_diff(const char *base_path, const char *new_path, const struct diff_opts *o)
{
	struct spt_dumpset base, new_;
	struct sp_diff *d = NULL;
	struct sp_error err = { 0 };
	int rc = spt_dumpset_load(&base, base_path, NULL);

	if (!rc)
		rc = spt_dumpset_load(&new_, new_path, NULL);
	else
		new_ = (struct spt_dumpset){ 0 };
	if (!rc && sp_diff_summaries(base.combined, new_.combined, &d, &err))
		rc = spt_lib_error("diff", &err);
	if (!rc)
		rc = print_diff(&base, &new_, d, o);
	sp_diff_free(d);
	spt_dumpset_free(&base);
	spt_dumpset_free(&new_);
	return rc;
}

static int add_exclude(struct diff_opts *o, char *s)
{
	char **v = realloc(o->excludes, (o->nexcludes + 1) * sizeof(*v));

	if (!v)
		return -1;
	o->excludes = v;
	o->excludes[o->nexcludes++] = s;
	return 0;
}

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'J' },
	{ "tsv", no_argument, NULL, 'T' },
	{ "exclude", required_argument, NULL, 'e' },
	{ "top", required_argument, NULL, 'n' },
	{ 0 }
};

static int diff_option(void *opts, int opt, char *arg, const char *cmd)
{
	struct diff_opts *o = opts;

	switch (opt) {
	case 'J':
		o->style = DIFF_JSON;
		break;
	case 'T':
		o->style = DIFF_TSV;
		break;
	case 'e':
		if (add_exclude(o, arg))
			return SPT_EXIT_FAIL;
		break;
	case 'n':
		if (spt_parse_u64(arg, &o->top_n))
			return spt_bad_value(cmd, "--top", "a number", arg);
		break;
	}
	return 0;
}

int spt_cmd_diff(int argc, char **argv)
{
	struct diff_opts o = { .style = DIFF_TABLE };
	int rc = spt_parse_options(argc, argv, ":he:", longopts, usage, diff_option, &o);

	if (!rc && argc - optind != 2)
		rc = spt_usage_error(argv[0], "expected BASE and NEW, got %d argument(s)",
				     argc - optind);
	if (!rc)
		rc = run_diff(argv[optind], argv[optind + 1], &o);
	free(o.excludes);
	return rc;
}
