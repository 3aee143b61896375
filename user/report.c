// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "calibrate.h"
#include "events.h"
#include "procs.h"
#include "report.h"
#include "selfprof.h"
#include "../tools/selfprof/fmt.h"
#include "../tools/selfprof/summary_merge.h"
#include "../tools/selfprof/summary_table.h"
#include "../tools/selfprof/table.h"

/* The dumps that have events, in the order written. */
static size_t dumps_with_events(const struct procs *ps, const struct dump **out)
{
	size_t n = 0;

	for (size_t i = 0; i < ps->ndumps; i++)
		if (!ps->dumps[i].failed && ps->dumps[i].events)
			out[n++] = &ps->dumps[i];
	return n;
}

static const char *crate_of(const struct dump *d)
{
	return d->crate[0] ? d->crate : "rustc";
}

static size_t rows_for(const struct report *r)
{
	return r->summary == REPORT_TOP ? REPORT_TOP_ROWS : 0;
}

struct crate_row {
	const struct dump *dump;
	const struct sp_summary *s;
	int64_t self;
};

static int cmp_crate_rows(const void *a, const void *b)
{
	const struct crate_row *x = a, *y = b;

	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	return strcmp(crate_of(x->dump), crate_of(y->dump));
}

/* One row per crate (rustc process), slowest first: where a build's time went. */
static void print_crates(FILE *out, const struct report *r, struct crate_row *rows, size_t n)
{
	static const char *const title[] = { "Crate", "Self time", "% of all", "Events", "Dump" };
	struct spt_table *t = spt_table_new(5);
	int64_t all = 0;
	size_t shown = rows_for(r) && rows_for(r) < n ? rows_for(r) : n;

	if (!t)
		return;
	for (size_t i = 0; i < n; i++)
		all += rows[i].self;
	qsort(rows, n, sizeof(*rows), cmp_crate_rows);
	spt_table_add(t, title);
	for (size_t i = 0; i < shown; i++) {
		char self[32], share[32], events[32];
		const char *cells[] = { crate_of(rows[i].dump), self, share, events, rows[i].dump->path };
		spt_fmt_duration2(self, sizeof(self), rows[i].self);
		spt_fmt_f64(share, sizeof(share), all ? 100.0 * rows[i].self / all : 0, 3, 0);
		snprintf(events, sizeof(events), "%" PRIu64, rows[i].dump->events);
		spt_table_add(t, cells);
	}
	fprintf(out, "\n== %zu crates by self time%s ==\n", n, shown < n ? " (slowest 20)" : "");
	spt_table_print(t, out);
	spt_table_free(t);
}

/*
 * One dump: its table. Several (a cargo build): the crates by self time,
 * then one table summed over all of them, rather than a table per crate.
 */
static void print_summaries(FILE *out, const struct report *r)
{
	const struct procs *ps = r->procs;
	const struct dump **dumps = calloc(ps->ndumps + 1, sizeof(*dumps));
	struct sp_summary **parts = calloc(ps->ndumps + 1, sizeof(*parts));
	struct crate_row *rows = calloc(ps->ndumps + 1, sizeof(*rows));
	size_t n = dumps ? dumps_with_events(ps, dumps) : 0, ok = 0;

	for (size_t i = 0; parts && rows && i < n; i++) {
		struct sp_error err = { 0 };
		if (sp_summarize_file(dumps[i]->path, &parts[ok], &err)) {
			fprintf(out, "selfprof-bpf: cannot summarize %s: %s\n", dumps[i]->path, err.msg);
			continue;
		}
		rows[ok] = (struct crate_row){ dumps[i], parts[ok], spt_summary_self_total(parts[ok]) };
		ok++;
	}
	if (ok == 1) {
		fprintf(out, "\n== %s (pid %d): %s ==\n", crate_of(rows[0].dump),
			(int)rows[0].dump->pid, rows[0].dump->path);
		summary_print_table(out, parts[0], rows_for(r), -1);
	} else if (ok > 1) {
		struct sp_summary *all = spt_summary_merge(parts, ok);
		print_crates(out, r, rows, ok);
		if (all) {
			fprintf(out, "\n== all %zu crates: queries and activities summed ==\n", ok);
			summary_print_table(out, all, rows_for(r), -1);
			spt_summary_merged_free(all);
		}
	}
	for (size_t i = 0; i < ok; i++)
		sp_summary_free(parts[i]);
	free(parts);
	free(rows);
	free(dumps);
}

void report_print(FILE *out, const struct report *r)
{
	const struct procs *ps = r->procs;
	const uint64_t *st = r->stats;

	if (r->summary != REPORT_NONE)
		print_summaries(out, r);
	fprintf(out, "\nselfprof-bpf: %" PRIu64 " events in %zu dump(s); %zu probe points attached "
		"with %s in %.1f ms\n", ps->events, ps->ndumps, r->npoints, r->method,
		r->attach_s * 1e3);
	if (r->cal->entry_ns + r->cal->exit_ns > 0)
		fprintf(out, "selfprof-bpf: probe cost correction: %.0f ns per entry, %.0f per exit, "
			"%.0f per return probe subtracted (--no-correction to disable)\n",
			r->cal->entry_ns, r->cal->exit_ns, r->cal->uret_ns);
	if (st[STAT_LOST] || st[STAT_LOST_CONTROL])
		fprintf(out, "selfprof-bpf: WARNING: %" PRIu64 " EVENTS LOST (ring buffer of %" PRIu32
			" bytes full)%s: the dumps are incomplete; a larger --ringbuf-size helps\n",
			st[STAT_LOST] + st[STAT_LOST_CONTROL], r->ringbuf_bytes,
			st[STAT_LOST_CONTROL] ? ", including process exec/exit notices" : "");
	else
		fprintf(out, "selfprof-bpf: lost events: 0\n");
	if (r->verbose)
		fprintf(out, "selfprof-bpf: unmatched returns %" PRIu64
			", frames dropped by unwinding %" PRIu64 ", too deep %" PRIu64
			", no storage %" PRIu64 ", events dropped in the loader %" PRIu64 "\n",
			st[STAT_UNMATCHED], st[STAT_UNWOUND],
			st[STAT_DEPTH_OVERFLOW], st[STAT_NO_STORAGE], ps->dropped);
	if (!ps->ndumps)
		fprintf(out, "selfprof-bpf: no rustc query ran in the traced processes: no dump written\n");
	for (size_t i = 0; i < ps->ndumps; i++)
		fprintf(out, "selfprof-bpf: wrote %s (%s, pid %d, %" PRIu64 " events)%s\n",
			ps->dumps[i].path, ps->dumps[i].crate[0] ? ps->dumps[i].crate : "rustc",
			(int)ps->dumps[i].pid, ps->dumps[i].events,
			ps->dumps[i].failed ? " INCOMPLETE: write error (valid up to it)" : "");
	if (ps->nfailed)
		fprintf(out, "selfprof-bpf: ERROR: %zu dump(s) could not be written completely\n",
			ps->nfailed);
}
