/* SPDX-License-Identifier: MIT */
/*
 * Exit sites of the probed functions: every `ret` (and tail-call jump out)
 * of each probe point's function and its .cold/.warm fragments, found by
 * disassembling them (capstone).
 *
 * Used with --returns=exits (and as the fallback of the default, auto,
 * when the unwind guard cannot be set up: unwind_guard.h). A uretprobe
 * replaces the return address on the stack with the kernel's trampoline,
 * which has no unwind information, so without the guard any unwinding
 * through a probed frame fails ("failed to initiate panic") and rustc
 * aborts where it would report an error: rustc raises fatal errors (a
 * type error, Ctrl-C) by unwinding. A plain uprobe on each exit
 * instruction leaves the stack alone (but costs ~11 us a hit: the kernel
 * single-steps the `ret`); at a `ret` the stack pointer equals the one
 * seen at entry, which is how frames are matched.
 *
 * A function that leaves by a tail call (`jmp` out, e.g. to the provider
 * through a function pointer) has no exit instruction of its own that
 * marks its end. The provider it jumps to is usually a function named
 * after the query (rustc_interface::passes::analysis for `analysis`):
 * its `ret`s, reached with the wrapper's stack slot, end the frame (the
 * frame's id must match, so other calls of it are ignored). Only free
 * functions count (not methods, not rustc_middle's __description_fns::Q);
 * both the local provider and rustc_metadata's provide_extern::Q are
 * taken. That is done for `analysis`, the query rustc unwinds through
 * when a type or borrow error stops the compile; the other tail-calling
 * wrappers keep a return probe (uret[id] = 1): cheap and exact, but a
 * fatal error raised while one of them runs aborts rustc. only_callees
 * uses the names for all of them and no return probe at all: unwinding
 * always works, but providers also called directly elsewhere trap for
 * nothing (slow) and a wrong guess loses or misplaces intervals.
 */
#ifndef SELFPROF_EXITS_H
#define SELFPROF_EXITS_H
#include <stddef.h>
#include <stdint.h>

struct probe_set;

#define EXITS_URET	1	/* needs a return probe instead of exit sites */
#define EXITS_SKIP	2	/* nothing ends it (only_callees): do not probe it */

struct exit_sites {
	uint64_t *offsets;	/* file offsets of exit instructions */
	uint64_t *cookies;	/* the cookie of the point they end */
	size_t n;
	size_t tailcalls;	/* points that leave by a jump (tail call): need a return probe */
	size_t no_exit;		/* points with no exit instruction found: return probe */
	size_t fragments;	/* .cold/.warm parts disassembled */
	size_t via_callee;	/* tail-calling points ended by their callee's rets */
	int only_callees;	/* in: no return probes at all (unwinding stays intact) */
	uint8_t *uret;		/* per probe id: 0, EXITS_URET or EXITS_SKIP */
	size_t skipped;		/* points left out (EXITS_SKIP) */
};

/* cookie_of(i) gives probe id i's cookie. out->only_callees is read (set
 * it before the call); the rest is filled. 0, or -errno with a message. */
int exits_find(const struct probe_set *set, uint64_t (*cookie_of)(const struct probe_set *, size_t),
	       struct exit_sites *out, char *err, size_t errlen);
void exits_free(struct exit_sites *x);

#endif
