/* SPDX-License-Identifier: MIT */
/*
 * selfprof-bpf's command line, parsed strictly (a number is all digits,
 * in range), and its exit codes: one table for every failure of its own.
 */
#ifndef SELFPROF_OPTIONS_H
#define SELFPROF_OPTIONS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "driver.h"
#include "report.h"

#define TOOL_VERSION	"1.1"

/* Exit codes of selfprof-bpf's own failures (otherwise: the command's). */
enum {
	EXIT_USAGE = 64,	/* bad options; -p on a process the user could not ptrace */
	EXIT_PRIV = 65,		/* not root, no CAP_BPF + CAP_PERFMON */
	EXIT_BTF = 66,		/* no /sys/kernel/btf/vmlinux */
	EXIT_NOLIB = 67,	/* librustc_driver not found, unreadable or refused */
	EXIT_NOPROBES = 68,	/* no probe points in it */
	EXIT_BPF = 69,		/* loading or attaching BPF failed */
	EXIT_OUTPUT = 70,	/* output unusable, or a dump cut short (disk full) */
	EXIT_OS = 71,		/* out of memory, fork or another system call failed */
	EXIT_NOEXEC = 126,	/* CMD found but not executable */
	EXIT_NOTFOUND = 127,	/* CMD not found */
};

struct opts {
	const char *out;
	const char *lib;
	pid_t pid;
	enum report_summary summary;
	bool correction;
	long cost_ns;		/* >= 0: fixed per-hit cost instead of calibrating */
	bool list;
	bool list_hooks;	/* --list-hooks: with list */
	bool verbose;
	struct driver_opts drv;
	uint32_t ringbuf_bytes;
	char **cmd;
};

/* 0, or -1 after a one-line message (then usage applies). Exits 0 for
 * --help and --version. */
int opts_parse(int argc, char **argv, struct opts *o);
void opts_usage(FILE *f);

/* "selfprof-bpf: " + the message + newline on stderr; returns code. */
int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


#endif
