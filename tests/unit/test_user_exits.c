// SPDX-License-Identifier: MIT
/* exits.c against this test binary itself: the calibration target (a
 * push/mov/pop/ret function in user/calibrate.c) must give exactly one
 * exit site, at its `ret`; a tail-calling function gets a return probe. */
#include <unistd.h>
#include "test.h"
#include "calibrate.h"
#include "elfsyms.h"
#include "exits.h"
#include "probes.h"

/* A function that leaves by a tail call, like rustc's provider wrappers. */
__asm__(".text\n"
	".globl t_tailcaller\n"
	".type t_tailcaller, @function\n"
	"t_tailcaller:\n"
	"	jmp *%rdi\n"
	".size t_tailcaller, .-t_tailcaller\n");
void t_tailcaller(void);
void sp_calib_target(void);

static uint64_t cookie_of(const struct probe_set *set, size_t i)
{
	return 1000 + i;
}

static int self_path(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

TEST(ret_site_of_calibration_target)
{
	uint64_t entry, exit;
	char path[4096], err[256];
	struct probe_point pts[2] = { { 0 } };
	struct probe_set set = { 0 };
	struct exit_sites x = { 0 };
	struct elfsyms *ef;

	REQUIRE(self_path(path, sizeof(path)) == 0);
	REQUIRE(calibrate_target_location(path, sizeof(path), &entry, &exit) == 0);
	REQUIRE(elfsyms_open(path, &ef, err, sizeof(err)) == 0);
	/* Points are named by symbol value (st_value). In this PIE the text
	 * segment's addresses equal its file offsets, so the entry's file
	 * offset is the symbol value; the tail caller sits at the same
	 * distance from it as at run time. */
	pts[0].label = "target";
	pts[1].label = "tailcaller";
	set.points = pts;
	set.n = 2;
	set.lib_path = path;
	set.elf = set.syms = ef;	/* as probes_discover leaves them */
	pts[0].addr = entry;
	pts[1].addr = entry + ((uintptr_t)t_tailcaller - (uintptr_t)sp_calib_target);
	pts[0].offset = entry;
	REQUIRE(exits_find(&set, cookie_of, &x, err, sizeof(err)) == 0);
	CHECK_EQ_U64(x.n, 1);
	if (x.n == 1) {
		CHECK_EQ_U64(x.offsets[0], exit);
		CHECK_EQ_U64(x.cookies[0], 1000);
	}
	CHECK_EQ_U64(x.uret[0], 0);
	CHECK_EQ_U64(x.uret[1], 1);
	CHECK_EQ_U64(x.tailcalls, 1);
	exits_free(&x);
	elfsyms_close(ef);
}
