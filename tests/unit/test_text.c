// SPDX-License-Identifier: MIT
/*
 * Unit tests of sptext, the text both programs print: durations and
 * numbers as Rust prints them, escaping, tables, measureme's summary table.
 */
#include <math.h>
#include <unistd.h>	/* test.h uses getpid() before including it */

#include "test.h"

#include "escape.h"
#include "fmt.h"
#include "selfprof.h"
#include "summary_table.h"
#include "table.h"

struct duration_case {
	int64_t ns;
	const char *text;
};

TEST(duration_two_decimals_rounds_half_to_even_within_unit)
{
	static const struct duration_case cases[] = {
		{ 0, "0.00ns" }, { 999, "999.00ns" }, { 1000, "1.00\xc2\xb5s" },
		{ 1005, "1.00\xc2\xb5s" }, { 1015, "1.02\xc2\xb5s" }, { 1006, "1.01\xc2\xb5s" },
		{ 999995, "1000.00\xc2\xb5s" }, { 999994, "999.99\xc2\xb5s" },
		{ 33202653, "33.20ms" }, { 866490000, "866.49ms" }, { 1500000000, "1.50s" },
		{ 2125000000, "2.12s" }, { 2135000000, "2.14s" }, { -1500, "-1.50\xc2\xb5s" },
	};
	char buf[SPT_DURATION_BUF];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spt_fmt_duration2(buf, sizeof(buf), cases[i].ns);
		CHECK_STR(buf, cases[i].text);
	}
}

TEST(duration_full_precision_drops_trailing_zeros)
{
	static const struct duration_case cases[] = {
		{ 0, "0ns" }, { 70738863, "70.738863ms" }, { 1000000, "1ms" },
		{ 1052162276, "1.052162276s" }, { 1500, "1.5\xc2\xb5s" }, { 3000000000LL, "3s" },
		{ 191317500, "191.3175ms" },
	};
	char buf[SPT_DURATION_BUF];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spt_fmt_duration_full(buf, sizeof(buf), (uint64_t)cases[i].ns);
		CHECK_STR(buf, cases[i].text);
	}
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

/* A summary of rows alone: what the summary table reads. */
static struct sp_summary rows_summary(struct sp_row *rows, size_t n, uint64_t total)
{
	return (struct sp_summary){ .rows = rows, .nrows = n, .total_ns = total };
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
	struct sp_summary s = rows_summary(rows, 2, 4000000);
	char *text = NULL;

	s.artifacts = arts;
	s.nartifacts = 1;
	CAPTURE(text, spt_print_summary(out, &s, 0, -1));
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
	struct sp_summary s = rows_summary(rows, 3, 1000);
	char *text = NULL;

	CAPTURE(text, spt_print_summary(out, &s, 0, 5.0));
	CHECK(strstr(text, "| mid ") != NULL);
	CHECK(strstr(text, "small") == NULL);
	CHECK(strstr(text, "Filtered results account for 98.000% of total time.\n") != NULL);
	free(text);
	CAPTURE(text, spt_print_summary(out, &s, 1, -1));
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
	struct sp_summary first = rows_summary(rows, 2, 100), second = rows_summary(later, 2, 100);
	char *text = NULL;

	CAPTURE(text, spt_print_summary(out, &first, 0, -1));
	CHECK(strstr(text, "| Blocked time ") && strstr(text, "| Incremental load time "));
	CHECK(!strstr(text, "hashing"));
	free(text);
	CAPTURE(text, spt_print_summary(out, &second, 0, -1));
	CHECK(!strstr(text, "Blocked"));
	CHECK(strstr(text, "| Incremental result hashing time |") != NULL);
	free(text);
}
