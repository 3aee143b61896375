/* SPDX-License-Identifier: MIT */
/*
 * Child process control: the invoking user (sudo's SUDO_UID/SUDO_GID), a
 * child started stopped before exec so probes are in place first, and
 * short helper commands run as that user with their output captured.
 */
#ifndef SELFPROF_CHILD_H
#define SELFPROF_CHILD_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who the commands run as: the user behind sudo, else ourselves. */
struct invoker {
	bool drop;		/* switch to uid/gid in children */
	uid_t uid;
	gid_t gid;
	char name[64];		/* login name, "" if unknown */
	char home[512];		/* home directory, "" if unknown */
};

/* From SUDO_UID/SUDO_GID when running as root; drop stays false otherwise. */
void invoker_from_env(struct invoker *inv);

/* sudo's secure_path leaves out the user's ~/.cargo/bin, where rustup puts
 * rustc and cargo: append it to PATH (for us and the children). */
void invoker_extend_path(const struct invoker *inv);

struct child {
	pid_t pid;
	int release_fd;		/* write end: one byte lets the child exec */
	int status_fd;		/* read end: errno of a failed exec, EOF on success */
};

struct asuser;

/*
 * Resolve argv[0] through PATH like execvp, looking as the user (as):
 * what they cannot see is not found or not executable to them, as it
 * would be if they ran it. Returns 0 and the path, or -ENOENT (not
 * found) / -EACCES (found, not executable).
 */
int child_resolve(const struct asuser *as, const char *cmd, char *path, size_t size);

/* fork a child that switches user, then waits for child_release() before
 * exec'ing path with argv. Signals blocked in the parent are unblocked in
 * the child. Returns 0 or -errno. */
int child_spawn(struct child *c, const char *path, char *const argv[],
		const struct invoker *inv);

/* Let the child exec. Returns 0 once exec succeeded, or -errno of the
 * failed exec (the child then exits 127). */
int child_release(struct child *c);

/* Wait status -> exit status as a shell reports it (128+signal). */
int child_exit_code(int wstatus);

/*
 * Run argv (searched in PATH) as the invoker with stdin from /dev/null,
 * capturing stdout (trailing newline removed) into out. Returns the exit
 * status, or -errno if it could not be run.
 */
int run_capture(char *const argv[], const struct invoker *inv, char *out, size_t size);

#endif
