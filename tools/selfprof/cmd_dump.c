// SPDX-License-Identifier: MIT
/*
 * selfprof dump: every event of a profile as one line of tab-separated
 * text, in file order, after the metadata as '#' comment lines.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "profile.h"

static const char usage[] =
"Usage: selfprof dump [OPTIONS] FILE\n"
"\n"
"Print every event of a profile in file order, one tab-separated line each:\n"
"  thread  kind  label  args  start_ns  end_ns  value\n"
"label is the event id text up to the first argument separator (0x1e), args\n"
"the rest after it (arguments still separated by 0x1e, shown as \\x1e).\n"
"Intervals fill start_ns and end_ns (ns since the profile's start_time),\n"
"instants start_ns, integer events value. Text is escaped as mmcheck.py\n"
"does: \\\\ \\t \\n \\r and other control characters as \\xNN. The output\n"
"starts with '#' lines: start_time_ns, process_id, cmd, counter, the header.\n"
"\n"
"Options:\n"
"  -t, --thread N   only events of thread N\n"
"  -o, --output F   write to F instead of stdout\n"
"  -h, --help       show this help\n";

struct dump_opts {
	const char *output;
	int filter_thread;
	uint64_t thread;
};

static void put_tsv_str(FILE *out, const char *s)
{
	spt_put_tsv(out, s, strlen(s));
}

static void print_metadata(FILE *out, const struct sp_metadata *m)
{
	fprintf(out, "# start_time_ns\t%llu\n# process_id\t%u\n# cmd\t",
		(unsigned long long)m->start_time_ns, m->pid);
	put_tsv_str(out, m->cmd ? m->cmd : "");
	fputs("\n# counter\t", out);
	put_tsv_str(out, m->counter ? m->counter : "");
	fputs("\n# thread\tkind\tlabel\targs\tstart_ns\tend_ns\tvalue\n", out);
}

/* "label<TAB>args": the id text split at its first separator. */
static void print_id(FILE *out, struct sp_reader *r, sp_string_id id)
{
	size_t len;
	const char *text = sp_reader_string(r, id, &len);
	size_t label_len = spt_raw_label_len(text, len);

	spt_put_tsv(out, text, label_len);
	putc('\t', out);
	if (label_len < len)
		spt_put_tsv(out, text + label_len + 1, len - label_len - 1);
}

static void print_event(FILE *out, struct sp_reader *r, const struct sp_event *ev)
{
	fprintf(out, "%u\t", ev->thread);
	put_tsv_str(out, sp_reader_string(r, ev->kind, NULL));
	putc('\t', out);
	print_id(out, r, ev->id);
	switch (ev->type) {
	case SP_EVENT_INTERVAL:
		fprintf(out, "\t%llu\t%llu\t\n", (unsigned long long)ev->start,
			(unsigned long long)ev->end);
		break;
	case SP_EVENT_INSTANT:
		fprintf(out, "\t%llu\t\t\n", (unsigned long long)ev->start);
		break;
	case SP_EVENT_INTEGER:
		fprintf(out, "\t\t\t%llu\n", (unsigned long long)ev->start);
		break;
	}
}

static int dump_events(FILE *out, struct sp_reader *r, const char *path,
		       const struct dump_opts *o)
{
	uint64_t n = sp_reader_num_events(r);
	struct sp_event ev;

	print_metadata(out, sp_reader_metadata(r));
	for (uint64_t i = 0; i < n; i++) {
		if (spt_read_event(r, i, &ev, path))
			return SPT_EXIT_FAIL;
		if (o->filter_thread && ev.thread != o->thread)
			continue;
		print_event(out, r, &ev);
		if (ferror(out))
			break;	/* reported when the output is closed */
	}
	return spt_check_strings(r, path);
}

static int dump(const char *path, const struct dump_opts *o)
{
	struct sp_reader *r = spt_open_profile(path);
	FILE *out = r ? spt_open_output(o->output) : NULL;
	int rc = out ? dump_events(out, r, path, o) : SPT_EXIT_FAIL;

	if (out && spt_close_output(out, o->output))
		rc = SPT_EXIT_FAIL;
	sp_reader_close(r);
	return rc;
}

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "thread", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{ 0 }
};

static int dump_option(void *opts, int opt, char *arg, const char *cmd)
{
	struct dump_opts *o = opts;

	switch (opt) {
	case 't':
		if (spt_parse_u64(arg, &o->thread) || o->thread > UINT32_MAX)
			return spt_bad_value(cmd, "--thread", "a thread id", arg);
		o->filter_thread = 1;
		break;
	case 'o':
		o->output = arg;
		break;
	}
	return 0;
}

int spt_cmd_dump(int argc, char **argv)
{
	struct dump_opts o = { 0 };
	int rc = spt_parse_options(argc, argv, ":ht:o:", longopts, usage, dump_option, &o);

	if (!rc && argc - optind != 1)
		rc = spt_usage_error(argv[0], "expected one profile, got %d", argc - optind);
	if (!rc)
		rc = spt_check_not_input(argv[0], o.output, argv + optind, 1);
	return rc ? rc : dump(argv[optind], &o);
}
