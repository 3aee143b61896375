/* SPDX-License-Identifier: MIT */
/*
 * Probe-cost self-calibration: attach the real entry/return programs to a
 * tiny function of our own, trace ourselves, and time calls with and
 * without the probes. The result, per probe hit, is what the loader
 * subtracts from timestamps (procs_correct()).
 */
#ifndef SELFPROF_CALIBRATE_H
#define SELFPROF_CALIBRATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tracer;

/* What each kind of probe hit costs the traced thread, ns. */
struct calibration {
	double bare_ns;		/* a call without probes */
	double entry_ns;	/* entry uprobe (the function's first instruction) */
	double exit_ns;		/* uprobe on an exit instruction (`ret`) */
	double uret_ns;		/* return probe */
	double stepped_ns;	/* entry uprobe on an instruction the kernel single-steps */
};

/* 0 and the result, or -errno (with a message in err). */
int calibrate(struct tracer *t, struct calibration *c, char *err, size_t errlen);

/* The calibration target's entry and exit (`ret`) file offsets in our own
 * executable (exposed for the benchmark and tests). 0, or -errno. */
int calibrate_target_location(char *path, size_t size, uint64_t *entry, uint64_t *exit);
/* Call the target n times. */
void calibrate_run(long n);

#endif
