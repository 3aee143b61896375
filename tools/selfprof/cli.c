// SPDX-License-Identifier: MIT
/* Shared plumbing of the selfprof subcommands; see cli.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

void spt_error(const char *what, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);	/* keep stdout and stderr in order on a terminal */
	fprintf(stderr, "selfprof: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int spt_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "selfprof: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'selfprof %s --help')\n", cmd);
	return SPT_EXIT_USAGE;
}

int spt_out_of_memory(const char *what)
{
	spt_error(what, "out of memory");
	return SPT_EXIT_FAIL;
}

int spt_lib_error(const char *path, const struct sp_error *err)
{
	const char *msg = err->msg[0] ? err->msg : "cannot read profile";
	size_t plen = strlen(path);

	/* The library may already name the file; do not say it twice. */
	if (!strncmp(msg, path, plen) && msg[plen] == ':' && msg[plen + 1] == ' ')
		msg += plen + 2;
	spt_error(path, "%s", msg);
	return SPT_EXIT_FAIL;
}

int spt_bad_value(const char *cmd, const char *opt, const char *what, const char *arg)
{
	return spt_usage_error(cmd, "%s needs %s, not '%s'", opt, what, arg);
}

int spt_bad_option(const char *cmd, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	const char *eq = strchr(arg, '=');

	if (opt == ':')
		return spt_usage_error(cmd, "option '%s' needs a value", arg);
	/* A known long option given a value it does not take: getopt sets
	 * optopt to that option's code, which is no text to show. */
	if (!strncmp(arg, "--", 2) && eq && optopt)
		return spt_usage_error(cmd, "option '%.*s' takes no value", (int)(eq - arg), arg);
	if (optopt > ' ' && optopt < 127 && strncmp(arg, "--", 2))
		return spt_usage_error(cmd, "unknown option '-%c'", optopt);
	return spt_usage_error(cmd, "unknown option '%s'", arg);
}

int spt_parse_options(int argc, char **argv, const char *shortopts,
		      const struct option *longopts, const char *help,
		      spt_option_fn *fn, void *opts)
{
	int opt, rc = 0;

	opterr = 0;	/* our messages, not getopt's */
	optind = 0;	/* a fresh scan: another subcommand may have used getopt */
	while (!rc && (opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == 'h')
			exit(spt_print_help(help));
		if (opt == '?' || opt == ':')
			return spt_bad_option(argv[0], opt, argv);
		rc = fn(opts, opt, optarg, argv[0]);
	}
	return rc;
}

int spt_print_help(const char *text)
{
	fputs(text, stdout);
	return spt_close_output(stdout, NULL);
}

FILE *spt_open_output(const char *path)
{
	FILE *out;

	if (!path || !strcmp(path, "-"))
		return stdout;
	out = fopen(path, "w");
	if (!out)
		spt_error(path, "cannot create: %s", strerror(errno));
	return out;
}

int spt_close_output(FILE *out, const char *path)
{
	const char *name = path && strcmp(path, "-") ? path : "<stdout>";
	int failed = fflush(out) != 0 || ferror(out);
	int saved = errno;

	if (out != stdout && fclose(out) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		spt_error(name, "write error: %s", strerror(saved ? saved : EIO));
		return SPT_EXIT_FAIL;
	}
	return SPT_EXIT_OK;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether out is one of the dumps that the directory dir gives as input. */
static bool is_dump_in(const struct stat *out, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	bool found = false;

	while (d && !found && (e = readdir(d)))
		found = spt_is_dump_name(e->d_name) && !fstatat(dirfd(d), e->d_name, &st, 0) &&
			same_inode(out, &st);
	if (d)
		closedir(d);
	return found;
}

/* Same inode, so a symlink or a hard link to an input counts as the input. */
int spt_check_not_input(const char *cmd, const char *output, char *const *inputs, int n)
{
	struct stat out, in;

	if (!output || !strcmp(output, "-") || stat(output, &out))
		return 0;
	for (int i = 0; i < n; i++) {
		if (stat(inputs[i], &in))
			continue;
		if (same_inode(&out, &in) || (S_ISDIR(in.st_mode) && is_dump_in(&out, inputs[i])))
			return spt_usage_error(cmd, "the output %s is an input file", output);
	}
	return 0;
}

int spt_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int spt_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int spt_is_dump_name(const char *name)
{
	size_t len = strlen(name);
	static const char *const suffixes[] = { ".mm_profdata", ".mm_profdata.gz" };

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(suffixes[i]);

		if (len > n && !strcmp(name + len - n, suffixes[i]))
			return 1;
	}
	return 0;
}
