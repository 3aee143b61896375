// SPDX-License-Identifier: MIT
/* Unit tests of libselfprof: the writer, the reader and the summary. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "selfprof.h"
#include "test.h"

static const char *data_path(const char *name)
{
	static char buf[4][1024];
	static int slot;
	const char *root = getenv("SELFPROF_ROOT");
	char *p = buf[slot++ % 4];

	snprintf(p, 1024, "%s/tests/data/%s", root && *root ? root : ".", name);
	return p;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = 0;
	if (len)
		*len = n;
	fclose(f);
	return buf;
}

/* The summary as the *.summary.tsv files spell it. */
static char *summary_tsv(const struct sp_summary *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int64_t sum_self = 0;

	fprintf(f, "# label\tself_ns\ttime_ns\tcount\tblocked_ns\tincr_load_ns\thashing_ns\tcache_hits\n");
	for (size_t i = 0; i < s->nrows; i++) {
		const struct sp_row *r = &s->rows[i];
		fprintf(f, "%s\t%" PRId64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t%" PRId64
			"\t%" PRIu64 "\n", r->label, r->self_ns, r->time_ns, r->count, r->blocked_ns,
			r->incr_load_ns, r->hashing_ns, r->cache_hits);
		sum_self += r->self_ns;
	}
	fprintf(f, "# total_time_ns\t%" PRIu64 "\n# sum_self_ns\t%" PRId64 "\n", s->total_ns, sum_self);
	fclose(f);
	return out;
}

static void check_vector(const char *name)
{
	char file[256], tsv[256];
	struct sp_summary *s;
	struct sp_error err = { 0 };

	snprintf(file, sizeof(file), "%s.mm_profdata", name);
	snprintf(tsv, sizeof(tsv), "%s.summary.tsv", name);
	REQUIRE(sp_summarize_file(data_path(file), &s, &err) == 0);
	char *want = read_file(data_path(tsv), NULL), *got = summary_tsv(s);
	REQUIRE(want && got);
	if (strcmp(want, got)) {
		/* Show the first differing line. */
		const char *a = want, *b = got;
		while (*a && *a == *b)
			a++, b++;
		while (a > want && a[-1] != '\n')
			a--, b--;
		printf("#   %s: want: %.120s\n#   %s:  got: %.120s\n", name, a, name, b);
	}
	CHECK(!strcmp(want, got));
	free(want);
	free(got);
	sp_summary_free(s);
}

TEST(summary_hello_195_default) { check_vector("hello-1.95-default"); }
TEST(summary_hello_195_args) { check_vector("hello-1.95-args"); }
TEST(summary_hello_196_debian) { check_vector("hello-1.96-debian"); }
TEST(summary_hello_163_debian_v8) { check_vector("hello-1.63-debian"); }
TEST(summary_tiny_all) { check_vector("tiny-all"); }
TEST(summary_geom_threads8) { check_vector("geom-threads8"); }
TEST(summary_geom_incr2) { check_vector("geom-incr2"); }

TEST(gzip_reads_like_plain)
{
	struct sp_summary *a, *b;

	REQUIRE(sp_summarize_file(data_path("hello-1.95-default.mm_profdata"), &a, NULL) == 0);
	REQUIRE(sp_summarize_file(data_path("hello-1.95-default.mm_profdata.gz"), &b, NULL) == 0);
	char *ta = summary_tsv(a), *tb = summary_tsv(b);
	CHECK_STR(ta, tb);
	CHECK_EQ_U64(a->num_events, 18595 + 14538 + 5460 + 9);
	free(ta);
	free(tb);
	sp_summary_free(a);
	sp_summary_free(b);
}

TEST(metadata_of_real_profile)
{
	struct sp_reader *r;

	REQUIRE(sp_reader_open(&r, data_path("hello-1.95-default.mm_profdata"), NULL) == 0);
	const struct sp_metadata *m = sp_reader_metadata(r);
	CHECK(m->start_time_ns > 1700000000000000000ULL);
	CHECK(m->pid > 0);
	CHECK(strstr(m->cmd, "hello.rs") != NULL);
	CHECK_STR(m->counter, "wall-time");
	CHECK_EQ_U64(sp_reader_version(r), 9);
	sp_reader_close(r);
	REQUIRE(sp_reader_open(&r, data_path("hello-1.63-debian.mm_profdata"), NULL) == 0);
	CHECK_EQ_U64(sp_reader_version(r), 8);
	CHECK(strstr(sp_reader_metadata(r)->cmd, "hello.rs") != NULL);
	sp_reader_close(r);
}

