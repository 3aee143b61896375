// SPDX-License-Identifier: MIT
/*
 * selfprof-bpf: profile an unmodified rustc from outside. Uprobes on the
 * query providers of librustc_driver record intervals in BPF; this loader
 * drains them into one .mm_profdata per rustc process (the format of
 * `rustc -Z self-profile`).
 *
 *	selfprof-bpf [options] -- CMD ARGS...	trace CMD and its children
 *	selfprof-bpf [options] -p PID		trace a running process
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "asuser.h"
#include "attach.h"
#include "calibrate.h"
#include "checks.h"
#include "child.h"
#include "drain.h"
#include "events.h"
#include "exits.h"
#include "fixups.h"
#include "probes.h"
#include "procs.h"
#include "report.h"
#include "selfprof.h"
#include "sysroot.h"
#include "tracer.h"
#include "unwind_guard.h"
#include "watchdog.h"

#define TOOL_VERSION	"1.0"
#define RINGBUF_DEFAULT	(32u << 20)	/* bytes; also bpf/selfprof.bpf.c's */
#define RINGBUF_MAX	(1u << 30)

/* Exit codes of selfprof-bpf's own failures (otherwise: the child's). */
enum {
	EXIT_USAGE = 64,	/* bad options */
	EXIT_PRIV = 65,		/* not root, no CAP_BPF + CAP_PERFMON */
	EXIT_BTF = 66,		/* no /sys/kernel/btf/vmlinux */
	EXIT_NOLIB = 67,	/* librustc_driver not found or unreadable */
	EXIT_NOPROBES = 68,	/* no probe points in it */
	EXIT_BPF = 69,		/* loading or attaching BPF failed */
	EXIT_OUTPUT = 70,	/* output unusable, or a dump cut short (disk full) */
	EXIT_NOEXEC = 126,	/* CMD found but not executable */
	EXIT_NOTFOUND = 127,	/* CMD not found */
};

struct opts {
	const char *out;
	const char *lib;
	pid_t pid;
	enum report_summary summary;
	bool correction;
	long cost_ns;		/* >= 0: fixed per-hit cost instead of calibrating */
	unsigned int probe_flags;
	bool list;
	bool verbose;
	bool uretprobes;	/* return probes instead of exit-site probes */
	bool no_uret;		/* tail-calling wrappers: callee rets only */
	bool returns_auto;	/* uretprobes if the unwind guard can be set up */
	uint32_t ringbuf_bytes;
	char **cmd;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: selfprof-bpf [options] -- CMD [ARGS...]\n"
"       selfprof-bpf [options] -p PID\n"
"Trace rustc's queries with BPF uprobes; write one .mm_profdata per rustc process.\n"
"  -o FILE|DIR/       output file, or directory for one file per process\n"
"                     (default ./<crate>-<pid>.mm_profdata)\n"
"  -p PID             trace a running process (and its future children)\n"
"  --lib PATH         librustc_driver-*.so to probe (default: from `rustc --print sysroot`)\n"
"  --summary=WHAT     none, top (20 rows by self time; default) or full\n"
"  --probes=WHICH     queries, default (queries + activities) or all\n"
"  --no-correction    do not subtract the measured probe cost from intervals\n"
"  --cost-ns=N        per-probe-hit cost to subtract instead of calibrating\n"
"  --list-probes      print the probe points and exit\n"
"  --returns=HOW      how intervals end: auto (default: uret if the unwind guard\n"
"                     can be set up, else exits), uret (return probes; a guard\n"
"                     on the unwinder gives the stack its return addresses back,\n"
"                     stopping the thread a moment, so rustc's fatal errors and\n"
"                     panics unwind as without tracing), exits (a uprobe on each\n"
"                     `ret`, ~10x slower) or callees (no return probe at all;\n"
"                     queries whose provider is not found by name are left out)\n"
"  --uretprobes       the same as --returns=uret\n"
"  --keep-unwinding   the same as --returns=callees\n"
"  --ringbuf-size=N   BPF ring buffer bytes (power of two, at least a page;\n"
"                     suffix K, M or G; default 32M); events that do not fit\n"
"                     are lost, counted and reported\n"
"  -v, --verbose      attach time, calibration, BPF statistics\n"
"Exit status: the command's (128+N if killed by signal N); own failures:\n"
"  64 usage, 65 not root (needs CAP_BPF+CAP_PERFMON), 66 no kernel BTF,\n"
"  67 librustc_driver not found, 68 no probe points, 69 BPF load/attach failed,\n"
"  70 output unusable, or a dump cut short by a write error (disk full) while\n"
"  the command succeeded, 126 CMD not executable, 127 CMD not found.\n"
"  Lost events do not change it (they are reported and in each dump's metadata).\n");
}

