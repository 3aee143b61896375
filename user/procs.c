// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "exe.h"
#include "labels.h"
#include "probes.h"
#include "procs.h"
#include "selfprof.h"

struct proc {
	pid_t pid;
	uint64_t origin;	/* CLOCK_MONOTONIC ns of the exec */
	char *args;		/* NUL-separated command line */
	size_t args_len;
	struct sp_writer *w;
	int fd;			/* the dump's, created as the user; -1 if none */
	bool failed;
	bool deleted;		/* the file was unlinked while we wrote it */
	char *path;
	char crate[128];
	sp_string_id kinds[SP_KIND__COUNT];
	sp_string_id *labels;	/* per probe id, SP_INVALID_ID until first used */
	size_t nlabels;
	uint32_t *tids;		/* kernel tid of thread number i */
	size_t ntids, tcap;
	uint64_t events;
	uint64_t dropped;	/* intervals with an unknown probe id or kind */
	enum proc_end end;
	int end_code;		/* exit status or signal number */
};

static int proc_metadata(struct procs *ps, struct proc *p, bool final);

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void procs_init(struct procs *ps, const struct procs_opts *o)
{
	memset(ps, 0, sizeof(*ps));
	ps->o = *o;
	ps->mono_to_wall = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
}

uint64_t procs_rel_time(uint64_t t, uint64_t origin)
{
	return t > origin ? t - origin : 0;
}

static struct proc *proc_find(struct procs *ps, pid_t pid, size_t *idx)
{
	for (size_t i = ps->n; i-- > 0;) {
		if (ps->v[i]->pid == pid) {
			if (idx)
				*idx = i;
			return ps->v[i];
		}
	}
	return NULL;
}

/* Read a whole small /proc file; returns its length or -1. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (used < size && (n = read(fd, buf + used, size - used)) > 0)
		used += n;
	close(fd);
	return used;
}

static struct proc *proc_new(struct procs *ps, pid_t pid, uint64_t origin,
			     const char *args, size_t len)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 16;
		struct proc **v = realloc(ps->v, cap * sizeof(*v));

		if (!v) {
			free(p);
			return NULL;
		}
		ps->v = v;
		ps->cap = cap;
	}
	p->pid = pid;
	p->fd = -1;
	p->origin = origin;
	p->args = malloc(len + 1);
	if (p->args) {
		memcpy(p->args, args, len);
		p->args[len] = 0;
		p->args_len = len;
	}
	output_crate_name(args, len, p->crate, sizeof(p->crate));
	ps->v[ps->n++] = p;
	return p;
}

static bool is_gz(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	return n > 3 && !strcmp(path + n - 3, ".gz");
}

/* Events that reached a file cut short by a write error (its whole pages
 * are a valid profile): what the report should claim. Read through our
 * own fd, never the path (which the user may have replaced meanwhile).
 * -1 if it does not read at all (a gzip stream cut short). */
static int64_t file_events(int fd)
{
	struct sp_reader *r;
	struct sp_error err = { 0 };
	char path[64];
	uint64_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (fd < 0 || sp_reader_open(&r, path, &err))
		return -1;
	n = sp_reader_num_events(r);
	sp_reader_close(r);
	return n;
}

/* The first write error of a dump, on one line, as it happens; later
 * ones (the close repeats it) stay quiet. The writer cut a plain file to
 * whole pages; a gzip stream cut short does not read. */
static void proc_write_failed(struct procs *ps, struct proc *p, const char *msg)
{
	if (p->failed)
		return;
	p->failed = true;
	ps->nfailed++;
	fprintf(stderr, "selfprof-bpf: write error, dump incomplete (%s): %s\n",
		is_gz(p->path) ? "a .gz dump cut short is UNREADABLE" :
		"what was written stays readable", msg ? msg : p->path ? p->path : "?");
}

