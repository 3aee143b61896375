// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <string.h>
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

/* Continue only after the whole batch: a SIGCONT also cancels a stop
 * still pending, which must not happen before that thread's slots are
 * written. */
void fixups_consume(struct fixups *f)
{
	if (!f->rb)
		return;
	ring_buffer__consume(f->rb);
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
