/* SPDX-License-Identifier: MIT */
/*
 * One librustc_driver under trace. The library is opened once, with the
 * invoking user's rights, and checked (a regular file owned by root or by
 * that user, writable by no one else); from then on it is read and probed
 * only through that open file (/proc/self/fd/N), so swapping the path
 * afterwards changes nothing. Its probe points are discovered once, and
 * every consumer (exit sites, the unwind guard, attach) reads that one
 * description.
 *
 * A trace may meet several drivers (rustup toolchains): each gets its own
 * block of probe ids, [id_base, id_base + set.n), so that one label table
 * names the points of all of them.
 */
#ifndef SELFPROF_DRIVER_H
#define SELFPROF_DRIVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "attach.h"
#include "exits.h"
#include "probes.h"
#include "unwind_guard.h"

struct asuser;
struct tracer;

/* How intervals end (--returns). */
enum returns_mode {
	RETURNS_AUTO,		/* uret with the unwind guard and uprobe sessions, else exits */
	RETURNS_URET,		/* return probes (sessions); refused without the guard */
	RETURNS_EXITS,		/* a uprobe on each exit instruction */
	RETURNS_CALLEES,	/* no return probe at all */
};

struct driver_opts {
	unsigned int probe_flags;	/* PROBES_F_* */
	bool hooks;		/* GenericActivity from rustc's own hook sites (hooks.h) */
	enum returns_mode returns;
	bool verbose;
};

struct driver {
	int fd;			/* the library, opened once */
	char path[4096];	/* its real path, for messages and its toolchain's files */
	char fdpath[64];	/* /proc/self/fd/<fd>: what is read and attached */
	dev_t dev;
	ino_t ino;
	struct probe_set set;	/* set.id_base: its first probe id */
	struct exit_sites exits;
	bool uret;		/* intervals end with return probes (sessions) */
	struct unwind_guard guard;
	bool guarded;
	int guard_fd;		/* the unwinder library (libgcc_s), opened once */
	uint64_t *offsets, *cookies;	/* plain entries [0, nentries), sessions [n, n + nsessions) */
	size_t nentries, nsessions;
	size_t no_sessions;	/* points left out: need a return probe, none is safe */
	size_t stepped;		/* entries on an instruction the kernel single-steps */
	/* hook sites: their points follow the functions' in set.points, from
	 * id nfuncs on; starts and ends are plain instruction probes, paired
	 * in BPF by stack pointer (no return probe) */
	size_t nfuncs;
	uint64_t *hook_starts, *hook_start_ck, *hook_ends, *hook_end_ck;
	size_t nhook_starts, nhook_ends;
	struct attachment att;
};

/* Open path as the user and check it. 0, or -errno with one line in err. */
int driver_open(struct driver *d, const struct asuser *as, const char *path,
		char *err, size_t errlen);

/* Discover its probe points (ids from id_base) and how each interval
 * ends, as far as t's kernel allows (NULL: plain uprobes only). 0, or
 * -errno with one line in err (-ENODATA: no probe points, err says why). */
int driver_discover(struct driver *d, const struct asuser *as, const struct driver_opts *o,
		    const struct tracer *t, uint32_t id_base, char *err, size_t errlen);

/* Attach everything (exit sites, sessions, entries, the guard) to every
 * process mapping the library. 0, or -errno with one line in err. */
int driver_attach(struct driver *d, const struct tracer *t, char *err, size_t errlen);

/* Detach everything; the description stays. */
void driver_detach(struct driver *d);

/* Detach and free; safe on a zeroed driver. */
void driver_close(struct driver *d);

#endif
