/* SPDX-License-Identifier: MIT */
/*
 * The human-readable summary table, as measureme's `summarize summarize`
 * prints it (spec MMPROFDATA.md 11.3). Used by `selfprof summarize` and by
 * the tracer for its end-of-run summary.
 */
#ifndef SPT_SUMMARY_TABLE_H
#define SPT_SUMMARY_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "selfprof.h"

/*
 * Print the per-label table, "Total cpu time: ..." and the artifact-size
 * table (only when the profile has artifact sizes). top_n: print at most
 * that many rows (0 = all). percent_above: drop rows whose self time is
 * below that percentage of the total and print the "Filtered results
 * account for ..." line (< 0 = no filter). Write errors are left in out's
 * error flag for the caller to check.
 */
void spt_print_summary(FILE *out, const struct sp_summary *s, size_t top_n,
			 double percent_above);

#endif