static void dump_add(struct procs *ps, struct proc *p)
{
	struct dump *d = realloc(ps->dumps, (ps->ndumps + 1) * sizeof(*d));
	int64_t n = 0;

	if (!d)
		return;
	ps->dumps = d;
	d += ps->ndumps++;
	memset(d, 0, sizeof(*d));
	d->path = p->path;
	p->path = NULL;
	d->crate = strdup(p->crate);
	d->pid = p->pid;
	d->deleted = p->deleted;
	if (p->failed && !p->deleted)
		n = file_events(p->fd);
	d->unreadable = p->failed && !p->deleted && n < 0;
	d->events = !p->failed ? p->events : n > 0 ? (uint64_t)n : 0;
	d->failed = p->failed;
	/* the run's total counts what the files hold */
	ps->events -= p->events - (d->events < p->events ? d->events : p->events);
}

/* A dump is written once it is on disk: flushed, synced, and still linked
 * (a dump whose directory was deleted meanwhile went nowhere). */
static void proc_sync(struct procs *ps, struct proc *p)
{
	struct stat st;
	char msg[4200];

	if (!p->failed && fsync(p->fd)) {
		snprintf(msg, sizeof(msg), "%s: fsync: %s", p->path, strerror(errno));
		proc_write_failed(ps, p, msg);
	}
	if (!fstat(p->fd, &st) && st.st_nlink == 0) {
		p->deleted = true;
		if (!p->failed) {
			p->failed = true;
			ps->nfailed++;
		}
		fprintf(stderr, "selfprof-bpf: dump deleted while tracing: %s\n", p->path);
	}
}

static void proc_close(struct procs *ps, struct proc *p)
{
	struct sp_error err = { 0 };

	if (p->w) {
		/* Events first: totals claimed by the metadata are on disk. */
		if (!p->failed && (sp_writer_flush(p->w) || proc_metadata(ps, p, true)))
			proc_write_failed(ps, p, sp_writer_last_error(p->w));
		if (sp_writer_close(p->w, &err))
			proc_write_failed(ps, p, err.msg);
		proc_sync(ps, p);
		dump_add(ps, p);
	}
	if (p->fd >= 0)
		close(p->fd);
	free(p->path);
	free(p->args);
	free(p->labels);
	free(p->tids);
	free(p);
}

static void proc_remove(struct procs *ps, size_t idx)
{
	proc_close(ps, ps->v[idx]);
	memmove(ps->v + idx, ps->v + idx + 1, (ps->n - idx - 1) * sizeof(*ps->v));
	ps->n--;
}

void procs_exec(struct procs *ps, const struct rec_exec *r)
{
	static char full[1 << 16];
	const char *args = r->args;
	size_t len = r->args_len, idx;
	ssize_t n;

	if (proc_find(ps, r->pid, &idx)) {
		ps->v[idx]->end = PROC_END_EXEC;
		proc_remove(ps, idx);
	}
	if (r->flags & REC_EXEC_UNTRACED) {	/* someone else's program now */
		ps->untraced++;
		return;
	}
	/* A long command line (cargo's rustc calls) is cut in the record;
	 * take /proc's copy if the process still runs this image. */
	if (r->flags & REC_EXEC_TRUNCATED) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%u/cmdline", r->pid);
		n = read_file(path, full, sizeof(full));
		if (n > (ssize_t)len && !memcmp(full, r->args, len)) {
			args = full;
			len = n;
		}
	}
	proc_new(ps, r->pid, r->time, args, len);
}

/* Start of a running process in CLOCK_MONOTONIC ns, from /proc/PID/stat
 * (clock ticks since boot, CLOCK_BOOTTIME). */
static uint64_t proc_start_mono(pid_t pid)
{
	unsigned long long ticks = exe_start_ticks(pid);

	if (!ticks)
		return 0;
	return ticks * (1000000000ULL / sysconf(_SC_CLK_TCK)) -
	       (clock_ns(CLOCK_BOOTTIME) - clock_ns(CLOCK_MONOTONIC));
}

void procs_attach_running(struct procs *ps, pid_t pid)
{
	static char args[1 << 16];
	char path[64];
	ssize_t n;

	if (proc_find(ps, pid, NULL))
		return;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file(path, args, sizeof(args));
	proc_new(ps, pid, proc_start_mono(pid), args, n > 0 ? n : 0);
}