TEST(kind_counts_of_real_profile)
{
	struct sp_summary *s;

	/* tests/data/tiny-all.kinds.txt */
	REQUIRE(sp_summarize_file(data_path("tiny-all.mm_profdata"), &s, NULL) == 0);
	CHECK_EQ_U64(s->kind_counts[SP_KIND_CACHE_HIT], 12073);
	CHECK_EQ_U64(s->kind_counts[SP_KIND_QUERY], 1105);
	CHECK_EQ_U64(s->kind_counts[SP_KIND_GENERIC_ACTIVITY], 948);
	CHECK_EQ_U64(s->kind_counts[SP_KIND_CACHE_HIT_COUNT], 493);
	CHECK_EQ_U64(s->kind_counts[SP_KIND_OTHER], 21);
	CHECK_EQ_U64(s->kind_counts[SP_KIND_ARTIFACT_SIZE], 5);
	CHECK(s->nartifacts > 0);
	sp_summary_free(s);
}

TEST(args_split_after_separator)
{
	struct sp_reader *r;
	struct sp_event ev;
	size_t len, label_len, lens[4], found = 0;
	const char *args[4];

	REQUIRE(sp_reader_open(&r, data_path("hello-1.95-args.mm_profdata"), NULL) == 0);
	for (uint64_t i = 0; i < sp_reader_num_events(r) && !found; i++) {
		sp_reader_event(r, i, &ev);
		const char *t = sp_reader_string(r, ev.id, &len);
		if (strncmp(t, "metadata_register_crate\x1e", 24))
			continue;
		CHECK_EQ_U64(sp_split_args(t, len, &label_len, args, lens, 4), 1);
		CHECK_EQ_U64(label_len, 23);
		CHECK(lens[0] > 0);
		CHECK_STR(sp_reader_label_text(r, sp_reader_label_of(r, ev.id)), "metadata_register_crate");
		found = 1;
	}
	CHECK(found);
	sp_reader_close(r);
}

/* ------------------------------------------------------------ writer round trips */

struct fixture {
	struct sp_writer *w;
	sp_string_id query, generic, hit, hit_count, artifact;
};

static int fixture_open(struct fixture *f, const char *path, uint32_t version, uint32_t page_size)
{
	struct sp_writer_opts opts = { .version = version, .page_size = page_size };
	struct sp_metadata meta = { .start_time_ns = 1795535535963454235ULL, .pid = 4242,
				    .cmd = "rustc \"quoted\" it's \xce\xbc\\ tab\there" };
	struct sp_error err = { 0 };

	if (sp_writer_create(&f->w, path, &opts, &err)) {
		printf("#   create %s: %s\n", path, err.msg);
		return -1;
	}
	if (sp_writer_metadata(f->w, &meta, "\"tool\": \"unit\""))
		return -1;
	f->query = sp_writer_cstring(f->w, "Query");
	f->generic = sp_writer_cstring(f->w, "GenericActivity");
	f->hit = sp_writer_cstring(f->w, "QueryCacheHit");
	f->hit_count = sp_writer_cstring(f->w, "QueryCacheHitCount");
	f->artifact = sp_writer_cstring(f->w, "ArtifactSize");
	return 0;
}

TEST(roundtrip_payload_limits)
{
	static const uint32_t versions[] = { 9, 8 };

	for (int v = 0; v < 2; v++) {
		struct fixture f;
		struct sp_reader *r;
		struct sp_event ev;
		const char *path = t_tmp("limits.mm_profdata");

		REQUIRE(fixture_open(&f, path, versions[v], 0) == 0);
		sp_string_id a = sp_writer_cstring(f.w, "a");
		CHECK(sp_writer_interval(f.w, f.query, a, 1, 0, 0) == 0);
		CHECK(sp_writer_interval(f.w, f.query, a, 1, 0xFFFFFFFFULL, 0x100000000ULL) == 0);
		CHECK(sp_writer_interval(f.w, f.query, a, 0xFFFFFFFF, 0x123456789ABCULL, SP_MAX_TIMESTAMP) == 0);
		CHECK(sp_writer_instant(f.w, f.hit, a, 2, SP_MAX_VALUE) == 0);
		CHECK(sp_writer_integer(f.w, f.hit_count, a, 2, SP_MAX_VALUE) == 0);
		/* Out of range values are refused, not wrapped. */
		CHECK(sp_writer_interval(f.w, f.query, a, 1, 5, 4) == SP_EINVAL);
		CHECK(sp_writer_interval(f.w, f.query, a, 1, 0, SP_INTEGER_MARKER) == SP_EINVAL);
		CHECK(sp_writer_integer(f.w, f.hit_count, a, 1, SP_MAX_VALUE + 1) == SP_EINVAL);
		REQUIRE(sp_writer_close(f.w, NULL) == 0);

		REQUIRE(sp_reader_open(&r, path, NULL) == 0);
		CHECK_EQ_U64(sp_reader_version(r), versions[v]);
		CHECK_EQ_U64(sp_reader_num_events(r), 5);
		sp_reader_event(r, 1, &ev);
		CHECK_EQ_U64(ev.start, 0xFFFFFFFFULL);
		CHECK_EQ_U64(ev.end, 0x100000000ULL);
		sp_reader_event(r, 2, &ev);
		CHECK_EQ_U64(ev.thread, 0xFFFFFFFF);
		CHECK_EQ_U64(ev.start, 0x123456789ABCULL);
		CHECK_EQ_U64(ev.end, SP_MAX_TIMESTAMP);
		CHECK(ev.type == SP_EVENT_INTERVAL);
		sp_reader_event(r, 3, &ev);
		CHECK(ev.type == SP_EVENT_INSTANT);
		CHECK_EQ_U64(ev.start, SP_MAX_VALUE);
		sp_reader_event(r, 4, &ev);
		CHECK(ev.type == SP_EVENT_INTEGER);
		CHECK_EQ_U64(ev.start, SP_MAX_VALUE);
		CHECK(sp_reader_event(r, 5, &ev) == SP_EINVAL);
		CHECK_STR(sp_reader_string(r, ev.kind, NULL), "QueryCacheHitCount");
		const struct sp_metadata *m = sp_reader_metadata(r);
		CHECK_EQ_U64(m->start_time_ns, 1795535535963454235ULL);
		CHECK_EQ_U64(m->pid, 4242);
		CHECK_STR(m->cmd, "rustc \"quoted\" it's \xce\xbc\\ tab\there");
		CHECK(strstr(m->json, "\"tool\": \"unit\"") != NULL);
		sp_reader_close(r);
	}
}

