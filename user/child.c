// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "asuser.h"
#include "child.h"

void invoker_from_env(struct invoker *inv)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	struct passwd *pw;

	memset(inv, 0, sizeof(*inv));
	inv->uid = getuid();
	inv->gid = getgid();
	if (geteuid() == 0 && u && *u) {
		inv->uid = strtoul(u, NULL, 10);
		inv->gid = g && *g ? strtoul(g, NULL, 10) : inv->uid;
		inv->drop = inv->uid != 0 || inv->gid != 0;
	}
	pw = getpwuid(inv->uid);
	if (pw) {
		snprintf(inv->name, sizeof(inv->name), "%s", pw->pw_name);
		snprintf(inv->home, sizeof(inv->home), "%s", pw->pw_dir);
	}
}

void invoker_extend_path(const struct invoker *inv)
{
	const char *path = getenv("PATH");
	char dir[600], *np;
	struct stat st;

	if (!inv->drop || !inv->home[0])
		return;
	snprintf(dir, sizeof(dir), "%s/.cargo/bin", inv->home);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode) || (path && strstr(path, dir)))
		return;
	if (asprintf(&np, "%s%s%s", path && *path ? path : "", path && *path ? ":" : "", dir) < 0)
		return;
	setenv("PATH", np, 1);
	free(np);
}

/* In a child: become the invoking user for good (groups first: setgid and
 * setgroups need root, which setuid gives up). */
static int become_invoker(const struct invoker *inv)
{
	if (!inv->drop)
		return 0;
	if (inv->name[0] ? initgroups(inv->name, inv->gid) : setgroups(1, &inv->gid))
		return -errno;
	if (setgid(inv->gid) || setuid(inv->uid))
		return -errno;
	if (inv->home[0])
		setenv("HOME", inv->home, 1);
	if (inv->name[0]) {
		setenv("USER", inv->name, 1);
		setenv("LOGNAME", inv->name, 1);
	}
	return 0;
}

static void unblock_signals(void)
{
	sigset_t none;

	/* A shell starts background jobs with SIGINT ignored; the tracer
	 * forwards INT and TERM to the child, which must act on them. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int child_resolve(const struct asuser *as, const char *cmd, char *path, size_t size)
{
	const char *env = getenv("PATH");
	int best = -ENOENT;

	if (strchr(cmd, '/')) {
		snprintf(path, size, "%s", cmd);
		return asuser_executable(as, cmd);
	}
	if (!env || !*env)
		env = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = env; ; p++) {
		const char *end = strchrnul(p, ':');
		int r;

		snprintf(path, size, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", cmd);
		r = asuser_executable(as, path);
		if (r == 0)
			return 0;
		if (r == -EACCES)
			best = r;
		if (!*end)
			break;
		p = end;
	}
	return best;
}

int child_spawn(struct child *c, const char *path, char *const argv[],
		const struct invoker *inv)
{
	int rel[2], st[2];

	if (pipe2(rel, O_CLOEXEC))
		return -errno;
	if (pipe2(st, O_CLOEXEC)) {
		int e = -errno;

		close(rel[0]);
		close(rel[1]);
		return e;
	}
	c->pid = fork();
	if (c->pid < 0) {
		int e = -errno;

		close(rel[0]); close(rel[1]); close(st[0]); close(st[1]);
		return e;
	}
	if (c->pid == 0) {
		char b;
		int e;

		close(rel[1]);
		close(st[0]);
		unblock_signals();
		e = become_invoker(inv);
		/* Wait until the parent has attached (or died: EOF). */
		if (!e && read(rel[0], &b, 1) != 1)
			_exit(127);
		if (!e) {
			execv(path, argv);
			e = -errno;
		}
		if (write(st[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(rel[0]);
	close(st[1]);
	c->release_fd = rel[1];
	c->status_fd = st[0];
	return 0;
}

int child_release(struct child *c)
{
	char b = 1;
	int e = 0;
	ssize_t n;

	if (write(c->release_fd, &b, 1) != 1)
		e = -errno;
	close(c->release_fd);
	c->release_fd = -1;
	do
		n = read(c->status_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->status_fd);
	c->status_fd = -1;
	return n == sizeof(e) ? e : 0;
}

int child_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

int run_capture(char *const argv[], const struct invoker *inv, char *out, size_t size)
{
	int fds[2], ws;
	size_t used = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		unblock_signals();
		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(null, 2);
		if (become_invoker(inv) == 0)
			execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char scratch[256];
		bool full = used == size - 1;
		ssize_t n = full ? read(fds[0], scratch, sizeof(scratch))
				 : read(fds[0], out + used, size - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!full)	/* past size: read on so the child never blocks */
			used += n;
	}
	close(fds[0]);
	out[used] = 0;
	while (used && (out[used - 1] == '\n' || out[used - 1] == '\r'))
		out[--used] = 0;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return child_exit_code(ws);
}