static int intern_kinds(struct proc *p)
{
	for (int k = 1; k < SP_KIND__COUNT; k++) {
		p->kinds[k] = sp_writer_cstring(p->w, sp_kind_name(k));
		if (p->kinds[k] == SP_INVALID_ID)
			return -1;
	}
	p->kinds[0] = p->kinds[SP_KIND_GENERIC_ACTIVITY];
	return 0;
}

/*
 * The dump's string of probe id's label, interned at its first use: the
 * label table grows when another toolchain's driver is attached. The
 * writer puts a string out before the first event that uses it, so a
 * dump cut short stays readable. SP_INVALID_ID: no such id, or no memory.
 */
static sp_string_id label_of(struct procs *ps, struct proc *p, uint32_t id)
{
	const char *label = labels_get(ps->o.labels, id);

	if (!label)
		return SP_INVALID_ID;
	if (id >= p->nlabels) {
		size_t n = ps->o.labels->n;
		sp_string_id *v = realloc(p->labels, n * sizeof(*v));

		if (!v)
			return SP_INVALID_ID;
		for (size_t i = p->nlabels; i < n; i++)
			v[i] = SP_INVALID_ID;
		p->labels = v;
		p->nlabels = n;
	}
	if (p->labels[id] == SP_INVALID_ID)
		p->labels[id] = sp_writer_cstring(p->w, label);
	return p->labels[id];
}

static const char *const end_names[] = {
	[PROC_END_RUNNING] = "running", [PROC_END_EXIT] = "exit",
	[PROC_END_SIGNAL] = "signal", [PROC_END_EXEC] = "exec",
};

/* The totals written at the end, after the tool's own members. The BPF
 * counters are per CPU, not per process: "_run" ones cover every traced
 * process of the run until this dump ended. */
static void final_json(struct procs *ps, struct proc *p, char *out, size_t size)
{
	uint64_t st[STAT__COUNT] = { 0 };
	const char *tool = ps->o.extra_json ? ps->o.extra_json : "";

	if (ps->o.stats)
		ps->o.stats(ps->o.stats_ctx, st);
	snprintf(out, size, "%s%s\"metadata_final\": true, \"events_written\": %llu, "
		 "\"events_dropped\": %llu, \"threads\": %zu, \"lost_events_run\": %llu, "
		 "\"lost_control_run\": %llu, \"unwound_frames_run\": %llu, "
		 "\"depth_overflow_run\": %llu, \"uret_limit_run\": %llu, "
		 "\"unended_run\": %llu, "
		 "\"no_storage_run\": %llu, \"run_counters\": \"whole run until this "
		 "dump ended, all traced processes\", \"process_end\": \"%s\", "
		 "\"exit_code\": %d, \"signal\": %d",
		 tool, *tool ? ", " : "",
		 (unsigned long long)p->events, (unsigned long long)p->dropped, p->ntids,
		 (unsigned long long)st[STAT_LOST], (unsigned long long)st[STAT_LOST_CONTROL],
		 (unsigned long long)st[STAT_UNWOUND], (unsigned long long)st[STAT_DEPTH_OVERFLOW],
		 (unsigned long long)st[STAT_URET_REFUSED], (unsigned long long)st[STAT_UNENDED],
		 (unsigned long long)st[STAT_NO_STORAGE],
		 end_names[p->end], p->end == PROC_END_EXIT ? p->end_code : -1,
		 p->end == PROC_END_SIGNAL ? p->end_code : 0);
}

/* The metadata: early (tool members only), or final with the totals; the
 * later index entry wins in every reader. */
static int proc_metadata(struct procs *ps, struct proc *p, bool final)
{
	char cmd[8192], extra[4096];
	struct sp_metadata meta = { 0 };

	output_cmdline(p->args ? p->args : "", p->args_len, cmd, sizeof(cmd));
	meta.start_time_ns = p->origin + ps->mono_to_wall;
	meta.pid = p->pid;
	meta.cmd = cmd;
	if (final)
		final_json(ps, p, extra, sizeof(extra));
	return sp_writer_metadata(p->w, &meta, final ? extra : ps->o.extra_json);
}

