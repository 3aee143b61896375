// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include "uprobe_multi.h"

/* BPF_LINK_CREATE's attr for this link type, as the kernel defines it
 * (include/uapi/linux/bpf.h, link_create.uprobe_multi). Trailing bytes the
 * kernel does not know must be zero, so the whole struct is zeroed. */
struct link_create_uprobe_multi {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags;
	uint32_t pid;
	uint32_t pad;
};

#define SP_F_UPROBE_MULTI_RETURN	1	/* the kernel's BPF_F_UPROBE_MULTI_RETURN */

int uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, size_t n, enum uprobe_multi_how how, pid_t pid)
{
	struct link_create_uprobe_multi attr;
	long fd;

	if (n == 0 || n > UINT32_MAX)
		return -EINVAL;
	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = prog_fd;
	attr.attach_type = how == UPROBE_MULTI_SESSION ? SP_BPF_TRACE_UPROBE_SESSION
						       : SP_BPF_TRACE_UPROBE_MULTI;
	attr.path = (uint64_t)(uintptr_t)path;
	attr.offsets = (uint64_t)(uintptr_t)offsets;
	attr.cookies = (uint64_t)(uintptr_t)cookies;
	attr.cnt = (uint32_t)n;
	attr.multi_flags = how == UPROBE_MULTI_RETURN ? SP_F_UPROBE_MULTI_RETURN : 0;
	attr.pid = (uint32_t)pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : (int)fd;
}
