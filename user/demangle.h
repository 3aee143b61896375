/* SPDX-License-Identifier: MIT */
/*
 * Rust symbol demangling through libiberty (the demangler binutils and gdb
 * use): v0 (_R...) and legacy (_ZN...17h<hash>E) manglings.
 */
#ifndef SELFPROF_DEMANGLE_H
#define SELFPROF_DEMANGLE_H
#include <stddef.h>

/*
 * Length of the mangled part of sym: compilers and BOLT append suffixes
 * (".llvm.123", ".cold", ".warm") that are not part of the mangling.
 */
size_t demangle_mangled_len(const char *sym);

/* The suffix after the mangled part ("" if none), e.g. ".cold". */
const char *demangle_suffix(const char *sym);

/*
 * The demangled path of a Rust symbol without its hashes, e.g.
 * "rustc_query_impl::query_impl::typeck::invoke_provider_fn::__rust_begin_short_backtrace",
 * ignoring any suffix. malloc'ed (free it), or NULL when sym is not a
 * valid Rust (or C++) mangled name.
 */
char *demangle_rust(const char *sym);

#endif