/* Create the dump: metadata and every label first, flushed, so that a
 * tracer killed later still leaves a readable prefix. */
static int proc_open_writer(struct procs *ps, struct proc *p)
{
	char path[4096];
	struct sp_error err = { 0 };

	output_path(ps->o.out, p->crate, p->pid, path, sizeof(path));
	p->path = strdup(path);
	/* as the user, never through a symlink (output.h) */
	p->fd = p->path ? output_create(ps->o.out, path) : -ENOMEM;
	if (p->fd < 0)
		snprintf(err.msg, sizeof(err.msg), "%s", asuser_strerror(p->fd));
	if (p->fd < 0 || sp_writer_create_fd(&p->w, p->fd, path, NULL, &err)) {
		fprintf(stderr, "selfprof-bpf: cannot create %s: %s\n", path, err.msg);
		if (p->fd >= 0)
			close(p->fd);
		p->fd = -1;
		p->w = NULL;
		p->failed = true;
		ps->nfailed++;
		return -1;
	}
	if (proc_metadata(ps, p, false) || intern_kinds(p) || sp_writer_flush(p->w)) {
		proc_write_failed(ps, p, sp_writer_last_error(p->w));
		return -1;
	}
	return 0;
}

static uint32_t thread_no(struct proc *p, uint32_t tid)
{
	for (size_t i = p->ntids; i-- > 0;)
		if (p->tids[i] == tid)
			return i;
	if (p->ntids == p->tcap) {
		size_t cap = p->tcap ? 2 * p->tcap : 16;
		uint32_t *v = realloc(p->tids, cap * sizeof(*v));

		if (!v)
			return UINT32_MAX;
		p->tids = v;
		p->tcap = cap;
	}
	p->tids[p->ntids] = tid;
	return p->ntids++;
}

void procs_interval(struct procs *ps, const struct rec_interval *r)
{
	struct proc *p = proc_find(ps, r->pid, NULL);
	sp_string_id label;
	uint64_t s, e;
	uint32_t th;

	if (!p) {
		procs_attach_running(ps, r->pid);
		p = proc_find(ps, r->pid, NULL);
	}
	if (p && !p->w && !p->failed)
		proc_open_writer(ps, p);
	label = p && !p->failed ? label_of(ps, p, r->id) : SP_INVALID_ID;
	if (!p || p->failed || label == SP_INVALID_ID || r->kind >= SP_KIND__COUNT) {
		ps->dropped++;
		if (p && !p->failed)
			p->dropped++;
		return;
	}
	th = thread_no(p, r->tid);
	s = procs_rel_time(r->start, p->origin);
	e = procs_rel_time(r->end, p->origin);
	if (e < s)
		e = s;
	if (e > SP_MAX_TIMESTAMP)
		e = s = SP_MAX_TIMESTAMP;
	if (sp_writer_interval(p->w, p->kinds[r->kind], label, th, s, e)) {
		proc_write_failed(ps, p, sp_writer_last_error(p->w));
		return;
	}
	p->events++;
	ps->events++;
}

void procs_exit(struct procs *ps, pid_t pid, int wstatus)
{
	struct proc *p;
	size_t idx;

	p = proc_find(ps, pid, &idx);
	if (!p)
		return;
	p->end = WIFSIGNALED(wstatus) ? PROC_END_SIGNAL : PROC_END_EXIT;
	p->end_code = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
	proc_remove(ps, idx);
}

void procs_finish(struct procs *ps)
{
	while (ps->n)
		proc_remove(ps, ps->n - 1);
}

void procs_free(struct procs *ps)
{
	procs_finish(ps);
	for (size_t i = 0; i < ps->ndumps; i++) {
		free(ps->dumps[i].path);
		free(ps->dumps[i].crate);
	}
	free(ps->dumps);
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}
