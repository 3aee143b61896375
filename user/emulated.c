// SPDX-License-Identifier: MIT
#include "emulated.h"

/* Only the plainly encoded forms of the kernel's branch and push
 * emulation; anything else (prefixed, indirect, any other opcode) is
 * taken as single-stepped. */
bool insn_emulated(const uint8_t *code, size_t n)
{
	if (n < 1)
		return false;
	if (code[0] >= 0x50 && code[0] <= 0x57)		/* push %rax..%rdi */
		return true;
	if (n >= 2 && code[0] == 0x41 && code[1] >= 0x50 && code[1] <= 0x57)
		return true;				/* push %r8..%r15 */
	if (code[0] == 0xe8 || code[0] == 0xe9 || code[0] == 0xeb)
		return true;				/* call/jmp rel */
	if (code[0] >= 0x70 && code[0] <= 0x7f)		/* jcc rel8 */
		return true;
	return n >= 2 && code[0] == 0x0f && code[1] >= 0x80 && code[1] <= 0x8f;	/* jcc rel32 */
}
