/* SPDX-License-Identifier: MIT */
/*
 * File-system operations with the invoking user's rights. selfprof-bpf runs
 * as root (sudo) on a user's behalf; whatever it creates or opens for that
 * user (dumps, the output directory) is done with the user's fsuid, fsgid
 * and supplementary groups for the duration of the call. The kernel then
 * checks permissions as for the user, drops CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH, CAP_FOWNER... from the effective set while fsuid is
 * not 0, and new files belong to the user. Root's credentials come back
 * right after each call.
 *
 * fsuid and supplementary groups are per thread: the process must be
 * single-threaded (asuser_init checks it).
 *
 * Without a user to act for (no sudo, or sudo to root) every call is the
 * plain one. Last components are never followed when they are symlinks.
 */
#ifndef SELFPROF_ASUSER_H
#define SELFPROF_ASUSER_H
#include <stdbool.h>
#include <sys/types.h>

struct invoker;

struct asuser {
	bool active;		/* switch credentials around each call */
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* the user's supplementary groups */
	int ngroups;
	gid_t *root_groups;	/* ours, restored after each call */
	int nroot_groups;
};

/* From the invoker (inactive unless inv->drop). 0, or -errno (-EDEADLK:
 * more than one thread). */
int asuser_init(struct asuser *as, const struct invoker *inv);
void asuser_free(struct asuser *as);

/* openat as the user, with O_NOFOLLOW (unless O_DIRECTORY) and O_CLOEXEC
 * added. Returns the fd or -errno (-ELOOP: the last component is a symlink). */
int asuser_openat(const struct asuser *as, int dirfd, const char *path, int flags, mode_t mode);

/* Create a dump: O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644, as the
 * user; an existing file must be a regular file. Returns the fd or -errno
 * (-ELOOP: a symlink, -EINVAL: not a regular file). */
int asuser_create(const struct asuser *as, int dirfd, const char *name);

/* mkdir as the user. 0 or -errno. */
int asuser_mkdirat(const struct asuser *as, int dirfd, const char *path, mode_t mode);

/* Whether the user may create files in the directory dirfd (write and
 * search permission, checked by the kernel with the user's credentials).
 * 0 or -errno. */
int asuser_dir_writable(const struct asuser *as, int dirfd);

/* Before creating name in dirfd: 0 if it is absent or a regular file the
 * user may write; -ELOOP (a symlink), -EINVAL (not a regular file) or
 * -EACCES otherwise. */
int asuser_file_writable(const struct asuser *as, int dirfd, const char *name);

/* Whether the invoking user could ptrace pid: a forked child that fully
 * becomes the user (groups, gid, uid: real, effective and saved, so no
 * capability is left) opens /proc/PID/mem, for which the kernel checks
 * PTRACE_MODE_ATTACH, Yama included. 0: yes (or no user to act for,
 * !inv->drop), -EACCES/-EPERM: no, -ENOENT: no such process, other
 * -errno: the check itself failed. */
int asuser_may_ptrace(const struct invoker *inv, pid_t pid);

/* open(path, flags) as the user, following symlinks (for reading what
 * they name, never for creating). The fd, or -errno. */
int asuser_open_following(const struct asuser *as, const char *path, int flags);

/* Could the user run path (a regular file they may execute, reached by
 * their own lookup)? 0, -ENOENT, or -EACCES. */
int asuser_executable(const struct asuser *as, const char *path);

/* A one-line reason for an asuser_* error on path. */
const char *asuser_strerror(int err);

#endif
