// SPDX-License-Identifier: MIT
/*
 * selfprof crox: Chrome trace JSON (spec MMPROFDATA.md 12.1), loadable by
 * chrome://tracing, Perfetto and speedscope: one complete ("X") event per
 * interval, pid = the profiled process, tid = the thread (one track each;
 * --collapse-threads puts threads that never overlap on shared tracks).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "lanes.h"
#include "profile.h"

static const char usage[] =
"Usage: selfprof crox [OPTIONS] FILE...\n"
"\n"
"Write the interval events of the profiles as a Chrome trace (a JSON array of\n"
"complete events, as measureme's crox does): name = label, cat = event kind,\n"
"ts/dur in microseconds (ts since the epoch), pid = the profiled process,\n"
"tid = thread, args = the event's arguments (arg0, arg1, ...). Instant and\n"
"integer events are left out. Then a process_name (the --crate-name of the\n"
"recorded command line, if any) and a process_sort_index metadata event.\n"
"\n"
"Options:\n"
"  -o, --output F            write to F instead of stdout\n"
"  --minimum-duration US     leave out intervals shorter than US microseconds\n"
"  --collapse-threads        threads whose spans (first to last event) do not\n"
"                            overlap share a track: tid = lane 0, 1, ... in\n"
"                            order of start, as measureme's crox numbers them\n"
"  -h, --help                show this help\n";

struct crox_opts {
	const char *output;
	uint64_t min_dur_ns;
	int collapse_threads;
	int nevents;	/* objects written so far, for the separators */
};

static void begin_object(FILE *out, struct crox_opts *o)
{
	fputs(o->nevents++ ? ",\n" : "\n", out);
}

static void put_args(FILE *out, const char *text, size_t len)
{
	const char *args[16];
	size_t lens[16], label_len;
	size_t n = sp_split_args(text, len, &label_len, args, lens, 16);
	const char **all = args;
	size_t *all_lens = lens;

	if (!n) {
		fputs("null", out);
		return;
	}
	if (n > 16) {	/* rare: rustc records at most two */
		all = malloc(n * sizeof(*all));
		all_lens = malloc(n * sizeof(*all_lens));
		if (!all || !all_lens) {
			free(all);
			free(all_lens);
			all = args, all_lens = lens, n = 16;
		} else {
			sp_split_args(text, len, &label_len, all, all_lens, n);
		}
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s\"arg%zu\":", i ? "," : "{", i);
		spt_put_json_string(out, all[i], all_lens[i]);
	}
	putc('}', out);
	if (all != args) {
		free(all);
		free(all_lens);
	}
}

static void put_interval(FILE *out, struct sp_reader *r, const struct sp_event *ev,
			 uint64_t start_time, uint32_t pid)
{
	const char *label = sp_reader_label_text(r, sp_reader_label_of(r, ev->id));
	const char *text;
	size_t len;

	fputs("{\"name\":", out);
	spt_put_json_string(out, label, strlen(label));
	fputs(",\"cat\":", out);
	text = sp_reader_string(r, ev->kind, &len);
	spt_put_json_string(out, text, len);
	fprintf(out, ",\"ph\":\"X\",\"ts\":%llu,\"dur\":%llu,\"pid\":%u,\"tid\":%u,\"args\":",
		(unsigned long long)((start_time + ev->start) / 1000),
		(unsigned long long)((ev->end - ev->start) / 1000), pid, ev->thread);
	text = sp_reader_string(r, ev->id, &len);
	put_args(out, text, len);
	putc('}', out);
}

/* The word after " --crate-name " in the command line, if any. */
static int crate_name_of(const char *cmd, const char **name, size_t *len)
{
	static const char flag[] = " --crate-name ";
	const char *p = cmd ? strstr(cmd, flag) : NULL;

	if (!p)
		return 0;
	*name = p + strlen(flag);
	*len = strcspn(*name, " ");
	return 1;
}

static void put_process_metadata(FILE *out, struct crox_opts *o, const struct sp_metadata *m)
{
	const char *name;
	size_t len;

	if (crate_name_of(m->cmd, &name, &len)) {
		begin_object(out, o);
		fputs("{\"args\":{\"name\":", out);
		spt_put_json_string(out, name, len);
		fprintf(out, "},\"cat\":\"\",\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%u,"
			"\"tid\":0,\"ts\":0}", m->pid);
	}
	begin_object(out, o);
	fprintf(out, "{\"args\":{\"sort_index\":%llu},\"cat\":\"\",\"name\":\"process_sort_index\","
		"\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"ts\":0}",
		(unsigned long long)(m->start_time_ns / 1000), m->pid);
}

