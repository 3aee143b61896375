// SPDX-License-Identifier: MIT
/*
 * The tracer's per-event cost against the floor. One process calls a tiny
 * function (push/mov/pop/ret, like rustc's providers) N times and times
 * the loop: bare; with a null entry uprobe + null uretprobe (the floor,
 * bpf/null.bpf.c); with a null entry uprobe + null uprobe on the `ret`
 * (the floor of selfprof-bpf's default exit-site probing); and with
 * selfprof-bpf's own programs both ways, their ring buffer drained by a
 * thread as the loader does. Rounds interleave the four; each figure is
 * the least of its rounds. Prints one "key value" line per figure.
 *
 *	tracer_floor [N]	(root)
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "calibrate.h"
#include "events.h"
#include "null.skel.h"
#include "probes.h"
#include "selfprof.h"
#include "tracer.h"

#define ROUNDS	5

static volatile int stop;
static uint64_t lost;
static unsigned long long records;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per call of the loop (best of 3 runs of n calls). */
static double per_call(long n)
{
	double best = 1e18;

	for (int r = 0; r < 3; r++) {
		double t = now_ns();

		calibrate_run(n);
		t = (now_ns() - t) / n;
		if (t < best)
			best = t;
	}
	return best;
}

static int on_rec(void *ctx, void *data, size_t size)
{
	records++;
	return 0;
}

static void *drain(void *arg)
{
	struct ring_buffer *rb = arg;

	while (!stop)
		ring_buffer__poll(rb, 20);
	ring_buffer__consume(rb);
	return NULL;
}

static int attach2(struct attachment *a, const char *path, const struct bpf_program *en,
		   const struct bpf_program *ex, uint64_t entry, uint64_t exit, bool uret)
{
	static uint64_t off[2], ck[2];
	struct attach_group g[2];
	char err[512];
	int r;

	off[0] = entry;
	off[1] = uret ? entry : exit;
	ck[0] = PROBE_COOKIE(0, PROBE_ROLE_INTERVAL, SP_KIND_QUERY);
	ck[1] = ck[0] | (uret ? SP_COOKIE_URET : 0);
	g[0] = (struct attach_group){ ex, { &off[1], &ck[1], 1 }, uret };
	g[1] = (struct attach_group){ en, { &off[0], &ck[0], 1 }, false };
	r = attach_points(a, ATTACH_MULTI, path, g, 2, getpid(), err, sizeof(err));
	if (r)
		fprintf(stderr, "tracer_floor: %s\n", err);
	return r;
}

static double with_null(long n, const char *path, uint64_t en, uint64_t ex, bool uret)
{
	struct null_bpf *skel = null_bpf__open();
	struct attachment a;
	double t = -1;

	if (!skel)
		return -1;
	bpf_program__set_expected_attach_type(skel->progs.null_entry, 48);
	bpf_program__set_expected_attach_type(skel->progs.null_return, 48);
	if (!null_bpf__load(skel) &&
	    !attach2(&a, path, skel->progs.null_entry, skel->progs.null_return, en, ex, uret)) {
		t = per_call(n);
		attach_release(&a);
	}
	null_bpf__destroy(skel);
	return t;
}

static double with_ours(long n, const char *path, uint64_t en, uint64_t ex, bool uret,
			uint64_t st[STAT__COUNT])
{
	struct ring_buffer *rb;
	struct attachment a;
	struct tracer t;
	pthread_t th;
	char err[512];
	double r = -1;

	if (tracer_open(&t, ATTACH_MULTI, 0, err, sizeof(err))) {
		fprintf(stderr, "tracer_floor: %s\n", err);
		return -1;
	}
	rb = ring_buffer__new(tracer_ringbuf_fd(&t), on_rec, NULL, NULL);
	stop = 0;
	pthread_create(&th, NULL, drain, rb);
	tracer_trace_pid(&t, getpid(), false);
	if (!attach2(&a, path, tracer_entry_prog(&t), tracer_return_prog(&t), en, ex, uret)) {
		r = per_call(n);
		attach_release(&a);
	}
	stop = 1;
	pthread_join(th, NULL);
	tracer_stats(&t, st);
	lost += st[STAT_LOST];
	ring_buffer__free(rb);
	tracer_close(&t);
	return r;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	uint64_t en, ex, st[STAT__COUNT] = { 0 }, st2[STAT__COUNT] = { 0 };
	double bare, nul, nul_x, ours, ours_x;
	char path[4096];

	if (calibrate_target_location(path, sizeof(path), &en, &ex)) {
		fprintf(stderr, "tracer_floor: cannot find own code\n");
		return 1;
	}
	/* Interleaved rounds, least time of each: the machine may be busy. */
	bare = per_call(n);
	nul = ours = nul_x = ours_x = 1e18;
	for (int r = 0; r < ROUNDS; r++) {
		nul = fmin(nul, with_null(n / ROUNDS, path, en, ex, true) - bare);
		ours = fmin(ours, with_ours(n / ROUNDS, path, en, ex, true, st) - bare);
		nul_x = fmin(nul_x, with_null(n / ROUNDS, path, en, ex, false) - bare);
		ours_x = fmin(ours_x, with_ours(n / ROUNDS, path, en, ex, false, st2) - bare);
	}
	printf("calls %ld\n", n);
	printf("bare_ns_per_call %.1f\n", bare);
	printf("floor_uprobe_uretprobe_ns %.0f\n", nul);
	printf("ours_uprobe_uretprobe_ns %.0f\n", ours);
	printf("ratio_uretprobe %.3f\n", ours / nul);
	printf("floor_uprobe_on_ret_ns %.0f\n", nul_x);
	printf("ours_uprobe_on_ret_ns %.0f\n", ours_x);
	printf("ratio_on_ret %.3f\n", ours_x / nul_x);
	printf("records_drained %llu\n", records);
	printf("lost_events %llu\n", (unsigned long long)lost);
	return 0;
}
