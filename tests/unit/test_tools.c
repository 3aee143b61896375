// SPDX-License-Identifier: MIT
/*
 * Unit tests of the selfprof tool's pieces (diff, stacks, lanes, dumpsets)
 * and of the text module both programs print with (formatting, tables).
 */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>	/* test.h uses getpid() before including it */

#include "test.h"

#include "cli.h"
#include "dumpset.h"
#include "fmt.h"
#include "lanes.h"
#include "selfprof.h"
#include "stacks.h"
#include "summary_table.h"
#include "table.h"

static const char *dur2(int64_t ns)
{
	static char buf[SPT_DURATION_BUF];

	spt_fmt_duration2(buf, sizeof(buf), ns);
	return buf;
}

static const char *dur_full(uint64_t ns)
{
	static char buf[SPT_DURATION_BUF];

	spt_fmt_duration_full(buf, sizeof(buf), ns);
	return buf;
}

TEST(duration_two_decimals_rounds_half_to_even_within_unit)
{
	CHECK_STR(dur2(0), "0.00ns");
	CHECK_STR(dur2(999), "999.00ns");
	CHECK_STR(dur2(1000), "1.00\xc2\xb5s");
	CHECK_STR(dur2(1005), "1.00\xc2\xb5s");
	CHECK_STR(dur2(1015), "1.02\xc2\xb5s");
	CHECK_STR(dur2(1006), "1.01\xc2\xb5s");
	CHECK_STR(dur2(999995), "1000.00\xc2\xb5s");
	CHECK_STR(dur2(999994), "999.99\xc2\xb5s");
	CHECK_STR(dur2(33202653), "33.20ms");
	CHECK_STR(dur2(866490000), "866.49ms");
	CHECK_STR(dur2(1500000000), "1.50s");
	CHECK_STR(dur2(2125000000), "2.12s");
	CHECK_STR(dur2(2135000000), "2.14s");
	CHECK_STR(dur2(-1500), "-1.50\xc2\xb5s");
}

TEST(duration_full_precision_drops_trailing_zeros)
{
	CHECK_STR(dur_full(0), "0ns");
	CHECK_STR(dur_full(70738863), "70.738863ms");
	CHECK_STR(dur_full(1000000), "1ms");
	CHECK_STR(dur_full(1052162276), "1.052162276s");
	CHECK_STR(dur_full(1500), "1.5\xc2\xb5s");
	CHECK_STR(dur_full(3000000000ULL), "3s");
	CHECK_STR(dur_full(191317500), "191.3175ms");
}

TEST(signed_duration)
{
	char buf[SPT_DURATION_BUF];

	spt_fmt_signed_duration(buf, sizeof(buf), -39707301, 0);
	CHECK_STR(buf, "-39.707301ms");
	spt_fmt_signed_duration(buf, sizeof(buf), 0, 0);
	CHECK_STR(buf, "+0ns");
	spt_fmt_signed_duration(buf, sizeof(buf), 0, 1);
	CHECK_STR(buf, "-0ns");
	spt_fmt_signed_duration(buf, sizeof(buf), 12, 0);
	CHECK_STR(buf, "+12ns");
}

TEST(f64_as_rust_prints_it)
{
	char buf[32];

	spt_fmt_f64(buf, sizeof(buf), 12.3456, 3, 0);
	CHECK_STR(buf, "12.346");
	spt_fmt_f64(buf, sizeof(buf), 12.3456, 2, 1);
	CHECK_STR(buf, "+12.35");
	spt_fmt_f64(buf, sizeof(buf), NAN, 2, 1);
	CHECK_STR(buf, "NaN");
	spt_fmt_f64(buf, sizeof(buf), INFINITY, 3, 0);
	CHECK_STR(buf, "inf");
	spt_fmt_f64(buf, sizeof(buf), INFINITY, 2, 1);
	CHECK_STR(buf, "+inf");
	spt_fmt_f64(buf, sizeof(buf), -INFINITY, 2, 1);
	CHECK_STR(buf, "-inf");
}

/* Run a printer into a string. */
#define CAPTURE(buf, stmt) do { size_t t_len; FILE *out = open_memstream(&(buf), &t_len); \
	REQUIRE(out); stmt; fclose(out); } while (0)

TEST(escapes_tsv_json_xml)
{
	char *s = NULL;

	CAPTURE(s, spt_put_tsv(out, "a\tb\\c\n\x1e\x7f" "d", 9));
	CHECK_STR(s, "a\\tb\\\\c\\n\\x1e\\x7fd");
	free(s);
	CAPTURE(s, spt_put_json_string(out, "q\"\\\x01\n\xc2\xb5\xff", 8));
	CHECK_STR(s, "\"q\\\"\\\\\\u0001\\n\xc2\xb5\xef\xbf\xbd\"");
	free(s);
	CAPTURE(s, spt_put_xml(out, "<a & 'b'>\x02", 10));
	CHECK_STR(s, "&lt;a &amp; &apos;b&apos;&gt;?");
	free(s);
}

