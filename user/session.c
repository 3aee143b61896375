// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "asuser.h"
#include "hooks.h"
#include "checks.h"
#include "probes.h"
#include "report.h"
#include "selfprof.h"
#include "session.h"
#include "sysroot.h"

static int drivers_exit_code(enum drivers_stage stage, int err)
{
	if (err == -ENOMEM)
		return EXIT_OS;
	return stage == DRIVERS_PROBES ? EXIT_NOPROBES :
	       stage == DRIVERS_ATTACH ? EXIT_BPF : EXIT_NOLIB;
}

/* --list-hooks: one line per site, "-" where nothing was found. */
static int print_hooks(const struct probe_set *set, const char *path, char *err, size_t errlen)
{
	struct hook_set h;
	int r = hooks_find(set, &h, err, errlen);

	if (r)
		return r;
	printf("# %zu hook sites in %s (%zu through the GOT):", h.n, path, h.via_got);
	for (unsigned int k = 0; k < HOOK__KINDS; k++)
		printf(" %s %zu", hook_kind_name(k), h.count[k]);
	printf("\n# kind\tlabel\tstart\tends\tslot\treason\tcall (address)\t"
	       "slot shared with (lowest call)\n");
	for (size_t i = 0; i < h.n; i++) {
		const struct hook_site *e = &h.sites[i];

		printf("%s\t%s\t", hook_kind_name(e->kind),
		       e->label ? e->label : e->after ? "(the last query)" : "-");
		printf(e->start_addr ? "%#llx\t" : "-\t", (unsigned long long)e->start);
		for (size_t j = 0; j < e->nends; j++)
			printf("%s%#llx", j ? "," : "", (unsigned long long)e->ends[j]);
		printf(e->nends ? "\t" : "-\t");
		if (e->key)	/* written into a caller's frame: ends are its drops there */
			printf("(%%%s), a caller's\t", hook_key_name(e->key));
		else
			printf(e->has_slot ? "%#x(%%rsp)\t" : "-\t", e->slot);
		printf("%s\t%#llx\t", e->reason ? e->reason : "ok", (unsigned long long)e->call);
		printf(e->group ? "%#llx\n" : "-\n", (unsigned long long)e->group);
	}
	hooks_free(&h);
	return 0;
}

/* --list-probes, --list-hooks: the library of --lib, or of `rustc --print sysroot`. */
int session_list_probes(struct session *s)
{
	char sysroot[4096], lib[4096], err[4400];
	char *deflt[] = { "rustc", NULL };
	struct asuser as;
	struct driver d;
	int r;

	if (s->o->lib)
		snprintf(lib, sizeof(lib), "%s", s->o->lib);
	else if (sysroot_find_driver(s->o->cmd[0] ? s->o->cmd : deflt, &s->inv, sysroot,
				     sizeof(sysroot), lib, sizeof(lib), err, sizeof(err)))
		return die(EXIT_NOLIB, "%s", err);
	r = asuser_init(&as, &s->inv);
	if (r)
		return die(EXIT_OS, "%s", strerror(-r));
	r = driver_open(&d, &as, lib, err, sizeof(err));
	r = r ?: probes_discover_ex(d.fdpath, s->o->drv.probe_flags, &d.set, err, sizeof(err));
	if (!r && s->o->list_hooks) {
		r = print_hooks(&d.set, d.path, err, sizeof(err));
	} else if (!r) {
		printf("# %zu probe points in %s (%s)\n", d.set.n, d.path, d.set.generation);
		for (size_t i = 0; i < d.set.n; i++)
			printf("%#llx\t%s\t%s\t%s\n", (unsigned long long)d.set.points[i].offset,
			       sp_kind_name(d.set.points[i].kind), d.set.points[i].label,
			       d.set.points[i].symbol ? d.set.points[i].symbol : "");
	}
	if (r)
		die(EXIT_NOLIB, "%s", err);
	driver_close(&d);
	asuser_free(&as);
	return r ? EXIT_NOLIB : 0;
}

