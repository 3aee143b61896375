// SPDX-License-Identifier: MIT
/*
 * gen_dumps DIR NCRATES NQUERIES VARIANT: synthetic per-crate dumps for the
 * scale test of `selfprof compare` (a build of NCRATES crates with NQUERIES
 * labels each), written with libselfprof's writer. VARIANT 0 is the base,
 * 1 the new build: deterministic times that change per label, a crate and
 * some labels present in one variant only, a crate written as two dumps in
 * variant 1 (to be summed), and a crate whose labels need escaping in HTML.
 *
 * Build: cc -Itools/lib/selfprof gen_dumps.c build/lib/libselfprof.a -lz
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selfprof.h"

/* Labels that must survive JSON inside <script> and HTML rendering. */
static const char *const nasty[] = {
	"</script><script>document.title='pwned'</script>",
	"<!-- not a comment",
	"quote\" back\\slash & <b>bold</b>",
	"naïve ∆ label",
};

/* A small deterministic hash so both variants agree on what stays the same. */
static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	return x ^ (x >> 29);
}

static void label_of(char *buf, size_t size, unsigned c, unsigned q)
{
	static const char *const stem[] = {
		"typeck", "mir_borrowck", "optimized_mir", "codegen_module", "type_of",
		"predicates_of", "LLVM_module_optimize", "check_mod_privacy", "layout_of",
		"evaluate_obligation",
	};

	if (c == 1 && q < sizeof(nasty) / sizeof(nasty[0]))
		snprintf(buf, size, "%s", nasty[q]);
	else
		snprintf(buf, size, "%s_%03u", stem[q % 10], q);
}

/* Duration of label q of crate c in a variant: the new build is 0.5x-1.5x. */
static uint64_t duration_of(unsigned c, unsigned q, int variant)
{
	uint64_t h = mix(c, q);
	uint64_t d = 1000 + h % 3000000;

	if ((h >> 40) % 8 == 0)	/* a few heavy labels, as in real builds */
		d *= 20;

	if (variant)
		d = d * (50 + mix(h, 7) % 101) / 100;
	return d;
}

/* Is label q of crate c in this variant? Every 50th only in base, every 45th only in new. */
static int has_label(unsigned q, unsigned nq, int variant)
{
	if (q >= nq)
		return variant == 1 && q < nq + nq / 45;
	return !(variant == 1 && q % 50 == 49);
}

static int write_dump(const char *dir, unsigned c, unsigned pid, unsigned nq, int variant)
{
	char path[4096], label[256], cmd[128];
	struct sp_writer *w;
	struct sp_error err = { 0 };
	sp_string_id query, id;
	uint64_t t = 1000, d, n;

	snprintf(path, sizeof(path), "%s/crate_%03u-%07u.mm_profdata", dir, c, pid);
	if (sp_writer_create(&w, path, NULL, &err) < 0) {
		fprintf(stderr, "gen_dumps: %s: %s\n", path, err.msg);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "rustc --crate-name crate_%03u", c);
	sp_writer_metadata(w, &(struct sp_metadata){ .start_time_ns = 1700000000000000000ULL,
		.pid = pid, .cmd = cmd, .counter = "wall-time" }, NULL);
	/* Sequential intervals on one thread: each label's self time is its time. */
	query = sp_writer_cstring(w, "Query");
	for (unsigned q = 0; q < nq + nq / 45; q++) {
		if (!has_label(q, nq, variant))
			continue;
		label_of(label, sizeof(label), c, q);
		id = sp_writer_cstring(w, label);
		d = duration_of(c, q, variant);
		n = 1 + mix(c, q) % 3;
		for (uint64_t i = 0; i < n; i++, t += d / n + 10)
			sp_writer_interval(w, query, id, 0, t, t + d / n);
	}
	if (sp_writer_close(w, &err) < 0) {
		fprintf(stderr, "gen_dumps: %s: %s\n", path, err.msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned ncrates, nq;
	int variant;

	if (argc != 5) {
		fprintf(stderr, "usage: gen_dumps DIR NCRATES NQUERIES VARIANT(0|1)\n");
		return 2;
	}
	ncrates = (unsigned)atoi(argv[2]);
	nq = (unsigned)atoi(argv[3]);
	variant = atoi(argv[4]);
	for (unsigned c = 0; c < ncrates; c++) {
		/* The last crate is only in the new build, the one before only in the base. */
		if ((c == ncrates - 1 && !variant) || (c == ncrates - 2 && variant))
			continue;
		if (write_dump(argv[1], c, 1000 + c, nq, variant))
			return 1;
		if (c == 0 && variant && write_dump(argv[1], c, 50000, nq, variant))
			return 1;
	}
	return 0;
}
