/* SPDX-License-Identifier: MIT */
/*
 * The crates of a build by self time: where a cargo build's time went.
 * Printed by `selfprof summarize DIR` and by selfprof-bpf's end report.
 */
#ifndef SPT_CRATES_TABLE_H
#define SPT_CRATES_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct spt_crate_row {
	const char *name;
	int64_t self_ns;	/* Σ self time over the crate's rows */
	const char *count;	/* fourth column, already text (dumps, events) */
	const char *where;	/* fifth column: file name(s) */
};

/* Sort rows by self time (then name) and print the first top_n (0: all)
 * as a table: Crate, Self time, % of all, count_title, where_title. */
void spt_print_crates(FILE *out, struct spt_crate_row *rows, size_t n, size_t top_n,
		      const char *count_title, const char *where_title);

#endif
