// SPDX-License-Identifier: MIT
/*
 * The unit-test harness itself (tests/unit/test.h): more registrations than
 * its old fixed table of 512 held, and SKIP() as TAP "# skip reason".
 */
#include <sys/wait.h>

#include "test.h"

/* harness_many (tests/unit/harness_many.c, built beside this binary but
 * not run by tests/run.sh): 640 trivial tests, more than the old fixed
 * table of 512 held. All must be registered and run. */
TEST(every_registration_kept)
{
	char cmd[600], line[512];
	int plan = 0, ok = 0, status;
	FILE *p;

	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	REQUIRE(n > 0);
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(cmd, sizeof(cmd), "'%s/harness_many'", self);
	p = popen(cmd, "r");
	REQUIRE(p);
	while (fgets(line, sizeof(line), p)) {
		sscanf(line, "1..%d", &plan);
		ok += !strncmp(line, "ok ", 3);
	}
	status = pclose(p);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ_I64(plan, 640);
	CHECK_EQ_I64(ok, 640);
}

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
	CHECK_EQ_I64(filtered, 2);	/* the other two tests here */
}
