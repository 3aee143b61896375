/* SPDX-License-Identifier: MIT */
/* Unit tests that read a real librustc_driver: find a toolchain's. */
#ifndef SELFPROF_TEST_RUSTC_LIB_H
#define SELFPROF_TEST_RUSTC_LIB_H
#include <stdio.h>
#include <string.h>
#include "probes.h"

/* A toolchain's driver and its `rustc --version`: rustc is "rustc" (the
 * default toolchain) or "rustup run nightly rustc". */
static inline int t_find_driver(const char *rustc, char *out, size_t size, char *version, size_t vsize)
{
	char sysroot[4096] = "", cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s --print sysroot 2>/dev/null || "
		 "$HOME/.cargo/bin/%s --print sysroot 2>/dev/null", rustc, rustc);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(sysroot, sizeof(sysroot), p))
		sysroot[0] = 0;
	pclose(p);
	sysroot[strcspn(sysroot, "\n")] = 0;
	snprintf(cmd, sizeof(cmd), "%s --version 2>/dev/null || $HOME/.cargo/bin/%s --version",
		 rustc, rustc);
	p = popen(cmd, "r");
	if (!p || !fgets(version, vsize, p))
		version[0] = 0;
	if (p)
		pclose(p);
	return sysroot[0] ? probes_find_driver(sysroot, out, size) : -1;
}

#endif
