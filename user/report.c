// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include "calibrate.h"
#include "events.h"
#include "procs.h"
#include "report.h"
#include "selfprof.h"
#include "../tools/selfprof/summary_table.h"

static void print_summary(FILE *out, const struct report *r, const struct dump *d)
{
	struct sp_summary *s = NULL;
	struct sp_error err = { 0 };

	if (sp_summarize_file(d->path, &s, &err)) {
		fprintf(out, "selfprof-bpf: cannot summarize %s: %s\n", d->path, err.msg);
		return;
	}
	fprintf(out, "\n== %s (pid %d): %s ==\n", d->crate[0] ? d->crate : "rustc",
		(int)d->pid, d->path);
	summary_print_table(out, s, r->summary == REPORT_TOP ? REPORT_TOP_ROWS : 0, -1);
	sp_summary_free(s);
}

void report_print(FILE *out, const struct report *r)
{
	const struct procs *ps = r->procs;
	const uint64_t *st = r->stats;

	for (size_t i = 0; r->summary != REPORT_NONE && i < ps->ndumps; i++)
		if (!ps->dumps[i].failed && ps->dumps[i].events)
			print_summary(out, r, &ps->dumps[i]);
	fprintf(out, "\nselfprof-bpf: %" PRIu64 " events in %zu dump(s); %zu probe points attached "
		"with %s in %.0f ms\n", ps->events, ps->ndumps, r->npoints, r->method,
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