static int setup_output(struct session *s)
{
	char err[4300];

	output_spec_init(&s->out, s->o->out);
	if (output_open(&s->out, &s->inv, err, sizeof(err)))
		return die(EXIT_OUTPUT, "%s", err);
	return 0;
}

/* Load the BPF programs: for uprobe_multi links or, where the kernel
 * refuses them (or SELFPROF_BPF_NO_MULTI is set: tests, old kernels),
 * for one perf uprobe per site. */
static int open_bpf(struct session *s)
{
	const enum attach_method methods[] = { ATTACH_MULTI, ATTACH_PERF };
	char err[1024], err1[1024] = "";

	for (int m = getenv("SELFPROF_BPF_NO_MULTI") ? 1 : 0; m < 2; m++) {
		if (!tracer_open(&s->tr, methods[m], s->o->ringbuf_bytes, err, sizeof(err))) {
			tracer_set_user(&s->tr, s->inv.uid, s->inv.gid);
			return 0;
		}
		if (!m)
			snprintf(err1, sizeof(err1), "%s", err);
	}
	return die(EXIT_BPF, "%s", err1[0] ? err1 : err);
}

/* The library named by --lib, at once; else each traced process's own:
 * for -p, what the target has mapped; from then on, those of the
 * executables that traced processes exec (held until attached). */
static int setup_drivers(struct session *s)
{
	const struct driver *d;
	char err[4400];
	int r = 0;

	drivers_init(&s->drivers, &s->out.as, &s->o->drv, &s->tr);
	if (s->o->lib)
		r = drivers_add(&s->drivers, s->o->lib, &d, err, sizeof(err));
	else if (s->o->pid)
		r = drivers_add_mapped(&s->drivers, s->o->pid, err, sizeof(err));
	if (r)
		return die(drivers_exit_code(s->drivers.stage, r), "%s", err);
	tracer_hold_new_exes(&s->tr, !s->o->lib);
	if (s->tr.method != ATTACH_MULTI)
		fprintf(stderr, "selfprof-bpf: uprobe_multi unavailable; perf uprobes instead\n");
	return 0;
}

static int start_watchdog(struct session *s)
{
	int r = watchdog_start(&s->wd, tracer_traced_fd(&s->tr), s->inv.uid);

	return r ? die(EXIT_OS, "watchdog: %s", strerror(-r)) : 0;
}

static int setup_correction(struct session *s)
{
	char err[512];

	if (!s->o->correction)
		return 0;
	if (s->o->cost_ns >= 0) {
		s->cal.entry_ns = s->cal.exit_ns = s->cal.uret_ns = s->cal.stepped_ns = s->o->cost_ns;
	} else if (calibrate(&s->tr, &s->cal, err, sizeof(err))) {
		fprintf(stderr, "selfprof-bpf: %s; no probe cost correction\n", err);
		memset(&s->cal, 0, sizeof(s->cal));
	}
	tracer_set_costs(&s->tr, s->cal.entry_ns, s->cal.exit_ns, s->cal.uret_ns,
			 s->cal.stepped_ns);
	/* calibration's own hits are not the child's */
	tracer_stats(&s->tr, s->stat_base);
	if (s->o->verbose)
		fprintf(stderr, "selfprof-bpf: probe cost per hit: entry %.0f ns (single-stepped "
			"%.0f ns), exit %.0f ns, return probe %.0f ns (bare call %.1f ns)\n",
			s->cal.entry_ns, s->cal.stepped_ns, s->cal.exit_ns, s->cal.uret_ns,
			s->cal.bare_ns);
	return 0;
}

/* The BPF counters of the traced processes: calibration's hits are not theirs. */
static void session_stats(void *ctx, uint64_t st[STAT__COUNT])
{
	struct session *s = ctx;

	memset(st, 0, STAT__COUNT * sizeof(*st));
	if (s->tr.skel)
		tracer_stats(&s->tr, st);
	for (int i = 0; i < STAT__COUNT; i++)
		st[i] -= st[i] >= s->stat_base[i] ? s->stat_base[i] : st[i];
}