static bool contains(const char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle)) != NULL;
}

TEST(metadata_is_strict_json)
{
	struct fixture f;
	size_t len;
	const char *path = t_tmp("meta.mm_profdata");

	REQUIRE(fixture_open(&f, path, 9, 0) == 0);
	REQUIRE(sp_writer_close(f.w, NULL) == 0);
	char *bytes = read_file(path, &len);
	REQUIRE(bytes);
	/* The metadata is the first string (address 8), escaped JSON-style. */
	CHECK(contains(bytes, len, "\"cmd\": \"rustc \\\"quoted\\\" it's \xce\xbc\\\\ tab\\u0009here\""));
	CHECK(contains(bytes, len, "\"counter\": { \"name\": \"wall-time\", \"units\": [[\"ns\", 1], [\"\xce\xbcs\", 1000]"));
	free(bytes);
}

TEST(strings_refs_args_virtual_ids)
{
	struct fixture f;
	struct sp_reader *r;
	struct sp_event ev;
	const char *path = t_tmp("strings.mm_profdata");

	REQUIRE(fixture_open(&f, path, 9, 0) == 0);
	sp_string_id typeck = sp_writer_cstring(f.w, "typeck");
	CHECK_EQ_U64(sp_writer_cstring(f.w, "typeck"), typeck);	/* interned */
	sp_string_id key = sp_writer_cstring(f.w, "hello::main");
	sp_string_id size = sp_writer_cstring(f.w, "800");
	sp_string_id args[2] = { key, size };
	sp_string_id with_args = sp_writer_event_id(f.w, typeck, args, 2);
	CHECK(with_args != typeck);
	CHECK_EQ_U64(sp_writer_event_id(f.w, typeck, args, 2), with_args);
	sp_string_id bad = sp_writer_string(f.w, "a\xff\xfe" "b", 4);	/* markers replaced */
	CHECK(sp_writer_map_virtual(f.w, 7, with_args) == 0);
	CHECK(sp_writer_map_virtual(f.w, 8, typeck) == 0);
	CHECK(sp_writer_map_virtual(f.w, 8, key) == 0);	/* later entry wins */
	CHECK(sp_writer_map_virtual(f.w, SP_INVALID_ID, key) == SP_EINVAL);
	sp_writer_interval(f.w, f.query, 7, 1, 10, 20);
	sp_writer_interval(f.w, f.query, 8, 1, 30, 40);
	sp_writer_interval(f.w, f.query, 9, 1, 50, 60);	/* never mapped */
	sp_writer_interval(f.w, f.query, SP_INVALID_ID, 1, 70, 80);
	sp_writer_interval(f.w, f.generic, bad, 1, 90, 95);
	REQUIRE(sp_writer_close(f.w, NULL) == 0);

	REQUIRE(sp_reader_open(&r, path, NULL) == 0);
	sp_reader_event(r, 0, &ev);
	CHECK_STR(sp_reader_string(r, ev.id, NULL), "typeck\x1ehello::main\x1e" "800");
	CHECK_STR(sp_reader_label_text(r, sp_reader_label_of(r, ev.id)), "typeck");
	sp_reader_event(r, 1, &ev);
	CHECK_STR(sp_reader_string(r, ev.id, NULL), "hello::main");
	sp_reader_event(r, 2, &ev);
	CHECK_STR(sp_reader_string(r, ev.id, NULL), "<unknown>");
	sp_reader_event(r, 3, &ev);
	CHECK_STR(sp_reader_string(r, ev.id, NULL), "<unknown>");
	sp_reader_event(r, 4, &ev);
	CHECK_STR(sp_reader_string(r, ev.id, NULL), "a\xef\xbf\xbd\xef\xbf\xbd" "b");
	CHECK(sp_reader_kind_of(r, ev.kind) == SP_KIND_GENERIC_ACTIVITY);
	sp_reader_close(r);
}

