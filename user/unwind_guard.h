/* SPDX-License-Identifier: MIT */
/*
 * The unwind guard: uprobes on the unwinder's entry points (libgcc_s's
 * _Unwind_RaiseException, _Unwind_Resume, ...) and on Rust's catch
 * (__rust_panic_cleanup, in librustc_driver), so that return probes do
 * not break rustc's unwinding: bpf/selfprof.bpf.c (sp_unwind, sp_rearm)
 * gives the probed frames their return addresses back while an unwinder
 * walks the stack, and the trampoline back to those that stay.
 */
#ifndef SELFPROF_UNWIND_GUARD_H
#define SELFPROF_UNWIND_GUARD_H
#include <stddef.h>
#include <stdint.h>
#include "attach.h"

struct probe_set;
struct tracer;

#define UNWIND_MAX_SITES	8

struct unwind_guard {
	char unwinder[4096];		/* libgcc_s.so.1 the traced rustc loads */
	uint64_t unwind_off[UNWIND_MAX_SITES];	/* its unwinder entry points */
	size_t nunwind;
	char driver[4096];		/* librustc_driver (std is linked into it) */
	uint64_t catch_off[1];		/* __rust_panic_cleanup */
	size_t ncatch;
	struct attachment att[2];
};

/* Where the dynamic loader finds libgcc_s for the rustc whose
 * librustc_driver is driver_lib: the toolchain's own lib directory first
 * (its RUNPATH), then the system's. 0 and the path, or -ENOENT. */
int unwind_guard_locate(const char *driver_lib, char *out, size_t size);

/* Both kinds of sites: the unwinder's entry points in unwinder (libgcc_s),
 * Rust's catch in the driver (read from its probe set's parsed symbols).
 * 0, or -errno with a message in err. */
int unwind_guard_find(struct unwind_guard *g, const struct probe_set *driver,
		      const char *unwinder, char *err, size_t errlen);

/* Attach sp_unwind and sp_rearm (every process; the programs act only
 * in traced threads). 0, or -errno with a message in err. */
int unwind_guard_attach(struct unwind_guard *g, const struct tracer *t, char *err, size_t errlen);
void unwind_guard_release(struct unwind_guard *g);

#endif
