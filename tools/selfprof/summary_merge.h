/* SPDX-License-Identifier: MIT */
/*
 * Sum several summaries into one, label by label (used by `selfprof diff`
 * for directories: several dumps of one crate, all crates of a build).
 */
#ifndef SPT_SUMMARY_MERGE_H
#define SPT_SUMMARY_MERGE_H

#include <stddef.h>

#include "selfprof.h"

/*
 * A new summary whose rows, artifacts, totals and counters are the sums of
 * the parts' (rows sorted by self time then label, artifacts by label).
 * Metadata is empty. Free it with spt_summary_merged_free, never with
 * sp_summary_free. NULL on ENOMEM.
 */
struct sp_summary *spt_summary_merge(struct sp_summary *const *parts, size_t nparts);
void spt_summary_merged_free(struct sp_summary *s);

/* Σ self time over a summary's rows. */
int64_t spt_summary_self_total(const struct sp_summary *s);

#endif