/* Nesting, self time and the special kinds, checked by hand. */
TEST(summary_rules_by_hand)
{
	struct fixture f;
	struct sp_summary *s;
	const char *path = t_tmp("rules.mm_profdata");

	REQUIRE(fixture_open(&f, path, 9, 0) == 0);
	sp_string_id a = sp_writer_cstring(f.w, "a"), b = sp_writer_cstring(f.w, "b");
	sp_string_id blocked = sp_writer_cstring(f.w, "QueryBlocked");
	sp_string_id load = sp_writer_cstring(f.w, "IncrementalLoadResult");
	sp_string_id hashing = sp_writer_cstring(f.w, "IncrementalResultHashing");
	/* thread 1: a[0,100] contains b[10,30] which contains a[12,20] (recursion);
	 * hashing of b [40,50]; a blocked [60,70]. Children first (end order). */
	sp_writer_interval(f.w, f.query, a, 1, 12, 20);
	sp_writer_interval(f.w, f.query, b, 1, 10, 30);
	sp_writer_interval(f.w, hashing, b, 1, 40, 50);
	sp_writer_interval(f.w, blocked, a, 1, 60, 70);
	sp_writer_interval(f.w, f.query, a, 1, 0, 100);
	/* thread 2: a load of b [200,260] containing a query a [210,220] */
	sp_writer_interval(f.w, f.query, a, 2, 210, 220);
	sp_writer_interval(f.w, load, b, 2, 200, 260);
	sp_writer_instant(f.w, f.hit, a, 2, 300);	/* instants don't extend the span */
	sp_writer_instant(f.w, f.hit, b, 2, 300);
	sp_writer_instant(f.w, f.hit, b, 2, 301);
	sp_writer_integer(f.w, f.hit_count, a, 2, 5);	/* a's instants are ignored */
	sp_writer_integer(f.w, f.artifact, sp_writer_cstring(f.w, "object_file"), 2, 1000);
	sp_writer_integer(f.w, f.artifact, sp_writer_cstring(f.w, "object_file"), 2, 24);
	REQUIRE(sp_writer_close(f.w, NULL) == 0);

	REQUIRE(sp_summarize_file(path, &s, NULL) == 0);
	CHECK_EQ_U64(s->total_ns, 100 + 60);
	const struct sp_row *ra = sp_summary_find(s, "a"), *rb = sp_summary_find(s, "b");
	REQUIRE(ra && rb);
	/* a: outer 100 - b 20 - hashing 10 - blocked 10 = 60; inner 8; blocked 10; thread 2: 10 */
	CHECK_EQ_I64(ra->self_ns, 60 + 8 + 10 + 10);
	CHECK_EQ_U64(ra->time_ns, 100 + 8 + 10 + 10);
	CHECK_EQ_U64(ra->count, 3);
	CHECK_EQ_U64(ra->blocked_ns, 10);
	CHECK_EQ_U64(ra->cache_hits, 5);
	/* b: query 20 - 8 = 12; hashing 10 (self, not time); load 60 - 10 = 50 */
	CHECK_EQ_I64(rb->self_ns, 12 + 10 + 50);
	CHECK_EQ_U64(rb->time_ns, 20 + 60);
	CHECK_EQ_U64(rb->count, 1);
	CHECK_EQ_I64(rb->hashing_ns, 10);
	CHECK_EQ_I64(rb->incr_load_ns, 50);
	CHECK_EQ_U64(rb->cache_hits, 2);
	CHECK_STR(s->rows[0].label, "a");
	REQUIRE(s->nartifacts == 1);
	CHECK_STR(s->artifacts[0].label, "object_file");
	CHECK_EQ_U64(s->artifacts[0].bytes, 1024);
	CHECK_EQ_U64(s->num_threads, 2);
	sp_summary_free(s);
}

