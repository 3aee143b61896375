/* SPDX-License-Identifier: MIT */
/*
 * The librustc_drivers of one trace: the one given with --lib, or, one by
 * one, the library of each traced process that runs one (several rustup
 * toolchains in one build each get their probes). A traced process that
 * execs an executable not seen before is held stopped by BPF until
 * drivers_on_exec has attached its library (or found it needs none).
 */
#ifndef SELFPROF_DRIVERS_H
#define SELFPROF_DRIVERS_H
#include <stddef.h>
#include <sys/types.h>
#include "driver.h"
#include "events.h"
#include "labels.h"

struct asuser;
struct tracer;

#define DRIVERS_MAX	16
#define DRIVERS_MAX_REFUSED	64

/* Where adding a driver failed: the caller's exit code depends on it. */
enum drivers_stage {
	DRIVERS_OPEN,		/* not found, unreadable by the user, or refused */
	DRIVERS_PROBES,		/* no probe points in it */
	DRIVERS_ATTACH,		/* BPF refused the probes */
};

struct driver_set {
	struct driver *v[DRIVERS_MAX];
	size_t n;
	struct label_table labels;	/* probe id -> label, every driver's */
	const struct asuser *as;
	const struct driver_opts *o;
	struct tracer *tr;
	double attach_s;		/* time spent attaching, all drivers */
	enum drivers_stage stage;	/* of the last failure */
	struct sp_exe_key refused_exe[DRIVERS_MAX_REFUSED];	/* rustcs whose library was refused */
	size_t nrefused_exe;
	size_t refused;			/* traced rustc processes of those: not recorded */
};

void drivers_init(struct driver_set *ds, const struct asuser *as, const struct driver_opts *o,
		  struct tracer *tr);
void drivers_free(struct driver_set *ds);

/* The driver at path, opened, discovered and attached (or the one already
 * there for the same file). 0, or -errno with one line in err and
 * ds->stage saying where. */
int drivers_add(struct driver_set *ds, const char *path, const struct driver **out,
		char *err, size_t errlen);

/* The driver a running process (-p) has mapped, if any: 0 (attached or
 * none mapped), or -errno with one line in err. */
int drivers_add_mapped(struct driver_set *ds, pid_t pid, char *err, size_t errlen);

/* A traced process exec'd (REC_EXEC): if BPF holds it, find and attach
 * its library, remember the executable and continue the process. */
void drivers_on_exec(struct driver_set *ds, const struct rec_exec *r);

/* Probe points attached, all drivers. */
size_t drivers_points(const struct driver_set *ds);

/* Detach every driver (the labels stay, for the records still queued). */
void drivers_detach(struct driver_set *ds);

#endif