/* How intervals end, as attached so far: return probes if a driver has
 * them, else exit sites (or callees only). */
static const char *returns_used(const struct session *s, bool *guarded)
{
	*guarded = false;
	for (size_t i = 0; i < s->drivers.n; i++)
		*guarded |= s->drivers.v[i]->guarded;
	for (size_t i = 0; i < s->drivers.n; i++)
		if (s->drivers.v[i]->uret)
			return "uret";
	return s->o->drv.returns == RETURNS_CALLEES ? "callees" : "exits";
}

/* The tool's metadata members of the dumps opened from now on: written
 * again whenever another driver is attached. */
static void update_metadata(struct session *s)
{
	bool guarded;
	const char *returns = returns_used(s, &guarded);

	snprintf(s->extra_json, sizeof(s->extra_json),
		 "\"tool\": \"selfprof-bpf\", \"tool_version\": \"%s\", \"attach\": \"%s\", "
		 "\"uprobe_sessions\": %s, \"librustc_drivers\": %zu, \"probe_points\": %zu, "
		 "\"probe_cost_entry_ns\": %.0f, \"probe_cost_exit_ns\": %.0f, "
		 "\"probe_cost_uret_ns\": %.0f, \"probe_cost_stepped_ns\": %.0f, "
		 "\"probe_cost_correction\": %s, "
		 "\"returns\": \"%s\", \"unwind_guard\": %s",
		 TOOL_VERSION, s->tr.method == ATTACH_MULTI ? "uprobe_multi" : "uprobe",
		 s->tr.sessions ? "true" : "false", s->drivers.n, drivers_points(&s->drivers),
		 s->cal.entry_ns, s->cal.exit_ns, s->cal.uret_ns, s->cal.stepped_ns,
		 s->cal.entry_ns + s->cal.exit_ns > 0 ? "true" : "false",
		 returns, guarded ? "true" : "false");
}

static void setup_procs(struct session *s)
{
	struct procs_opts po = {
		.labels = &s->drivers.labels,
		.out = &s->out,
		.extra_json = s->extra_json,
		.stats = session_stats,
		.stats_ctx = s,
	};

	update_metadata(s);
	procs_init(&s->procs, &po);
}

void session_on_exit(void *ctx, pid_t pid, int exit_code)
{
	struct session *s = ctx;

	/* -p: the target is gone. */
	if (s->o->pid && pid == s->child && !s->child_done) {
		s->child_done = true;
		s->child_status = child_exit_code(exit_code);
	}
}

void session_on_exec(void *ctx, const struct rec_exec *r)
{
	struct session *s = ctx;

	size_t before = s->drivers.n;

	drivers_on_exec(&s->drivers, r);
	if (s->drivers.n != before)
		update_metadata(s);
}

/* -p's target: a user process (kernel threads have no executable) that,
 * under sudo, the user could ptrace themselves. */
static int check_target(struct session *s)
{
	pid_t pid = s->o->pid;
	char exe[64], buf[8];
	int r;

	/* the user's check first: root's look at /proc would tell them about
	 * processes hidden from them (hidepid) */
	r = asuser_may_ptrace(&s->inv, pid);
	if (r)
		return die(EXIT_USAGE, "-p %d: %s", (int)pid, r == -ENOENT ? "no such process" :
			   r == -EACCES || r == -EPERM ? "permission denied: you could not ptrace it" :
			   strerror(-r));
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	if (readlink(exe, buf, sizeof(buf)) < 0 && errno == ENOENT)
		return die(EXIT_USAGE, "-p %d: %s", (int)pid, kill(pid, 0) && errno == ESRCH ?
			   "no such process" : "not a user process (a kernel thread?)");
	return 0;
}

static int check_start(struct session *s)
{
	if (!checks_privileged())
		return die(EXIT_PRIV, "must run as root (or with CAP_BPF and CAP_PERFMON): try sudo");
	if (!checks_btf())
		return die(EXIT_BTF, "kernel BTF missing (/sys/kernel/btf/vmlinux): needs "
			   "CONFIG_DEBUG_INFO_BTF=y");
	return s->o->cmd[0] ? 0 : check_target(s);
}