/* Small pages: records, strings and the index cross many page boundaries. */
TEST(page_boundaries_and_prefixes)
{
	struct fixture f;
	struct sp_reader *r;
	struct sp_event ev;
	const char *path = t_tmp("pages.mm_profdata");
	char label[64];
	size_t len;

	REQUIRE(fixture_open(&f, path, 9, 100) == 0);
	char big[1000];
	memset(big, 'x', sizeof(big));
	sp_string_id big_id = sp_writer_string(f.w, big, sizeof(big));	/* spans pages */
	for (int i = 0; i < 2000; i++) {
		snprintf(label, sizeof(label), "label_%d", i % 37);
		sp_string_id id = sp_writer_cstring(f.w, label);
		sp_writer_map_virtual(f.w, i, id);
		sp_writer_interval(f.w, f.query, i % 2 ? (sp_string_id)i : big_id, i % 3, 2 * i, 2 * i + 1);
	}
	REQUIRE(sp_writer_close(f.w, NULL) == 0);
	REQUIRE(sp_reader_open(&r, path, NULL) == 0);
	CHECK_EQ_U64(sp_reader_num_events(r), 2000);
	for (uint64_t i = 0; i < 2000; i++) {
		sp_reader_event(r, i, &ev);
		snprintf(label, sizeof(label), "label_%d", (int)(i % 37));
		const char *t = sp_reader_string(r, ev.id, &len);
		if (i % 2)
			CHECK(!strcmp(t, label));
		else
			CHECK(len == sizeof(big) && t[999] == 'x');
		CHECK(ev.start == 2 * i && ev.thread == i % 3);
	}
	sp_reader_close(r);

	/* Every prefix of whole pages is a valid profile whose events resolve. */
	char *bytes = read_file(path, &len);
	size_t pos = 8, prefixes = 0;
	REQUIRE(bytes);
	while (pos < len) {
		uint32_t size;
		memcpy(&size, bytes + pos + 1, 4);
		pos += 5 + size;
		if (sp_reader_open_mem(&r, bytes, pos, NULL) == 0) {
			prefixes++;
			for (uint64_t i = 0; i < sp_reader_num_events(r); i++) {
				sp_reader_event(r, i, &ev);
				const char *t = sp_reader_string(r, ev.id, NULL);
				CHECK(strcmp(t, "<unknown>") && strcmp(t, "<invalid>"));
			}
			sp_reader_close(r);
		}
	}
	CHECK(prefixes > 50);
	free(bytes);
}

