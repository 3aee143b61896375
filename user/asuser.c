// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "asuser.h"
#include "child.h"

/* Threads in this process, from /proc/self/task; -1 if unknown. */
static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The user's groups as initgroups() would set them. */
static int user_groups(const struct invoker *inv, gid_t **out, int *n)
{
	int cap = 64;

	*out = NULL;
	*n = 0;
	if (!inv->name[0]) {
		*out = malloc(sizeof(gid_t));
		if (!*out)
			return -ENOMEM;
		(*out)[0] = inv->gid;
		*n = 1;
		return 0;
	}
	for (;;) {
		gid_t *g = realloc(*out, cap * sizeof(*g));
		int k = cap;

		if (!g)
			return -ENOMEM;
		*out = g;
		if (getgrouplist(inv->name, inv->gid, g, &k) >= 0) {
			*n = k;
			return 0;
		}
		if (k <= cap)
			k = cap * 2;
		cap = k;
	}
}

int asuser_init(struct asuser *as, const struct invoker *inv)
{
	int r, n;

	memset(as, 0, sizeof(*as));
	if (!inv->drop)
		return 0;
	/* fsuid and groups are per thread: one thread, or nothing is safe */
	if (count_threads() != 1)
		return -EDEADLK;
	r = user_groups(inv, &as->groups, &as->ngroups);
	if (r)
		return r;
	n = getgroups(0, NULL);
	if (n < 0 || !(as->root_groups = calloc(n ? n : 1, sizeof(gid_t))) ||
	    (n = getgroups(n, as->root_groups)) < 0) {
		r = n < 0 ? -errno : -ENOMEM;
		asuser_free(as);
		return r;
	}
	as->nroot_groups = n;
	as->uid = inv->uid;
	as->gid = inv->gid;
	as->active = true;
	return 0;
}

void asuser_free(struct asuser *as)
{
	free(as->groups);
	free(as->root_groups);
	memset(as, 0, sizeof(*as));
}

/*
 * The effective capabilities, all of them cleared while acting as the
 * user (the permitted set stays, so they come back): fsuid alone clears
 * only the file-system ones, and CAP_SYS_PTRACE would still let a path
 * like /proc/PID/root/... through to another process's files.
 */
static struct __user_cap_data_struct saved_caps[_LINUX_CAPABILITY_U32S_3];
static bool caps_saved;

static int set_effective(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (on) {
		if (!caps_saved)
			return 0;	/* never cleared */
		caps_saved = false;
		return syscall(SYS_capset, &h, saved_caps) ? -errno : 0;
	}
	if (syscall(SYS_capget, &h, saved_caps))
		return -errno;
	caps_saved = true;
	memcpy(d, saved_caps, sizeof(d));
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		d[i].effective = 0;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static void leave(const struct asuser *as)
{
	if (!as->active)
		return;
	/* capabilities first: setfsuid and setgroups need them */
	if (set_effective(true)) {
		fprintf(stderr, "selfprof-bpf: cannot restore capabilities\n");
		abort();
	}
	/* fsuid back to 0 gives the file capabilities back */
	setfsuid(geteuid());
	setfsgid(getegid());
	if (setgroups(as->nroot_groups, as->root_groups) ||
	    setfsuid(-1) != (int)geteuid() || setfsgid(-1) != (int)getegid()) {
		fprintf(stderr, "selfprof-bpf: cannot restore credentials\n");
		abort();
	}
}

/* Take the user's file-system credentials: groups, fsgid, fsuid. */
static int enter(const struct asuser *as)
{
	if (!as->active)
		return 0;
	if (setgroups(as->ngroups, as->groups))
		return -errno;
	setfsgid(as->gid);
	setfsuid(as->uid);
	/* setfs*id return the previous value: read them back to be sure */
	if (setfsgid(-1) != (int)as->gid || setfsuid(-1) != (int)as->uid ||
	    set_effective(false)) {
		leave(as);
		return -EPERM;
	}
	return 0;
}

int asuser_open_following(const struct asuser *as, const char *path, int flags)
{
	int fd, r = enter(as);

	if (r)
		return r;
	fd = open(path, (flags & ~O_CREAT) | O_CLOEXEC);
	r = fd < 0 ? -errno : fd;
	leave(as);
	return r;
}

int asuser_executable(const struct asuser *as, const char *path)
{
	struct stat st;
	int r = enter(as);

	if (r)
		return r;
	/* AT_EACCESS: the check uses the fs ids and effective capabilities
	 * switched above, not the real (root's) ids access() would use */
	if (stat(path, &st))
		r = errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
	else if (!S_ISREG(st.st_mode) || faccessat(AT_FDCWD, path, X_OK, AT_EACCESS))
		r = -EACCES;
	leave(as);
	return r;
}

int asuser_openat(const struct asuser *as, int dirfd, const char *path, int flags, mode_t mode)
{
	int fd, r = enter(as);

	if (r)
		return r;
	if (!(flags & O_DIRECTORY))
		flags |= O_NOFOLLOW;
	fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
	r = fd < 0 ? -errno : fd;
	leave(as);
	return r;
}

int asuser_create(const struct asuser *as, int dirfd, const char *name)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO planted here must not hang us (ENXIO instead) */
	fd = asuser_openat(as, dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0644);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int asuser_mkdirat(const struct asuser *as, int dirfd, const char *path, mode_t mode)
{
	int r = enter(as);

	if (r)
		return r;
	r = mkdirat(dirfd, path, mode) ? -errno : 0;
	leave(as);
	return r;
}

/* access(2) with the fs credentials (AT_EACCESS), straight from the
 * kernel: glibc emulates AT_EACCESS with the euid where faccessat2 is
 * missing, which would be root's answer. */
static int access_as(const struct asuser *as, int dirfd, const char *path, int mode, int flags)
{
	int r = enter(as);

	if (r)
		return r;
	r = syscall(SYS_faccessat2, dirfd, path, mode, flags | AT_EACCESS) ? -errno : 0;
	leave(as);
	return r == -ENOSYS ? 0 : r;	/* no kernel check: creation still checks */
}

int asuser_dir_writable(const struct asuser *as, int dirfd)
{
	return access_as(as, dirfd, ".", W_OK | X_OK, 0);
}

int asuser_file_writable(const struct asuser *as, int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return access_as(as, dirfd, name, W_OK, AT_SYMLINK_NOFOLLOW);
}

int asuser_may_ptrace(const struct invoker *inv, pid_t pid)
{
	char path[64];
	pid_t c;
	int ws;

	if (!inv->drop)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	c = fork();
	if (c < 0)
		return -errno;
	if (c == 0) {
		int fd;

		/* the user, for good: no capability left */
		if ((inv->name[0] ? initgroups(inv->name, inv->gid) : setgroups(1, &inv->gid)) ||
		    setresgid(inv->gid, inv->gid, inv->gid) ||
		    setresuid(inv->uid, inv->uid, inv->uid))
			_exit(EPERM);
		if (getuid() != inv->uid || geteuid() != inv->uid)
			_exit(EPERM);
		/* mem_open checks PTRACE_MODE_ATTACH: what ptrace(2) would allow */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd < 0 ? (errno & 0xff ? errno & 0xff : EPERM) : 0);
	}
	while (waitpid(c, &ws, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(ws))
		return -ECHILD;
	return -WEXITSTATUS(ws);
}

const char *asuser_strerror(int err)
{
	switch (err) {
	case -ELOOP:
		return "is a symbolic link (not followed)";
	case -EINVAL:
		return "not a regular file";
	case -EDEADLK:
		return "more than one thread: cannot switch credentials safely";
	default:
		return strerror(-err);
	}
}
