// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "options.h"
#include "probes.h"

void opts_usage(FILE *f)
{
	fprintf(f,
"usage: selfprof-bpf [options] -- CMD [ARGS...]\n"
"       selfprof-bpf [options] -p PID\n"
"Trace rustc's queries with BPF uprobes; write one .mm_profdata per rustc process.\n"
"  -o FILE|DIR/       output file, or directory for one file per process\n"
"                     (default ./<crate>-<pid>.mm_profdata)\n"
"  -p PID             trace a running process (and its future children)\n"
"  --lib PATH         librustc_driver-*.so to probe (default: the one each traced\n"
"                     rustc runs, found when it starts; for -p, its mapping)\n"
"  --summary=WHAT     none, top (20 rows by self time; default) or full\n"
"  --probes=WHICH     queries, default (queries + activities) or all\n"
"  --no-correction    do not subtract the measured probe cost from intervals\n"
"  --cost-ns=N        per-probe-hit cost to subtract instead of calibrating\n"
"  --list-probes      print the probe points and exit\n"
"  --list-hooks       print rustc's own profiler hook sites found in the code\n"
"                     (kind, label, start and end probe offsets) and exit\n"
"  --returns=HOW      how intervals end: auto (default: uret if the unwind guard\n"
"                     and uprobe sessions are there, else exits), uret (return\n"
"                     probes, only in traced threads; a guard\n"
"                     on the unwinder gives the stack its return addresses back,\n"
"                     stopping the thread a moment, so rustc's fatal errors and\n"
"                     panics unwind as without tracing), exits (a uprobe on each\n"
"                     `ret`, ~10x slower) or callees (no return probe at all;\n"
"                     queries whose provider is not found by name are left out)\n"
"  --uretprobes       the same as --returns=uret\n"
"  --keep-unwinding   the same as --returns=callees\n"
"  --hooks            GenericActivity events from rustc's own dormant profiler\n"
"                     hooks found in the library (every hook whose start and\n"
"                     end are found, see --list-hooks): the default\n"
"  --no-hooks         only the 17 pass functions' activities\n"
"  --ringbuf-size=N   BPF ring buffer bytes (power of two, at least a page;\n"
"                     suffix K, M or G; default 32M); events that do not fit\n"
"                     are lost, counted and reported\n"
"  -v, --verbose      attach time, calibration, BPF statistics\n"
"Exit status: the command's (128+N if killed by signal N); own failures:\n"
"  64 usage (also -p on a process you could not ptrace), 65 not root (needs\n"
"  CAP_BPF+CAP_PERFMON), 66 no kernel BTF, 67 librustc_driver not found or\n"
"  refused, 68 no probe points, 69 BPF load/attach failed,\n"
"  70 output unusable, or a dump cut short by a write error (disk full) while\n"
"  the command succeeded, 71 out of memory or a system call failed,\n"
"  126 CMD not executable, 127 CMD not found.\n"
"  Lost events do not change it (they are reported and in each dump's metadata).\n");
}

int die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("selfprof-bpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* A whole decimal number in [0, max]; -1 otherwise. */
static long long parse_num(const char *arg, long long max)
{
	char *end;
	long long v;

	if (!*arg || *arg == '-' || *arg == '+')
		return -1;
	errno = 0;
	v = strtoll(arg, &end, 10);
	return errno || *end || v > max ? -1 : v;
}

/* N[K|M|G]: a power of two the kernel takes as a ring buffer size. */
static int parse_ringbuf(const char *arg, uint32_t *out)
{
	const uint64_t max = 1u << 30;
	char digits[32], *end;
	int shift = 0;
	long long v;
	size_t n = strlen(arg);

	if (!n || n >= sizeof(digits))
		return -1;
	memcpy(digits, arg, n + 1);
	end = digits + n - 1;
	if (*end == 'K' || *end == 'M' || *end == 'G') {
		shift = *end == 'K' ? 10 : *end == 'M' ? 20 : 30;
		*end = 0;
	}
	v = parse_num(digits, max);
	if (v < 0 || (uint64_t)v << shift > max)
		return -1;
	v <<= shift;
	if (v < sysconf(_SC_PAGESIZE) || (v & (v - 1)))
		return -1;
	*out = v;
	return 0;
}

/* The argument getopt was at: what an unknown option error names. */
static const char *argv_at_error = "?";

static int bad(const char *opt, const char *arg, const char *want)
{
	bool is_short = opt[0] == '-' && opt[1] && !opt[2];

	fprintf(stderr, "selfprof-bpf: %s%s%s: %s (see --help)\n", opt, !arg ? "" : is_short ? " " : "=",
		arg ? arg : "", want);
	return -1;
}

/* One of an option's named values: its number, or -1 after a message. */
struct named {
	const char *name;
	unsigned int value;
};

static long parse_named(const char *opt, const char *arg, const struct named *v, size_t n,
			const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arg, v[i].name))
			return v[i].value;
	return bad(opt, arg, want);
}

