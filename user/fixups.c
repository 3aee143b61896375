// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "fixups.h"

/* Rewrite one slot if it still holds what BPF saw: the thread is stopped
 * (or about to stop before running user code), so nothing else changes
 * it meanwhile; a mismatch means a duplicate entry (chained instances
 * share a slot) and is left alone. */
static void fix_slot(struct fixups *f, pid_t pid, const struct sp_fixup_slot *sl)
{
	uint64_t cur = 0, put = sl->put;
	struct iovec l = { &cur, sizeof(cur) }, r = { (void *)(uintptr_t)sl->addr, sizeof(cur) };

	if (process_vm_readv(pid, &l, 1, &r, 1, 0) != sizeof(cur)) {
		f->failed++;
		return;
	}
	if (cur != sl->expect) {
		f->skipped++;
		return;
	}
	l.iov_base = &put;
	if (process_vm_writev(pid, &l, 1, &r, 1, 0) != sizeof(put))
		f->failed++;
	else
		f->written++;
}

static void queue_cont(struct fixups *f, pid_t pid)
{
	for (size_t i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return;
	if (f->npids < sizeof(f->pids) / sizeof(f->pids[0]))
		f->pids[f->npids++] = pid;
	else
		kill(pid, SIGCONT);
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct rec_fixup *r = data;
	struct fixups *f = ctx;

	if (size < sizeof(*r) || r->type != REC_FIXUP)
		return 0;
	f->records++;
	for (unsigned i = 0; i < r->n && i < SP_FIXUP_MAX; i++)
		fix_slot(f, r->pid, &r->slot[i]);
	queue_cont(f, r->pid);
	return 0;
}

int fixups_init(struct fixups *f, int map_fd)
{
	memset(f, 0, sizeof(*f));
	f->rb = ring_buffer__new(map_fd, on_record, f, NULL);
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
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, tid);
	fp = fopen(path, "re");
	if (!fp)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	p = strrchr(buf, ')');
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
	/* the list may grow as later records are consumed */
	for (size_t i = 0; i < f->npids; i++) {
		wait_stopped(f->pids[i]);
		ring_buffer__consume(f->rb);
	}
	for (size_t i = 0; i < f->npids; i++)
		kill(f->pids[i], SIGCONT);
	f->npids = 0;
}

void fixups_free(struct fixups *f)
{
	fixups_consume(f);
	ring_buffer__free(f->rb);
	f->rb = NULL;
}
