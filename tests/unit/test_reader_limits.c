// SPDX-License-Identifier: MIT
/*
 * The reader's limits on hostile input, through the library API: ids that
 * are all ones, string decodes past their budgets (each reported once by
 * sp_reader_string_error), files that are no regular files. The crafted
 * files are tests/corpus/hostile-* (tests/fuzz/make-hostile-corpus.py).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "selfprof.h"
#include "test.h"

static struct sp_reader *open_corpus(const char *name)
{
	const char *root = getenv("SELFPROF_ROOT");
	char path[1024];
	struct sp_reader *r = NULL;
	struct sp_error err = { 0 };

	snprintf(path, sizeof(path), "%s/tests/corpus/%s.mm_profdata", root ? root : ".", name);
	if (sp_reader_open(&r, path, &err))
		printf("#   %s: %s\n", path, err.msg);
	return r;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
	_exit(1);	/* a hang: run.sh counts the exit */
}

/* UINT64_MAX was the caches' empty marker: its lookup answered from an
 * empty slot, a label of 2^32-1 and a kind past the kind table. */
TEST(all_ones_ids_are_strings_like_any_other)
{
	struct sp_reader *r = open_corpus("hostile-kind-all-ones");
	struct sp_error err = { 0 };

	REQUIRE(r);
	for (int i = 0; i < 2; i++) {	/* the miss, then the cached answer */
		enum sp_kind k = sp_reader_kind_of(r, UINT64_MAX);
		uint32_t label = sp_reader_label_of(r, UINT64_MAX);
		CHECK((unsigned)k < SP_KIND__COUNT);
		CHECK(label < sp_reader_num_labels(r));
		CHECK_STR(sp_reader_label_text(r, label), "<invalid>");
	}
	CHECK(sp_reader_string_error(r, &err) == SP_EFORMAT);
	CHECK_STR(err.msg, "string 18446744073709551615: address 18446744073609551612 is outside"
		  " the string data (15 bytes)");
	sp_reader_close(r);
}

TEST(summarize_survives_all_ones_ids)
{
	static const char *const files[] = { "hostile-kind-all-ones", "hostile-id-all-ones" };

	signal(SIGALRM, on_alarm);
	for (size_t i = 0; i < 2; i++) {
		struct sp_reader *r = open_corpus(files[i]);
		struct sp_summary *s = NULL;

		REQUIRE(r);
		alarm(20);
		CHECK(sp_summarize(r, &s, NULL) == 0);
		alarm(0);
		CHECK(s && s->num_events == 1);
		CHECK(sp_reader_string_error(r, NULL) == SP_EFORMAT);
		sp_summary_free(s);
		sp_reader_close(r);
	}
}

/* A nested decode that uses the budget up leaves it at zero: the outer
 * decode stops too (it wrapped to 2^32 steps and ran for ages). */
TEST(decode_budget_saturates)
{
	struct sp_reader *r = open_corpus("hostile-decode-wrap");
	struct sp_error err = { 0 };
	struct sp_event ev;
	size_t len;
	double t0;

	REQUIRE(r);
	REQUIRE(sp_reader_event(r, 0, &ev) == 0);
	CHECK(sp_reader_string_error(r, NULL) == 0);
	signal(SIGALRM, on_alarm);
	alarm(20);
	t0 = now();
	CHECK_STR(sp_reader_string(r, ev.id, &len), "<invalid>");
	CHECK(now() - t0 < 1);
	alarm(0);
	CHECK(sp_reader_string_error(r, &err) == SP_EFORMAT);
	CHECK(strstr(err.msg, "takes more than 65536 decoding steps") != NULL);
	sp_reader_close(r);
}

/* Each string is under its own budget; together they are not. Past the
 * file's bound every string reads <invalid> at once, and the first error
 * stays the one reported. */
TEST(decode_work_is_bounded_per_file)
{
	struct sp_reader *r = open_corpus("hostile-decode-shared");
	struct sp_error err = { 0 };
	struct sp_event ev;
	uint64_t n, invalid = 0;
	double t0 = now();

	REQUIRE(r);
	n = sp_reader_num_events(r);
	CHECK_EQ_U64(n, 600);
	signal(SIGALRM, on_alarm);
	alarm(20);
	for (uint64_t i = 0; i < n; i++) {
		REQUIRE(sp_reader_event(r, i, &ev) == 0);
		invalid += !strcmp(sp_reader_string(r, ev.id, NULL), "<invalid>");
	}
	alarm(0);
	CHECK(now() - t0 < 2);
	CHECK(invalid > 0 && invalid < n);	/* the first ones were whole */
	CHECK(sp_reader_string_error(r, &err) == SP_EFORMAT);
	CHECK(strstr(err.msg, "need more decoding work than a 29182-byte file may take") != NULL);
	sp_reader_close(r);
}

TEST(whole_profiles_have_no_string_error)
{
	struct sp_reader *r = open_corpus("seed-v9");
	struct sp_summary *s;
	struct sp_error err = { .code = 1 };

	REQUIRE(r);
	REQUIRE(sp_summarize(r, &s, NULL) == 0);
	CHECK(sp_reader_string_error(r, &err) == 0);
	CHECK(err.code == 1);	/* untouched */
	sp_summary_free(s);
	sp_reader_close(r);
}

/* Refused before any read: opening a FIFO for reading used to block. */
TEST(only_regular_files_are_opened)
{
	const char *fifo = t_tmp("fifo.mm_profdata");
	struct sp_reader *r = NULL;
	struct sp_error err = { 0 };

	unlink(fifo);
	REQUIRE(mkfifo(fifo, 0600) == 0);
	signal(SIGALRM, on_alarm);
	alarm(20);
	CHECK(sp_reader_open(&r, fifo, &err) == SP_EIO);
	CHECK(sp_reader_open(&r, "/dev/null", &err) == SP_EIO);
	alarm(0);
	CHECK(r == NULL);
	CHECK(strstr(err.msg, "/dev/null: not a regular file") != NULL);
	unlink(fifo);
}
