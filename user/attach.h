/* SPDX-License-Identifier: MIT */
/*
 * Attach one entry and one return program to a list of file offsets:
 * preferably as two uprobe_multi links, else (older kernels) one perf
 * uprobe per offset and direction through libbpf.
 */
#ifndef SELFPROF_ATTACH_H
#define SELFPROF_ATTACH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_program;
struct bpf_link;

#define ATTACH_MAX_GROUPS	6

enum attach_method {
	ATTACH_MULTI,	/* two uprobe_multi links (programs loaded for it) */
	ATTACH_PERF,	/* 2*n perf-event uprobes */
};

struct attachment {
	enum attach_method method;
	int link_fds[ATTACH_MAX_GROUPS];	/* ATTACH_MULTI: one link per group */
	int nfds;			/* link_fds in use */
	struct bpf_link **links;	/* ATTACH_PERF */
	size_t nlinks;
};

const char *attach_method_name(enum attach_method m);

/* Where programs go: file offsets with their cookies. */
struct attach_sites {
	const uint64_t *offsets;
	const uint64_t *cookies;
	size_t n;
};

/* How a group's program fires: entry uprobes, return probes, or a uprobe
 * session (entry and return in one program: uprobe_multi only). */
enum attach_how {
	ATTACH_ENTRY,
	ATTACH_RETURN,
	ATTACH_SESSION,
};

/* One program on a set of sites. */
struct attach_group {
	const struct bpf_program *prog;
	struct attach_sites sites;
	enum attach_how how;
};

/* Attach every group (empty ones are skipped) to path; pid 0 = all
 * processes. Returns 0, or -errno with a one-line message in err; on
 * failure nothing stays attached. Put exit groups before entry groups, so
 * that no frame opens before its exit is in place. */
int attach_points(struct attachment *a, enum attach_method m, const char *path,
		  const struct attach_group *g, size_t ng, pid_t pid, char *err, size_t errlen);

/* Detach everything (safe on a zeroed or already released attachment). */
void attach_release(struct attachment *a);

#endif
