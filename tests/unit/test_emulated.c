// SPDX-License-Identifier: MIT
/* emulated.c: which first instructions the kernel emulates, so that each
 * entry probe is charged the cost of the way it is handled. The byte
 * strings are first instructions of rustc 1.95's query providers. */
#include "test.h"
#include "emulated.h"

#define EMU(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; insn_emulated(b_, sizeof(b_)); })

TEST(pushes_and_direct_branches_are_emulated)
{
	CHECK(EMU(0x55));			/* push %rbp */
	CHECK(EMU(0x41, 0x57));			/* push %r15 */
	CHECK(EMU(0xe9, 0x10, 0x00, 0x00, 0x00));	/* jmp rel32 */
	CHECK(EMU(0xeb, 0x05));			/* jmp rel8 */
	CHECK(EMU(0x74, 0x05));			/* je rel8 */
	CHECK(EMU(0x0f, 0x85, 0, 0, 0, 0));	/* jne rel32 */
	CHECK(EMU(0xe8, 0, 0, 0, 0));		/* call rel32 */
	CHECK(EMU(0x90));			/* nop */
	CHECK(EMU(0x66, 0x90));			/* xchg %ax,%ax */
	CHECK(EMU(0x0f, 0x1f, 0x44, 0x00, 0x00));	/* nopl 0x0(%rax,%rax,1) */
	CHECK(EMU(0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00));	/* nopw */
}

TEST(what_query_thunks_begin_with_is_single_stepped)
{
	CHECK(!EMU(0xff, 0xa7, 0x40, 0xe5, 0x01, 0x00));	/* jmp *0x1e540(%rdi) */
	CHECK(!EMU(0x48, 0x8b, 0x87, 0x38, 0xe1, 0x01, 0x00));	/* mov 0x1e138(%rdi),%rax */
	CHECK(!EMU(0x48, 0x85, 0xff));			/* test %rdi,%rdi */
	CHECK(!EMU(0x48, 0x83, 0xec, 0x28));		/* sub $0x28,%rsp */
	CHECK(!EMU(0xc3));				/* ret */
	CHECK(!EMU(0x48, 0x55));			/* push with REX.W */
	CHECK(!EMU(0x66, 0x55));			/* push %bp */
	CHECK(!EMU(0xff, 0x15, 0, 0, 0, 0));		/* call *GOT(%rip) */
	CHECK(!EMU(0x0f, 0x1f));			/* a nop cut short */
	CHECK(!EMU(0x41));				/* a REX prefix cut short */
	CHECK(!EMU(0x0f));
	CHECK(!insn_emulated(NULL, 0));
}
