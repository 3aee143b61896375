/* SPDX-License-Identifier: MIT */
/*
 * Which probed instructions the kernel emulates. A uprobe's trap on x86
 * either emulates the instruction it replaced (push of a register, a
 * direct jmp, jcc or call: arch/x86/kernel/uprobes.c) or single-steps a
 * copy of it out of line, which costs about ten times as much (a `mov`
 * or `test` first, as in rustc's query thunks). The time correction
 * charges each probe the cost of the way it is handled.
 */
#ifndef SELFPROF_EMULATED_H
#define SELFPROF_EMULATED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does the kernel emulate the x86-64 instruction at code (n bytes)? */
bool insn_emulated(const uint8_t *code, size_t n);

#endif
