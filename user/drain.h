/* SPDX-License-Identifier: MIT */
/*
 * Draining the BPF ring buffer: records are dispatched by type to the
 * per-process dumps (procs.h). The ring buffer's epoll fd goes into the
 * loader's own event loop.
 */
#ifndef SELFPROF_DRAIN_H
#define SELFPROF_DRAIN_H
#include <stdint.h>
#include <sys/types.h>

struct ring_buffer;
struct procs;
struct rec_exec;

struct drain {
	struct ring_buffer *rb;
	struct procs *procs;
	pid_t self;		/* our own pid: calibration records are skipped */
	uint64_t records;
	void (*on_exit)(void *ctx, pid_t pid, int exit_code);	/* optional */
	void (*on_exec)(void *ctx, const struct rec_exec *r);	/* optional, after procs */
	void *ctx;
};

int drain_init(struct drain *d, int ringbuf_fd, struct procs *procs);
void drain_free(struct drain *d);
/* An fd that is readable when records are pending. */
int drain_epoll_fd(const struct drain *d);
/* Handle every pending record. Returns the number handled or -errno. */
int drain_consume(struct drain *d);

#endif
