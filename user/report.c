// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "calibrate.h"
#include "crates_table.h"
#include "events.h"
#include "procs.h"
#include "report.h"
#include "selfprof.h"
#include "summary_table.h"

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

/* One row per crate (rustc process), slowest first: where a build's time went. */
static void print_crates(FILE *out, const struct report *r, const struct dump **dumps,
			 struct sp_summary **parts, size_t n)
{
	struct spt_crate_row *rows = calloc(n, sizeof(*rows));
	char (*events)[24] = calloc(n, sizeof(*events));
	size_t shown = rows_for(r) && rows_for(r) < n ? rows_for(r) : n;

	for (size_t i = 0; rows && events && i < n; i++) {
		snprintf(events[i], sizeof(events[i]), "%" PRIu64, dumps[i]->events);
		rows[i] = (struct spt_crate_row){ crate_of(dumps[i]), sp_summary_self_ns(parts[i]),
						  events[i], dumps[i]->path };
	}
	fprintf(out, "\n== %zu crates by self time%s ==\n", n, shown < n ? " (slowest 20)" : "");
	if (rows && events)
		spt_print_crates(out, rows, n, rows_for(r), "Events", "Dump");
	free(rows);
	free(events);
}

/*
 * One dump: its table. Several (a cargo build): the crates by self time,
 * then one table summed over all of them, rather than a table per crate.
 */
static void print_summaries(FILE *out, const struct report *r)
{
	const struct procs *ps = r->procs;
	const struct dump **dumps = calloc(ps->ndumps + 1, sizeof(*dumps));
	const struct dump **read = calloc(ps->ndumps + 1, sizeof(*read));
	struct sp_summary **parts = calloc(ps->ndumps + 1, sizeof(*parts));
	size_t n = dumps ? dumps_with_events(ps, dumps) : 0, ok = 0;

	for (size_t i = 0; parts && read && i < n; i++) {
		struct sp_error err = { 0 };
		if (sp_summarize_file(dumps[i]->path, &parts[ok], &err)) {
			fprintf(out, "selfprof-bpf: cannot summarize %s: %s\n", dumps[i]->path, err.msg);
			continue;
		}
		read[ok++] = dumps[i];
	}
	if (ok == 1) {
		fprintf(out, "\n== %s (pid %d): %s ==\n", crate_of(read[0]), (int)read[0]->pid,
			read[0]->path);
		spt_print_summary(out, parts[0], rows_for(r), -1);
	} else if (ok > 1) {
		struct sp_summary *all = NULL;

		print_crates(out, r, read, parts, ok);
		if (!sp_summary_merge(parts, ok, &all, NULL)) {
			fprintf(out, "\n== all %zu crates: queries and activities summed ==\n", ok);
			spt_print_summary(out, all, rows_for(r), -1);
			sp_summary_free(all);
		}
	}
	for (size_t i = 0; i < ok; i++)
		sp_summary_free(parts[i]);
	free(parts);
	free(read);
	free(dumps);
}

/*
 * Every event that was not recorded, by cause, always: a profile that
 * misses events says so where its reader looks first. Unwinding is a loss
 * too: rustc's own profiler ends the events of frames a panic unwinds.
 */
static void print_losses(FILE *out, const uint64_t *st, uint64_t loader_dropped)
{
	uint64_t total = st[STAT_LOST] + st[STAT_DEPTH_OVERFLOW] + st[STAT_URET_REFUSED] +
			 st[STAT_UNWOUND] + st[STAT_UNENDED] + st[STAT_NO_STORAGE] + loader_dropped;

	if (!total) {
		fprintf(out, "selfprof-bpf: lost events: 0\n");
		return;
	}
	fprintf(out, "selfprof-bpf: lost events: %" PRIu64 " (ring buffer full %" PRIu64
		", nested deeper than %d frames %" PRIu64 ", kernel return-probe nesting "
		"limit %" PRIu64 ", ended by unwinding %" PRIu64 ", no end seen before the "
		"thread exited %" PRIu64 ", no thread storage %" PRIu64 ", unreadable in the "
		"loader %" PRIu64 ")\n", total, st[STAT_LOST],
		SP_MAX_DEPTH, st[STAT_DEPTH_OVERFLOW], st[STAT_URET_REFUSED], st[STAT_UNWOUND],
		st[STAT_UNENDED], st[STAT_NO_STORAGE], loader_dropped);
}

void report_print(FILE *out, const struct report *r)
{
	const struct procs *ps = r->procs;
	const uint64_t *st = r->stats;

	if (r->summary != REPORT_NONE)
		print_summaries(out, r);
	fprintf(out, "\nselfprof-bpf: %" PRIu64 " events in %zu dump(s); %zu probe points attached "
		"in %zu librustc_driver(s) with %s in %.1f ms\n", ps->events, ps->ndumps, r->npoints,
		r->ndrivers, r->method,
		r->attach_s * 1e3);
	if (r->cal->entry_ns + r->cal->exit_ns > 0)
		fprintf(out, "selfprof-bpf: probe cost correction: %.0f ns per entry (%.0f "
			"single-stepped), %.0f per exit, %.0f per return probe subtracted "
			"(--no-correction to disable)\n", r->cal->entry_ns, r->cal->stepped_ns,
			r->cal->exit_ns, r->cal->uret_ns);
	if (st[STAT_LOST] || st[STAT_LOST_CONTROL])
		fprintf(out, "selfprof-bpf: WARNING: %" PRIu64 " EVENTS LOST (ring buffer of %" PRIu32
			" bytes full)%s: the dumps are incomplete; a larger --ringbuf-size helps\n",
			st[STAT_LOST] + st[STAT_LOST_CONTROL], r->ringbuf_bytes,
			st[STAT_LOST_CONTROL] ? ", including process exec/exit notices" : "");
	print_losses(out, st, ps->dropped);
	if (r->verbose)
		fprintf(out, "selfprof-bpf: unmatched returns %" PRIu64 ", unwind guard blind %"
			PRIu64 "\n", st[STAT_UNMATCHED], st[STAT_GUARD_BLIND]);
	if (ps->untraced)
		fprintf(out, "selfprof-bpf: %zu traced process(es) left the trace: they exec'd a "
			"privileged (setuid, setgid or capable) program, not recorded\n", ps->untraced);
	if (r->refused)
		fprintf(out, "selfprof-bpf: WARNING: %zu rustc process(es) NOT TRACED: their "
			"librustc_driver could not be probed (said above)\n", r->refused);
	if (!ps->ndumps)
		fprintf(out, "selfprof-bpf: no rustc query ran in the traced processes: no dump written\n");
	for (size_t i = 0; i < ps->ndumps; i++)
		fprintf(out, "selfprof-bpf: %s %s (%s, pid %d, %" PRIu64 " events)%s\n",
			ps->dumps[i].deleted ? "NOT written (deleted while tracing):" : "wrote",
			ps->dumps[i].path, ps->dumps[i].crate[0] ? ps->dumps[i].crate : "rustc",
			(int)ps->dumps[i].pid, ps->dumps[i].events,
			ps->dumps[i].deleted ? "" :
			ps->dumps[i].unreadable ? " INCOMPLETE and UNREADABLE: write error" :
			ps->dumps[i].failed ? " INCOMPLETE: write error (valid up to it)" : "");
	if (ps->nfailed)
		fprintf(out, "selfprof-bpf: ERROR: %zu dump(s) could not be written completely\n",
			ps->nfailed);
}
