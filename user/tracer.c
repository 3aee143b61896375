// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "selfprof.skel.h"
#include "tracer.h"
#include "uprobe_multi.h"

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings go to stderr only with SELFPROF_BPF_DEBUG set:
	 * the fallback paths make it complain about things we handle. */
	if (level == LIBBPF_DEBUG || !getenv("SELFPROF_BPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int attach_tracepoints(struct tracer *t, char *err, size_t errlen)
{
	struct bpf_program *progs[3] = {
		t->skel->progs.sp_fork, t->skel->progs.sp_exec, t->skel->progs.sp_exit,
	};

	for (int i = 0; i < 3; i++) {
		t->tp_links[i] = bpf_program__attach(progs[i]);
		if (!t->tp_links[i]) {
			int e = -errno;

			snprintf(err, errlen, "attaching %s: %s",
				 bpf_program__name(progs[i]), strerror(-e));
			return e;
		}
	}
	return 0;
}

static int load(struct tracer *t, enum attach_method m, uint32_t ringbuf_bytes, bool sessions,
		char *err, size_t errlen)
{
	struct bpf_program *multi[] = {
		t->skel->progs.sp_entry, t->skel->progs.sp_return,
		t->skel->progs.sp_unwind, t->skel->progs.sp_rearm,
	};
	int r;

	if (m == ATTACH_MULTI)
		for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++)
			bpf_program__set_expected_attach_type(multi[i], SP_BPF_TRACE_UPROBE_MULTI);
	bpf_program__set_autoload(t->skel->progs.sp_session, sessions);
	if (sessions)
		bpf_program__set_expected_attach_type(t->skel->progs.sp_session,
						      SP_BPF_TRACE_UPROBE_SESSION);
	if (ringbuf_bytes)
		bpf_map__set_max_entries(t->skel->maps.rb, ringbuf_bytes);
	r = selfprof_bpf__load(t->skel);
	if (r)
		snprintf(err, errlen, "loading the BPF programs: %s", strerror(-r));
	t->sessions = !r && sessions;
	return r;
}

/* The skeleton, loaded with the session program if the kernel takes it
 * (uprobe_multi only), else without. */
static int open_and_load(struct tracer *t, enum attach_method m, uint32_t ringbuf_bytes,
			 char *err, size_t errlen)
{
	bool sessions = m == ATTACH_MULTI && !getenv("SELFPROF_BPF_NO_SESSIONS");

	for (;; sessions = false) {
		int r;

		t->skel = selfprof_bpf__open();
		if (!t->skel) {
			r = -errno;
			snprintf(err, errlen, "opening the BPF object: %s", strerror(-r));
			return r;
		}
		r = load(t, m, ringbuf_bytes, sessions, err, errlen);
		if (!r || !sessions)
			return r;
		selfprof_bpf__destroy(t->skel);
		t->skel = NULL;
	}
}

static bool has_member(const struct btf *btf, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m = t ? btf_members(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, m[i].name_off), member))
			return true;
	return false;
}

/* The uprobe internals the unwind guard reads (bpf/selfprof.bpf.c,
 * guard_fields_exist): a kernel that renamed one leaves the guard blind,
 * so return probes must not be used there. */
static bool guard_fields_exist(void)
{
	static const char *const fields[][2] = {
		{ "uprobe_task", "return_instances" }, { "uprobe_task", "depth" },
		{ "return_instance", "stack" }, { "return_instance", "orig_ret_vaddr" },
		{ "return_instance", "next" }, { "xol_area", "vaddr" },
	};
	struct btf *btf = btf__load_vmlinux_btf();
	bool ok = btf && !getenv("SELFPROF_BPF_NO_GUARD_FIELDS");

	for (size_t i = 0; ok && i < sizeof(fields) / sizeof(fields[0]); i++)
		ok = has_member(btf, fields[i][0], fields[i][1]);
	btf__free(btf);
	return ok;
}

int tracer_open(struct tracer *t, enum attach_method m, uint32_t ringbuf_bytes,
		char *err, size_t errlen)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->method = m;
	libbpf_set_print(quiet_print);
	r = open_and_load(t, m, ringbuf_bytes, err, errlen);
	r = r ?: attach_tracepoints(t, err, errlen);
	t->guard_fields = !r && guard_fields_exist();
	if (r)
		tracer_close(t);
	return r;
}

void tracer_close(struct tracer *t)
{
	for (int i = 0; i < 3; i++)
		bpf_link__destroy(t->tp_links[i]);
	if (t->skel)
		selfprof_bpf__destroy(t->skel);
	memset(t, 0, sizeof(*t));
}

const struct bpf_program *tracer_entry_prog(const struct tracer *t)
{
	return t->skel->progs.sp_entry;
}

const struct bpf_program *tracer_return_prog(const struct tracer *t)
{
	return t->skel->progs.sp_return;
}

const struct bpf_program *tracer_session_prog(const struct tracer *t)
{
	return t->sessions ? t->skel->progs.sp_session : NULL;
}

const struct bpf_program *tracer_unwind_prog(const struct tracer *t)
{
	return t->skel->progs.sp_unwind;
}

const struct bpf_program *tracer_rearm_prog(const struct tracer *t)
{
	return t->skel->progs.sp_rearm;
}

int tracer_fixup_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.fixrb);
}

int tracer_traced_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.traced);
}

int tracer_ringbuf_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.rb);
}

int tracer_trace_pid(struct tracer *t, pid_t pid, bool follow)
{
	uint32_t key = pid, val = follow ? TRACED_FOLLOW_FORKS : 0;

	return bpf_map__update_elem(t->skel->maps.traced, &key, sizeof(key),
				    &val, sizeof(val), BPF_ANY);
}

int tracer_untrace_pid(struct tracer *t, pid_t pid)
{
	uint32_t key = pid;

	return bpf_map__delete_elem(t->skel->maps.traced, &key, sizeof(key), 0);
}

int tracer_stats(const struct tracer *t, uint64_t out[STAT__COUNT])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (uint32_t k = 0; k < STAT__COUNT; k++) {
		out[k] = 0;
		if (bpf_map__lookup_elem(t->skel->maps.stats, &k, sizeof(k), vals,
					 ncpu * sizeof(*vals), 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	return 0;
}

void tracer_set_costs(struct tracer *t, uint64_t entry, uint64_t exit, uint64_t uret,
		      uint64_t stepped)
{
	t->skel->bss->entry_cost_ns = entry;
	t->skel->bss->stepped_cost_ns = stepped;
	t->skel->bss->exit_cost_ns = exit;
	t->skel->bss->uret_cost_ns = uret;
}

void tracer_hold_new_exes(struct tracer *t, bool hold)
{
	t->skel->bss->hold_new_exes = hold;
}

void tracer_set_user(struct tracer *t, uid_t uid, gid_t gid)
{
	t->skel->bss->traced_uid = uid;
	t->skel->bss->traced_gid = gid;
}

int tracer_exe_seen(struct tracer *t, const struct sp_exe_key *exe, uint32_t what)
{
	return bpf_map__update_elem(t->skel->maps.exes, exe, sizeof(*exe), &what,
				    sizeof(what), BPF_ANY);
}

int tracer_forget_self(struct tracer *t)
{
	int pidfd = syscall(SYS_pidfd_open, getpid(), 0), r;

	if (pidfd < 0)
		return -errno;
	/* task storage is keyed by a pidfd from user space */
	r = bpf_map__delete_elem(t->skel->maps.threads, &pidfd, sizeof(pidfd), 0);
	close(pidfd);
	return r;
}
