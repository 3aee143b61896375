// SPDX-License-Identifier: MIT
/*
 * selfprof convert: rewrite a profile through the library writer. Every
 * event is kept in file order with its kind, thread and payload; ids are
 * written as their resolved text (label and arguments as references, as
 * rustc does); the metadata is carried over. Old (v8) and gzip input is
 * read, v9 (or v8) written, gzip when OUT ends in .gz.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "profile.h"

static const char usage[] =
"Usage: selfprof convert [OPTIONS] IN OUT\n"
"\n"
"Rewrite profile IN as OUT keeping every event, string (as resolved text),\n"
"argument and the metadata. IN may be format version 8 or 9 and gzip-\n"
"compressed; OUT is written as version 9, gzip-compressed when its name\n"
"ends in .gz. Virtual string ids are written as the text they resolve to\n"
"(unmapped ones as \"<unknown>\"), so summaries and dumps are unchanged.\n"
"\n"
"Options:\n"
"  --format-version V  write format version V (8 or 9; default 9)\n"
"  -h, --help          show this help\n";

struct convert_state {
	struct sp_reader *r;
	struct sp_writer *w;
	struct sp_u64map ids;		/* reader event id -> writer id */
	struct sp_u64map kinds;	/* reader kind id -> writer id */
	sp_string_id *args;		/* scratch for argument ids */
	size_t args_cap;
};

/* Room for n argument ids in the scratch array. */
static int reserve_args(struct convert_state *st, size_t n)
{
	sp_string_id *args;

	if (n <= st->args_cap)
		return 0;
	args = realloc(st->args, n * sizeof(*args));
	if (!args)
		return -1;
	st->args = args;
	st->args_cap = n;
	return 0;
}

static size_t count_separators(const char *text, size_t len)
{
	size_t n = 0;

	for (const char *p = text; (p = memchr(p, SP_ARG_SEPARATOR, len - (p - text))); p++)
		n++;
	return n;
}

/* Intern "label \x1e arg \x1e arg ..." as label and argument references. */
static sp_string_id intern_id_text(struct convert_state *st, const char *text, size_t len)
{
	size_t nargs = count_separators(text, len), label_len = spt_raw_label_len(text, len);
	sp_string_id label = sp_writer_string(st->w, text, label_len);
	const char *pos = text + label_len;
	const char *end = text + len;

	if (!nargs || label == SP_INVALID_ID)
		return label;
	if (reserve_args(st, nargs))
		return SP_INVALID_ID;
	for (size_t i = 0; i < nargs; i++) {
		const char *arg = pos + 1;
		size_t arg_len = spt_raw_label_len(arg, end - arg);

		st->args[i] = sp_writer_string(st->w, arg, arg_len);
		if (st->args[i] == SP_INVALID_ID)
			return SP_INVALID_ID;
		pos = arg + arg_len;
	}
	return sp_writer_event_id(st->w, label, st->args, nargs);
}

/* The writer's id for a reader id, interning its text on first use. */
static sp_string_id map_id(struct convert_state *st, struct sp_u64map *cache,
			   sp_string_id id, int split_args)
{
	uint64_t mapped;
	size_t len;
	const char *text;

	if (sp_u64map_get(cache, id, &mapped))
		return mapped;
	text = sp_reader_string(st->r, id, &len);
	mapped = split_args ? intern_id_text(st, text, len) : sp_writer_string(st->w, text, len);
	if (mapped == SP_INVALID_ID || sp_u64map_put(cache, id, mapped))
		return SP_INVALID_ID;
	return mapped;
}

static int copy_event(struct convert_state *st, const struct sp_event *ev)
{
	sp_string_id kind = map_id(st, &st->kinds, ev->kind, 0);
	sp_string_id id = map_id(st, &st->ids, ev->id, 1);

	if (kind == SP_INVALID_ID || id == SP_INVALID_ID)
		return SP_ENOMEM;
	switch (ev->type) {
	case SP_EVENT_INTERVAL:
		return sp_writer_interval(st->w, kind, id, ev->thread, ev->start, ev->end);
	case SP_EVENT_INSTANT:
		return sp_writer_instant(st->w, kind, id, ev->thread, ev->start);
	case SP_EVENT_INTEGER:
		return sp_writer_integer(st->w, kind, id, ev->thread, ev->start);
	}
	return SP_EINVAL;
}

static int copy_events(struct convert_state *st, const char *in, const char *out)
{
	uint64_t n = sp_reader_num_events(st->r);
	struct sp_event ev;

	for (uint64_t i = 0; i < n; i++) {
		if (spt_read_event(st->r, i, &ev, in))
			return SPT_EXIT_FAIL;
		if (copy_event(st, &ev)) {
			const char *why = sp_writer_last_error(st->w);

			spt_error(out, "cannot write event %llu: %s", (unsigned long long)i,
				  why && *why ? why : "out of memory");
			return SPT_EXIT_FAIL;
		}
	}
	return spt_check_strings(st->r, in);
}

static int convert(const char *in, const char *out, uint32_t version)
{
	struct convert_state st = { 0 };
	struct sp_writer_opts wopts = { .version = version, .fd = -1 };
	struct sp_error err = { 0 };
	int rc;

	st.r = spt_open_profile(in);
	if (!st.r)
		return SPT_EXIT_FAIL;
	if (sp_writer_create(&st.w, out, &wopts, &err)) {
		sp_reader_close(st.r);
		return spt_lib_error(out, &err);
	}
	rc = sp_writer_metadata(st.w, sp_reader_metadata(st.r), NULL) ? SPT_EXIT_FAIL : 0;
	if (rc)
		spt_error(out, "cannot write metadata: %s", sp_writer_last_error(st.w));
	if (!rc)
		rc = copy_events(&st, in, out);
	if (sp_writer_close(st.w, &err) && !rc)
		rc = spt_lib_error(out, &err);
	if (rc)
		remove(out);	/* a partial copy would pass for the whole profile */
	sp_reader_close(st.r);
	sp_u64map_free(&st.ids);
	sp_u64map_free(&st.kinds);
	free(st.args);
	return rc;
}

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "format-version", required_argument, NULL, 'V' },
	{ 0 }
};

static int convert_option(void *opts, int opt, char *arg, const char *cmd)
{
	uint32_t *version = opts;
	uint64_t v;

	if (spt_parse_u64(arg, &v) || (v != 8 && v != 9))	/* --format-version */
		return spt_bad_value(cmd, "--format-version", "8 or 9", arg);
	*version = (uint32_t)v;
	return 0;
}

int spt_cmd_convert(int argc, char **argv)
{
	uint32_t version = SP_FORMAT_VERSION;
	int rc = spt_parse_options(argc, argv, ":h", longopts, usage, convert_option, &version);

	if (!rc && argc - optind != 2)
		rc = spt_usage_error(argv[0], "expected IN and OUT, got %d argument(s)",
				     argc - optind);
	if (!rc)
		rc = spt_check_not_input(argv[0], argv[optind + 1], argv + optind, 1);
	return rc ? rc : convert(argv[optind], argv[optind + 1], version);
}
