// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "exe.h"
#include "fixups.h"

/* Rewrite one slot if it still holds what BPF saw: the thread is stopped
 * (or about to stop before running user code), so nothing else changes
 * it meanwhile; a mismatch means a duplicate entry (chained instances
 * share a slot) and is left alone. mem: the process's /proc/PID/mem. */
static void fix_slot(struct fixups *f, int mem, const struct sp_fixup_slot *sl)
{
	uint64_t cur = 0, put = sl->put;

	if (pread(mem, &cur, sizeof(cur), (off_t)sl->addr) != sizeof(cur)) {
		f->failed++;
		return;
	}
	if (cur != sl->expect) {
		f->skipped++;
		return;
	}
	if (pwrite(mem, &put, sizeof(put), (off_t)sl->addr) != sizeof(put))
		f->failed++;
	else
		f->written++;
}

static void wait_stopped(pid_t pid);

/* The stopped processes of a batch: once each has stopped, continue it. */
static void continue_batch(struct fixups *f)
{
	for (size_t i = 0; i < f->npids; i++)
		wait_stopped(f->pids[i]);
	for (size_t i = 0; i < f->npids; i++) {
		syscall(SYS_pidfd_send_signal, f->pidfds[i], SIGCONT, NULL, 0);
		close(f->pidfds[i]);
	}
	f->npids = 0;
}

/* Continue pid (through pidfd, which names that very process) with its
 * batch; a full batch is finished first, never continued early. */
static void queue_cont(struct fixups *f, pid_t pid, int pidfd)
{
	for (size_t i = 0; i < f->npids; i++) {
		if (f->pids[i] == pid) {
			close(pidfd);
			return;
		}
	}
	if (f->npids == FIXUPS_BATCH)
		continue_batch(f);
	f->pids[f->npids] = pid;
	f->pidfds[f->npids++] = pidfd;
}

/*
 * The memory of the process BPF stopped, if it still is that process:
 * the same start time (not a later one with its pid), still traced, and
 * still the user's (a process that gained privileges, or is not
 * dumpable, has a root-owned /proc/PID). Its memory is opened first and
 * checked after: an exec afterwards gives it a new mm, and writes go to
 * the old one. Returns the fd, or -1 (then nothing is written or sent).
 */
static int open_process(struct fixups *f, const struct rec_fixup *r, int *pidfd)
{
	uint32_t key = r->pid, flags;
	char path[64];
	struct stat st;
	int mem;

	*pidfd = syscall(SYS_pidfd_open, (pid_t)r->pid, 0);
	if (*pidfd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%u/mem", r->pid);
	mem = open(path, O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%u", r->pid);
	if (mem >= 0 && !stat(path, &st) && st.st_uid == f->uid &&
	    !bpf_map_lookup_elem(f->traced_fd, &key, &flags) &&
	    exe_started_at(r->pid, r->start_boottime))
		return mem;
	if (mem >= 0)
		close(mem);
	close(*pidfd);
	return -1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct rec_fixup *r = data;
	struct fixups *f = ctx;
	int mem, pidfd;

	if (size < sizeof(*r) || r->type != REC_FIXUP)
		return 0;
	f->records++;
	mem = open_process(f, r, &pidfd);
	if (mem < 0) {
		f->refused++;
		return 0;
	}
	for (unsigned i = 0; i < r->n && i < SP_FIXUP_MAX; i++)
		fix_slot(f, mem, &r->slot[i]);
	close(mem);
	queue_cont(f, r->pid, pidfd);
	return 0;
}

int fixups_init(struct fixups *f, int rb_fd, int traced_fd, uid_t uid)
{
	memset(f, 0, sizeof(*f));
	f->traced_fd = traced_fd;
	f->uid = uid;
	f->rb = ring_buffer__new(rb_fd, on_record, f, NULL);
	return f->rb ? 0 : -errno;
}

int fixups_epoll_fd(const struct fixups *f)
{
	return ring_buffer__epoll_fd(f->rb);
}

/* Whether the thread is stopped (or gone): its state letter in stat. */
static int thread_stopped(pid_t pid, const char *tid)
{
	char path[320], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, tid);
	p = exe_read_stat(path, buf, sizeof(buf));
	return !p || !p[1] || strchr("TtZXx", p[2]) != NULL;
}

/* Whether every thread of pid has stopped (or the process is gone). */
static int group_stopped(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int all = 1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 1;
	while (all && (d = readdir(dir)))
		if (d->d_name[0] != '.')
			all = thread_stopped(pid, d->d_name);
	closedir(dir);
	return all;
}

/* Wait (up to a second) for pid's group stop. A thread stops only on
 * its way back to user mode, after its BPF program has submitted its
 * record: once all are stopped, every record of the process is in the
 * ring buffer. Continuing earlier could come before the SIGSTOP (which
 * would then stop the process for good) or cancel another thread's
 * stop whose slots are not written yet. */
static void wait_stopped(pid_t pid)
{
	struct timespec pause = { 0, 50 * 1000 };

	for (int i = 0; i < 20000 && !group_stopped(pid); i++)
		nanosleep(&pause, NULL);
}

void fixups_consume(struct fixups *f)
{
	if (!f->rb)
		return;
	ring_buffer__consume(f->rb);
	/* the batch may grow as later records are consumed */
	for (size_t i = 0; i < f->npids; i++) {
		wait_stopped(f->pids[i]);
		ring_buffer__consume(f->rb);
	}
	continue_batch(f);
}

void fixups_free(struct fixups *f)
{
	fixups_consume(f);
	ring_buffer__free(f->rb);
	f->rb = NULL;
}