TEST(gzip_roundtrip)
{
	struct fixture f;
	struct sp_summary *s;
	const char *path = t_tmp("gz.mm_profdata.gz");
	unsigned char magic[2] = { 0 };

	REQUIRE(fixture_open(&f, path, 9, 0) == 0);
	sp_string_id a = sp_writer_cstring(f.w, "a");
	for (int i = 0; i < 100000; i++)
		sp_writer_interval(f.w, f.query, a, 1, 10 * i, 10 * i + 7);
	REQUIRE(sp_writer_close(f.w, NULL) == 0);
	FILE *fp = fopen(path, "rb");
	REQUIRE(fp);
	CHECK(fread(magic, 1, 2, fp) == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
	fclose(fp);
	REQUIRE(sp_summarize_file(path, &s, NULL) == 0);
	CHECK_EQ_U64(s->rows[0].count, 100000);
	CHECK_EQ_I64(s->rows[0].self_ns, 700000);
	sp_summary_free(s);
}

TEST(million_events_roundtrip)
{
	struct fixture f;
	struct sp_reader *r;
	struct sp_event ev;
	const char *path = t_tmp("million.mm_profdata");
	const uint64_t n = 3000000;
	uint64_t bad = 0;

	REQUIRE(fixture_open(&f, path, 9, 0) == 0);
	sp_string_id labels[16];
	for (int i = 0; i < 16; i++) {
		char l[16];
		snprintf(l, sizeof(l), "q%d", i);
		labels[i] = sp_writer_cstring(f.w, l);
	}
	uint64_t t = 0xFFFF0000ULL;	/* crosses the 32-bit boundary */
	for (uint64_t i = 0; i < n; i++, t += 3)
		sp_writer_interval(f.w, f.query, labels[i % 16], i % 5, t, t + 2);
	CHECK_EQ_U64(sp_writer_num_events(f.w), n);
	REQUIRE(sp_writer_close(f.w, NULL) == 0);
	REQUIRE(sp_reader_open(&r, path, NULL) == 0);
	REQUIRE(sp_reader_num_events(r) == n);
	t = 0xFFFF0000ULL + 3 * (n - 1);
	for (uint64_t i = n; i-- > 0; t -= 3) {	/* backwards, as the analysis reads */
		sp_reader_event(r, i, &ev);
		bad += ev.start != t || ev.end != t + 2 || ev.thread != i % 5 || ev.id != labels[i % 16];
	}
	CHECK_EQ_U64(bad, 0);
	sp_reader_close(r);
}

/* A full disk: the file is cut back to whole pages, still readable. */
TEST(write_error_leaves_whole_pages)
{
	struct fixture f;
	struct sp_reader *r;
	struct sp_error err = { 0 };
	struct rlimit old, lim = { 300000, 300000 };
	const char *path = t_tmp("full.mm_profdata");
	struct stat st;
	int rc = 0;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	REQUIRE(fixture_open(&f, path, 9, 0) == 0);
	sp_string_id a = sp_writer_cstring(f.w, "a");
	REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	for (int i = 0; i < 100000 && !rc; i++)
		rc = sp_writer_interval(f.w, f.query, a, 1, i, i);
	CHECK(rc == SP_EIO);
	CHECK(sp_writer_last_error(f.w) != NULL);
	CHECK(sp_writer_close(f.w, &err) == SP_EIO);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK(strstr(err.msg, "write") != NULL);
	REQUIRE(stat(path, &st) == 0);
	CHECK(st.st_size <= 300000);
	REQUIRE(sp_reader_open(&r, path, &err) == 0);
	CHECK(sp_reader_num_events(r) >= 8000);
	sp_reader_close(r);
}

/* ------------------------------------------------------------ malformed input */

static int open_bytes(const void *p, size_t len, struct sp_error *err)
{
	struct sp_reader *r;
	int rc = sp_reader_open_mem(&r, p, len, err);

	if (!rc) {
		/* Whatever opened must also read without harm. */
		struct sp_event ev;
		for (uint64_t i = 0; i < sp_reader_num_events(r); i++) {
			sp_reader_event(r, i, &ev);
			sp_reader_string(r, ev.id, NULL);
			sp_reader_label_of(r, ev.id);
		}
		sp_reader_close(r);
	}
	return rc;
}

static uint8_t *valid_file(size_t *len)
{
	struct fixture f;
	const char *path = t_tmp("valid.mm_profdata");

	if (fixture_open(&f, path, 9, 0))
		return NULL;
	sp_writer_interval(f.w, f.query, sp_writer_cstring(f.w, "typeck"), 1, 1, 2);
	if (sp_writer_close(f.w, NULL))
		return NULL;
	return (uint8_t *)read_file(path, len);
}

TEST(rejects_bad_headers)
{
	struct sp_error err = { 0 };
	size_t len;
	uint8_t *good = valid_file(&len);

	REQUIRE(good);
	CHECK(open_bytes(good, len, &err) == 0);
	CHECK(open_bytes("", 0, &err) == SP_EFORMAT);
	CHECK(open_bytes("MMP", 3, &err) == SP_EFORMAT);
	CHECK(open_bytes("XXPD\x09\0\0\0", 8, &err) == SP_EFORMAT);
	CHECK(strstr(err.msg, "magic") != NULL);
	CHECK(open_bytes("MMPD\x07\0\0\0", 8, &err) == SP_EVERSION);
	CHECK(strstr(err.msg, "version 7") != NULL);
	CHECK(open_bytes("MMPD\x0a\0\0\0", 8, &err) == SP_EVERSION);
	CHECK(strstr(err.msg, "version 10") != NULL);
	CHECK(open_bytes("MMPD\x09\0\0\0", 8, &err) == SP_EFORMAT);	/* no streams */
	/* Every truncation is an error, never a crash. */
	for (size_t cut = 0; cut < len; cut++) {
		int rc = open_bytes(good, cut, &err);
		CHECK(rc == SP_EFORMAT);
	}
	free(good);
}

TEST(rejects_bad_pages)
{
	struct sp_error err = { 0 };
	size_t len;
	uint8_t *good = valid_file(&len), *bad;

	REQUIRE(good);
	REQUIRE((bad = malloc(len)));
	memcpy(bad, good, len);
	bad[8] = 3;					/* unknown tag */
	CHECK(open_bytes(bad, len, &err) == SP_EFORMAT);
	CHECK(strstr(err.msg, "tag 3") != NULL);
	memcpy(bad, good, len);
	memset(bad + 9, 0, 4);				/* zero-size page */
	CHECK(open_bytes(bad, len, &err) == SP_EFORMAT);
	memcpy(bad, good, len);
	memset(bad + 9, 0xff, 4);			/* huge page */
	CHECK(open_bytes(bad, len, &err) == SP_EFORMAT);
	CHECK(strstr(err.msg, "past the end") != NULL);
	memcpy(bad, good, len);
	bad[13] = 'X';					/* stream magic */
	CHECK(open_bytes(bad, len, &err) == SP_EFORMAT);
	CHECK(strstr(err.msg, "bad header") != NULL);
	free(bad);
	free(good);
}

/* A string table with a dangling ref, a ref cycle and an unterminated string. */
TEST(bad_strings_read_as_invalid)
{
	static const uint8_t strdata[] = {
		'M', 'M', 'S', 'D', 9, 0, 0, 0,
		/* 8: "ok" */ 'o', 'k', 0xff,
		/* 11: ref to address 1000 (dangling) */ 0xfe, 0xeb, 0x03 + 0xe1 - 0xe1, 0, 0, 0, 0, 0, 0, 0xff,
		/* 21: ref to itself: cycle */ 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		/* 31: unterminated */ 'z', 'z',
	};
	uint8_t file[512], *p = file;
	uint8_t data[sizeof(strdata)];
	struct sp_reader *r;
	struct sp_error err = { 0 };

	memcpy(data, strdata, sizeof(data));
	/* fix the refs: dangling -> 1000 + base, cycle -> 21 + base */
	uint64_t dangling = 1000 + SP_FIRST_REGULAR_ID, cycle = 21 + SP_FIRST_REGULAR_ID;
	memcpy(data + 12, &dangling, 8);
	memcpy(data + 22, &cycle, 8);
	memcpy(p, "MMPD\x09\0\0\0", 8), p += 8;
	*p++ = 1;
	uint32_t n = sizeof(data);
	memcpy(p, &n, 4), p += 4;
	memcpy(p, data, n), p += n;
	*p++ = 0, n = 8, memcpy(p, &n, 4), p += 4, memcpy(p, "MMES\x09\0\0\0", 8), p += 8;
	*p++ = 2, n = 8, memcpy(p, &n, 4), p += 4, memcpy(p, "MMSI\x09\0\0\0", 8), p += 8;
	REQUIRE(sp_reader_open_mem(&r, file, p - file, &err) == 0);
	CHECK_STR(sp_reader_string(r, 8 + SP_FIRST_REGULAR_ID, NULL), "ok");
	CHECK_STR(sp_reader_string(r, 11 + SP_FIRST_REGULAR_ID, NULL), "<invalid>");
	CHECK(strstr(sp_reader_string(r, 21 + SP_FIRST_REGULAR_ID, NULL), "<invalid>") != NULL);
	CHECK_STR(sp_reader_string(r, 31 + SP_FIRST_REGULAR_ID, NULL), "zz<invalid>");
	CHECK_STR(sp_reader_string(r, 5000000000ULL, NULL), "<invalid>");
	CHECK_STR(sp_reader_string(r, SP_METADATA_ID, NULL), "<unknown>");	/* no metadata */
	CHECK_STR(sp_reader_metadata(r)->cmd, "");
	sp_reader_close(r);
}

TEST(crate_name_from_path)
{
	char buf[64];

	sp_crate_from_path("/x/y/regex_syntax-0012345.mm_profdata", buf, sizeof(buf));
	CHECK_STR(buf, "regex_syntax");
	sp_crate_from_path("hello-1.95-default.mm_profdata", buf, sizeof(buf));
	CHECK(buf[0] != 0);
	sp_crate_from_path("foo.mm_profdata.gz", buf, sizeof(buf));
	CHECK_STR(buf, "foo");
}

/* tests/corpus: every bad-* file gives its own clear error. */
TEST(corpus_errors)
{
	static const struct { const char *file; int code; const char *says; } cases[] = {
		{ "bad-empty", SP_EFORMAT, "shorter than the 8-byte header" },
		{ "bad-magic", SP_EFORMAT, "bad magic" },
		{ "bad-version7", SP_EVERSION, "version 7" },
		{ "bad-version10", SP_EVERSION, "version 10" },
		{ "bad-truncated", SP_EFORMAT, "runs past the end" },
		{ "bad-page-header-cut", SP_EFORMAT, "truncated page header" },
		{ "bad-tag", SP_EFORMAT, "bad page tag 7" },
		{ "bad-zero-page", SP_EFORMAT, "empty string data page" },
		{ "bad-huge-page", SP_EFORMAT, "runs past the end" },
		{ "bad-no-events", SP_EFORMAT, "no events stream" },
		{ "bad-stream-magic", SP_EFORMAT, "events stream has a bad header" },
		{ "bad-partial-event", SP_EFORMAT, "not a whole number of records" },
		{ "bad-truncated-gzip", SP_EFORMAT, "gzip data is truncated" },
	};
	const char *root = getenv("SELFPROF_ROOT");
	char path[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sp_reader *r = NULL;
		struct sp_error err = { 0 };
		snprintf(path, sizeof(path), "%s/tests/corpus/%s.mm_profdata", root ? root : ".", cases[i].file);
		int rc = sp_reader_open(&r, path, &err);
		if (rc != cases[i].code || !strstr(err.msg, cases[i].says) || !strstr(err.msg, cases[i].file))
			printf("#   %s: rc %d, \"%s\"\n", cases[i].file, rc, err.msg);
		CHECK(rc == cases[i].code && strstr(err.msg, cases[i].says) && strstr(err.msg, cases[i].file));
		CHECK(r == NULL);
	}
	for (int v = 8; v <= 9; v++) {
		struct sp_summary *s;
		snprintf(path, sizeof(path), "%s/tests/corpus/seed-v%d.mm_profdata", root ? root : ".", v);
		REQUIRE(sp_summarize_file(path, &s, NULL) == 0);
		CHECK_EQ_U64(s->version, v);
		CHECK_STR(s->rows[0].label, "typeck");	/* 10 + 10 + 4 hits */
		CHECK_EQ_U64(s->rows[0].cache_hits, 4);
		CHECK_EQ_U64(s->total_ns, 25 + 10);
		sp_summary_free(s);
	}
}

/* Each string refers twice to the one before: the expansion doubles per
 * level (2^60 bytes). Found by the fuzzer; must end quickly, marked. */
TEST(exponential_refs_are_bounded)
{
	struct fixture f;
	struct sp_reader *r;
	const char *path = t_tmp("bomb.mm_profdata");
	size_t len;

	REQUIRE(fixture_open(&f, path, 9, 0) == 0);
	sp_string_id prev = sp_writer_cstring(f.w, "ab");
	for (int i = 0; i < 60; i++)
		prev = sp_writer_event_id(f.w, prev, &prev, 1);
	sp_writer_interval(f.w, f.query, prev, 1, 0, 1);
	REQUIRE(sp_writer_close(f.w, NULL) == 0);
	REQUIRE(sp_reader_open(&r, path, NULL) == 0);
	const char *t = sp_reader_string(r, prev, &len);
	CHECK(len < (32u << 20));
	CHECK(strstr(t, "<invalid>") != NULL);
	CHECK_STR(sp_reader_label_text(r, sp_reader_label_of(r, prev)), "ab");
	sp_reader_close(r);
}

/* Metadata written again (totals at the end) replaces the early one. */
TEST(metadata_written_twice_later_wins)
{
	struct fixture f;
	struct sp_reader *r;
	const char *path = t_tmp("meta2.mm_profdata");
	struct sp_metadata late = { .start_time_ns = 5, .pid = 4242, .cmd = "rustc late" };

	REQUIRE(fixture_open(&f, path, 9, 0) == 0);
	sp_writer_interval(f.w, f.query, sp_writer_cstring(f.w, "a"), 1, 0, 1);
	CHECK(sp_writer_flush(f.w) == 0);
	CHECK(sp_writer_metadata(f.w, &late, "\"lost_events\": 3") == 0);
	REQUIRE(sp_writer_close(f.w, NULL) == 0);
	REQUIRE(sp_reader_open(&r, path, NULL) == 0);
	CHECK_STR(sp_reader_metadata(r)->cmd, "rustc late");
	CHECK(strstr(sp_reader_metadata(r)->json, "\"lost_events\": 3") != NULL);
	sp_reader_close(r);
}

/* sp_writer_create_fd: the caller's fd, named for messages, never closed;
 * gzip when the name ends in .gz; a bad fd is refused. */
TEST(writer_on_callers_fd)
{
	const char *plain = t_tmp("fd.mm_profdata"), *gz = t_tmp("fd-gz.bin");
	struct sp_writer *w;
	struct sp_error err = { 0 };
	struct sp_summary *s;
	unsigned char magic[2] = { 0 };
	sp_string_id q, a;

	for (int pass = 0; pass < 2; pass++) {
		const char *path = pass ? gz : plain;
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		REQUIRE(fd >= 0);
		REQUIRE(sp_writer_create_fd(&w, fd, pass ? "named.mm_profdata.gz" : "named",
					    NULL, &err) == 0);
		q = sp_writer_cstring(w, "Query");
		a = sp_writer_cstring(w, "a");
		for (int i = 0; i < 1000; i++)
			CHECK(sp_writer_interval(w, q, a, 1, 10 * i, 10 * i + 7) == 0);
		REQUIRE(sp_writer_close(w, NULL) == 0);
		CHECK(fcntl(fd, F_GETFD) >= 0);		/* still the caller's */
		CHECK(fsync(fd) == 0);
		close(fd);
		FILE *fp = fopen(path, "rb");
		REQUIRE(fp);
		CHECK(fread(magic, 1, 2, fp) == 2);
		fclose(fp);
		/* the name, not the path, chose gzip */
		CHECK((magic[0] == 0x1f && magic[1] == 0x8b) == (pass == 1));
		REQUIRE(sp_summarize_file(path, &s, NULL) == 0);
		CHECK_EQ_U64(s->rows[0].count, 1000);
		CHECK_EQ_I64(s->rows[0].self_ns, 7000);
		sp_summary_free(s);
		unlink(path);
	}
	/* a write error is reported under the name given */
	int ro = open(plain, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	REQUIRE(ro >= 0);
	CHECK(sp_writer_create_fd(&w, ro, "shown-name", NULL, &err) == SP_EIO);
	CHECK(strncmp(err.msg, "shown-name: ", 12) == 0);
	CHECK(fcntl(ro, F_GETFD) >= 0);
	close(ro);
	unlink(plain);
	CHECK(sp_writer_create_fd(&w, -1, "x", NULL, &err) == SP_EINVAL);
	CHECK(w == NULL);
}
