/* SPDX-License-Identifier: MIT */
/*
 * Shared plumbing of the selfprof subcommands: error messages, exit codes,
 * output files with checked writes, option helpers. Every subcommand is
 * `int spt_cmd_NAME(int argc, char **argv)` with argv[0] = its name, and
 * returns the process exit status.
 */
#ifndef SPT_CLI_H
#define SPT_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "selfprof.h"

enum {
	SPT_EXIT_OK = 0,
	SPT_EXIT_FAIL = 1,	/* bad input, I/O error */
	SPT_EXIT_USAGE = 2,	/* bad command line */
};

/* One line on stderr: "selfprof: <what>: <message>". */
void spt_error(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A usage error of subcommand cmd: one line on stderr; returns SPT_EXIT_USAGE. */
int spt_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "selfprof: <what>: out of memory"; returns SPT_EXIT_FAIL. */
int spt_out_of_memory(const char *what);

/* Report a library error about path; returns SPT_EXIT_FAIL. */
int spt_lib_error(const char *path, const struct sp_error *err);

/* "OPT needs WHAT, not 'ARG'" as a usage error of cmd. */
int spt_bad_value(const char *cmd, const char *opt, const char *what, const char *arg);

/* getopt_long's '?' or ':' result as a usage error naming the option. */
int spt_bad_option(const char *cmd, int opt, char **argv);

struct option;

/* One option for spt_parse_options: arg is getopt's optarg, cmd the
 * subcommand's name. 0, or the exit status to stop with. */
typedef int spt_option_fn(void *opts, int opt, char *arg, const char *cmd);

/*
 * Scan a subcommand's options with getopt_long (shortopts starts with ':'
 * and has 'h'): -h/--help prints help and exits, an unknown option or a
 * missing value is a usage error, every other option goes to fn. Returns
 * 0 with optind at the first operand, or the exit status to return.
 */
int spt_parse_options(int argc, char **argv, const char *shortopts,
		      const struct option *longopts, const char *help,
		      spt_option_fn *fn, void *opts);

/* Print a help text to stdout; returns the exit status (write errors count). */
int spt_print_help(const char *text);

/* Open path for writing ("-" or NULL: stdout). NULL (after a message) on failure. */
FILE *spt_open_output(const char *path);
/* Flush and close (stdout is flushed, not closed); 0 or SPT_EXIT_FAIL after a message. */
int spt_close_output(FILE *out, const char *path);

/* Whether output would overwrite input (the reader maps its file: writing
 * over it would pull the pages from under the reader). Prints the usage
 * message and returns SPT_EXIT_USAGE if so, else 0. */
int spt_check_not_input(const char *cmd, const char *output, char *const *inputs, int n);

/* Strict number parsing of option values: whole string, no sign for u64. */
int spt_parse_u64(const char *s, uint64_t *out);
int spt_parse_double(const char *s, double *out);

/* Subcommands. */
int spt_cmd_summarize(int argc, char **argv);
int spt_cmd_diff(int argc, char **argv);
int spt_cmd_dump(int argc, char **argv);
int spt_cmd_crox(int argc, char **argv);
int spt_cmd_flamegraph(int argc, char **argv);
int spt_cmd_compare(int argc, char **argv);
int spt_cmd_convert(int argc, char **argv);

/* Whether a directory entry of that name is read as a dump (what
 * directories of dumps hold, and outputs must not overwrite). */
int spt_is_dump_name(const char *name);

#endif
