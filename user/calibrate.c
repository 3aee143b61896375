// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
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

/*
 * Functions shaped like rustc's providers (a frame push first), so the
 * kernel handles the probed instruction the same way: one per kind of
 * hit, so that all are attached at once (each attach and detach costs
 * tens of ms, the kernel waiting for readers of its uprobe tables). The
 * last begins with an instruction the kernel single-steps, as rustc's
 * query thunks do (`mov off(%rdi),%rax; jmp *%rax`).
 */
#ifdef __x86_64__
#define CALIB_FN(name, first)						\
	".globl " name "\n.type " name ", @function\n" name ":\n"	\
	first "	push %rbp\n	mov %rsp, %rbp\n	pop %rbp\n"		\
	".globl " name "_ret\n" name "_ret:\n	ret\n"			\
	".size " name ", .-" name "\n"
__asm__(".text\n"
	CALIB_FN("sp_calib_target", "")		/* the entry probe alone */
	CALIB_FN("sp_calib_exited", "")		/* the exit probe alone */
	CALIB_FN("sp_calib_paired", "")		/* entry and return probe */
	CALIB_FN("sp_calib_stepped", "	mov %rdi, %rax\n"));
void sp_calib_target(void), sp_calib_target_ret(void);
void sp_calib_exited(void), sp_calib_exited_ret(void);
void sp_calib_paired(void), sp_calib_stepped(void);
#else
#error "selfprof-bpf's exit-site probing is x86-64 only"
#endif

#define BATCH	200
#define BATCHES	10

static void run(void (*target)(void), long n)
{
	void (*volatile fn)(void) = target;

	for (long i = 0; i < n; i++)
		fn();
}

void calibrate_run(long n)
{
	run(sp_calib_target, n);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Least time per call over a few batches: the least disturbed run. */
static double time_per_call(void (*target)(void))
{
	double best = 1e18;

	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();

		run(target, BATCH);
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

	return r ?: file_offset_of((uintptr_t)sp_calib_target_ret, path, size, exit);
}

/* One kind of hit: the function that takes it, its time per call without
 * probes, and what a hit adds. */
struct hit_kind {
	void (*target)(void);
	double bare, cost;
};

/* Every target's probes share the match id and, being called from one
 * place, the stack pointer: an exit-alone probe would close the frames the
 * entry-alone ones pile up. So each kind starts with no thread state. */
static void time_hits(struct tracer *t, struct hit_kind *k)
{
	tracer_forget_self(t);
	run(k->target, 20);	/* warm up: task storage, page faults */
	k->cost = time_per_call(k->target) - k->bare;
	if (k->cost < 0)
		k->cost = 0;
}

/* The file offsets of the probed instructions: the entry-alone and the
 * stepped target's first, the exit-alone target's `ret`, the pair's. */
static int target_offsets(char *path, size_t size, uint64_t entries[2], uint64_t *exit,
			  uint64_t *pair)
{
	void (*const fn[3])(void) = { sp_calib_stepped, sp_calib_exited_ret, sp_calib_paired };
	uint64_t *const at[3] = { &entries[1], exit, pair };
	char other[4096];
	int r = file_offset_of((uintptr_t)sp_calib_target, path, size, &entries[0]);

	for (int i = 0; i < 3 && !r; i++)	/* all in our own executable */
		r = file_offset_of((uintptr_t)fn[i], other, sizeof(other), at[i]) ?:
		    strcmp(path, other) ? -ENOENT : 0;
	return r;
}

static void *release_links(void *arg)
{
	attach_release(arg);
	free(arg);
	return NULL;
}

/* Closing a uprobe link waits for the kernel's grace periods (~45 ms each
 * here, 140 ms for calibration's three): nothing waits on these, so a
 * thread closes them while the trace starts. */
static void release_in_background(struct attachment *a)
{
	struct attachment *copy = malloc(sizeof(*copy));
	pthread_t th;

	if (copy) {
		*copy = *a;
		if (!pthread_create(&th, NULL, release_links, copy)) {
			pthread_detach(th);
			return;
		}
		free(copy);
	}
	attach_release(a);
}

/*
 * Each kind of hit alone, all attached at once on their own targets: the
 * entry probe alone (frames pile up to the depth limit, then it takes its
 * cheap path: about the same trap), the exit-instruction probe alone (its
 * program finds no frame: nearly the same work), entry + return probe
 * less the entry, and an entry probe the kernel single-steps. Least time
 * of several batches each, so a loaded machine inflates them least.
 */
int calibrate(struct tracer *t, struct calibration *c, char *err, size_t errlen)
{
	uint64_t entries[2], exit, pair, ck = PROBE_COOKIE(UINT32_MAX, PROBE_ROLE_INTERVAL, SP_KIND_QUERY);
	uint64_t cks[2] = { ck, ck }, ck_uret = ck | SP_COOKIE_URET;
	const struct bpf_program *en = tracer_entry_prog(t), *ex = tracer_return_prog(t);
	/* the pair: a session where the kernel has them (what a trace uses),
	 * else a plain return probe after the entry */
	struct attach_group g[4] = {
		{ en, { entries, cks, 2 }, ATTACH_ENTRY }, { ex, { &exit, &ck, 1 }, ATTACH_ENTRY },
		{ tracer_session_prog(t), { &pair, &ck, 1 }, ATTACH_SESSION },
	};
	struct hit_kind entry = { .target = sp_calib_target }, exited = { .target = sp_calib_exited },
			paired = { .target = sp_calib_paired }, stepped = { .target = sp_calib_stepped };
	struct attachment a;
	char path[4096];
	int r;

	if (!t->sessions) {
		g[2] = (struct attach_group){ ex, { &pair, &ck_uret, 1 }, ATTACH_RETURN };
		g[3] = (struct attach_group){ en, { &pair, &ck, 1 }, ATTACH_ENTRY };
	}
	if (target_offsets(path, sizeof(path), entries, &exit, &pair)) {
		snprintf(err, errlen, "calibration: own executable not found in /proc/self/maps");
		return -ENOENT;
	}
	memset(c, 0, sizeof(*c));
	c->bare_ns = entry.bare = exited.bare = paired.bare = time_per_call(sp_calib_target);
	stepped.bare = time_per_call(sp_calib_stepped);
	tracer_set_costs(t, 0, 0, 0, 0);
	tracer_trace_pid(t, getpid(), false);
	r = attach_points(&a, t->method, path, g, t->sessions ? 3 : 4, getpid(), err, errlen);
	if (!r) {
		time_hits(t, &exited);
		time_hits(t, &paired);
		time_hits(t, &entry);
		time_hits(t, &stepped);
		release_in_background(&a);
	}
	tracer_forget_self(t);
	tracer_untrace_pid(t, getpid());
	if (r)
		return r;
	c->entry_ns = entry.cost;
	c->exit_ns = exited.cost;
	c->uret_ns = paired.cost > entry.cost ? paired.cost - entry.cost : 0;
	c->stepped_ns = stepped.cost;
	return 0;
}
