// SPDX-License-Identifier: MIT
/*
 * Unit tests of libselfprof's pieces that the tools share since 1.1:
 * summing summaries, interval nesting, JSON escaping, UTF-8, the u64 map.
 */
#include <unistd.h>	/* test.h uses getpid() before including it */

#include "selfprof.h"
#include "test.h"

static struct sp_summary part(struct sp_row *rows, size_t nrows, struct sp_artifact *arts,
			      size_t narts, uint64_t total)
{
	return (struct sp_summary){ .rows = rows, .nrows = nrows, .artifacts = arts,
				    .nartifacts = narts, .total_ns = total, .num_events = 10,
				    .num_threads = 1, .version = 9 };
}

TEST(merge_sums_labels_and_totals)
{
	struct sp_row r1[] = { { .label = "x", .self_ns = 5, .time_ns = 5, .count = 1 },
			       { .label = "y", .self_ns = 3, .time_ns = 4 } };
	struct sp_row r2[] = { { .label = "y", .self_ns = 4, .time_ns = 4, .cache_hits = 9 } };
	struct sp_artifact a1[] = { { "obj", 10 } }, a2[] = { { "meta", 1 }, { "obj", 5 } };
	struct sp_summary s1 = part(r1, 2, a1, 1, 100), s2 = part(r2, 1, a2, 2, 50);
	struct sp_summary *parts[2] = { &s1, &s2 }, *m;

	REQUIRE(!sp_summary_merge(parts, 2, &m, NULL));
	REQUIRE(m->nrows == 2);
	CHECK_STR(m->rows[0].label, "y");	/* self time descending */
	CHECK_EQ_I64(m->rows[0].self_ns, 7);
	CHECK_EQ_U64(m->rows[0].time_ns, 8);
	CHECK_EQ_U64(m->rows[0].cache_hits, 9);
	CHECK_STR(m->rows[1].label, "x");
	CHECK_EQ_U64(m->total_ns, 150);
	CHECK_EQ_U64(m->num_events, 20);
	CHECK_EQ_U64(m->num_threads, 2);
	CHECK_EQ_U64(m->version, 9);
	REQUIRE(m->nartifacts == 2);
	CHECK_STR(m->artifacts[0].label, "meta");
	CHECK_EQ_U64(m->artifacts[1].bytes, 15);
	CHECK_EQ_I64(sp_summary_self_ns(m), 12);
	CHECK(m->rows[0].label != r1[1].label);	/* owned copies */
	CHECK_STR(m->meta.counter, "wall-time");
	CHECK_STR(m->meta.cmd, "");
	sp_summary_free(m);
}

TEST(merge_of_nothing_is_empty)
{
	struct sp_summary *m;

	REQUIRE(!sp_summary_merge(NULL, 0, &m, NULL));
	CHECK_EQ_U64(m->nrows, 0);
	CHECK_EQ_U64(m->nartifacts, 0);
	CHECK_EQ_I64(sp_summary_self_ns(m), 0);
	sp_summary_free(m);
}

static struct sp_event interval(uint32_t thread, uint64_t start, uint64_t end)
{
	return (struct sp_event){ .thread = thread, .type = SP_EVENT_INTERVAL,
				  .start = start, .end = end };
}

/* Enter ev with tag; the parent's tag, or -1 at top level. */
static int64_t enter(struct sp_nesting *n, struct sp_event ev, uint64_t tag)
{
	uint64_t parent = 0;
	int rc = sp_nesting_enter(n, &ev, tag, &parent);

	if (rc < 0)
		return -2;
	return rc ? (int64_t)parent : -1;
}

