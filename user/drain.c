// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "drain.h"
#include "events.h"
#include "procs.h"

static int on_record(void *ctx, void *data, size_t size)
{
	struct drain *d = ctx;
	const struct rec_interval *iv = data;
	const struct rec_exit *ex = data;

	if (size < sizeof(uint16_t) + sizeof(uint16_t) + sizeof(uint32_t))
		return 0;
	d->records++;
	switch (iv->type) {
	case REC_INTERVAL:
		if (size >= sizeof(*iv) && iv->pid != (uint32_t)d->self)
			procs_interval(d->procs, iv);
		break;
	case REC_EXEC:
		if (size < sizeof(struct rec_exec))
			break;
		procs_exec(d->procs, data);
		if (d->on_exec)
			d->on_exec(d->ctx, data);
		break;
	case REC_EXIT:
		if (size < sizeof(*ex))
			break;
		procs_exit(d->procs, ex->pid, ex->exit_code);
		if (d->on_exit)
			d->on_exit(d->ctx, ex->pid, ex->exit_code);
		break;
	}
	return 0;
}

int drain_init(struct drain *d, int ringbuf_fd, struct procs *procs)
{
	memset(d, 0, sizeof(*d));
	d->procs = procs;
	d->self = getpid();
	d->rb = ring_buffer__new(ringbuf_fd, on_record, d, NULL);
	return d->rb ? 0 : -errno;
}

void drain_free(struct drain *d)
{
	ring_buffer__free(d->rb);
	d->rb = NULL;
}

int drain_epoll_fd(const struct drain *d)
{
	return ring_buffer__epoll_fd(d->rb);
}

int drain_consume(struct drain *d)
{
	return ring_buffer__consume(d->rb);
}
