// SPDX-License-Identifier: MIT
/*
 * Every corpus file through the entry point of its fuzz target, under the
 * sanitizers of the test build: the files of tests/corpus (the reader's
 * seeds, bad files and crafted hostile ones) and of tests/fuzz/corpus-NAME
 * (target NAME). A file may take at most REPLAY_SECONDS; a hang is cut off by an
 * alarm that names the file, so it fails instead of blocking the run.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "test.h"
#include "../fuzz/reader_entry.h"
#include "../fuzz/elfsyms_entry.h"

#define REPLAY_SECONDS 5	/* ASan on a busy machine; real files take ms */
#define REPLAY_HANG_SECONDS 20

typedef int replay_fn(const uint8_t *data, size_t size);

static const char *replaying;

static void say(const char *s)
{
	if (write(STDOUT_FILENO, s, strlen(s)) < 0)
		return;
}

/* A hang: name the file and fail (run.sh counts an exit without a TAP line). */
static void on_alarm(int sig)
{
	say("#   corpus file still running after the alarm: ");
	say(replaying);
	say("\n");
	_exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *read_all(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *data = NULL;

	if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && (data = malloc(st.st_size + 1)))
		*size = read(fd, data, st.st_size) == st.st_size ? (size_t)st.st_size : 0;
	if (fd >= 0)
		close(fd);
	return data;
}

/* Replay one file; false when it could not be read or took too long. */
static bool replay_file(const char *path, replay_fn *fn)
{
	size_t size = 0;
	uint8_t *data = read_all(path, &size);
	double t0 = now(), took;

	if (!data) {
		printf("#   %s: cannot read\n", path);
		return false;
	}
	replaying = path;
	fflush(stdout);	/* the TAP lines so far survive the alarm's _exit */
	alarm(REPLAY_HANG_SECONDS);
	fn(data, size);
	alarm(0);
	took = now() - t0;
	free(data);
	if (took > REPLAY_SECONDS)
		printf("#   %s: took %.1f s\n", path, took);
	return took <= REPLAY_SECONDS;
}

/* Every regular file of dir through fn; the number replayed, -1 if any failed. */
static int replay_dir(const char *dir, replay_fn *fn)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	int n = 0;
	bool ok = true;

	if (!d) {
		printf("#   %s: cannot list\n", dir);
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		ok &= replay_file(path, fn);
		n++;
	}
	closedir(d);
	return ok ? n : -1;
}

static const char *root(void)
{
	const char *r = getenv("SELFPROF_ROOT");

	return r && *r ? r : ".";
}

TEST(replay_reader_corpus)
{
	char dir[4096];

	signal(SIGALRM, on_alarm);
	snprintf(dir, sizeof(dir), "%s/tests/corpus", root());
	int n = replay_dir(dir, fuzz_reader_one);
	CHECK(n >= 20);	/* the seeds (one gzip), the bad files and the hostile ones */
}

/* tests/fuzz/corpus-NAME/ goes to target NAME: every such directory must
 * have its entry here. */
TEST(replay_fuzz_corpora)
{
	static const struct { const char *name; replay_fn *fn; } targets[] = {
		{ "elfsyms", fuzz_elfsyms_one },
		{ "reader", fuzz_reader_one },
	};
	char dir[2048], path[4096];
	DIR *d;
	struct dirent *e;

	signal(SIGALRM, on_alarm);
	fuzz_elfsyms_init();
	snprintf(dir, sizeof(dir), "%s/tests/fuzz", root());
	REQUIRE((d = opendir(dir)) != NULL);
	while ((e = readdir(d))) {
		size_t i = 0, n = sizeof(targets) / sizeof(targets[0]);

		if (strncmp(e->d_name, "corpus-", 7))
			continue;
		while (i < n && strcmp(targets[i].name, e->d_name + 7))
			i++;
		if (i == n) {
			printf("#   %s: no replay entry for this fuzz corpus\n", e->d_name);
			CHECK(i < n);
			continue;
		}
		snprintf(path, sizeof(path), "%.2047s/%.255s", dir, e->d_name);
		CHECK(replay_dir(path, targets[i].fn) > 0);
	}
	closedir(d);
}