static int write_intervals(FILE *out, struct sp_reader *r, const char *path,
			   struct crox_opts *o, const struct spt_lanes *lanes)
{
	const struct sp_metadata *m = sp_reader_metadata(r);
	uint64_t n = sp_reader_num_events(r);
	struct sp_event ev;

	for (uint64_t i = 0; i < n && !ferror(out); i++) {
		if (spt_read_event(r, i, &ev, path))
			return SPT_EXIT_FAIL;
		if (ev.type != SP_EVENT_INTERVAL || ev.end - ev.start < o->min_dur_ns)
			continue;
		ev.thread = spt_lane_of(lanes, ev.thread);	/* the track it is drawn on */
		begin_object(out, o);
		put_interval(out, r, &ev, m->start_time_ns, m->pid);
	}
	return spt_check_strings(r, path);
}

static int write_profile(FILE *out, struct sp_reader *r, const char *path,
			 struct crox_opts *o)
{
	struct spt_lanes lanes = { 0 };
	int rc = o->collapse_threads ? spt_lanes_build(&lanes, r, path) : 0;

	if (!rc)
		rc = write_intervals(out, r, path, o, &lanes);
	if (!rc)
		put_process_metadata(out, o, sp_reader_metadata(r));
	spt_lanes_free(&lanes);
	return rc;
}

/* Open every input first, so that a bad one leaves no half-written trace. */
static struct sp_reader **open_all(int nfiles, char **files)
{
	struct sp_reader **readers = calloc(nfiles, sizeof(*readers));

	if (!readers)
		spt_out_of_memory("crox");
	for (int i = 0; readers && i < nfiles; i++) {
		readers[i] = spt_open_profile(files[i]);
		if (!readers[i]) {
			while (i--)
				sp_reader_close(readers[i]);
			free(readers);
			return NULL;
		}
	}
	return readers;
}

static int write_trace(const struct crox_opts *opts, int nfiles, char **files)
{
	struct crox_opts o = *opts;
	struct sp_reader **readers = open_all(nfiles, files);
	FILE *out = readers ? spt_open_output(o.output) : NULL;
	int rc = out ? 0 : SPT_EXIT_FAIL;

	if (out) {
		putc('[', out);
		for (int i = 0; i < nfiles && !rc; i++)
			rc = write_profile(out, readers[i], files[i], &o);
		fputs("\n]\n", out);
		if (spt_close_output(out, o.output))
			rc = SPT_EXIT_FAIL;
		if (rc && out != stdout)
			remove(o.output);	/* no half-written trace left behind */
	}
	for (int i = 0; readers && i < nfiles; i++)
		sp_reader_close(readers[i]);
	free(readers);
	return rc;
}

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "output", required_argument, NULL, 'o' },
	{ "minimum-duration", required_argument, NULL, 'm' },
	{ "collapse-threads", no_argument, NULL, 'c' },
	{ 0 }
};

static int crox_option(void *opts, int opt, char *arg, const char *cmd)
{
	struct crox_opts *o = opts;
	uint64_t us;

	switch (opt) {
	case 'o':
		o->output = arg;
		break;
	case 'm':
		if (spt_parse_u64(arg, &us) || us > UINT64_MAX / 1000)
			return spt_bad_value(cmd, "--minimum-duration", "microseconds", arg);
		o->min_dur_ns = us * 1000;
		break;
	case 'c':
		o->collapse_threads = 1;
		break;
	}
	return 0;
}

int spt_cmd_crox(int argc, char **argv)
{
	struct crox_opts o = { 0 };
	int rc = spt_parse_options(argc, argv, ":ho:", longopts, usage, crox_option, &o);

	if (!rc && optind >= argc)
		rc = spt_usage_error(argv[0], "no profile given");
	if (!rc)
		rc = spt_check_not_input(argv[0], o.output, argv + optind, argc - optind);
	return rc ? rc : write_trace(&o, argc - optind, argv + optind);
}
