// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "attach.h"
#include "calibrate.h"
#include "probes.h"
#include "selfprof.h"
#include "tracer.h"
#include "events.h"

/* A function shaped like rustc's providers (a frame push first), so the
 * kernel handles the probed instruction the same way. */
#ifdef __x86_64__
__asm__(".text\n"
	".globl sp_calib_target\n"
	".type sp_calib_target, @function\n"
	"sp_calib_target:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	pop %rbp\n"
	".globl sp_calib_exit\n"
	"sp_calib_exit:\n"
	"	ret\n"
	".size sp_calib_target, .-sp_calib_target\n");
void sp_calib_target(void);
void sp_calib_exit(void);	/* its `ret`: where the exit program goes */
#else
#error "selfprof-bpf's exit-site probing is x86-64 only"
#endif

#define BATCH	200
#define BATCHES	10

void calibrate_run(long n)
{
	void (*volatile fn)(void) = sp_calib_target;

	for (long i = 0; i < n; i++)
		fn();
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Least time per call over a few batches: the least disturbed run. */
static double time_per_call(void)
{
	double best = 1e18;

	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();

		calibrate_run(BATCH);
		t0 = (now_ns() - t0) / BATCH;
		if (t0 < best)
			best = t0;
	}
	return best;
}

static int file_offset_of(uintptr_t addr, char *path, size_t size, uint64_t *off)
{
	char line[4096], file[4096];
	FILE *f = fopen("/proc/self/maps", "re");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, pgoff;

		file[0] = 0;
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %4095s", &lo, &hi, &pgoff, file) < 3)
			continue;
		if (addr >= lo && addr < hi && file[0] == '/') {
			snprintf(path, size, "%s", file);
			*off = addr - lo + pgoff;
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

int calibrate_target_location(char *path, size_t size, uint64_t *entry, uint64_t *exit)
{
	int r = file_offset_of((uintptr_t)sp_calib_target, path, size, entry);

	return r ?: file_offset_of((uintptr_t)sp_calib_exit, path, size, exit);
}

/* Time per call with groups attached, less the bare call. */
static int time_with(struct tracer *t, const char *path, const struct attach_group *g,
		     size_t ng, double bare, double *out, char *err, size_t errlen)
{
	struct attachment a;
	int r;

	r = attach_points(&a, t->method, path, g, ng, getpid(), err, errlen);
	if (r)
		return r;
	calibrate_run(20);	/* warm up: task storage, page faults */
	*out = time_per_call() - bare;
	attach_release(&a);
	tracer_forget_self(t);
	if (*out < 0)
		*out = 0;
	return 0;
}

/*
 * Each kind of hit alone: the entry probe alone (frames pile up to the
 * depth limit, then it takes its cheap path: about the same trap), the
 * exit-instruction probe alone (its program finds no frame: nearly the
 * same work), and entry + return probe less the entry. Least time of
 * several batches each, so a loaded machine inflates them least.
 */
int calibrate(struct tracer *t, struct calibration *c, char *err, size_t errlen)
{
	uint64_t off[2], ck = PROBE_COOKIE(UINT32_MAX, PROBE_ROLE_INTERVAL, SP_KIND_QUERY);
	uint64_t ck_uret = ck | SP_COOKIE_URET;
	const struct bpf_program *en = tracer_entry_prog(t), *ex = tracer_return_prog(t);
	struct attach_group pair[2] = {
		{ ex, { &off[1], &ck, 1 }, ATTACH_ENTRY }, { en, { &off[0], &ck, 1 }, ATTACH_ENTRY },
	};
	/* entry + return probe: a session where the kernel has them (what a
	 * trace uses), else a plain return probe after the entry */
	struct attach_group upair[2] = {
		{ ex, { &off[0], &ck_uret, 1 }, ATTACH_RETURN }, { en, { &off[0], &ck, 1 }, ATTACH_ENTRY },
	};
	struct attach_group session = {
		tracer_session_prog(t), { &off[0], &ck, 1 }, ATTACH_SESSION,
	};
	double e1, x1, p2;
	char path[4096];
	int r;

	r = calibrate_target_location(path, sizeof(path), &off[0], &off[1]);
	if (r) {
		snprintf(err, errlen, "calibration: own executable not found in /proc/self/maps");
		return r;
	}
	memset(c, 0, sizeof(*c));
	c->bare_ns = time_per_call();
	tracer_set_costs(t, 0, 0, 0);
	tracer_trace_pid(t, getpid(), false);
	r = time_with(t, path, pair + 1, 1, c->bare_ns, &e1, err, errlen);
	r = r ?: time_with(t, path, pair, 1, c->bare_ns, &x1, err, errlen);
	if (t->sessions)
		r = r ?: time_with(t, path, &session, 1, c->bare_ns, &p2, err, errlen);
	else
		r = r ?: time_with(t, path, upair, 2, c->bare_ns, &p2, err, errlen);
	tracer_untrace_pid(t, getpid());
	if (r)
		return r;
	c->entry_ns = e1;
	c->exit_ns = x1;
	c->uret_ns = p2 > e1 ? p2 - e1 : 0;
	return 0;
}
