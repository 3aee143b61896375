// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "asuser.h"
#include "driver.h"
#include "emulated.h"
#include "hookcache.h"
#include "hooks.h"
#include "selfprof.h"
#include "tracer.h"

/* The real path of an open file, from the kernel (not looked up again). */
static void path_of_fd(int fd, char *real, size_t rsize)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, rsize - 1);
	real[n > 0 ? n : 0] = 0;
}

/*
 * Open a library for probing, as the user (symlinks followed as theirs):
 * the kernel checks that they may reach and read it, and nothing tells
 * them more than their own lookup would. Then it must be a regular file
 * owned by root or by them and writable by no one else: probes land at
 * offsets read from it, in every process that maps it. Every check is on
 * the open file.
 */
static int open_library(const struct asuser *as, const char *path, int *fd_out,
			char *real, size_t rsize, struct stat *st, char *err, size_t errlen)
{
	int fd = asuser_open_following(as, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, errlen, fd == -ENOENT ? "library not found: %s: %s" : "%s: %s",
			 path, asuser_strerror(fd));
		return fd;
	}
	path_of_fd(fd, real, rsize);
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if ((as->active && st->st_uid != 0 && st->st_uid != as->uid) ||
	    (st->st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errlen, "%s: refused: a library to probe must belong to root or to "
			 "you and be writable by no one else", path);
		close(fd);
		return -EPERM;
	}
	*fd_out = fd;
	return 0;
}

int driver_open(struct driver *d, const struct asuser *as, const char *path,
		char *err, size_t errlen)
{
	struct stat st;
	int r;

	memset(d, 0, sizeof(*d));
	d->fd = d->guard_fd = -1;
	r = open_library(as, path, &d->fd, d->path, sizeof(d->path), &st, err, errlen);
	if (r)
		return r;
	snprintf(d->fdpath, sizeof(d->fdpath), "/proc/self/fd/%d", d->fd);
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	return 0;
}

static uint64_t point_cookie(const struct probe_set *set, size_t i)
{
	const struct probe_point *p = &set->points[i];

	return PROBE_COOKIE(set->id_base + i, p->role, p->kind);
}

/* The unwind guard's sites, through the toolchain's libgcc_s opened and
 * checked like the driver. Without it, return probes are not safe. */
static int find_guard(struct driver *d, const struct asuser *as, char *err, size_t errlen)
{
	char path[4096], real[4096], fdpath[64];
	struct stat st;
	int r;

	if (unwind_guard_locate(d->path, path, sizeof(path))) {
		snprintf(err, errlen, "libgcc_s.so.1 (rustc's unwinder) not found");
		return -ENOENT;
	}
	r = open_library(as, path, &d->guard_fd, real, sizeof(real), &st, err, errlen);
	if (r)
		return r;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", d->guard_fd);
	return unwind_guard_find(&d->guard, &d->set, fdpath, err, errlen);
}

/*
 * Whether return probes can be used: they need uprobe sessions (so that
 * they stay in traced threads) and the unwind guard (so that rustc's
 * unwinding survives them). With both, auto and uret end every interval
 * with one; exits uses them only where no exit instruction does.
 */
static int choose_returns(struct driver *d, const struct asuser *as, const struct driver_opts *o,
			  bool sessions, bool guard_fields, char *err, size_t errlen)
{
	char why[1024] = "this kernel's uprobe internals are not the ones the guard reads";

	if (o->returns == RETURNS_CALLEES)
		return 0;
	if (!sessions)
		snprintf(why, sizeof(why), "return probes need uprobe sessions (Linux 6.12 and "
			 "uprobe_multi), or every rustc on the machine would get them");
	if (!sessions || !guard_fields || find_guard(d, as, why, sizeof(why))) {
		if (o->returns == RETURNS_URET) {
			snprintf(err, errlen, "%s; try --returns=exits", why);
			return -EOPNOTSUPP;
		}
		if (o->verbose)
			fprintf(stderr, "selfprof-bpf: no return probes: %s\n", why);
		return 0;
	}
	d->guarded = true;
	d->uret = o->returns != RETURNS_EXITS;
	return 0;
}

/* Does the kernel emulate the instruction at file offset off (emulated.h)? */
static bool emulated_at(const struct driver *d, uint64_t off)
{
	uint8_t code[16];
	ssize_t n = pread(d->fd, code, sizeof(code), (off_t)off);

	return n > 0 && insn_emulated(code, (size_t)n);
}

/* SP_COOKIE_STEPPED for an entry probe at off that the kernel
 * single-steps (counted in d->stepped); else 0. */
