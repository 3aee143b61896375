// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "elfsyms.h"
#include "probes.h"
#include "tracer.h"
#include "unwind_guard.h"

/* Entry points that walk the stack. Rust panics start with
 * RaiseException; Resume continues after each cleanup landing pad;
 * ForcedUnwind (thread exit, cancellation) and Backtrace (RUST_BACKTRACE,
 * rustc's ICE report) walk it too. */
static const char *const unwinder_funcs[] = {
	"_Unwind_RaiseException", "_Unwind_Resume", "_Unwind_Resume_or_Rethrow",
	"_Unwind_ForcedUnwind", "_Unwind_Backtrace",
};
#define NFUNCS	(sizeof(unwinder_funcs) / sizeof(unwinder_funcs[0]))

int unwind_guard_locate(const char *driver_lib, char *out, size_t size)
{
	static const char *const dirs[] = {
		NULL, "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
		"/lib64", "/usr/lib64", "/lib", "/usr/lib",
	};
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", driver_lib);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(out, size, "%s/libgcc_s.so.1", dirs[i] ? dirs[i] : dirname(tmp));
		if (!access(out, R_OK))
			return 0;
	}
	return -ENOENT;
}

struct scan {
	const struct elfsyms *ef;
	struct unwind_guard *g;
	int catch;		/* looking for __rust_panic_cleanup */
	int err;
};

static void add_site(struct scan *s, uint64_t addr, uint64_t *v, size_t *n, size_t max)
{
	uint64_t off;

	if (elfsyms_addr_to_offset(s->ef, addr, &off)) {
		s->err = -ERANGE;
		return;
	}
	for (size_t i = 0; i < *n; i++)
		if (v[i] == off)
			return;	/* .symtab and .dynsym both name it */
	if (*n < max)
		v[(*n)++] = off;
}

/* __rust_panic_cleanup, v0-mangled since std hides its internal
 * symbols (_RNvCs<hash>_7___rustc20___rust_panic_cleanup), or plain. */
static int is_catch(const char *name)
{
	static const char tail[] = "20___rust_panic_cleanup";
	size_t n = strlen(name), t = sizeof(tail) - 1;

	return !strcmp(name, "__rust_panic_cleanup") ||
	       (!strncmp(name, "_RNv", 4) && n > t && !strcmp(name + n - t, tail));
}

static int on_sym(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct scan *s = ctx;
	struct unwind_guard *g = s->g;

	if (s->catch) {
		if (is_catch(name))
			add_site(s, addr, g->catch_off, &g->ncatch, 1);
		return 0;
	}
	for (size_t i = 0; i < NFUNCS; i++)
		if (!strcmp(name, unwinder_funcs[i]))
			add_site(s, addr, g->unwind_off, &g->nunwind, UNWIND_MAX_SITES);
	return 0;
}

/* Sites named in syms, at offsets of elf (the same file, or syms is its
 * debug file). */
static int scan_syms(struct unwind_guard *g, struct elfsyms *syms, const struct elfsyms *elf,
		     int catch, const char *name, char *err, size_t errlen)
{
	struct scan s = { .g = g, .catch = catch, .ef = elf };

	elfsyms_foreach_func(syms, on_sym, &s, NULL);
	if (s.err)
		snprintf(err, errlen, "%s: a symbol outside the loaded segments", name);
	return s.err;
}

static int scan_file(struct unwind_guard *g, const char *path, int catch, char *err, size_t errlen)
{
	struct elfsyms *ef;
	int r = elfsyms_open(path, &ef, err, errlen);

	if (r)
		return r;
	r = scan_syms(g, ef, ef, catch, path, err, errlen);
	elfsyms_close(ef);
	return r;
}

int unwind_guard_find(struct unwind_guard *g, const struct probe_set *driver, const char *unwinder,
		      char *err, size_t errlen)
{
	int r;

	memset(g, 0, sizeof(*g));
	snprintf(g->unwinder, sizeof(g->unwinder), "%s", unwinder);
	snprintf(g->driver, sizeof(g->driver), "%s", driver->lib_path);
	r = scan_file(g, g->unwinder, 0, err, errlen);
	r = r ?: scan_syms(g, driver->syms, driver->elf, 1, g->driver, err, errlen);
	if (r)
		return r;
	if (!g->nunwind || !g->ncatch) {
		snprintf(err, errlen, "%s not found in %s", !g->nunwind ? "_Unwind_RaiseException"
			 : "__rust_panic_cleanup", !g->nunwind ? g->unwinder : g->driver);
		return -ENOENT;
	}
	return 0;
}

int unwind_guard_attach(struct unwind_guard *g, const struct tracer *t, char *err, size_t errlen)
{
	struct attach_group un = { tracer_unwind_prog(t), { g->unwind_off, NULL, g->nunwind }, false };
	struct attach_group ca = { tracer_rearm_prog(t), { g->catch_off, NULL, g->ncatch }, false };
	int r;

	r = attach_points(&g->att[0], t->method, g->unwinder, &un, 1, 0, err, errlen);
	if (!r) {
		r = attach_points(&g->att[1], t->method, g->driver, &ca, 1, 0, err, errlen);
		if (r)
			attach_release(&g->att[0]);
	}
	return r;
}

void unwind_guard_release(struct unwind_guard *g)
{
	attach_release(&g->att[0]);
	attach_release(&g->att[1]);
}