TEST(display_width)
{
	CHECK_EQ_U64(spt_display_width("1.00\xc2\xb5s", 7), 6);
}

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

TEST(table_layout)
{
	static const char *const title[2] = { "Item", "Size" };
	static const char *const row[2] = { "a\xc2\xb5", "12345678" };
	struct spt_table *t = spt_table_new(2);
	char *s = NULL;

	REQUIRE(t);
	CHECK(!spt_table_add(t, title));
	CHECK(!spt_table_add(t, row));
	CAPTURE(s, spt_table_print(t, out));
	CHECK_STR(s, "+------+----------+\n"
		     "| Item | Size     |\n"
		     "+------+----------+\n"
		     "| a\xc2\xb5   | 12345678 |\n"
		     "+------+----------+\n");
	free(s);
	spt_table_free(t);
}

TEST(summary_table_exact_text)
{
	struct sp_row rows[] = {
		{ .label = "typeck", .self_ns = 1500000, .time_ns = 2000000, .count = 4 },
		{ .label = "a", .self_ns = 500, .time_ns = 500, .count = 1, .cache_hits = 3 },
	};
	struct sp_artifact arts[] = { { "object_file", 42 } };
	struct sp_summary *s = fake_summary(rows, 2, 4000000);
	char *text = NULL;

	s->artifacts = arts;
	s->nartifacts = 1;
	CAPTURE(text, spt_print_summary(out, s, 0, -1));
	/* "a" gets dots up to one short of the longest label, "typeck" */
	CHECK_STR(text,
		  "+---------+-----------+-----------------+----------+------------+------------+\n"
		  "| Item    | Self time | % of total time | Time     | Item count | Cache hits |\n"
		  "+---------+-----------+-----------------+----------+------------+------------+\n"
		  "| typeck  | 1.50ms    | 37.500          | 2.00ms   | 4          | 0          |\n"
		  "| a ....  | 500.00ns  | 0.013           | 500.00ns | 1          | 3          |\n"
		  "+---------+-----------+-----------------+----------+------------+------------+\n"
		  "Total cpu time: 4ms\n"
		  "+-------------+---------------+\n"
		  "| Item        | Artifact Size |\n"
		  "+-------------+---------------+\n"
		  "| object_file | 42 bytes      |\n"
		  "+-------------+---------------+\n");
	free(text);
}

TEST(summary_table_filter_line_and_top)
{
	struct sp_row rows[] = {
		{ .label = "big", .self_ns = 900, .time_ns = 900, .count = 1 },
		{ .label = "mid", .self_ns = 80, .time_ns = 80, .count = 1 },
		{ .label = "small", .self_ns = 5, .time_ns = 5, .count = 1 },
	};
	char *text = NULL;

	CAPTURE(text, spt_print_summary(out, fake_summary(rows, 3, 1000), 0, 5.0));
	CHECK(strstr(text, "| mid ") != NULL);
	CHECK(strstr(text, "small") == NULL);
	CHECK(strstr(text, "Filtered results account for 98.000% of total time.\n") != NULL);
	free(text);
	CAPTURE(text, spt_print_summary(out, fake_summary(rows, 3, 1000), 1, -1));
	CHECK(strstr(text, "mid") == NULL && strstr(text, "big") != NULL);
	CHECK(strstr(text, "Filtered") == NULL);
	free(text);
}

TEST(summary_table_hides_hashing_after_the_scan_stops)
{
	/* measureme stops looking once hits, blocked and load time were all seen */
	struct sp_row rows[] = {
		{ .label = "a", .self_ns = 90, .cache_hits = 1, .blocked_ns = 2, .incr_load_ns = 3 },
		{ .label = "b", .self_ns = 10, .hashing_ns = 4 },
	};
	struct sp_row later[] = {
		{ .label = "a", .self_ns = 90, .cache_hits = 1, .incr_load_ns = 3 },
		{ .label = "b", .self_ns = 10, .hashing_ns = 4 },
	};
	char *text = NULL;

	CAPTURE(text, spt_print_summary(out, fake_summary(rows, 2, 100), 0, -1));
	CHECK(strstr(text, "| Blocked time ") && strstr(text, "| Incremental load time "));
	CHECK(!strstr(text, "hashing"));
	free(text);
	CAPTURE(text, spt_print_summary(out, fake_summary(later, 2, 100), 0, -1));
	CHECK(!strstr(text, "Blocked"));
	CHECK(strstr(text, "| Incremental result hashing time |") != NULL);
	free(text);
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
