// SPDX-License-Identifier: MIT
/*
 * selfprof flamegraph: folded stacks as measureme's stack_collapse writes
 * them (sorted), or an SVG flame graph of the same stacks.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flame_svg.h"
#include "profile.h"
#include "stacks.h"

static const char usage[] =
"Usage: selfprof flamegraph [OPTIONS] FILE\n"
"\n"
"Print the profile's folded stacks, one 'rustc;outer;...;inner NS' line per\n"
"distinct stack of interval labels, sorted; NS is the time spent in that\n"
"stack minus its children (measureme's stack_collapse). The line 'rustc NS'\n"
"holds each thread's idle time between its first start and last end.\n"
"These lines feed flamegraph.pl or inferno-flamegraph directly.\n"
"\n"
"Options:\n"
"  --svg           write a self-contained SVG flame graph instead (hover a\n"
"                  frame for its label, time and share; no JavaScript)\n"
"  -o, --output F  write to F instead of stdout\n"
"  --title T       the SVG's title (default: 'Flame Graph: FILE')\n"
"  -h, --help      show this help\n";

struct flame_opts {
	const char *output;
	const char *title;
	int svg;
};

static int render(FILE *out, const struct spt_stacks *st, const char *path,
		  const struct flame_opts *o)
{
	char *title = NULL;
	int rc;

	if (!o->svg)
		return spt_stacks_print_folded(st, out);
	if (!o->title && asprintf(&title, "Flame Graph: %s", path) < 0)
		return -1;
	rc = spt_flame_svg(out, st, o->title ? o->title : title);
	free(title);
	return rc;
}

static int flamegraph(const char *path, const struct flame_opts *o)
{
	struct sp_reader *r = spt_open_profile(path);
	struct spt_stacks st;
	FILE *out = NULL;
	int rc;

	if (!r)
		return SPT_EXIT_FAIL;
	rc = spt_stacks_build(&st, r, path);
	if (!rc) {
		out = spt_open_output(o->output);
		rc = out ? 0 : SPT_EXIT_FAIL;
	}
	if (!rc && render(out, &st, path, o))
		rc = spt_out_of_memory(path);
	if (out && spt_close_output(out, o->output))
		rc = SPT_EXIT_FAIL;
	spt_stacks_free(&st);
	sp_reader_close(r);
	return rc;
}

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "svg", no_argument, NULL, 'S' },
	{ "output", required_argument, NULL, 'o' },
	{ "title", required_argument, NULL, 't' },
	{ 0 }
};

static int flame_option(void *opts, int opt, char *arg, const char *cmd)
{
	struct flame_opts *o = opts;

	switch (opt) {
	case 'S':
		o->svg = 1;
		break;
	case 'o':
		o->output = arg;
		break;
	case 't':
		o->title = arg;
		break;
	}
	return 0;
}

int spt_cmd_flamegraph(int argc, char **argv)
{
	struct flame_opts o = { 0 };
	int rc = spt_parse_options(argc, argv, ":ho:", longopts, usage, flame_option, &o);

	if (!rc && argc - optind != 1)
		rc = spt_usage_error(argv[0], "expected one profile, got %d", argc - optind);
	if (!rc)
		rc = spt_check_not_input(argv[0], o.output, argv + optind, 1);
	return rc ? rc : flamegraph(argv[optind], &o);
}
