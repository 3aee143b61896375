// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "child.h"
#include "probes.h"
#include "sysroot.h"

static int basename_is(const char *path, const char *name)
{
	const char *b = strrchr(path, '/');

	return !strcmp(b ? b + 1 : path, name);
}

int sysroot_find_driver(char *const argv[], const struct invoker *inv,
			char *sysroot, size_t ssize, char *lib, size_t lsize,
			char *err, size_t errlen)
{
	const char *rustc = getenv("RUSTC");
	char *q[5];
	int n = 0, r;

	if (basename_is(argv[0], "rustc"))
		rustc = argv[0];
	else if (!rustc || !*rustc)
		rustc = "rustc";
	q[n++] = (char *)rustc;
	if ((basename_is(argv[0], "rustc") || basename_is(argv[0], "cargo")) &&
	    argv[1] && argv[1][0] == '+')
		q[n++] = argv[1];
	q[n++] = "--print";
	q[n++] = "sysroot";
	q[n] = NULL;
	r = run_capture(q, inv, sysroot, ssize);
	if (r != 0 || !sysroot[0]) {
		snprintf(err, errlen, "library not found: `%s --print sysroot` %s; give --lib PATH/librustc_driver-*.so",
			 rustc, r < 0 ? strerror(-r) : r == 127 ? "could not be run" : "failed");
		return r < 0 ? r : -ENOENT;
	}
	r = probes_find_driver(sysroot, lib, lsize);
	if (r) {
		snprintf(err, errlen, "library not found: no %s/lib/librustc_driver-*.so; give --lib PATH",
			 sysroot);
		return r;
	}
	return 0;
}