/* The command, found as the user would find it (once they are known). */
static int resolve_command(struct session *s, char *path, size_t size)
{
	const char *cmd = s->o->cmd[0];
	int r;

	if (!cmd)
		return 0;
	r = child_resolve(&s->out.as, cmd, path, size);
	if (r)
		return die(r == -EACCES ? EXIT_NOEXEC : EXIT_NOTFOUND, "%s: %s", cmd,
			   r == -EACCES ? "not executable" : "command not found");
	return 0;
}

static int start_child(struct session *s, const char *path)
{
	struct child c;
	int r;

	r = child_spawn(&c, path, s->o->cmd, &s->inv);
	if (r)
		return die(EXIT_OS, "fork: %s", strerror(-r));
	s->child = c.pid;
	tracer_trace_pid(&s->tr, c.pid, true);
	r = child_release(&c);
	if (r) {
		waitpid(c.pid, NULL, 0);
		s->child_done = true;
		return die(r == -ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "%s: %s",
			   s->o->cmd[0], strerror(-r));
	}
	return 0;
}

/* -p: trace the target, then check it once more: setup took a while, in
 * which it may have exec'd a privileged program or been replaced by
 * another process with its pid; from the insertion on, BPF's exec check
 * covers it. */
static int attach_running(struct session *s)
{
	int r;

	s->child = s->o->pid;
	tracer_trace_pid(&s->tr, s->o->pid, true);
	r = check_target(s);
	if (r) {
		tracer_untrace_pid(&s->tr, s->o->pid);
		return r;
	}
	procs_attach_running(&s->procs, s->o->pid);
	return 0;
}

int session_setup(struct session *s, char *path, size_t size)
{
	int r = check_start(s);

	r = r ?: setup_output(s);
	r = r ?: resolve_command(s, path, size);
	r = r ?: open_bpf(s);
	r = r ?: setup_drivers(s);
	r = r ?: start_watchdog(s);
	r = r ?: setup_correction(s);
	if (!r)
		setup_procs(s);
	return r;
}

int session_start(struct session *s, const char *path)
{
	int r = s->o->pid ? attach_running(s) : start_child(s, path);

	s->traced = !r;
	return r;
}

bool session_teardown(struct session *s)
{
	uint64_t st[STAT__COUNT] = { 0 };
	struct report rep = { 0 };
	bool write_failed;

	drivers_detach(&s->drivers);	/* nothing stops a thread any more */
	fixups_consume(&s->fix);
	fixups_free(&s->fix);
	watchdog_stop(&s->wd);
	if (s->o->verbose)
		fprintf(stderr, "selfprof-bpf: unwind guard: %llu stops, %llu stack slots "
			"rewritten, %llu skipped, %llu failed; %llu stops refused (no longer "
			"the traced process)\n",
			(unsigned long long)s->fix.records, (unsigned long long)s->fix.written,
			(unsigned long long)s->fix.skipped, (unsigned long long)s->fix.failed,
			(unsigned long long)s->fix.refused);
	session_stats(s, st);
	if (s->drain.rb)
		drain_consume(&s->drain);
	procs_finish(&s->procs);
	rep.npoints = drivers_points(&s->drivers);
	rep.ndrivers = s->drivers.n;
	rep.summary = s->o->summary;
	rep.procs = &s->procs;
	rep.stats = st;
	rep.cal = &s->cal;
	rep.attach_s = s->drivers.attach_s;
	rep.method = attach_method_name(s->tr.method);
	rep.ringbuf_bytes = s->o->ringbuf_bytes;
	rep.refused = s->drivers.refused;
	rep.verbose = s->o->verbose;
	if (s->traced)	/* a failed setup said its one line: no report */
		report_print(stderr, &rep);
	write_failed = s->procs.nfailed > 0;
	drain_free(&s->drain);
	tracer_close(&s->tr);
	procs_free(&s->procs);
	drivers_free(&s->drivers);
	output_close(&s->out);
	return write_failed;
}
