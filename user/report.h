/* SPDX-License-Identifier: MIT */
/* The end-of-run report on stderr: summary tables, counts, lost events, paths. */
#ifndef SELFPROF_REPORT_H
#define SELFPROF_REPORT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct procs;
struct calibration;

enum report_summary { REPORT_NONE, REPORT_TOP, REPORT_FULL };

#define REPORT_TOP_ROWS	20

struct report {
	enum report_summary summary;
	const struct procs *procs;
	const uint64_t *stats;		/* STAT__COUNT counters */
	const struct calibration *cal;	/* probe costs subtracted (all 0: none) */
	double attach_s;
	const char *method;
	size_t npoints;
	size_t ndrivers;		/* librustc_drivers attached */
	size_t refused;			/* rustc processes whose library could not be probed */
	uint32_t ringbuf_bytes;		/* the ring buffer's size, for the lost-events hint */
	bool verbose;
};

void report_print(FILE *out, const struct report *r);

#endif
