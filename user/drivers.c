// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "drivers.h"
#include "exe.h"
#include "tracer.h"

void drivers_init(struct driver_set *ds, const struct asuser *as, const struct driver_opts *o,
		  struct tracer *tr)
{
	memset(ds, 0, sizeof(*ds));
	ds->as = as;
	ds->o = o;
	ds->tr = tr;
}

void drivers_free(struct driver_set *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		driver_close(ds->v[i]);
		free(ds->v[i]);
	}
	labels_free(&ds->labels);
	ds->n = 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct driver *find_file(const struct driver_set *ds, const struct driver *d)
{
	for (size_t i = 0; i < ds->n; i++)
		if (ds->v[i]->dev == d->dev && ds->v[i]->ino == d->ino)
			return ds->v[i];
	return NULL;
}

static int fail(struct driver_set *ds, enum drivers_stage stage, int r)
{
	ds->stage = stage;
	return r;
}

/* Discover and attach d, a new file; its ids follow every earlier one's. */
static int add_new(struct driver_set *ds, struct driver *d, char *err, size_t errlen)
{
	double t0;
	int r;

	if (ds->n == DRIVERS_MAX) {
		snprintf(err, errlen, "%s: more than %d toolchains in one trace", d->path,
			 DRIVERS_MAX);
		return fail(ds, DRIVERS_OPEN, -E2BIG);
	}
	r = driver_discover(d, ds->as, ds->o, ds->tr, ds->labels.n, err, errlen);
	if (r)
		return fail(ds, r == -ENODATA ? DRIVERS_PROBES : DRIVERS_OPEN, r);
	if (labels_add(&ds->labels, &d->set)) {
		snprintf(err, errlen, "out of memory");
		return fail(ds, DRIVERS_OPEN, -ENOMEM);
	}
	t0 = now_s();
	r = driver_attach(d, ds->tr, err, errlen);
	ds->attach_s += now_s() - t0;
	if (r)
		return fail(ds, DRIVERS_ATTACH, r);
	ds->v[ds->n++] = d;
	return 0;
}

int drivers_add(struct driver_set *ds, const char *path, const struct driver **out,
		char *err, size_t errlen)
{
	struct driver *d = calloc(1, sizeof(*d));
	const struct driver *same;
	int r;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return fail(ds, DRIVERS_OPEN, -ENOMEM);
	}
	r = driver_open(d, ds->as, path, err, errlen);
	if (r) {
		free(d);
		return fail(ds, DRIVERS_OPEN, r);
	}
	same = find_file(ds, d);
	if (same) {
		driver_close(d);
		free(d);
		*out = same;
		return 0;
	}
	r = add_new(ds, d, err, errlen);
	if (r) {
		driver_close(d);
		free(d);
		return r;
	}
	*out = d;
	return 0;
}

int drivers_add_mapped(struct driver_set *ds, pid_t pid, char *err, size_t errlen)
{
	const struct driver *d;
	char path[4096];
	ino_t ino;
	int r = exe_mapped_driver(pid, path, sizeof(path), &ino);

	if (r == -ENOENT)
		return 0;	/* not a rustc (yet): its children are held */
	if (r) {
		snprintf(err, errlen, "/proc/%d/maps: %s", (int)pid, strerror(-r));
		return fail(ds, DRIVERS_OPEN, r);
	}
	r = drivers_add(ds, path, &d, err, errlen);
	if (!r && d->ino != ino) {
		snprintf(err, errlen, "%s is not the library process %d runs (replaced since?)",
			 path, (int)pid);
		return fail(ds, DRIVERS_OPEN, -ESTALE);
	}
	return r;
}

static bool exe_refused(const struct driver_set *ds, const struct sp_exe_key *exe)
{
	for (size_t i = 0; i < ds->nrefused_exe; i++)
		if (!memcmp(&ds->refused_exe[i], exe, sizeof(*exe)))
			return true;
	return false;
}

/* What a held process's executable is; SP_EXE_RUSTC once its library is
 * attached. A library that cannot be probed is said once, then counted. */
static uint32_t classify(struct driver_set *ds, const struct rec_exec *r)
{
	const struct driver *d;
	char lib[4096], err[4400];

	if (exe_driver_of(r->pid, lib, sizeof(lib)))
		return SP_EXE_OTHER;	/* no librustc_driver (or it is gone) */
	if (!drivers_add(ds, lib, &d, err, sizeof(err)))
		return SP_EXE_RUSTC;
	fprintf(stderr, "selfprof-bpf: pid %u (%.16s) is not traced: %s\n", r->pid, r->comm, err);
	if (ds->nrefused_exe < DRIVERS_MAX_REFUSED)
		ds->refused_exe[ds->nrefused_exe++] = r->exe;
	return SP_EXE_OTHER;
}

void drivers_on_exec(struct driver_set *ds, const struct rec_exec *r)
{
	int pidfd;

	if (!(r->flags & REC_EXEC_HELD)) {
		if (exe_refused(ds, &r->exe))
			ds->refused++;
		return;
	}
	/* Taken first, then checked to be the process BPF held (not a later
	 * one given its pid, had the held one been killed): the pidfd names
	 * it from then on, while the library is read and when continued. */
	pidfd = syscall(SYS_pidfd_open, (pid_t)r->pid, 0);
	if (pidfd < 0 || !exe_started_at(r->pid, r->start_boottime)) {
		if (pidfd >= 0)
			close(pidfd);
		return;	/* gone: the executable stays unseen, its next exec is held */
	}
	tracer_exe_seen(ds->tr, &r->exe, classify(ds, r));
	if (exe_refused(ds, &r->exe))
		ds->refused++;
	syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0);
	close(pidfd);
}

size_t drivers_points(const struct driver_set *ds)
{
	size_t n = 0;

	for (size_t i = 0; i < ds->n; i++)
		n += ds->v[i]->nentries + ds->v[i]->nsessions + ds->v[i]->nhook_starts;
	return n;
}

void drivers_detach(struct driver_set *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		driver_detach(ds->v[i]);
}
