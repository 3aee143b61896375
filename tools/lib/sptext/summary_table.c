// SPDX-License-Identifier: MIT
/*
 * measureme's summarize table (spec 11.3): columns, dotted item labels,
 * Duration debug text, optional columns hidden when all zero.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fmt.h"
#include "summary_table.h"
#include "table.h"

enum column {
	COL_ITEM, COL_SELF, COL_PERCENT, COL_TIME, COL_COUNT,
	COL_HITS, COL_BLOCKED, COL_INCR_LOAD, COL_HASHING,
	NCOLS
};

static const char *const titles[NCOLS] = {
	"Item", "Self time", "% of total time", "Time", "Item count",
	"Cache hits", "Blocked time", "Incremental load time",
	"Incremental result hashing time",
};

static double percent_of(int64_t part, uint64_t total)
{
	return (double)part / (double)total * 100.0;
}

/* Whether a row survives -p: below the threshold means dropped. */
static int row_shown(const struct sp_row *row, uint64_t total, double percent_above)
{
	return percent_above < 0 || !(percent_of(row->self_ns, total) < percent_above);
}

/*
 * Which optional columns to show. measureme stops scanning once it has
 * seen cache hits, blocked time and incremental load time, so hashing
 * time found only after that point stays hidden; we copy the quirk.
 */
static void optional_columns(const struct sp_summary *s, int show[NCOLS])
{
	for (size_t i = 0; i < s->nrows; i++) {
		const struct sp_row *row = &s->rows[i];

		show[COL_HITS] |= row->cache_hits > 0;
		show[COL_BLOCKED] |= row->blocked_ns > 0;
		show[COL_INCR_LOAD] |= row->incr_load_ns > 0;
		show[COL_HASHING] |= row->hashing_ns > 0;
		if (show[COL_HITS] && show[COL_BLOCKED] && show[COL_INCR_LOAD])
			break;
	}
}

/* "label ....": padded with dots to one past the longest label. */
static char *dotted_label(const char *label, size_t max_len)
{
	size_t len = strlen(label);
	size_t ndots = max_len > len + 1 ? max_len - len - 1 : 0;
	char *cell = malloc(len + 2 + ndots);

	if (!cell)
		return NULL;
	memcpy(cell, label, len);
	cell[len] = ' ';
	memset(cell + len + 1, '.', ndots);
	cell[len + 1 + ndots] = 0;
	return cell;
}

static int add_row(struct spt_table *t, const struct sp_row *row, const char *item,
		   uint64_t total)
{
	char self[SPT_DURATION_BUF], pct[32], time[SPT_DURATION_BUF], count[24];
	char hits[24], blocked[SPT_DURATION_BUF], load[SPT_DURATION_BUF];
	char hashing[SPT_DURATION_BUF];
	const char *cells[NCOLS] = { item, self, pct, time, count, hits, blocked, load, hashing };

	spt_fmt_duration2(self, sizeof(self), row->self_ns);
	spt_fmt_f64(pct, sizeof(pct), percent_of(row->self_ns, total), 3, 0);
	spt_fmt_duration2(time, sizeof(time), (int64_t)row->time_ns);
	snprintf(count, sizeof(count), "%llu", (unsigned long long)row->count);
	snprintf(hits, sizeof(hits), "%llu", (unsigned long long)row->cache_hits);
	spt_fmt_duration2(blocked, sizeof(blocked), (int64_t)row->blocked_ns);
	spt_fmt_duration2(load, sizeof(load), row->incr_load_ns);
	spt_fmt_duration2(hashing, sizeof(hashing), row->hashing_ns);
	return spt_table_add(t, cells);
}

/* The rows to print, in order: filtered by -p, cut at --top. */
static size_t select_rows(const struct sp_summary *s, size_t top_n, double percent_above,
			  const struct sp_row **picked)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nrows; i++) {
		if (top_n && n == top_n)
			break;
		if (row_shown(&s->rows[i], s->total_ns, percent_above))
			picked[n++] = &s->rows[i];
	}
	return n;
}

static int fill_rows(struct spt_table *t, const struct sp_row **picked, size_t n,
		     uint64_t total)
{
	char **labels = calloc(n ? n : 1, sizeof(*labels));
	size_t max_len = 0;
	int rc = 0;

	if (!labels)
		return -1;
	for (size_t i = 0; i < n && !rc; i++) {
		labels[i] = spt_escaped(picked[i]->label);
		if (!labels[i])
			rc = -1;
		else if (strlen(labels[i]) > max_len)
			max_len = strlen(labels[i]);
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char *item = dotted_label(labels[i], max_len);

		rc = item ? add_row(t, picked[i], item, total) : -1;
		free(item);
	}
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	return rc;
}

static void print_query_table(FILE *out, const struct sp_summary *s,
			      const struct sp_row **picked, size_t n)
{
	struct spt_table *t = spt_table_new(NCOLS);
	int show[NCOLS] = { 0 };

	if (!t || spt_table_add(t, titles) || fill_rows(t, picked, n, s->total_ns)) {
		fputs("selfprof: out of memory\n", stderr);
		spt_table_free(t);
		return;
	}
	optional_columns(s, show);
	for (int c = COL_HITS; c < NCOLS; c++)
		if (!show[c])
			spt_table_hide(t, c);
	spt_table_print(t, out);
	spt_table_free(t);
}

static void print_artifact_table(FILE *out, const struct sp_summary *s)
{
	static const char *const title[2] = { "Item", "Artifact Size" };
	struct spt_table *t = spt_table_new(2);
	int rc = !t || spt_table_add(t, title);

	for (size_t i = 0; i < s->nartifacts && !rc; i++) {
		char bytes[40];
		char *label = spt_escaped(s->artifacts[i].label);
		const char *cells[2] = { label, bytes };

		snprintf(bytes, sizeof(bytes), "%llu bytes",
			 (unsigned long long)s->artifacts[i].bytes);
		rc = !label || spt_table_add(t, cells);
		free(label);
	}
	if (!rc)
		spt_table_print(t, out);
	else
		fputs("selfprof: out of memory\n", stderr);
	spt_table_free(t);
}

void spt_print_summary(FILE *out, const struct sp_summary *s, size_t top_n,
			 double percent_above)
{
	const struct sp_row **picked = calloc(s->nrows ? s->nrows : 1, sizeof(*picked));
	char total[SPT_DURATION_BUF];
	size_t n;

	if (!picked) {
		fputs("selfprof: out of memory\n", stderr);
		return;
	}
	n = select_rows(s, top_n, percent_above, picked);
	print_query_table(out, s, picked, n);
	if (percent_above >= 0) {
		int64_t shown_self = 0;
		char pct[32];

		for (size_t i = 0; i < n; i++)
			shown_self += picked[i]->self_ns;
		spt_fmt_f64(pct, sizeof(pct), percent_of(shown_self, s->total_ns), 3, 0);
		fprintf(out, "Filtered results account for %s%% of total time.\n", pct);
	}
	free(picked);
	spt_fmt_duration_full(total, sizeof(total), s->total_ns);
	fprintf(out, "Total cpu time: %s\n", total);
	if (s->nartifacts)
		print_artifact_table(out, s);
}
