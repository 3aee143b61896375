// SPDX-License-Identifier: MIT
/*
 * selfprof summarize: per-label table as measureme's summarize prints it,
 * or the same numbers as TSV (the format of tests/data/NAME.summary.tsv) or
 * JSON.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "profile.h"
#include "crates_table.h"
#include "dumpset.h"
#include "escape.h"
#include "summary_table.h"

static const char usage[] =
"Usage: selfprof summarize [OPTIONS] FILE|DIR...\n"
"\n"
"Print the per-label summary of each profile (.mm_profdata, optionally\n"
"gzip-compressed), as measureme's `summarize summarize` does: self time,\n"
"% of total time, time, item count and, when non-zero, cache hits,\n"
"blocked, incremental load and hashing time; then the total cpu time and\n"
"the artifact sizes. Rows are sorted by self time, then label.\n"
"\n"
"Options:\n"
"  --tsv                  integer nanoseconds as tab-separated values:\n"
"                         # label self_ns time_ns count blocked_ns incr_load_ns\n"
"                         hashing_ns cache_hits, then '# total_time_ns N' and\n"
"                         '# sum_self_ns N'; labels escaped (\\\\ \\t \\n \\r \\xNN)\n"
"  --json                 JSON on stdout: measureme's query_data, artifact_sizes\n"
"                         and total_time ({\"secs\",\"nanos\"} durations) plus\n"
"                         integer *_ns fields; several files give an array\n"
"  --top N                print only the first N rows\n"
"  -p, --percent-above X  drop rows below X% of the total time and say how\n"
"                         much of the total the remaining rows account for\n"
"  -h, --help             show this help\n"
"\n"
"Several files print one table each under a '== FILE ==' heading (TSV:\n"
"'# file<TAB>FILE'). A directory of dumps (selfprof-bpf -o DIR/ -- cargo build,\n"
"or rustc -Z self-profile=DIR) prints its crates by self time (dumps of one\n"
"crate summed; TSV: '# crate<TAB>NAME<TAB>SELF_NS<TAB>DUMPS' lines, JSON: a\n"
"\"crates\" array), then the rows summed over all crates.\n"
"Exit status: 0 ok, 1 unreadable profile, 2 usage.\n";

enum output_style { STYLE_TABLE, STYLE_TSV, STYLE_JSON };

struct summarize_opts {
	enum output_style style;
	uint64_t top_n;
	double percent_above;	/* < 0: no filter */
};

static void print_tsv(FILE *out, const struct sp_summary *s)
{
	int64_t sum_self = 0;

	fputs("# label\tself_ns\ttime_ns\tcount\tblocked_ns\tincr_load_ns\thashing_ns\tcache_hits\n",
	      out);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct sp_row *r = &s->rows[i];

		spt_put_tsv(out, r->label, strlen(r->label));
		fprintf(out, "\t%lld\t%llu\t%llu\t%llu\t%lld\t%lld\t%llu\n",
			(long long)r->self_ns, (unsigned long long)r->time_ns,
			(unsigned long long)r->count, (unsigned long long)r->blocked_ns,
			(long long)r->incr_load_ns, (long long)r->hashing_ns,
			(unsigned long long)r->cache_hits);
		sum_self += r->self_ns;
	}
	fprintf(out, "# total_time_ns\t%llu\n", (unsigned long long)s->total_ns);
	fprintf(out, "# sum_self_ns\t%lld\n", (long long)sum_self);
}

/* measureme's serde form of a Duration; negative values (bad files) clamp to 0. */
static void put_json_duration(FILE *out, const char *key, int64_t ns)
{
	uint64_t v = ns < 0 ? 0 : (uint64_t)ns;

	fprintf(out, "\"%s\":{\"secs\":%llu,\"nanos\":%llu}", key,
		(unsigned long long)(v / 1000000000), (unsigned long long)(v % 1000000000));
}