static int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("selfprof-bpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* N[K|M|G]: a power of two the kernel takes as a ring buffer size. */
static int parse_ringbuf(const char *arg, uint32_t *out)
{
	char *end;
	unsigned long long v = strtoull(arg, &end, 10);
	int shift = !*end ? 0 : !strcmp(end, "K") ? 10 : !strcmp(end, "M") ? 20 :
		    !strcmp(end, "G") ? 30 : -1;

	if (end == arg || shift < 0 || v > RINGBUF_MAX)
		return -1;
	v <<= shift;
	if (v > RINGBUF_MAX || v < (unsigned long long)sysconf(_SC_PAGESIZE) || (v & (v - 1)))
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "lib", required_argument, 0, 'L' },
		{ "summary", required_argument, 0, 'S' },
		{ "probes", required_argument, 0, 'P' },
		{ "no-correction", no_argument, 0, 'N' },
		{ "cost-ns", required_argument, 0, 'C' },
		{ "list-probes", no_argument, 0, 'l' },
		{ "verbose", no_argument, 0, 'v' },
		{ "uretprobes", no_argument, 0, 'R' },
		{ "keep-unwinding", no_argument, 0, 'K' },
		{ "returns", required_argument, 0, 'E' },
		{ "ringbuf-size", required_argument, 0, 'B' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->summary = REPORT_TOP;
	o->correction = true;
	o->cost_ns = -1;
	o->probe_flags = PROBES_F_DEFAULT;
	o->ringbuf_bytes = RINGBUF_DEFAULT;
	o->returns_auto = true;
	while ((c = getopt_long(argc, argv, "+o:p:vh", longs, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'p': o->pid = atoi(optarg); if (o->pid <= 0) return -1; break;
		case 'L': o->lib = optarg; break;
		case 'N': o->correction = false; break;
		case 'C': o->cost_ns = atol(optarg); break;
		case 'l': o->list = true; break;
		case 'v': o->verbose = true; break;
		case 'R': o->uretprobes = true; o->no_uret = o->returns_auto = false; break;
		case 'K': o->no_uret = true; o->uretprobes = o->returns_auto = false; break;
		case 'E':
			o->uretprobes = !strcmp(optarg, "uret");
			o->no_uret = !strcmp(optarg, "callees");
			o->returns_auto = !strcmp(optarg, "auto");
			if (!o->uretprobes && !o->no_uret && !o->returns_auto &&
			    strcmp(optarg, "exits"))
				return -1;
			break;
		case 'B':
			if (parse_ringbuf(optarg, &o->ringbuf_bytes)) {
				fprintf(stderr, "selfprof-bpf: --ringbuf-size=%s: want a power of "
					"two from the page size to 1G\n", optarg);
				return -1;
			}
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("selfprof-bpf %s\n", TOOL_VERSION); exit(0);
		case 'S':
			if (!strcmp(optarg, "none")) o->summary = REPORT_NONE;
			else if (!strcmp(optarg, "top")) o->summary = REPORT_TOP;
			else if (!strcmp(optarg, "full")) o->summary = REPORT_FULL;
			else return -1;
			break;
		case 'P':
			if (!strcmp(optarg, "queries")) o->probe_flags = PROBES_F_QUERIES;
			else if (!strcmp(optarg, "default")) o->probe_flags = PROBES_F_DEFAULT;
			else if (!strcmp(optarg, "all"))
				o->probe_flags = PROBES_F_DEFAULT | PROBES_F_CONTEXT | PROBES_F_INHERIT;
			else return -1;
			break;
		default: return -1;
		}
	}
	o->cmd = argv + optind;
	if (o->list)
		return 0;
	if (!!o->pid == !!o->cmd[0])	/* exactly one of -p and CMD */
		return -1;
	return 0;
}

/* Library path, probe points: everything that can fail before BPF. */
static int find_probes(const struct opts *o, const struct invoker *inv,
		       struct probe_set *set)
{
	char sysroot[4096], lib[4096], err[1024];
	char *deflt[] = { "rustc", NULL };
	int r;

	if (o->lib) {
		snprintf(lib, sizeof(lib), "%s", o->lib);
		if (access(lib, R_OK))
			return die(EXIT_NOLIB, "library not found: %s: %s", lib, strerror(errno));
	} else if (sysroot_find_driver(o->cmd[0] ? o->cmd : deflt, inv, sysroot,
				       sizeof(sysroot), lib, sizeof(lib), err, sizeof(err))) {
		return die(EXIT_NOLIB, "%s", err);
	}
	r = probes_discover_ex(lib, o->probe_flags, set, err, sizeof(err));
	if (r < 0)
		return die(EXIT_NOLIB, "%s", err);
	if (set->n == 0) {
		r = die(EXIT_NOPROBES, "no probe points in %s: %s", lib, probes_explain_empty(set));
		probes_free(set);
		return r;
	}
	return 0;
}

static void list_probes(const struct probe_set *set)
{
	printf("# %zu probe points in %s (%s)\n", set->n, set->lib_path, set->generation);
	for (size_t i = 0; i < set->n; i++)
		printf("%#llx\t%s\t%s\t%s\n", (unsigned long long)set->points[i].offset,
		       sp_kind_name(set->points[i].kind), set->points[i].label,
		       set->points[i].symbol ? set->points[i].symbol : "");
}

struct session {
	struct opts *o;
	struct invoker inv;
	struct probe_set set;
	struct tracer tr;
	struct attachment att;
	struct calibration cal;
	struct exit_sites exits;
	struct unwind_guard guard;	/* unwinding through return probes */
	bool guarded;
	struct fixups fix;		/* the guard's stack rewrites */
	struct watchdog wd;		/* continues what BPF stopped if we die */
	uint64_t *offsets, *cookies;	/* entries [0, n), return probes [n, n + nuret) */
	size_t nentries, nuret;
	struct output_spec out;
	struct procs procs;
	struct drain drain;
	char extra_json[512];
	pid_t child;		/* CMD's pid, or the -p target */
	int child_status;	/* exit code to return */
	bool child_done;
	int sigfd, epfd;
	uint64_t stat_base[STAT__COUNT];	/* counters before the child ran */
	int stop_signals;
};

static uint64_t point_cookie(const struct probe_set *set, size_t i)
{
	const struct probe_point *p = &set->points[i];

	return PROBE_COOKIE(i, p->role, p->kind);
}

/* Entry sites: every point. Exit sites: the `ret`s of functions that
 * have them; return probes for the others (exits.h), or for all with
 * --uretprobes. */
static int collect_sites(struct session *s)
{
	size_t n = s->set.n;
	char err[1024];

	s->exits.only_callees = s->o->no_uret;
	if (!s->o->uretprobes &&
	    exits_find(&s->set, point_cookie, &s->exits, err, sizeof(err)))
		return die(EXIT_NOLIB, "%s", err);
	s->offsets = calloc(n ? 2 * n : 1, sizeof(*s->offsets));
	s->cookies = calloc(n ? 2 * n : 1, sizeof(*s->cookies));
	if (!s->offsets || !s->cookies)
		return die(EXIT_BPF, "out of memory");
	for (size_t i = 0; i < n; i++) {
		uint8_t how = s->o->uretprobes ? EXITS_URET : s->exits.uret[i];

		if (how == EXITS_SKIP)
			continue;
		if (how == EXITS_URET) {	/* a session: entry and return probe */
			s->offsets[n + s->nuret] = s->set.points[i].offset;
			s->cookies[n + s->nuret++] = point_cookie(&s->set, i);
			continue;
		}
		s->offsets[s->nentries] = s->set.points[i].offset;
		s->cookies[s->nentries++] = point_cookie(&s->set, i);
	}
	if (s->o->verbose && !s->o->uretprobes)
		fprintf(stderr, "selfprof-bpf: %zu exit sites (%zu tail-calling points ended by "
			"their provider's rets); return probes on %zu points (%zu tail calls, "
			"%zu without a ret); %zu .cold/.warm parts; %zu points left out\n",
			s->exits.n, s->exits.via_callee, s->nuret, s->exits.tailcalls,
			s->exits.no_exit, s->exits.fragments, s->exits.skipped);
	return 0;
}

/*
 * Return probes break unwinding unless the unwind guard is there: find its
 * sites (any mode with return probes; --returns=uret needs it, auto picks
 * return probes only with it). And they must stay in the traced threads:
 * only uprobe sessions let an untraced thread decline one, so without
 * them --returns=uret is refused and auto takes exit sites.
 */
static int setup_guard(struct session *s)
{
	char err[1024];

	if (s->o->no_uret)
		return 0;
	if (!s->tr.sessions) {
		if (s->o->uretprobes)
			return die(EXIT_BPF, "return probes need uprobe sessions (Linux 6.12 "
				   "and uprobe_multi), or every rustc on the machine would get "
				   "them; try --returns=exits");
		if (s->o->verbose)
			fprintf(stderr, "selfprof-bpf: no uprobe sessions: exit sites instead "
				"of return probes\n");
		return 0;
	}
	if (unwind_guard_find(&s->guard, s->set.lib_path, err, sizeof(err))) {
		if (s->o->uretprobes)
			return die(EXIT_NOLIB, "%s: return probes would break rustc's "
				   "unwinding; try --returns=exits", err);
		if (s->o->verbose)
			fprintf(stderr, "selfprof-bpf: no unwind guard: %s\n", err);
		return 0;
	}
	s->guarded = true;
	if (s->o->returns_auto)
		s->o->uretprobes = true;
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
		if (!tracer_open(&s->tr, methods[m], s->o->ringbuf_bytes, err, sizeof(err)))
			return 0;
		if (!m)
			snprintf(err1, sizeof(err1), "%s", err);
	}
	return die(EXIT_BPF, "%s", err1[0] ? err1 : err);
}

/* Attach every probe point: exit sites first, then sessions, then plain
 * entries, so that no frame opens before its end is in place. */
static int attach_all(struct session *s)
{
	const struct bpf_program *en = tracer_entry_prog(&s->tr);
	const struct bpf_program *ex = tracer_return_prog(&s->tr);
	struct attach_group g[3] = {
		{ ex, { s->exits.offsets, s->exits.cookies, s->exits.n }, ATTACH_ENTRY },
		{ tracer_session_prog(&s->tr), { s->offsets + s->set.n, s->cookies + s->set.n,
						 s->nuret }, ATTACH_SESSION },
		{ en, { s->offsets, s->cookies, s->nentries }, ATTACH_ENTRY },
	};
	char err[1024];

	if (attach_points(&s->att, s->tr.method, s->set.lib_path, g, 3, 0, err, sizeof(err)))
		return die(EXIT_BPF, "%s", err);
	if (s->guarded && unwind_guard_attach(&s->guard, &s->tr, err, sizeof(err)))
		return die(EXIT_BPF, "unwind guard: %s", err);
	if (s->att.method != ATTACH_MULTI)
		fprintf(stderr, "selfprof-bpf: uprobe_multi unavailable; attached %zu perf "
			"uprobes instead\n", s->att.nlinks);
	return 0;
}

static int start_watchdog(struct session *s)
{
	int r = watchdog_start(&s->wd, tracer_traced_fd(&s->tr));

	return r ? die(EXIT_BPF, "watchdog: %s", strerror(-r)) : 0;
}

static int setup_correction(struct session *s)
{
	char err[512];

	if (!s->o->correction)
		return 0;
	if (s->o->cost_ns >= 0) {
		s->cal.entry_ns = s->cal.exit_ns = s->cal.uret_ns = s->o->cost_ns;
	} else if (calibrate(&s->tr, &s->cal, err, sizeof(err))) {
		fprintf(stderr, "selfprof-bpf: %s; no probe cost correction\n", err);
		memset(&s->cal, 0, sizeof(s->cal));
	}
	tracer_set_costs(&s->tr, s->cal.entry_ns, s->cal.exit_ns, s->cal.uret_ns);
	/* calibration's own hits are not the child's */
	tracer_stats(&s->tr, s->stat_base);
	if (s->o->verbose)
		fprintf(stderr, "selfprof-bpf: probe cost per hit: entry %.0f ns, exit %.0f ns, "
			"return probe %.0f ns (bare call %.1f ns)\n", s->cal.entry_ns,
			s->cal.exit_ns, s->cal.uret_ns, s->cal.bare_ns);
	return 0;
}

/* The output directory, opened (and -o DIR/ created) as the invoking
 * user; refused now, before the command runs, if dumps cannot go there. */
static int setup_output(struct session *s)
{
	char err[4300];

	output_spec_init(&s->out, s->o->out);
	if (output_open(&s->out, &s->inv, err, sizeof(err)))
		return die(EXIT_OUTPUT, "%s", err);
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

static void setup_procs(struct session *s)
{
	struct procs_opts po = {
		.set = &s->set,
		.out = &s->out,
		.uid = s->inv.uid,
		.gid = s->inv.gid,
		.extra_json = s->extra_json,
		.stats = session_stats,
		.stats_ctx = s,
	};

	snprintf(s->extra_json, sizeof(s->extra_json),
		 "\"tool\": \"selfprof-bpf\", \"tool_version\": \"%s\", "
		 "\"probe_points\": %zu, \"exit_sites\": %zu, \"attach\": \"%s\", "
		 "\"probe_cost_ns\": %.0f, \"probe_cost_entry_ns\": %.0f, "
		 "\"probe_cost_exit_ns\": %.0f, \"probe_cost_uret_ns\": %.0f, "
		 "\"probe_cost_correction\": %s, \"returns\": \"%s\", \"unwind_guard\": %s",
		 TOOL_VERSION, s->nentries + s->nuret, s->o->uretprobes ? 0 : s->exits.n,
		 s->att.method == ATTACH_MULTI ? "uprobe_multi" : "uprobe",
		 s->cal.entry_ns + (s->o->uretprobes ? s->cal.uret_ns : s->cal.exit_ns),
		 s->cal.entry_ns, s->cal.exit_ns, s->cal.uret_ns,
		 s->cal.entry_ns + s->cal.exit_ns > 0 ? "true" : "false",
		 s->o->uretprobes ? "uret" : s->o->no_uret ? "callees" : "exits",
		 s->guarded ? "true" : "false");
	procs_init(&s->procs, &po);
}

static void on_exit_rec(void *ctx, pid_t pid, int exit_code)
{
	struct session *s = ctx;

	/* -p: the target is gone. */
	if (s->o->pid && pid == s->child && !s->child_done) {
		s->child_done = true;
		s->child_status = child_exit_code(exit_code);
	}
}

static void loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

/*
 * From the very start, the signals the loop handles are blocked: one that
 * arrives during startup (discovery, attach: about half a second) queues
 * and is forwarded once the child runs, instead of being lost. Ignored
 * signals (background jobs ignore SIGINT) never reach a signalfd: take the
 * default back. The child unblocks them before exec (child.c).
 */
static void block_signals_early(void)
{
	sigset_t set;

	loop_signals(&set);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static int setup_loop(struct session *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	loop_signals(&set);
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0)
		return die(EXIT_BPF, "signalfd/epoll: %s", strerror(errno));
	if (drain_init(&s->drain, tracer_ringbuf_fd(&s->tr), &s->procs))
		return die(EXIT_BPF, "ring buffer: %s", strerror(errno));
	s->drain.on_exit = on_exit_rec;
	s->drain.ctx = s;
	if (s->guarded && fixups_init(&s->fix, tracer_fixup_fd(&s->tr)))
		return die(EXIT_BPF, "fixup ring buffer: %s", strerror(errno));
	if (s->fix.rb) {
		ev.data.fd = fixups_epoll_fd(&s->fix);
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	ev.data.fd = s->sigfd;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev);
	ev.data.fd = drain_epoll_fd(&s->drain);
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	return 0;
}

static int start_child(struct session *s, const char *path)
{
	struct child c;
	int r;

	r = child_spawn(&c, path, s->o->cmd, &s->inv);
	if (r)
		return die(EXIT_BPF, "fork: %s", strerror(-r));
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

static void handle_signals(struct session *s)
{
	struct signalfd_siginfo si;
	int ws;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			if (!s->o->pid && !s->child_done &&
			    waitpid(s->child, &ws, WNOHANG) == s->child) {
				s->child_done = true;
				s->child_status = child_exit_code(ws);
			}
			continue;
		}
		/* INT/TERM/HUP: the child decides; we finish once it has.
		 * With -p, or on a second signal, stop tracing now. */
		s->stop_signals++;
		if (!s->o->pid && !s->child_done)
			kill(s->child, si.ssi_signo);
		if (s->o->pid || s->stop_signals > 1) {
			s->child_done = true;
			s->child_status = s->o->pid ? 0 : 128 + (int)si.ssi_signo;
		}
	}
}

static void run_loop(struct session *s)
{
	struct epoll_event evs[4];

	while (!s->child_done) {
		int n = epoll_wait(s->epfd, evs, 4, 20);

		for (int i = 0; i < n; i++)
			if (evs[i].data.fd == s->sigfd)
				handle_signals(s);
		fixups_consume(&s->fix);	/* a stopped thread waits for it */
		drain_consume(&s->drain);
		/* -p: the target may exit without an exit record (untraced
		 * meanwhile); check it is still there. */
		if (s->o->pid && !s->child_done && kill(s->child, 0) && errno == ESRCH)
			s->child_done = true;
	}
	/* Everything the processes did is in the ring buffer by now. */
	drain_consume(&s->drain);
}

/* Returns whether a dump could not be written completely. */
static bool teardown(struct session *s)
{
	uint64_t st[STAT__COUNT] = { 0 };
	struct report rep = { 0 };
	bool write_failed;

	attach_release(&s->att);
	unwind_guard_release(&s->guard);
	fixups_free(&s->fix);
	watchdog_stop(&s->wd);
	if (s->o->verbose && s->guarded)
		fprintf(stderr, "selfprof-bpf: unwind guard: %llu stops, %llu stack slots "
			"rewritten, %llu skipped, %llu failed\n",
			(unsigned long long)s->fix.records, (unsigned long long)s->fix.written,
			(unsigned long long)s->fix.skipped, (unsigned long long)s->fix.failed);
	session_stats(s, st);
	if (s->drain.rb)
		drain_consume(&s->drain);
	procs_finish(&s->procs);
	rep.summary = s->o->summary;
	rep.procs = &s->procs;
	rep.stats = st;
	rep.cal = &s->cal;
	rep.attach_s = s->att.seconds;
	rep.method = attach_method_name(s->att.method);
	rep.npoints = s->nentries + s->nuret;
	rep.ringbuf_bytes = s->o->ringbuf_bytes;
	rep.verbose = s->o->verbose;
	report_print(stderr, &rep);
	write_failed = s->procs.nfailed > 0;
	drain_free(&s->drain);
	tracer_close(&s->tr);
	procs_free(&s->procs);
	return write_failed;
}

int main(int argc, char **argv)
{
	static struct session s;
	struct opts o;
	char path[4096];
	int r;

	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	s.o = &o;
	s.sigfd = s.epfd = -1;
	block_signals_early();
	if (!o.list && !checks_privileged())
		return die(EXIT_PRIV, "must run as root (or with CAP_BPF and CAP_PERFMON): try sudo");
	if (!o.list && !checks_btf())
		return die(EXIT_BTF, "kernel BTF missing (/sys/kernel/btf/vmlinux): needs CONFIG_DEBUG_INFO_BTF=y");
	invoker_from_env(&s.inv);
	invoker_extend_path(&s.inv);
	if (o.cmd[0]) {
		r = child_resolve(o.cmd[0], path, sizeof(path));
		if (r)
			return die(r == -EACCES ? EXIT_NOEXEC : EXIT_NOTFOUND, "%s: %s", o.cmd[0],
				   r == -EACCES ? "not executable" : "command not found");
	} else if (o.pid && kill(o.pid, 0) && errno == ESRCH) {
		return die(EXIT_USAGE, "-p %d: no such process", (int)o.pid);
	}
	/* Under sudo, only what the user could ptrace themselves. */
	if (o.pid && (r = asuser_may_ptrace(&s.inv, o.pid)))
		return die(EXIT_USAGE, "-p %d: %s", (int)o.pid, r == -ENOENT ? "no such process" :
			   r == -EACCES || r == -EPERM ? "permission denied: you could not ptrace it" :
			   strerror(-r));
	r = find_probes(&o, &s.inv, &s.set);
	if (r)
		return r;
	if (o.list) {
		list_probes(&s.set);
		probes_free(&s.set);
		return 0;
	}
	r = setup_output(&s);
	r = r ?: open_bpf(&s);
	r = r ?: setup_guard(&s);
	r = r ?: collect_sites(&s);
	r = r ?: attach_all(&s);
	r = r ?: start_watchdog(&s);
	r = r ?: setup_correction(&s);
	if (!r)
		setup_procs(&s);
	r = r ?: setup_loop(&s);
	if (!r && o.pid) {
		s.child = o.pid;
		procs_attach_running(&s.procs, o.pid);
		tracer_trace_pid(&s.tr, o.pid, true);
	} else if (!r) {
		r = start_child(&s, path);
	}
	if (!r) {
		run_loop(&s);
		r = s.child_status;
	}
	/* A dump cut short is our failure, unless the command failed too. */
	if (s.tr.skel && teardown(&s) && r == 0)
		r = EXIT_OUTPUT;
	probes_free(&s.set);
	exits_free(&s.exits);
	free(s.offsets);
	free(s.cookies);
	return r;
}