static uint64_t entry_cost_class(struct driver *d, uint64_t off)
{
	if (emulated_at(d, off))
		return 0;
	d->stepped++;
	return SP_COOKIE_STEPPED;
}

/* Entry sites: every point, plain or as a session (entry and return
 * probe). Exit sites: the `ret`s of the others (exits.h). Without return
 * probes (no sessions or no guard), a point that only a return probe can
 * end is left out: a plain return probe would hijack return addresses in
 * every process, and unguarded ones break rustc's unwinding. */
static int collect_sites(struct driver *d, const struct driver_opts *o,
			 char *err, size_t errlen)
{
	size_t n = d->set.n;

	d->exits.only_callees = o->returns == RETURNS_CALLEES;
	if (!d->uret && exits_find(&d->set, point_cookie, &d->exits, err, errlen))
		return -EINVAL;
	d->offsets = calloc(n ? 2 * n : 1, sizeof(*d->offsets));
	d->cookies = calloc(n ? 2 * n : 1, sizeof(*d->cookies));
	if (!d->offsets || !d->cookies) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t how = d->uret ? EXITS_URET : d->exits.uret[i];
		size_t at = how == EXITS_URET ? n + d->nsessions++ : d->nentries++;

		if (how == EXITS_URET && !d->guarded) {
			d->nsessions--;
			d->no_sessions++;
			continue;
		}
		if (how == EXITS_SKIP) {
			d->nentries--;
			continue;
		}
		d->offsets[at] = d->set.points[i].offset;
		d->cookies[at] = point_cookie(&d->set, i) | entry_cost_class(d, d->set.points[i].offset);
	}
	if (d->no_sessions)
		fprintf(stderr, "selfprof-bpf: %zu probe points left out: only a return probe "
			"ends them, and return probes are not safe here (-v says why)\n",
			d->no_sessions);
	if (o->verbose && !d->uret)
		fprintf(stderr, "selfprof-bpf: %s: %zu exit sites (%zu tail-calling points ended "
			"by their provider's rets); return probes on %zu points (%zu tail calls, "
			"%zu without a ret); %zu .cold/.warm parts; %zu points left out\n",
			d->path, d->exits.n, d->exits.via_callee, d->nsessions, d->exits.tailcalls,
			d->exits.no_exit, d->exits.fragments, d->exits.skipped + d->no_sessions);
	if (o->verbose)
		fprintf(stderr, "selfprof-bpf: %s: %zu of %zu function entry probes on an "
			"instruction the kernel single-steps (charged a single-stepped probe's "
			"cost)\n", d->path, d->stepped, d->nentries + d->nsessions);
	return 0;
}

_Static_assert(SP_COOKIE_KIND_QUERY == SP_KIND_QUERY, "events.h's Query kind is sp_kind's");

/* The event kind a hook site records. */
static uint8_t hook_event_kind(const struct hook_site *h)
{
	return h->kind == HOOK_INCR_RESULT_HASHING ? SP_KIND_INCR_HASHING :
	       SP_KIND_GENERIC_ACTIVITY;
}

/* One hook site as a probe point: its event kind and static label, or
 * (h->after) named at run time after the thread's last query. */