static void put_json_row(FILE *out, const struct sp_row *r)
{
	fputs("{\"label\":", out);
	spt_put_json_string(out, r->label, strlen(r->label));
	putc(',', out);
	put_json_duration(out, "time", (int64_t)r->time_ns);
	putc(',', out);
	put_json_duration(out, "self_time", r->self_ns);
	/* sp_row has no separate miss count: queries count a miss per invocation. */
	fprintf(out, ",\"number_of_cache_misses\":%llu,\"number_of_cache_hits\":%llu,"
		"\"invocation_count\":%llu,", (unsigned long long)r->count,
		(unsigned long long)r->cache_hits, (unsigned long long)r->count);
	put_json_duration(out, "blocked_time", (int64_t)r->blocked_ns);
	putc(',', out);
	put_json_duration(out, "incremental_load_time", r->incr_load_ns);
	putc(',', out);
	put_json_duration(out, "incremental_hashing_time", r->hashing_ns);
	fprintf(out, ",\"self_ns\":%lld,\"time_ns\":%llu,\"blocked_ns\":%llu,"
		"\"incr_load_ns\":%lld,\"hashing_ns\":%lld}", (long long)r->self_ns,
		(unsigned long long)r->time_ns, (unsigned long long)r->blocked_ns,
		(long long)r->incr_load_ns, (long long)r->hashing_ns);
}

/* A directory's crates, before its summed rows. */
static void put_json_crates(FILE *out, const struct spt_dumpset *set)
{
	fputs(",\"crates\":[", out);
	for (size_t i = 0; i < set->ncrates; i++) {
		const struct spt_crate *c = &set->crates[i];
		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", out);
		spt_put_json_string(out, c->name, strlen(c->name));
		fprintf(out, ",\"self_ns\":%lld,\"dumps\":%zu}",
			(long long)sp_summary_self_ns(c->summary), c->ndumps);
	}
	putc(']', out);
}

static void print_json(FILE *out, const char *path, const struct sp_summary *s,
		       const struct spt_dumpset *set)
{
	fputs("{\"file\":", out);
	spt_put_json_string(out, path, strlen(path));
	if (set)
		put_json_crates(out, set);
	fprintf(out, ",\"file_format_version\":%u,\"query_data\":[", s->version);
	for (size_t i = 0; i < s->nrows; i++) {
		fputs(i ? ",\n" : "\n", out);
		put_json_row(out, &s->rows[i]);
	}
	fputs("],\n\"artifact_sizes\":[", out);
	for (size_t i = 0; i < s->nartifacts; i++) {
		fputs(i ? ",{\"label\":" : "{\"label\":", out);
		spt_put_json_string(out, s->artifacts[i].label, strlen(s->artifacts[i].label));
		fprintf(out, ",\"value\":%llu}", (unsigned long long)s->artifacts[i].bytes);
	}
	fputs("],\n", out);
	put_json_duration(out, "total_time", (int64_t)s->total_ns);
	fprintf(out, ",\"total_time_ns\":%llu}", (unsigned long long)s->total_ns);
}

static void print_heading(FILE *out, const struct summarize_opts *o, const char *path,
			  int first)
{
	if (o->style == STYLE_TSV) {
		fputs("# file\t", out);
		spt_put_tsv(out, path, strlen(path));
		putc('\n', out);
	} else if (o->style == STYLE_TABLE) {
		fprintf(out, "%s== %s ==\n", first ? "" : "\n", path);
	}
}

static void print_summary(FILE *out, const struct summarize_opts *o, const char *path,
			  const struct sp_summary *s)
{
	switch (o->style) {
	case STYLE_TSV:
		print_tsv(out, s);
		break;
	case STYLE_JSON:
		print_json(out, path, s, NULL);
		break;
	case STYLE_TABLE:
		spt_print_summary(out, s, o->top_n, o->percent_above);
		break;
	}
}

/* A directory of dumps (a cargo build): its crates by self time, then the
 * rows summed over all of them. */
