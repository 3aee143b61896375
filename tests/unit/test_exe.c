// SPDX-License-Identifier: MIT
/* exe.c: which process a pid names. A held exec and a watchdog's signal
 * must reach the process BPF saw, never a later one given its pid. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test.h"
#include "exe.h"

static uint64_t tick_ns(void)
{
	return 1000000000ULL / sysconf(_SC_CLK_TCK);
}

TEST(started_at_names_this_process_only)
{
	unsigned long long ticks = exe_start_ticks(getpid());

	REQUIRE(ticks > 0);
	/* BPF's start_boottime is in ns; /proc counts whole ticks of it */
	CHECK(exe_started_at(getpid(), ticks * tick_ns()));
	CHECK(exe_started_at(getpid(), ticks * tick_ns() + tick_ns() - 1));
	CHECK(!exe_started_at(getpid(), (ticks + 1) * tick_ns()));
	CHECK(!exe_started_at(getpid(), 0));
}

TEST(started_at_refuses_a_gone_process)
{
	pid_t child = fork();
	unsigned long long ticks;

	REQUIRE(child >= 0);
	if (!child) {
		pause();
		_exit(0);
	}
	ticks = exe_start_ticks(child);
	REQUIRE(ticks > 0);
	CHECK(exe_started_at(child, ticks * tick_ns()));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	CHECK(!exe_started_at(child, ticks * tick_ns()));
}
