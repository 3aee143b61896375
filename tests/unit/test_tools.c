// SPDX-License-Identifier: MIT
/*
 * Unit tests of the selfprof command's pieces: diff, stacks, lanes, dumpsets.
 */
#include <sys/stat.h>
#include <unistd.h>	/* test.h uses getpid() before including it */

#include "test.h"

#include "cli.h"
#include "dumpset.h"
#include "lanes.h"
#include "selfprof.h"
#include "stacks.h"

/* Run a printer into a string. */
#define CAPTURE(buf, stmt) do { size_t t_len; FILE *out = open_memstream(&(buf), &t_len); \
	REQUIRE(out); stmt; fclose(out); } while (0)

TEST(crate_from_path)
{
	char buf[64];

	CHECK_EQ_U64(sp_crate_from_path("out/unknown-crate-0025218.mm_profdata", buf, sizeof(buf)), 13);
	CHECK_STR(buf, "unknown-crate");
	sp_crate_from_path("/x/serde_json-0001234.mm_profdata.gz", buf, sizeof(buf));
	CHECK_STR(buf, "serde_json");
	sp_crate_from_path("hello-1.95-default.mm_profdata", buf, sizeof(buf));
	CHECK_STR(buf, "hello-1.95-default");
	sp_crate_from_path("dir.d/plain", buf, sizeof(buf));
	CHECK_STR(buf, "plain");
	sp_crate_from_path("-123.mm_profdata", buf, sizeof(buf));
	CHECK_STR(buf, "-123");
	CHECK_EQ_U64(sp_crate_from_path("abcdef-1.mm_profdata", buf, 4), 3);
	CHECK_STR(buf, "abc");
}

static struct sp_summary *fake_summary(struct sp_row *rows, size_t n, uint64_t total)
{
	static struct sp_summary s[4];
	static int next;
	struct sp_summary *p = &s[next++ % 4];

	*p = (struct sp_summary){ .rows = rows, .nrows = n, .total_ns = total };
	return p;
}

TEST(diff_union_sorted_by_absolute_self_change)
{
	struct sp_row base[] = {
		{ .label = "a", .self_ns = 100, .time_ns = 150, .count = 3 },
		{ .label = "gone", .self_ns = 40, .time_ns = 40, .count = 1, .cache_hits = 2 },
		{ .label = "same", .self_ns = 7, .time_ns = 7 },
	};
	struct sp_row new_[] = {
		{ .label = "a", .self_ns = 30, .time_ns = 200, .count = 5 },
		{ .label = "new", .self_ns = 40, .time_ns = 45, .blocked_ns = 5 },
		{ .label = "same", .self_ns = 7, .time_ns = 7 },
	};
	struct sp_diff *d = NULL;
	struct sp_error err = { 0 };

	REQUIRE(!sp_diff_summaries(fake_summary(base, 3, 1000), fake_summary(new_, 3, 900), &d, &err));
	REQUIRE(d->nrows == 4);
	CHECK_STR(d->rows[0].label, "a");
	CHECK_EQ_I64(d->rows[0].self_delta, -70);
	CHECK_EQ_I64(d->rows[0].time_delta, 50);
	CHECK_EQ_I64(d->rows[0].count_delta, 2);
	/* equal magnitudes: by label */
	CHECK_STR(d->rows[1].label, "gone");
	CHECK_EQ_I64(d->rows[1].self_delta, -40);
	CHECK_EQ_I64(d->rows[1].cache_hits_delta, -2);
	CHECK(d->rows[1].new_ == NULL && d->rows[1].base == &base[1]);
	CHECK_STR(d->rows[2].label, "new");
	CHECK_EQ_I64(d->rows[2].blocked_delta, 5);
	CHECK(d->rows[2].base == NULL);
	CHECK_STR(d->rows[3].label, "same");
	CHECK_EQ_I64(d->rows[3].self_delta, 0);
	CHECK_EQ_I64(d->total_delta, -100);
	sp_diff_free(d);
}

