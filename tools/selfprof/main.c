// SPDX-License-Identifier: MIT
/*
 * selfprof: inspect, compare and convert measureme .mm_profdata profiles
 * (rustc -Z self-profile dumps and the tracer's). One command, one
 * subcommand per job; each lives in its own cmd_*.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "summarize", spt_cmd_summarize, "per-label summary table (measureme's), --tsv, --json" },
	{ "diff", spt_cmd_diff, "per-label differences between two profiles or directories" },
	{ "dump", spt_cmd_dump, "every event as tab-separated text" },
	{ "crox", spt_cmd_crox, "Chrome trace JSON (chrome://tracing, Perfetto)" },
	{ "flamegraph", spt_cmd_flamegraph, "folded stacks, or an SVG flame graph with --svg" },
	{ "compare", spt_cmd_compare, "two builds side by side, crate by crate: HTML report or --json" },
	{ "convert", spt_cmd_convert, "rewrite a profile as format version 9 (or 8), gzip or not" },
};

#define NSUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static int print_usage(FILE *out)
{
	fputs("Usage: selfprof COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "Read measureme .mm_profdata profiles (rustc -Z self-profile, selfprof-bpf).\n"
	      "\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < NSUBCOMMANDS; i++)
		fprintf(out, "  %-11s %s\n", subcommands[i].name, subcommands[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  -h, --help     show this help ('selfprof COMMAND --help' for a command)\n"
	      "  --version      show the version\n"
	      "\n"
	      "Exit status: 0 success, 1 bad input or I/O error, 2 usage error.\n", out);
	return spt_close_output(out, NULL);
}

static const struct subcommand *find_subcommand(const char *name)
{
	for (size_t i = 0; i < NSUBCOMMANDS; i++)
		if (!strcmp(subcommands[i].name, name))
			return &subcommands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct subcommand *cmd;

	if (argc < 2) {
		fputs("selfprof: no command given (see 'selfprof --help')\n", stderr);
		return SPT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return print_usage(stdout);
	if (!strcmp(argv[1], "--version")) {
		printf("selfprof %s (reads .mm_profdata format versions %d to %d)\n",
		       SELFPROF_VERSION_STRING, SP_FORMAT_VERSION_MIN, SP_FORMAT_VERSION);
		return spt_close_output(stdout, NULL);
	}
	cmd = find_subcommand(argv[1]);
	if (!cmd) {
		fprintf(stderr, "selfprof: unknown command '%s' (see 'selfprof --help')\n", argv[1]);
		return SPT_EXIT_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}
