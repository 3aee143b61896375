/* SPDX-License-Identifier: MIT */
/*
 * Which librustc_driver the traced command will load: ask the same rustc
 * it will run (`rustc [+toolchain] --print sysroot`, as the invoking user,
 * in the same directory and environment, so rustup overrides and
 * rust-toolchain files apply).
 */
#ifndef SELFPROF_SYSROOT_H
#define SELFPROF_SYSROOT_H
#include <stddef.h>

struct invoker;

/*
 * The rustc to ask for argv (the traced command): argv[0] itself when it is
 * a rustc, $RUSTC or "rustc" otherwise (cargo and anything else); a
 * leading "+toolchain" argument of rustc or cargo is passed on.
 * Fills sysroot and lib. Returns 0, or -errno with a message in err.
 */
int sysroot_find_driver(char *const argv[], const struct invoker *inv,
			char *sysroot, size_t ssize, char *lib, size_t lsize,
			char *err, size_t errlen);

#endif