TEST(diff_of_empty_summaries)
{
	struct sp_diff *d = NULL;

	REQUIRE(!sp_diff_summaries(fake_summary(NULL, 0, 0), fake_summary(NULL, 0, 5), &d, NULL));
	CHECK_EQ_U64(d->nrows, 0);
	CHECK_EQ_I64(d->total_delta, 5);
	sp_diff_free(d);
	CHECK(sp_diff_summaries(NULL, NULL, &d, NULL) == SP_EINVAL);
}

/* A small two-thread profile written through the library writer. */
static int write_nested_profile(const char *path)
{
	struct sp_metadata meta = { .start_time_ns = 1000000, .pid = 7, .cmd = "rustc x.rs" };
	struct sp_writer *w;
	sp_string_id kind, p, a, b, q, x;

	if (sp_writer_create(&w, path, NULL, NULL) || sp_writer_metadata(w, &meta, NULL))
		return -1;
	kind = sp_writer_cstring(w, "GenericActivity");
	p = sp_writer_cstring(w, "P");
	a = sp_writer_cstring(w, "a");
	b = sp_writer_cstring(w, "b");
	q = sp_writer_cstring(w, "Q");
	x = sp_writer_cstring(w, "X");
	/* post-order per thread, as rustc writes: children before parents */
	sp_writer_interval(w, kind, a, 1, 10, 20);
	sp_writer_interval(w, kind, x, 2, 0, 100);
	sp_writer_interval(w, kind, b, 1, 30, 50);
	sp_writer_interval(w, kind, p, 1, 5, 60);
	sp_writer_instant(w, kind, q, 1, 65);
	sp_writer_interval(w, kind, q, 1, 70, 80);
	return sp_writer_close(w, NULL);
}

TEST(stacks_fold_nested_intervals_per_thread)
{
	const char *path = t_tmp("nested.mm_profdata");
	struct sp_reader *r = NULL;
	struct spt_stacks st;
	char *text = NULL;

	REQUIRE(!write_nested_profile(path));
	REQUIRE(!sp_reader_open(&r, path, NULL));
	REQUIRE(!spt_stacks_build(&st, r, path));
	CAPTURE(text, CHECK(!spt_stacks_print_folded(&st, out)));
	/* rustc: thread 1 spans 5..80 with 65 ns in top-level intervals; thread 2 none idle */
	CHECK_STR(text, "rustc 10\nrustc;P 25\nrustc;P;a 10\nrustc;P;b 20\nrustc;Q 10\nrustc;X 100\n");
	CHECK_EQ_U64(st.max_depth, 2);
	free(text);
	spt_stacks_free(&st);
	sp_reader_close(r);
	unlink(path);
}

TEST(lanes_follow_measureme_crox)
{
	/* threads 14 and 15 start together: the lower id goes first */
	struct spt_thread_span s[] = {
		{ .thread = 10, .first = 0, .last = 100 },
		{ .thread = 11, .first = 10, .last = 20 },
		{ .thread = 12, .first = 20, .last = 30 },	/* touches 11: no sharing */
		{ .thread = 13, .first = 25, .last = 40 },	/* after 11 */
		{ .thread = 15, .first = 41, .last = 45 },	/* after 13 (12 is taken) */
		{ .thread = 14, .first = 41, .last = 50 },	/* after 12 */
	};
	static const uint32_t want[] = { 0, 1, 2, 1, 1, 2 };

	REQUIRE(!spt_assign_lanes(s, 6));
	for (size_t i = 0; i < 6; i++)
		CHECK_EQ_U64(s[i].lane, want[i]);
	CHECK(!spt_assign_lanes(NULL, 0));
}

