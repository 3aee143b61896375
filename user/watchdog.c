// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include "events.h"
#include "watchdog.h"

/* Keep fds 0-2, a and b (a < b); close every other, so that the watchdog
 * holds no BPF link, ring buffer or pipe of the loader's: links must go
 * away with the loader. */
static void close_all_but(int a, int b)
{
	syscall(SYS_close_range, 3, a - 1, 0);
	syscall(SYS_close_range, a + 1, b - 1, 0);
	syscall(SYS_close_range, b + 1, ~0U, 0);
}

/* The loader is gone, and with it BPF's exit tracepoint: an entry may be
 * stale and its pid another process's by now. Only the user's own
 * processes are continued: the pidfd is taken first, so the process
 * whose /proc/PID is checked to be theirs is the one signalled. */
static void continue_if_theirs(pid_t pid, uid_t uid)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	char path[32];
	struct stat st;

	if (pidfd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (!stat(path, &st) && st.st_uid == uid)
		syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0);
	close(pidfd);
}

static void continue_stopped(int map_fd, uid_t uid)
{
	uint32_t key, next, flags;
	uint32_t *prev = NULL;

	while (!bpf_map_get_next_key(map_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(map_fd, &key, &flags) && (flags & TRACED_STOPPED))
			continue_if_theirs((pid_t)key, uid);
	}
}

/*
 * A dead loader's files are released after its pipe may already read EOF
 * (the kernel defers an exiting task's fput), so its uprobes can stop a
 * thread once more in between: continue the stopped processes again and
 * again until the links must be gone. A clean end ('q' first) needs one
 * pass: the loader detached everything before it closed the pipe.
 */
#define DEAD_PASSES	40
#define DEAD_PASS_US	50000

static void __attribute__((noreturn)) watchdog_main(int rd, int map_fd, uid_t uid)
{
	bool clean = false;
	ssize_t n;
	char b;

	/* Out of the terminal's process group: a Ctrl-C or a kill of the
	 * group meant for the loader must not take the watchdog too. */
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if (rd < map_fd)
		close_all_but(rd, map_fd);
	else
		close_all_but(map_fd, rd);
	do {
		n = read(rd, &b, 1);
		if (n == 1 && b == 'q')
			clean = true;
	} while (n > 0 || (n < 0 && errno == EINTR));
	for (int pass = 0; pass < (clean ? 1 : DEAD_PASSES); pass++) {
		continue_stopped(map_fd, uid);
		if (!clean)
			usleep(DEAD_PASS_US);
	}
	_exit(0);
}

int watchdog_start(struct watchdog *w, int traced_map_fd, uid_t uid)
{
	int fds[2];
	sigset_t none;

	w->pid = 0;
	w->pipe_fd = -1;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	w->pid = fork();
	if (w->pid < 0) {
		int e = -errno;

		close(fds[0]);
		close(fds[1]);
		w->pid = 0;
		return e;
	}
	if (w->pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		watchdog_main(fds[0], traced_map_fd, uid);
	}
	close(fds[0]);
	w->pipe_fd = fds[1];
	return 0;
}

void watchdog_stop(struct watchdog *w)
{
	if (!w->pid)
		return;
	/* should the write fail, it takes the slow path: still correct */
	(void)!write(w->pipe_fd, "q", 1);
	close(w->pipe_fd);
	w->pipe_fd = -1;
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
}
