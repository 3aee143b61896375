// SPDX-License-Identifier: MIT
#include "emulated.h"

/* Nops the kernel emulates: 0x90 (pause and `xchg %ax,%ax` are 0x90
 * behind a prefix) and the multi-byte `0f 1f /0`, each maybe behind 0x66. */
static bool is_nop(const uint8_t *code, size_t n)
{
	size_t i = 0;

	while (i < n && i < 4 && (code[i] == 0x66 || code[i] == 0xf3))
		i++;
	if (i < n && code[i] == 0x90)
		return true;
	return i + 2 < n && code[i] == 0x0f && code[i + 1] == 0x1f && ((code[i + 2] >> 3) & 7) == 0;
}

/* The plainly encoded forms of the kernel's branch, push and nop
 * emulation; anything else (other prefixes, indirect, any other opcode)
 * is taken as single-stepped. */
bool insn_emulated(const uint8_t *code, size_t n)
{
	if (n < 1)
		return false;
	if (is_nop(code, n))
		return true;
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
