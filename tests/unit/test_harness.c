// SPDX-License-Identifier: MIT
/*
 * The unit-test harness itself (tests/unit/test.h): more registrations than
 * its old fixed table of 512 held, and SKIP() as TAP "# skip reason".
 */
#include <sys/wait.h>

#include "test.h"

static int t_many_ran;
#define T_OWN_TESTS 3	/* the TESTs below */
#define T_MANY 640

TEST(every_registration_kept)
{
	/* All 643 are in the table (the old harness kept the first 512). */
	CHECK_EQ_I64(t_ncases, T_MANY + T_OWN_TESTS);
}

/* Skips when run by skip_is_reported_as_tap_skip (T_HARNESS_CHILD set);
 * otherwise nothing to do. */
TEST(skip_child)
{
	if (getenv("T_HARNESS_CHILD"))
		SKIP("asked to skip");
}

/* Run this binary's skip_child alone and read its TAP. */
TEST(skip_is_reported_as_tap_skip)
{
	char cmd[600], line[512];
	int skipped = 0, plain_ok = 0, not_ok = 0, filtered = 0, status;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "T_HARNESS_CHILD=1 /proc/%d/exe skip_child", (int)getpid());
	p = popen(cmd, "r");
	REQUIRE(p);
	while (fgets(line, sizeof(line), p)) {
		if (strstr(line, " skip_child # skip asked to skip\n") && !strncmp(line, "ok ", 3))
			skipped++;
		else if (strstr(line, "# skip filtered"))
			filtered++;
		else if (!strncmp(line, "ok ", 3))
			plain_ok++;
		else if (!strncmp(line, "not ok ", 7))
			not_ok++;
	}
	status = pclose(p);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ_I64(skipped, 1);
	CHECK_EQ_I64(plain_ok, 0);
	CHECK_EQ_I64(not_ok, 0);
	CHECK_EQ_I64(filtered, T_MANY + T_OWN_TESTS - 1);
}

/* 640 trivial tests, registered by constructors like every other test,
 * after the ones above (constructors run in definition order): a harness
 * that drops registrations drops these and every_registration_kept fails. */
#define T1(p)	TEST(many_##p) { t_many_ran++; }
#define T10(p)	T1(p##0) T1(p##1) T1(p##2) T1(p##3) T1(p##4) T1(p##5) T1(p##6) T1(p##7) T1(p##8) T1(p##9)
#define T100(p)	T10(p##0) T10(p##1) T10(p##2) T10(p##3) T10(p##4) T10(p##5) T10(p##6) T10(p##7) \
		T10(p##8) T10(p##9)
T100(a) T100(b) T100(c) T100(d) T100(e) T100(f) T10(g0) T10(g1) T10(g2) T10(g3)
