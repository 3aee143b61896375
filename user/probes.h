/* SPDX-License-Identifier: MIT */
/*
 * Probe-point discovery: which functions of librustc_driver-*.so to probe,
 * and what each hit means. Contract between discovery (probes.c, elfsyms.c,
 * demangle.c) and the loader (selfprof-bpf.c and friends).
 */
#ifndef SELFPROF_PROBES_H
#define SELFPROF_PROBES_H
#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct elfsyms;

/* What a probe point does when hit: bpf/events.h's SP_ROLE_*, which also
 * defines the attach cookie that carries it (PROBE_COOKIE). */
enum probe_role {
	PROBE_ROLE_INTERVAL = SP_ROLE_INTERVAL,
	PROBE_ROLE_CONTEXT = SP_ROLE_CONTEXT,
	PROBE_ROLE_INHERIT = SP_ROLE_INHERIT,
	PROBE_ROLE_AFTER = SP_ROLE_AFTER,
};

#define PROBE_COOKIE(id, role, kind)	SP_COOKIE(id, role, kind)
#define PROBE_COOKIE_ID(c)		SP_COOKIE_ID(c)
#define PROBE_COOKIE_ROLE(c)		SP_COOKIE_ROLE(c)
#define PROBE_COOKIE_KIND(c)		SP_COOKIE_KIND(c)

struct probe_point {
	uint64_t offset;	/* file offset of the function in the library: the uprobe target */
	uint64_t addr;		/* its symbol value (st_value) */
	const char *label;	/* query or activity name exactly as rustc's profile names it */
	const char *symbol;	/* demangled symbol, for --list-probes and diagnostics */
	uint8_t kind;		/* enum sp_kind */
	uint8_t role;		/* enum probe_role */
};

struct probe_set {
	struct probe_point *points;
	size_t n;
	char *lib_path;		/* the library the offsets belong to */
	uint32_t id_base;	/* probe id of points[0]: ids of several libraries differ */
	const char *generation;	/* which naming scheme matched, e.g. "rustc >= 1.86 (invoke_provider_fn)" */
	size_t nsymbols;	/* symbols read (.symtab + .dynsym) */
	int stripped;		/* no .symtab and no usable debug file */
	char *debug_file;	/* separate debug file used, or NULL */
	/* The library parsed once, and where its symbols were read (itself or
	 * its debug file): open until probes_free, so that exit-site search
	 * and the unwind guard read them without parsing the file again. */
	struct elfsyms *elf, *syms;
	char *why_empty;	/* probes_explain_empty()'s text when n == 0 (owned) */
};

/*
 * Read lib_path's symbol table (or its separate debug file found through
 * .gnu_debuglink / /usr/lib/debug/.build-id), demangle, match the known
 * patterns. Returns 0 and fills out (out->n may be 0: nothing matched), or
 * a negative errno-style code with a one-line message in err.
 */
int probes_discover(const char *lib_path, struct probe_set *out, char *err, size_t errlen);
void probes_free(struct probe_set *set);

/* Which kinds of probe points probes_discover_ex returns. */
enum probes_flags {
	PROBES_F_QUERIES = 1 << 0,	/* query providers: Query intervals */
	PROBES_F_ACTIVITIES = 1 << 1,	/* passes: GenericActivity intervals */
	PROBES_F_CONTEXT = 1 << 2,	/* Q::execute_query_* wrappers: CONTEXT frames (a trap each) */
	PROBES_F_INHERIT = 1 << 3,	/* incr. loading/hashing, QueryBlocked: INHERIT (want CONTEXT) */
	PROBES_F_UNVERIFIED = 1 << 4,	/* also points not (exactly) matching rustc's own profile */
	PROBES_F_DEFAULT = PROBES_F_QUERIES | PROBES_F_ACTIVITIES,
};

/* probes_discover with a choice of points; probes_discover is
 * probes_discover_ex(lib_path, PROBES_F_DEFAULT, ...). */
int probes_discover_ex(const char *lib_path, unsigned int flags, struct probe_set *out,
		       char *err, size_t errlen);

/* One line saying why set->n == 0 (stripped library, unknown naming
 * scheme, ...), for the caller to print; NULL when set->n > 0. */
const char *probes_explain_empty(const struct probe_set *set);

/* Find <sysroot>/lib/librustc_driver-*.so; 0 and the path, or -ENOENT. */
int probes_find_driver(const char *sysroot, char *path, size_t size);

#endif
