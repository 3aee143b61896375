/* SPDX-License-Identifier: MIT */
/*
 * Where dumps go: rustc's own naming (<crate>-<pid>.mm_profdata), the crate
 * name read from a rustc command line as rustc derives it, -o FILE or
 * -o DIR/, and creating them with the invoking user's rights (asuser.h).
 */
#ifndef SELFPROF_OUTPUT_H
#define SELFPROF_OUTPUT_H
#include <stddef.h>
#include <sys/types.h>
#include "asuser.h"

/*
 * The crate name rustc would use for this command line (NUL-separated
 * args, as in /proc/PID/cmdline): --crate-name's value, else the input
 * file's stem with '-' -> '_', else "rust_out" for stdin input, else "".
 * Sanitised as output_sanitize_crate does: it names a file.
 */
void output_crate_name(const char *args, size_t len, char *out, size_t size);

/* Space-joined command line for metadata (args NUL-separated). */
void output_cmdline(const char *args, size_t len, char *out, size_t size);

/*
 * A crate name made safe as a file name in the output directory: rustc's
 * identifier alphabet (ASCII letters, digits, '_'; every other byte
 * becomes '_'), so it never holds '/' nor starts with '.'. "" stays ""
 * (output_path then says "rustc").
 */
void output_sanitize_crate(char *crate);

struct output_spec {
	const char *path;	/* -o argument or NULL */
	int is_dir;		/* path names a directory (ends in '/', or exists as one to the
			 * user: known after output_open) */
	int used_file;		/* -o FILE already given to one process */
	int dirfd;		/* where dumps are created (output_open), else AT_FDCWD */
	struct asuser as;	/* as whom (inactive: as ourselves) */
};

/* Parse -o's argument. */
void output_spec_init(struct output_spec *o, const char *path);

/*
 * Open the output directory as the user once (creating -o DIR/ if
 * missing), and check at once that dumps can be created there: -o DIR/
 * must be writable, -o FILE's directory too and FILE, if it exists, a
 * regular file the user may write (not a symlink). The default (no -o)
 * is the current directory, unchecked. Returns 0, or -1 with a one-line
 * message in err.
 */
int output_open(struct output_spec *o, const struct invoker *inv, char *err, size_t size);
void output_close(struct output_spec *o);

/* The last component of a path from output_path: the name to create in
 * o->dirfd. */
const char *output_leaf(const char *path);

/* The dump path for process pid with crate name crate ("" -> "rustc").
 * A second process with -o FILE gets FILE's stem + "-<pid>" + extension. */
void output_path(struct output_spec *o, const char *crate, pid_t pid, char *out, size_t size);

/* Create the dump at path (from output_path) as the user, in o->dirfd
 * (or at path itself without output_open): never through a symlink. The
 * fd, or -errno (asuser_strerror). */
int output_create(const struct output_spec *o, const char *path);

#endif