/* Thread 2's instant overlaps thread 1; thread 3's integer has no time. */
static int write_lanes_profile(const char *path)
{
	struct sp_metadata meta = { .start_time_ns = 1000000, .pid = 7, .cmd = "rustc x.rs" };
	struct sp_writer *w;
	sp_string_id kind, a;

	if (sp_writer_create(&w, path, NULL, NULL) || sp_writer_metadata(w, &meta, NULL))
		return -1;
	kind = sp_writer_cstring(w, "GenericActivity");
	a = sp_writer_cstring(w, "a");
	sp_writer_interval(w, kind, a, 1, 0, 10);
	sp_writer_interval(w, kind, a, 2, 20, 30);
	sp_writer_instant(w, kind, a, 2, 5);
	sp_writer_interval(w, kind, a, 3, 40, 50);
	sp_writer_integer(w, kind, a, 3, 2);
	sp_writer_integer(w, kind, a, 4, 1);
	return sp_writer_close(w, NULL);
}

TEST(lanes_span_instants_but_not_integers)
{
	const char *path = t_tmp("lanes.mm_profdata");
	struct sp_reader *r = NULL;
	struct spt_lanes l;

	REQUIRE(!write_lanes_profile(path));
	REQUIRE(!sp_reader_open(&r, path, NULL));
	REQUIRE(!spt_lanes_build(&l, r, path));
	CHECK_EQ_U64(l.n, 3);
	CHECK_EQ_U64(spt_lane_of(&l, 1), 0);
	CHECK_EQ_U64(spt_lane_of(&l, 2), 1);
	CHECK_EQ_U64(spt_lane_of(&l, 3), 0);
	CHECK_EQ_U64(spt_lane_of(&l, 4), 4);	/* no timed event: left alone */
	spt_lanes_free(&l);
	sp_reader_close(r);
	unlink(path);
}

/* dir/name: the nested profile, or (good == 0) a file that is not one. */
static int put_dump(const char *dir, const char *name, int good)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (good)
		return write_nested_profile(path);
	f = fopen(path, "w");
	return f && fputs("junk", f) >= 0 && !fclose(f) ? 0 : -1;
}

static void remove_dumps(const char *dir, const char *const *names, size_t n)
{
	char path[600];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* The loading that diff and compare share: crates, file names, skipped dumps. */
TEST(dumpset_groups_by_crate_and_keeps_going)
{
	static const char *const names[] = { "b-0000003.mm_profdata", "a-0000002.mm_profdata",
		"a-0000001.mm_profdata", "a-0x-0000004.mm_profdata", "notes.txt" };
	const struct spt_dumpset_opts keep = { .keep_going_cmd = "unit", .read_by_name = true };
	const char *dir = t_tmp("dumps");
	struct spt_dumpset set;

	REQUIRE(!mkdir(dir, 0700));
	for (size_t i = 0; i < 5; i++)
		REQUIRE(!put_dump(dir, names[i], i < 3));
	REQUIRE(!spt_dumpset_load(&set, dir, &keep));
	CHECK(set.is_dir);
	CHECK_EQ_U64(set.ndumps, 3);	/* notes.txt is no dump, a-0x-... unreadable */
	REQUIRE(set.ncrates == 2);
	CHECK_STR(set.crates[0].name, "a");
	REQUIRE(set.crates[0].ndumps == 2);
	CHECK_STR(set.crates[0].files[0], "a-0000001.mm_profdata");
	CHECK_STR(set.crates[0].files[1], "a-0000002.mm_profdata");
	CHECK_STR(set.crates[1].name, "b");
	CHECK_EQ_U64(set.crates[0].summary->num_events, 2 * set.crates[1].summary->num_events);
	CHECK_EQ_U64(set.combined->num_events, 3 * set.crates[1].summary->num_events);
	REQUIRE(set.nskipped == 1);
	CHECK(strstr(set.skipped[0], "/a-0x-0000004.mm_profdata: ") != NULL);
	spt_dumpset_free(&set);
	/* Without keep-going, an unreadable dump fails the whole side. */
	CHECK_EQ_U64(spt_dumpset_load(&set, dir, NULL), SPT_EXIT_FAIL);
	spt_dumpset_free(&set);
	remove_dumps(dir, names, 5);
}
