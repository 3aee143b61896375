// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "child.h"
#include "output.h"

/* Next NUL-separated argument after *pos, or NULL at the end. */
static const char *next_arg(const char *args, size_t len, size_t *pos)
{
	const char *a;

	if (*pos >= len)
		return NULL;
	a = args + *pos;
	*pos += strnlen(a, len - *pos) + 1;
	return a;
}

/* rustc options whose value is a separate argument (so it is not the input). */
static int takes_value(const char *a)
{
	static const char *const opts[] = {
		"-o", "-L", "-l", "--extern", "--cfg", "--check-cfg", "-C", "-Z",
		"--edition", "--crate-type", "--crate-name", "--out-dir", "--target",
		"--emit", "--cap-lints", "-A", "-W", "-D", "-F", "--force-warn",
		"--print", "--explain", "--sysroot", "--error-format", "--json",
		"--color", "--remap-path-prefix", "--diagnostic-width", "--env-set",
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(a, opts[i]))
			return 1;
	return 0;
}

static void stem_of(const char *file, char *out, size_t size)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".rs"))
		n -= 3;
	snprintf(out, size, "%.*s", (int)n, base);
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '_';
}

void output_sanitize_crate(char *crate)
{
	for (char *p = crate; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
}

static void crate_name(const char *args, size_t len, char *out, size_t size)
{
	const char *a, *input = NULL;
	size_t pos = 0;

	out[0] = 0;
	next_arg(args, len, &pos);	/* argv[0] */
	while ((a = next_arg(args, len, &pos))) {
		if (!strcmp(a, "--crate-name")) {
			a = next_arg(args, len, &pos);
			snprintf(out, size, "%s", a ? a : "");
			return;
		}
		if (!strncmp(a, "--crate-name=", 13)) {
			snprintf(out, size, "%s", a + 13);
			return;
		}
		if (takes_value(a))
			next_arg(args, len, &pos);
		else if (!strcmp(a, "-") || a[0] != '-')
			input = a;
	}
	if (input && !strcmp(input, "-"))
		snprintf(out, size, "rust_out");
	else if (input)
		stem_of(input, out, size);
}

void output_crate_name(const char *args, size_t len, char *out, size_t size)
{
	crate_name(args, len, out, size);
	output_sanitize_crate(out);
}

void output_cmdline(const char *args, size_t len, char *out, size_t size)
{
	size_t n = 0;

	if (!size)
		return;
	for (size_t i = 0; i < len && n + 1 < size; i++)
		out[n++] = args[i] ? args[i] : ' ';
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = 0;
}

void output_spec_init(struct output_spec *o, const char *path)
{
	size_t n = path ? strlen(path) : 0;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->dirfd = AT_FDCWD;
	o->is_dir = n && path[n - 1] == '/';	/* or an existing one: output_open */
}

void output_path(struct output_spec *o, const char *crate, pid_t pid, char *out, size_t size)
{
	char c[128];

	snprintf(c, sizeof(c), "%s", crate && *crate ? crate : "rustc");
	output_sanitize_crate(c);

	if (!o->path) {
		snprintf(out, size, "%s-%07d.mm_profdata", c, (int)pid);
	} else if (o->is_dir) {
		size_t n = strlen(o->path);

		snprintf(out, size, "%s%s%s-%07d.mm_profdata", o->path,
			 n && o->path[n - 1] == '/' ? "" : "/", c, (int)pid);
	} else if (!o->used_file++) {
		snprintf(out, size, "%s", o->path);
	} else {
		const char *slash = strrchr(o->path, '/');
		const char *dot = strrchr(slash ? slash : o->path, '.');
		size_t stem = dot && dot != (slash ? slash + 1 : o->path) ?
			(size_t)(dot - o->path) : strlen(o->path);

		snprintf(out, size, "%.*s-%d%s", (int)stem, o->path, (int)pid,
			 o->path + stem);
	}
}

const char *output_leaf(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* -o FILE's directory: everything before the last '/' ("/" for "/x",
 * "." for "x"). */
static void file_dir(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

int output_open(struct output_spec *o, const struct invoker *inv, char *err, size_t size)
{
	char dir[4096];
	const char *leaf;
	int r;

	r = asuser_init(&o->as, inv);
	if (r) {
		snprintf(err, size, "cannot act as the invoking user: %s", asuser_strerror(r));
		return -1;
	}
	if (!o->path)
		return 0;	/* the current directory, as ourselves or the user */
	/* an existing directory without the '/': as the user, so that root's
	 * view never tells what is there */
	r = o->is_dir ? -1 : asuser_openat(&o->as, AT_FDCWD, o->path, O_PATH | O_DIRECTORY, 0);
	if (r >= 0) {
		o->is_dir = 1;
		snprintf(dir, sizeof(dir), "%s", o->path);
	} else if (o->is_dir) {
		snprintf(dir, sizeof(dir), "%s", o->path);
		r = asuser_openat(&o->as, AT_FDCWD, dir, O_PATH | O_DIRECTORY, 0);
		if (r == -ENOENT) {
			r = asuser_mkdirat(&o->as, AT_FDCWD, dir, 0755);
			if (r && r != -EEXIST) {
				snprintf(err, size, "cannot create %s: %s", dir, asuser_strerror(r));
				output_close(o);
				return -1;
			}
			r = asuser_openat(&o->as, AT_FDCWD, dir, O_PATH | O_DIRECTORY, 0);
		}
	} else {
		leaf = output_leaf(o->path);
		if (!*leaf || !strcmp(leaf, ".") || !strcmp(leaf, "..")) {
			snprintf(err, size, "-o %s: not a file name", o->path);
			output_close(o);
			return -1;
		}
		file_dir(o->path, dir, sizeof(dir));
		r = asuser_openat(&o->as, AT_FDCWD, dir, O_PATH | O_DIRECTORY, 0);
	}
	if (r < 0) {
		snprintf(err, size, "cannot write to %s: %s", dir, asuser_strerror(r));
		output_close(o);
		return -1;
	}
	o->dirfd = r;
	r = asuser_dir_writable(&o->as, o->dirfd);
	if (r) {
		snprintf(err, size, "cannot write to %s: %s", dir, asuser_strerror(r));
		output_close(o);
		return -1;
	}
	if (!o->is_dir && (r = asuser_file_writable(&o->as, o->dirfd, output_leaf(o->path)))) {
		snprintf(err, size, "cannot write %s: %s", o->path, asuser_strerror(r));
		output_close(o);
		return -1;
	}
	return 0;
}

void output_close(struct output_spec *o)
{
	if (o->dirfd >= 0)
		close(o->dirfd);
	o->dirfd = AT_FDCWD;
	asuser_free(&o->as);
}

int output_create(const struct output_spec *o, const char *path)
{
	/* not opened (output_open): the path as it is */
	return asuser_create(&o->as, o->dirfd, o->dirfd == AT_FDCWD ? path : output_leaf(path));
}