TEST(nesting_finds_parents_backwards_per_thread)
{
	struct sp_nesting *n = sp_nesting_new();
	const struct sp_nesting_thread *t;

	REQUIRE(n);
	/* File order: a [10,20] and b [30,40] inside p [0,50]; q [5,8] on
	 * thread 2 meanwhile. Backwards: p, b, q, a. */
	CHECK_EQ_I64(enter(n, interval(1, 0, 50), 100), -1);
	CHECK_EQ_I64(enter(n, interval(1, 30, 40), 101), 100);
	CHECK_EQ_I64(enter(n, interval(2, 5, 8), 200), -1);
	CHECK_EQ_I64(enter(n, interval(1, 10, 20), 102), 100);	/* b closed, p still open */
	CHECK_EQ_I64(enter(n, interval(1, 12, 15), 103), 102);
	CHECK_EQ_I64(enter(n, interval(1, 60, 70), 999), -1);	/* outside everything */
	sp_nesting_retag(n, 104);
	CHECK_EQ_I64(enter(n, interval(1, 61, 62), 105), 104);
	REQUIRE(sp_nesting_num_threads(n) == 2);
	t = sp_nesting_thread(n, 0);
	CHECK_EQ_U64(t->thread, 1);
	CHECK_EQ_U64(t->min_start, 0);
	CHECK_EQ_U64(t->max_end, 70);
	CHECK_EQ_U64(t->last_end, 50);	/* the first entered */
	CHECK_EQ_U64(t->top_level_ns, 60);	/* p and the one at 60..70 */
	t = sp_nesting_thread(n, 1);
	CHECK_EQ_U64(t->thread, 2);
	CHECK_EQ_U64(t->top_level_ns, 3);
	CHECK(sp_nesting_thread(n, 2) == NULL);
	sp_nesting_free(n);
}

static const char *escaped(const char *s, size_t len, unsigned flags)
{
	static char buf[128];

	CHECK(sp_json_escape(buf, sizeof(buf), s, len, flags) == strlen(buf));
	return buf;
}

TEST(json_escape_rules_and_flags)
{
	char small[4];

	CHECK_STR(escaped("q\"\\\x01\n\xc2\xb5\xff<", 9, 0), "q\\\"\\\\\\u0001\\u000a\xc2\xb5\xef\xbf\xbd<");
	CHECK_STR(escaped("\n\t\r\x7f", 4, SP_JSON_SHORT_ESCAPES), "\\n\\t\\r\x7f");
	CHECK_STR(escaped("</script>", 9, SP_JSON_HTML_SAFE), "\\u003c/script>");
	CHECK_STR(escaped("\xed\xa0\x80", 3, 0), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* As snprintf: the full length back, the text cut and ended. */
	CHECK_EQ_U64(sp_json_escape(small, sizeof(small), "a\"bc", 4, 0), 5);
	CHECK_STR(small, "a\\\"");
	CHECK_EQ_U64(sp_json_escape(NULL, 0, "\x01", 1, 0), 6);
}

TEST(utf8_char_len)
{
	CHECK_EQ_U64(sp_utf8_char_len("a", 1), 1);
	CHECK_EQ_U64(sp_utf8_char_len("\xc2\xb5", 2), 2);
	CHECK_EQ_U64(sp_utf8_char_len("\xf0\x9f\x98\x80", 4), 4);
	CHECK_EQ_U64(sp_utf8_char_len("\xc0\x80", 2), 0);		/* overlong */
	CHECK_EQ_U64(sp_utf8_char_len("\xe0\x80\x80", 3), 0);		/* overlong */
	CHECK_EQ_U64(sp_utf8_char_len("\xed\xa0\x80", 3), 0);		/* surrogate */
	CHECK_EQ_U64(sp_utf8_char_len("\xf4\x90\x80\x80", 4), 0);	/* past U+10FFFF */
	CHECK_EQ_U64(sp_utf8_char_len("\xe2\x82", 2), 0);		/* cut short */
	CHECK_EQ_U64(sp_utf8_char_len("\x80", 1), 0);			/* continuation */
}

TEST(u64map_grows_and_overwrites)
{
	struct sp_u64map m = { 0 };
	uint64_t v = 0;

	CHECK(!sp_u64map_get(&m, 1, &v));
	for (uint64_t i = 0; i < 5000; i++)
		REQUIRE(!sp_u64map_put(&m, i * 7919, i));
	CHECK(!sp_u64map_put(&m, 7919, 77));
	CHECK_EQ_U64(m.n, 5000);
	CHECK(sp_u64map_get(&m, 7919, &v) && v == 77);
	CHECK(sp_u64map_get(&m, 4999ULL * 7919, &v) && v == 4999);
	CHECK(!sp_u64map_get(&m, 3, &v));
	sp_u64map_free(&m);
}