#define PARSE_NAMED(opt, arg, table, want) \
	parse_named(opt, arg, table, sizeof(table) / sizeof(table[0]), want)

static const struct named returns_names[] = {
	{ "auto", RETURNS_AUTO }, { "uret", RETURNS_URET },
	{ "exits", RETURNS_EXITS }, { "callees", RETURNS_CALLEES },
};
static const struct named summary_names[] = {
	{ "none", REPORT_NONE }, { "top", REPORT_TOP }, { "full", REPORT_FULL },
};
static const struct named probes_names[] = {
	{ "queries", PROBES_F_QUERIES }, { "default", PROBES_F_DEFAULT },
	{ "all", PROBES_F_DEFAULT | PROBES_F_CONTEXT | PROBES_F_INHERIT },
};

static void defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->summary = REPORT_TOP;
	o->correction = true;
	o->cost_ns = -1;
	o->drv.probe_flags = PROBES_F_DEFAULT;
	o->drv.returns = RETURNS_AUTO;
	o->drv.hooks = true;
	o->ringbuf_bytes = 32u << 20;	/* also bpf/selfprof.bpf.c's */
}

static int parse_one(int c, const char *arg, struct opts *o)
{
	long long v;

	switch (c) {
	case 'o': o->out = arg; return 0;
	case 'L': o->lib = arg; return 0;
	case 'N': o->correction = false; return 0;
	case 'l': o->list = true; return 0;
	case 'H': o->list = o->list_hooks = true; return 0;
	case 'v': o->verbose = o->drv.verbose = true; return 0;
	case 'R': o->drv.returns = RETURNS_URET; return 0;
	case 'K': o->drv.returns = RETURNS_CALLEES; return 0;
	case 'k': o->drv.hooks = true; return 0;
	case 'j': o->drv.hooks = false; return 0;
	case 'E':
		v = PARSE_NAMED("--returns", arg, returns_names, "want auto, uret, exits or callees");
		o->drv.returns = v;
		return v < 0 ? -1 : 0;
	case 'S':
		v = PARSE_NAMED("--summary", arg, summary_names, "want none, top or full");
		o->summary = v;
		return v < 0 ? -1 : 0;
	case 'P':
		v = PARSE_NAMED("--probes", arg, probes_names, "want queries, default or all");
		o->drv.probe_flags = v;
		return v < 0 ? -1 : 0;
	case 'p':
		v = parse_num(arg, INT32_MAX);
		if (v <= 0)
			return bad("-p", arg, "want a process id");
		o->pid = v;
		return 0;
	case 'C':
		v = parse_num(arg, 1000000000);
		if (v < 0)
			return bad("--cost-ns", arg, "want a whole number of ns, 0 to 1e9");
		o->cost_ns = v;
		return 0;
	case 'B':
		if (parse_ringbuf(arg, &o->ringbuf_bytes))
			return bad("--ringbuf-size", arg, "want a power of two from the page "
				   "size to 1G");
		return 0;
	case 'h': opts_usage(stdout); exit(0);
	case 'V': printf("selfprof-bpf %s\n", TOOL_VERSION); exit(0);
	default: return bad(optind > 1 ? argv_at_error : "?", NULL,
			    "unknown option, or a value missing");
	}
}

int opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "lib", required_argument, 0, 'L' },
		{ "summary", required_argument, 0, 'S' },
		{ "probes", required_argument, 0, 'P' },
		{ "no-correction", no_argument, 0, 'N' },
		{ "cost-ns", required_argument, 0, 'C' },
		{ "list-probes", no_argument, 0, 'l' },
		{ "list-hooks", no_argument, 0, 'H' },
		{ "verbose", no_argument, 0, 'v' },
		{ "uretprobes", no_argument, 0, 'R' },
		{ "keep-unwinding", no_argument, 0, 'K' },
		{ "returns", required_argument, 0, 'E' },
		{ "ringbuf-size", required_argument, 0, 'B' },
		{ "hooks", no_argument, 0, 'k' },
		{ "no-hooks", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0 },
	};
	int c;

	defaults(o);
	opterr = 0;	/* one line of ours instead of getopt's */
	while ((c = getopt_long(argc, argv, "+o:p:vh", longs, NULL)) != -1) {
		argv_at_error = argv[optind - 1];
		if (parse_one(c, optarg, o))
			return -1;
	}
	o->cmd = argv + optind;
	if (o->list)
		return 0;
	if (!!o->pid == !!o->cmd[0]) {	/* exactly one of -p and CMD */
		fprintf(stderr, "selfprof-bpf: give either -p PID or -- CMD (see --help)\n");
		return -1;
	}
	return 0;
}