static int add_hook_point(struct probe_set *set, const struct hook_site *h)
{
	struct probe_point *v = realloc(set->points, (set->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	set->points = v;
	v += set->n;
	memset(v, 0, sizeof(*v));
	v->offset = h->start;
	v->addr = h->start_addr;
	v->kind = hook_event_kind(h);
	v->role = h->after ? PROBE_ROLE_AFTER : PROBE_ROLE_INTERVAL;
	v->label = strdup(h->label ? h->label : "<unknown>");
	if (!v->label)
		return -ENOMEM;
	set->n++;
	return 0;
}

/*
 * Generic activities with their static label, and results hashed right
 * after a query ran (named after it). Not queries and blocking: their
 * functions are probed, and name them. Not incremental loads: named at
 * run time only, for the most part (hooks.c's name_incremental).
 */
static bool hook_usable(const struct hook_site *h)
{
	bool named = h->kind == HOOK_INCR_RESULT_HASHING ? h->after :
		     h->kind != HOOK_INCR_CACHE_LOADING && h->label;

	return h->kind != HOOK_QUERY_PROVIDER && h->kind != HOOK_QUERY_BLOCKED &&
	       named && h->start && h->nends && !h->reason;
}

static bool hooks_give(const struct hook_set *hs, const char *label)
{
	for (size_t i = 0; i < hs->n; i++)
		if (hook_usable(&hs->sites[i]) &&	/* a usable activity has its label */
		    hook_event_kind(&hs->sites[i]) == SP_KIND_GENERIC_ACTIVITY &&
		    !strcmp(hs->sites[i].label, label))
			return true;
	return false;
}

/* Pass functions whose label a hook site records are left out: the hook
 * is rustc's own bracket. The others (guards that move on, labels built
 * at run time) stay, as before. */
static void drop_covered_passes(struct probe_set *set, const struct hook_set *hs)
{
	size_t kept = 0;

	for (size_t i = 0; i < set->n; i++) {
		struct probe_point *p = &set->points[i];

		if (p->kind == SP_KIND_GENERIC_ACTIVITY && p->role == PROBE_ROLE_INTERVAL &&
		    hooks_give(hs, p->label)) {
			free((char *)p->label);
			free((char *)p->symbol);
			continue;
		}
		set->points[kept++] = *p;
	}
	set->n = kept;
}

/* The first point of h's slot group already added (its ends are in
 * place), or -1: groups[] holds (group, point) pairs. */
static long group_point(const uint64_t (*groups)[2], size_t n, const struct hook_site *h)
{
	for (size_t i = 0; h->group && i < n; i++)
		if (groups[i][0] == h->group)
			return (long)groups[i][1];
	return -1;
}

/* cookie carries SP_COOKIE_EMULATED: each end keeps it where the kernel
 * does emulate its instruction (a branch, a direct call), else it is
 * charged a single-stepped probe's cost (a call through the GOT). */
static void add_hook_ends(struct driver *d, const struct hook_site *h, uint64_t cookie)
{
	for (size_t e = 0; e < h->nends; e++) {
		d->hook_end_ck[d->nhook_ends] = emulated_at(d, h->ends[e]) ? cookie :
						cookie & ~SP_COOKIE_EMULATED;
		d->hook_ends[d->nhook_ends++] = h->ends[e];
	}
}

/*
 * GenericActivity events from rustc's own hooks (hooks.h): each usable
 * site (static label, start and ends found) is a point after the
 * functions'; its start and its ends are plain uprobes, so BPF opens the
 * frame at the start and closes it at the end whose stack pointer and
 * match id (the point's, or its slot group's first point's) agree: the
 * same frame, no return probe.
 */
_Static_assert(HOOK_KEY_SP == SP_KEY_SP && HOOK_KEY_RDI == SP_KEY_RDI &&
	       HOOK_KEY_RBX == SP_KEY_RBX && HOOK_KEY_RBP == SP_KEY_RBP &&
	       HOOK_KEY_R12 == SP_KEY_R12 && HOOK_KEY_R13 == SP_KEY_R13 &&
	       HOOK_KEY_R14 == SP_KEY_R14 && HOOK_KEY_R15 == SP_KEY_R15,
	       "hooks.h's keys are the cookie's (bpf/events.h)");

static int add_hook_points(struct driver *d, const struct hook_set *hs)
{
	uint64_t (*groups)[2] = calloc(hs->n + 1, sizeof(*groups));
	size_t cap = 0, ngroups = 0;
	int r;

	for (size_t i = 0; i < hs->n; i++)
		cap += hook_usable(&hs->sites[i]) ? hs->sites[i].nends : 0;
	d->hook_starts = calloc(hs->n + 1, sizeof(uint64_t));
	d->hook_start_ck = calloc(hs->n + 1, sizeof(uint64_t));
	d->hook_ends = calloc(cap + 1, sizeof(uint64_t));
	d->hook_end_ck = calloc(cap + 1, sizeof(uint64_t));
	r = groups && d->hook_starts && d->hook_start_ck && d->hook_ends && d->hook_end_ck ?
	    0 : -ENOMEM;
	for (size_t i = 0; i < hs->n && !r; i++) {
		const struct hook_site *h = &hs->sites[i];
		long first = group_point(groups, ngroups, h);
		size_t me = d->set.n;

		if (!hook_usable(h) || (first >= 0 && me - first > SP_COOKIE_DELTA_MAX))
			continue;
		if ((r = add_hook_point(&d->set, h)))
			break;
		d->hook_starts[d->nhook_starts] = h->start;
		d->hook_start_ck[d->nhook_starts++] = point_cookie(&d->set, me) |
			(first >= 0 ? SP_COOKIE_DELTA(me - first) : 0) | SP_COOKIE_WITH_KEY(h->key) |
			entry_cost_class(d, h->start);
		if (first >= 0)
			continue;	/* the group's ends are in place */
		if (h->group) {
			groups[ngroups][0] = h->group;
			groups[ngroups++][1] = me;
		}
		/* a guard in a caller's frame: its drops there, by their argument */
		add_hook_ends(d, h, point_cookie(&d->set, me) | SP_COOKIE_EMULATED |
				    (h->key ? SP_COOKIE_WITH_KEY(SP_KEY_RDI) : 0));
	}
	free(groups);
	return r;
}

/* The library's hook sites: cached (hookcache.h), or found and cached.
 * A failure other than memory warns and leaves hs empty. */
static int find_hooks(struct driver *d, const struct driver_opts *o, time_t started,
		      struct hook_set *hs, char *err, size_t errlen)
{
	int r;

	if (!hookcache_load(d->fd, d->set.elf, d->set.syms, hs)) {
		if (o->verbose)
			fprintf(stderr, "selfprof-bpf: %s: %zu hook sites from the cache\n",
				d->path, hs->n);
		return 0;
	}
	r = hooks_find(&d->set, hs, err, errlen);
	if (r == -ENOMEM)
		return r;
	if (r) {	/* the pass functions still give the main activities */
		fprintf(stderr, "selfprof-bpf: rustc's hook sites not read (%s): "
			"GenericActivity from the pass functions only\n", err);
		memset(hs, 0, sizeof(*hs));
		return 0;
	}
	r = hookcache_store(d->fd, d->set.elf, d->set.syms, started, hs);
	if (o->verbose)
		fprintf(stderr, "selfprof-bpf: %s: %zu hook sites found%s\n", d->path, hs->n,
			r ? " (not cached)" : ", cached");
	return 0;
}

int driver_discover(struct driver *d, const struct asuser *as, const struct driver_opts *o,
		    const struct tracer *t, uint32_t id_base, char *err, size_t errlen)
{
	bool sessions = t && t->sessions;
	struct hook_set hs = { 0 };
	time_t started = time(NULL);	/* before the library is first read */
	int r = probes_discover_ex(d->fdpath, o->probe_flags, &d->set, err, errlen);

	if (r)
		return r;
	d->set.id_base = id_base;
	if (!d->set.n) {
		snprintf(err, errlen, "no probe points in %s: %s", d->path,
			 probes_explain_empty(&d->set));
		return -ENODATA;
	}
	if (o->hooks && (r = find_hooks(d, o, started, &hs, err, errlen)))
		return r;
	drop_covered_passes(&d->set, &hs);
	r = choose_returns(d, as, o, sessions, t && t->guard_fields, err, errlen);
	r = r ?: collect_sites(d, o, err, errlen);
	d->nfuncs = d->set.n;
	if (!r && add_hook_points(d, &hs)) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
	}
	hooks_free(&hs);
	return r;
}

int driver_attach(struct driver *d, const struct tracer *t, char *err, size_t errlen)
{
	struct attach_group g[5] = {
		{ tracer_return_prog(t), { d->exits.offsets, d->exits.cookies, d->exits.n },
		  ATTACH_ENTRY },
		{ tracer_return_prog(t), { d->hook_ends, d->hook_end_ck, d->nhook_ends },
		  ATTACH_ENTRY },
		{ tracer_session_prog(t), { d->offsets + d->nfuncs, d->cookies + d->nfuncs,
					    d->nsessions }, ATTACH_SESSION },
		{ tracer_entry_prog(t), { d->offsets, d->cookies, d->nentries }, ATTACH_ENTRY },
		{ tracer_entry_prog(t), { d->hook_starts, d->hook_start_ck, d->nhook_starts },
		  ATTACH_ENTRY },
	};
	int r;

	/* exit sites before entries: no frame opens before its end is in place */
	r = attach_points(&d->att, t->method, d->fdpath, g, 5, 0, err, errlen);
	if (!r && d->guarded && unwind_guard_attach(&d->guard, t, err, errlen)) {
		attach_release(&d->att);
		r = -EINVAL;
	}
	return r;
}

void driver_detach(struct driver *d)
{
	attach_release(&d->att);
	if (d->guarded)
		unwind_guard_release(&d->guard);
}

void driver_close(struct driver *d)
{
	driver_detach(d);
	probes_free(&d->set);
	exits_free(&d->exits);
	free(d->offsets);
	free(d->cookies);
	free(d->hook_starts);
	free(d->hook_start_ck);
	free(d->hook_ends);
	free(d->hook_end_ck);
	if (d->fd >= 0)
		close(d->fd);
	if (d->guard_fd >= 0)
		close(d->guard_fd);
	memset(d, 0, sizeof(*d));
	d->fd = d->guard_fd = -1;
}