static int summarize_dir(FILE *out, const struct summarize_opts *o, const char *dir)
{
	struct spt_dumpset set = { 0 };
	int rc = spt_dumpset_load(&set, dir, NULL);

	if (rc) {
		spt_dumpset_free(&set);
		return rc;
	}
	if (o->style == STYLE_TSV) {
		for (size_t i = 0; i < set.ncrates; i++) {
			fputs("# crate\t", out);
			spt_put_tsv(out, set.crates[i].name, strlen(set.crates[i].name));
			fprintf(out, "\t%lld\t%zu\n",
				(long long)sp_summary_self_ns(set.crates[i].summary),
				set.crates[i].ndumps);
		}
		print_tsv(out, set.combined);
	} else if (o->style == STYLE_JSON) {
		print_json(out, dir, set.combined, &set);
	} else {
		struct spt_crate_row *rows = calloc(set.ncrates, sizeof(*rows));
		char (*dumps)[24] = calloc(set.ncrates, sizeof(*dumps));
		for (size_t i = 0; rows && dumps && i < set.ncrates; i++) {
			snprintf(dumps[i], sizeof(dumps[i]), "%zu", set.crates[i].ndumps);
			rows[i] = (struct spt_crate_row){ set.crates[i].name,
				sp_summary_self_ns(set.crates[i].summary), dumps[i],
				set.crates[i].files[0] };
		}
		fprintf(out, "%zu crates by self time (%zu dumps):\n", set.ncrates, set.ndumps);
		if (rows && dumps)
			spt_print_crates(out, rows, set.ncrates, o->top_n, "Dumps", "First dump");
		free(rows);
		free(dumps);
		fprintf(out, "\nAll %zu crates, summed:\n", set.ncrates);
		spt_print_summary(out, set.combined, o->top_n, o->percent_above);
	}
	spt_dumpset_free(&set);
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Summarize one profile or directory. */
static int summarize_one(const struct summarize_opts *o, const char *path)
{
	struct sp_summary *s;
	struct sp_error err = { 0 };

	if (is_dir(path))
		return summarize_dir(stdout, o, path);
	if (spt_summarize_file(path, &s, &err))
		return spt_lib_error(path, &err);
	print_summary(stdout, o, path, s);
	sp_summary_free(s);
	return 0;
}

/* Summarize every file; the first unreadable one stops the run. */
static int summarize_files(struct summarize_opts *o, int nfiles, char **files)
{
	int several = nfiles > 1;

	if (o->style == STYLE_JSON && several)
		fputs("[\n", stdout);
	for (int i = 0; i < nfiles; i++) {
		int rc;

		if (several) {
			print_heading(stdout, o, files[i], i == 0);
			if (o->style == STYLE_JSON && i)
				fputs(",\n", stdout);
		}
		if ((rc = summarize_one(o, files[i])))
			return rc;
		if (o->style == STYLE_JSON)
			putc('\n', stdout);
	}
	if (o->style == STYLE_JSON && several)
		fputs("]\n", stdout);
	return spt_close_output(stdout, NULL);
}

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "tsv", no_argument, NULL, 'T' },
	{ "json", no_argument, NULL, 'J' },
	{ "top", required_argument, NULL, 'n' },
	{ "percent-above", required_argument, NULL, 'p' },
	{ 0 }
};

static int summarize_option(void *opts, int opt, char *arg, const char *cmd)
{
	struct summarize_opts *o = opts;

	switch (opt) {
	case 'T':
		o->style = STYLE_TSV;
		break;
	case 'J':
		o->style = STYLE_JSON;
		break;
	case 'n':
		if (spt_parse_u64(arg, &o->top_n))
			return spt_bad_value(cmd, "--top", "a number", arg);
		break;
	case 'p':
		if (spt_parse_double(arg, &o->percent_above) || o->percent_above < 0)
			return spt_bad_value(cmd, "--percent-above", "a percentage", arg);
		break;
	}
	return 0;
}

int spt_cmd_summarize(int argc, char **argv)
{
	struct summarize_opts o = { .style = STYLE_TABLE, .percent_above = -1 };
	int rc = spt_parse_options(argc, argv, ":hp:", longopts, usage, summarize_option, &o);

	if (!rc && optind >= argc)
		rc = spt_usage_error(argv[0], "no profile given");
	return rc ? rc : summarize_files(&o, argc - optind, argv + optind);
}
