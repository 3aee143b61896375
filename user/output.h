/* SPDX-License-Identifier: MIT */
/*
 * Where dumps go: rustc's own naming (<crate>-<pid>.mm_profdata), the crate
 * name read from a rustc command line as rustc derives it, -o FILE or
 * -o DIR/, and handing the files to the invoking user.
 */
#ifndef SELFPROF_OUTPUT_H
#define SELFPROF_OUTPUT_H
#include <stddef.h>
#include <sys/types.h>

/*
 * The crate name rustc would use for this command line (NUL-separated
 * args, as in /proc/PID/cmdline): --crate-name's value, else the input
 * file's stem with '-' -> '_', else "rust_out" for stdin input, else "".
 */
void output_crate_name(const char *args, size_t len, char *out, size_t size);

/* Space-joined command line for metadata (args NUL-separated). */
void output_cmdline(const char *args, size_t len, char *out, size_t size);

struct output_spec {
	const char *path;	/* -o argument or NULL */
	int is_dir;		/* path names a directory (ends in '/' or exists as one) */
	int used_file;		/* -o FILE already given to one process */
};

/* Parse -o's argument. */
void output_spec_init(struct output_spec *o, const char *path);

/* The dump path for process pid with crate name crate ("" -> "rustc").
 * A second process with -o FILE gets FILE's stem + "-<pid>" + extension. */
void output_path(struct output_spec *o, const char *crate, pid_t pid, char *out, size_t size);

/* chown path to uid/gid (no-op when they are ours). 0 or -errno. */
int output_chown(const char *path, uid_t uid, gid_t gid);

#endif
