// SPDX-License-Identifier: MIT
/*
 * Format library benchmark: write a synthetic profile shaped like a rustc
 * compile (nested queries under passes, ~500 labels, a main thread and
 * codegen threads), then summarize it in a child process so that the
 * summary's peak RSS is its own.
 *
 *   bench_format [EVENTS] [DIR]     (default 10000000, $TMPDIR or /tmp)
 *
 * Prints one "key value" line per figure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "selfprof.h"

#define NLABELS 500
#define NTHREADS 5
#define MAX_DEPTH 24

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

struct open_frame {
	uint64_t start;
	uint32_t label;
};

struct thread_sim {
	struct open_frame stack[MAX_DEPTH];
	int depth;
	uint64_t clock;
};

struct pending {
	sp_string_id kind, id;
	uint32_t thread;
	uint64_t start, end;
};

/* One step of a random walk over a call tree: open a frame or close the
 * innermost one (queueing its interval). Returns 1 when an event was made. */
static int step(struct thread_sim *t, uint32_t thread, const sp_string_id *labels,
		sp_string_id query, sp_string_id generic, struct pending *out)
{
	t->clock += 1 + rng() % 2000;
	int open = t->depth == 0 || (t->depth < MAX_DEPTH && rng() % 100 < 48);
	if (open) {
		/* Zipf-like: a few labels are hot, as typeck/type_of are. */
		uint32_t r = rng() % NLABELS;
		t->stack[t->depth++] = (struct open_frame){ t->clock, (r * r) / NLABELS };
		return 0;
	}
	struct open_frame *f = &t->stack[--t->depth];
	*out = (struct pending){ f->label < 40 ? generic : query, labels[f->label], thread,
				 f->start, t->clock };
	return 1;
}

#define CHUNK 65536

/* Events are made in chunks outside the timed region: only the writer's
 * own calls (and the kernel's copy into the page cache) are measured. */
static double write_profile(const char *path, uint64_t nevents, uint64_t *bytes)
{
	struct sp_writer *w;
	struct sp_error err = { 0 };
	struct sp_metadata meta = { .start_time_ns = 1, .pid = 1, .cmd = "bench" };
	static struct thread_sim threads[NTHREADS];
	static struct pending chunk[CHUNK];
	sp_string_id labels[NLABELS];
	char name[32];
	double timed = 0;

	if (sp_writer_create(&w, path, NULL, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	sp_writer_metadata(w, &meta, NULL);
	sp_string_id query = sp_writer_cstring(w, "Query");
	sp_string_id generic = sp_writer_cstring(w, "GenericActivity");
	for (int i = 0; i < NLABELS; i++) {
		snprintf(name, sizeof(name), "query_label_%d", i);
		labels[i] = sp_writer_cstring(w, name);
	}
	for (uint64_t done = 0; done < nevents;) {
		size_t n = 0;
		while (n < CHUNK && done + n < nevents) {
			/* The main thread does most of the work, as in rustc. */
			uint32_t thread = rng() % 8 < 5 ? 0 : 1 + rng() % (NTHREADS - 1);
			n += step(&threads[thread], thread, labels, query, generic, &chunk[n]);
		}
		double t0 = now();
		for (size_t i = 0; i < n; i++)
			sp_writer_interval(w, chunk[i].kind, chunk[i].id, chunk[i].thread,
					   chunk[i].start, chunk[i].end);
		timed += now() - t0;
		done += n;
	}
	double t0 = now();
	if (sp_writer_close(w, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	timed += now() - t0;
	struct stat st;
	*bytes = stat(path, &st) ? 0 : (uint64_t)st.st_size;
	return timed;
}

/* Summarize in a child; report its time and peak RSS. */
static void summarize_in_child(const char *path, uint64_t nevents)
{
	int fds[2];
	double secs = 0;
	struct rusage ru;
	int status;

	if (pipe(fds))
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		struct sp_summary *s;
		struct sp_error err = { 0 };
		double t0 = now();
		if (sp_summarize_file(path, &s, &err)) {
			fprintf(stderr, "bench: %s\n", err.msg);
			_exit(1);
		}
		double t1 = now() - t0;
		if (s->num_events != nevents || s->nrows < NLABELS / 2)
			_exit(2);
		sp_summary_free(s);
		if (write(fds[1], &t1, sizeof(t1)) != sizeof(t1))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &secs, sizeof(secs)) != sizeof(secs))
		secs = 0;
	wait4(pid, &status, 0, &ru);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench: summarize child failed (%d)\n", status);
		exit(1);
	}
	printf("summarize_seconds %.3f\n", secs);
	printf("summarize_events_per_sec %.0f\n", nevents / secs);
	printf("summarize_peak_rss_kib %ld\n", ru.ru_maxrss);
}

int main(int argc, char **argv)
{
	uint64_t nevents = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
	const char *dir = argc > 2 ? argv[2] : getenv("TMPDIR");
	char path[4096];
	uint64_t bytes;
	struct rusage ru;

	snprintf(path, sizeof(path), "%s/bench-%d.mm_profdata", dir && *dir ? dir : "/tmp", (int)getpid());
	double secs = write_profile(path, nevents, &bytes);
	getrusage(RUSAGE_SELF, &ru);
	printf("events %" PRIu64 "\n", nevents);
	printf("file_bytes %" PRIu64 "\n", bytes);
	printf("write_seconds %.3f\n", secs);
	printf("write_events_per_sec %.0f\n", nevents / secs);
	printf("write_peak_rss_kib %ld\n", ru.ru_maxrss);
	summarize_in_child(path, nevents);
	if (!getenv("BENCH_KEEP"))
		unlink(path);
	return 0;
}
