/* SPDX-License-Identifier: MIT */
/*
 * uprobe_multi links through the raw bpf() syscall: libbpf 1.1 has no
 * helper for them, but the kernel (>= 6.6) has the link type, and one link
 * attaches a program to hundreds of offsets in one call.
 */
#ifndef SELFPROF_UPROBE_MULTI_H
#define SELFPROF_UPROBE_MULTI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The expected_attach_types the programs are loaded with (the installed
 * uapi header predates them): uprobe_multi links, and uprobe sessions
 * (one program for entry and return; the entry can decline the return). */
#define SP_BPF_TRACE_UPROBE_MULTI	48
#define SP_BPF_TRACE_UPROBE_SESSION	57

enum uprobe_multi_how {
	UPROBE_MULTI_ENTRY,
	UPROBE_MULTI_RETURN,	/* fire on return instead of entry */
	UPROBE_MULTI_SESSION,	/* both, for programs loaded as sessions */
};

/*
 * Attach prog_fd at every offsets[i] of the file at path, with cookies[i]
 * (may be NULL) readable through bpf_get_attach_cookie(). pid 0: every
 * process mapping the file. Returns the link fd, or -errno.
 */
int uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, size_t n, enum uprobe_multi_how how, pid_t pid);

#endif
