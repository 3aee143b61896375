// SPDX-License-Identifier: MIT
/*
 * Rust demangling. libiberty does the work; this file only cuts off the
 * suffixes that tools append after the mangled name, because whether a
 * symbol is a whole function or a fragment of one (".cold") is decided by
 * the caller from the suffix, not by the demangler.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>

#include "demangle.h"

/* Legacy mangling is _ZN {<len><ident>}+ E; idents may contain '.', so
 * walk the lengths rather than search for a dot. */
static size_t legacy_len(const char *sym)
{
	const char *p = sym + 3;
	char *end;

	while (isdigit((unsigned char)*p)) {
		unsigned long n = strtoul(p, &end, 10);

		if (strnlen(end, n) < n)
			return strlen(sym);	/* malformed: keep it whole */
		p = end + n;
	}
	return *p == 'E' ? (size_t)(p + 1 - sym) : strlen(sym);
}

size_t demangle_mangled_len(const char *sym)
{
	const char *dot;

	if (!strncmp(sym, "_ZN", 3))
		return legacy_len(sym);
	/* v0 (and anything else): the mangled alphabet has no '.' */
	dot = strchr(sym, '.');
	return dot ? (size_t)(dot - sym) : strlen(sym);
}

const char *demangle_suffix(const char *sym)
{
	return sym + demangle_mangled_len(sym);
}

char *demangle_rust(const char *sym)
{
	size_t len = demangle_mangled_len(sym);
	char stack[512], *copy = stack, *out;

	if (sym[len] == 0)
		return cplus_demangle(sym, DMGL_RUST);
	if (len >= sizeof(stack) && !(copy = malloc(len + 1)))
		return NULL;
	memcpy(copy, sym, len);
	copy[len] = 0;
	out = cplus_demangle(copy, DMGL_RUST);
	if (copy != stack)
		free(copy);
	return out;
}
