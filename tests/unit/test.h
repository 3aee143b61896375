/* SPDX-License-Identifier: MIT */
/*
 * A minimal unit-test harness: each tests/unit/test_*.c is one binary that
 * includes this header once. TEST(name) registers a test; CHECK* record a
 * failure (file:line) and go on. Output is TAP, read by tests/run.sh.
 */
#ifndef SELFPROF_TEST_H
#define SELFPROF_TEST_H
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct t_case { const char *name; void (*fn)(void); };
static struct t_case *t_cases;
static int t_ncases, t_cap, t_failed_checks;
static const char *t_skip_reason;	/* set by SKIP() in the running test */

/* Registrations grow the table as needed; running out of memory at
 * startup is fatal, never a test silently left out. */
static inline void t_register(const char *name, void (*fn)(void))
{
	if (t_ncases == t_cap) {
		int cap = t_cap ? 2 * t_cap : 64;
		struct t_case *c = realloc(t_cases, (size_t)cap * sizeof(*c));

		if (!c) {
			fprintf(stderr, "test harness: cannot register %s: out of memory\n", name);
			exit(2);
		}
		t_cases = c;
		t_cap = cap;
	}
	t_cases[t_ncases++] = (struct t_case){ name, fn };
}

#define TEST(name) \
	static void name(void); \
	__attribute__((constructor)) static void t_reg_##name(void) { t_register(#name, name); } \
	static void name(void)

#define CHECK(cond) do { if (!(cond)) { \
	printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
	t_failed_checks++; } } while (0)
#define CHECK_EQ_U64(a, b) do { uint64_t t_a = (a), t_b = (b); if (t_a != t_b) { \
	printf("#   %s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 "\n", \
	       __FILE__, __LINE__, #a, #b, t_a, t_b); t_failed_checks++; } } while (0)
#define CHECK_EQ_I64(a, b) do { int64_t t_a = (a), t_b = (b); if (t_a != t_b) { \
	printf("#   %s:%d: %s == %s failed: %" PRId64 " != %" PRId64 "\n", \
	       __FILE__, __LINE__, #a, #b, t_a, t_b); t_failed_checks++; } } while (0)
#define CHECK_STR(a, b) do { const char *t_a = (a), *t_b = (b); \
	if (!t_a || !t_b || strcmp(t_a, t_b)) { \
	printf("#   %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
	       #a, #b, t_a ? t_a : "(null)", t_b ? t_b : "(null)"); t_failed_checks++; } } while (0)
/* Stop the current test (after a failed precondition). */
#define REQUIRE(cond) do { if (!(cond)) { \
	printf("#   %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond); \
	t_failed_checks++; return; } } while (0)

/* Stop the current test and report it as skipped (TAP "# skip reason"),
 * when what it needs is not there (root, a toolchain, a tool). Checks that
 * failed before the SKIP still fail the test. */
#define SKIP(reason) do { t_skip_reason = (reason); \
	printf("#   %s:%d: skip: %s\n", __FILE__, __LINE__, t_skip_reason); return; } while (0)

/* A scratch path under $TMPDIR, unique per test binary run. */
static inline const char *t_tmp(const char *name)
{
	static char buf[8][512];
	static int slot;
	const char *dir = getenv("TMPDIR");
	char *p = buf[slot++ % 8];
	snprintf(p, 512, "%s/sp-unit-%d-%s", dir && *dir ? dir : "/tmp", (int)getpid(), name);
	return p;
}

int main(int argc, char **argv)
{
	int failed = 0;
	printf("1..%d\n", t_ncases);
	for (int i = 0; i < t_ncases; i++) {
		if (argc > 1 && !strstr(t_cases[i].name, argv[1])) {
			printf("ok %d %s # skip filtered\n", i + 1, t_cases[i].name);
			continue;
		}
		int before = t_failed_checks;
		t_skip_reason = NULL;
		t_cases[i].fn();
		int ok = t_failed_checks == before;
		failed += !ok;
		if (ok && t_skip_reason)
			printf("ok %d %s # skip %s\n", i + 1, t_cases[i].name, t_skip_reason);
		else
			printf("%sok %d %s\n", ok ? "" : "not ", i + 1, t_cases[i].name);
		fflush(stdout);
	}
	free(t_cases);
	return failed ? 1 : 0;
}
#endif
