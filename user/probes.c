// SPDX-License-Identifier: MIT
/*
 * Probe-point discovery: which functions of librustc_driver-*.so bracket
 * exactly what rustc's self-profiler records, found by symbol name.
 *
 * How to use it (loader side):
 *
 *	char lib[PATH_MAX], err[256];
 *	struct probe_set set;
 *
 *	probes_find_driver(sysroot, lib, sizeof(lib));	// <sysroot>/lib/librustc_driver-*.so
 *	if (probes_discover(lib, &set, err, sizeof(err)) < 0)	// queries + verified activities
 *		die("%s", err);				// not an ELF, unreadable, ...
 *	if (set.n == 0)
 *		die("%s", probes_explain_empty(&set));	// stripped (Debian), unknown rustc
 *	for (size_t i = 0; i < set.n; i++)		// one uprobe (+ uretprobe) each
 *		attach(set.lib_path, set.points[i].offset,
 *		       PROBE_COOKIE(i, set.points[i].role, set.points[i].kind));
 *	// set.points[i].label is the label of probe id i
 *	probes_free(&set);
 *
 * probes_discover_ex(lib, PROBES_F_DEFAULT | PROBES_F_CONTEXT | PROBES_F_INHERIT, ...)
 * adds the execute_query wrappers (CONTEXT, 638 in 1.95, one trap per
 * query-cache miss) and QueryLatch::wait_on (INHERIT: QueryBlocked, only
 * with -Z threads). An INHERIT point takes the label of the innermost open
 * frame of kind Query (CONTEXT or a provider), not of a GenericActivity
 * frame; that rule reproduced rustc's QueryBlocked labels exactly.
 * Every point is a function entry (never a BOLT ".cold"/".warm" fragment),
 * so a return probe on it is safe. One point per address.
 *
 * Attach with uprobe_multi links: with one perf-event uprobe per point,
 * closing them costs ~125 ms each on this machine's kernel (6.18), i.e.
 * ~40 s for the 335 default points at exit; a uprobe_multi link of the
 * same points detaches at once (measured with a throwaway counter).
 *
 * The naming of rustc's internals changes between releases, so the patterns
 * come in one table per compiler generation (matched on demangled paths);
 * the generation whose query-provider patterns match most symbols wins.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demangle.h"
#include "elfsyms.h"
#include "probes.h"
#include "selfprof.h"

struct pattern {
	const char *mangled;	/* <len><ident>... as in the mangled name; the last
				 * identifier is the cheap pre-filter key */
	const char *path;	/* demangled path; "{}" captures the label (an identifier),
				 * a trailing "*" matches anything */
	const char *label;	/* fixed label, or NULL for the captured one */
	uint8_t kind, role;
	unsigned int flag;	/* the PROBES_F_* selecting it */
};

struct generation {
	const char *name;
	const struct pattern *pats;
	size_t npats;
};

#define Q PROBES_F_QUERIES
#define ACT PROBES_F_ACTIVITIES
#define CTX PROBES_F_CONTEXT
#define INH PROBES_F_INHERIT
#define UNV PROBES_F_UNVERIFIED

/*
 * rustc 1.95 (rustup, v0 mangling). Verified by counting entries of every
 * point with uprobes in the same rustc process that wrote its own
 * -Z self-profile: each of the 319 providers hit exactly as often as the
 * profile has Query events of its label, on hello.rs (bin), geom.rs and a
 * generated 1.9k-line lib crate (debug, -C opt-level=2, -C codegen-units=1,
 * -Z threads=4, incremental rebuilds). In two incremental runs rustc
 * itself labelled 3 runs of representability_adt_ty as params_in_repr
 * (sums equal): rustc names events after the fact from dep-node indices.
 * 1.97-nightly: all 321 providers exact too.
 */
static const struct pattern gen_invoke_provider[] = {
	{ "18invoke_provider_fn",
	  "rustc_query_impl::query_impl::{}::invoke_provider_fn::__rust_begin_short_backtrace",
	  NULL, SP_KIND_QUERY, PROBE_ROLE_INTERVAL, Q },
	/*
	 * Passes -> GenericActivity: functions whose body is exactly one of
	 * rustc's generic_activity/sess.time brackets. Each verified by
	 * counting entries (uprobes) in the same rustc 1.95 process that wrote
	 * its own -Z self-profile: counts equal, inclusive durations within
	 * 0.1% (same compiles as above; codegen_module and parse_crate +0.3%:
	 * a few statements outside the timed closure). They nest with Query
	 * events as rustc's do.
	 * Not mappable in 1.95 (closures inlined, no function of their own):
	 * codegen_module_optimize, LLVM_passes, MIR_borrow_checking,
	 * monomorphization_collector, coherence_checking, misc_checking_*,
	 * link_binary. On 1.97-nightly LLVM_module_codegen's function is no
	 * longer called (no events); the other 15 still match.
	 */
	{ "15encode_metadata", "rustc_metadata::rmeta::encoder::encode_metadata",
	  "generate_crate_metadata", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "14CodegenBackend13codegen_crate",
	  "<rustc_codegen_llvm::LlvmCodegenBackend as rustc_codegen_ssa::traits::backend::CodegenBackend>::codegen_crate",
	  "codegen_crate", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "19ExtraBackendMethods20compile_codegen_unit",
	  "<rustc_codegen_llvm::LlvmCodegenBackend as rustc_codegen_ssa::traits::backend::ExtraBackendMethods>::compile_codegen_unit",
	  "codegen_module", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "19WriteBackendMethods8optimize",
	  "<rustc_codegen_llvm::LlvmCodegenBackend as rustc_codegen_ssa::traits::write::WriteBackendMethods>::optimize",
	  "LLVM_module_optimize", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "19WriteBackendMethods7codegen",
	  "<rustc_codegen_llvm::LlvmCodegenBackend as rustc_codegen_ssa::traits::write::WriteBackendMethods>::codegen",
	  "LLVM_module_codegen", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	/* Also writes --emit=asm files (LLVM_module_codegen_emit_asm): one
	 * more hit per module then. Exact for object code alone. */
	{ "17write_output_file", "rustc_codegen_llvm::back::write::write_output_file",
	  "LLVM_module_codegen_emit_obj", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "14CodegenBackend12join_codegen",
	  "<rustc_codegen_llvm::LlvmCodegenBackend as rustc_codegen_ssa::traits::backend::CodegenBackend>::join_codegen",
	  "finish_ongoing_codegen", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "18rustc_hir_analysis11check_crate", "rustc_hir_analysis::check_crate",
	  "type_check_crate", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "4late11check_crate", "rustc_lint::late::check_crate",
	  "lint_checking", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	/* The join() arm running the per-module lints: a few us more than
	 * rustc's bracket (thread-pool join overhead), count exact. */
	{ "11check_crate", "rustc_lint::late::check_crate::{closure#1}",
	  "module_lints", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "8Resolver13resolve_crate", "<rustc_resolve::Resolver>::resolve_crate",
	  "resolve_crate", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "13MacroExpander12expand_crate", "<rustc_expand::expand::MacroExpander>::expand_crate",
	  "expand_crate", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	/* The function holds a few statements around the timed closure:
	 * +0.1-0.3% (about 20 us). */
	{ "6passes5parse", "rustc_interface::passes::parse",
	  "parse_crate", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "32collect_and_partition_mono_items",
	  "rustc_monomorphize::partitioning::collect_and_partition_mono_items::{closure#0}::{closure#0}",
	  "cgu_partitioning", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "16place_mono_items", "rustc_monomorphize::partitioning::place_mono_items::<*",
	  "cgu_partitioning_place_items", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "27assert_symbols_are_distinct",
	  "rustc_monomorphize::partitioning::assert_symbols_are_distinct::<*",
	  "assert_symbols_are_distinct", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	{ "6passes8analysis", "rustc_interface::passes::analysis::{closure#0}::{closure#1}",
	  "privacy_checking_modules", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT },
	/* Lookup-or-compute wrappers: the query label for INHERIT points. */
	{ "18execute_query_incr",
	  "rustc_query_impl::query_impl::{}::execute_query_incr::__rust_end_short_backtrace",
	  NULL, SP_KIND_QUERY, PROBE_ROLE_CONTEXT, CTX },
	{ "22execute_query_non_incr",
	  "rustc_query_impl::query_impl::{}::execute_query_non_incr::__rust_end_short_backtrace",
	  NULL, SP_KIND_QUERY, PROBE_ROLE_CONTEXT, CTX },
	/*
	 * A thread waiting for a query another thread computes (-Z threads=N).
	 * Verified: hits == QueryBlocked events (56, 53, 65, 1 on four
	 * compiles, durations within 1%), and the innermost open
	 * execute_query_* (CONTEXT) frame named the same query as rustc's
	 * event label for all 119 events of two compiles, and for all 60 of an
	 * incremental -Z threads=4 build. In an incremental rebuild after an
	 * edit, 9 of 113 waits came from dep-graph forcing (try_mark_green),
	 * which calls no per-query function: they got the enclosing query's
	 * label instead of the awaited one's (counts still equal).
	 */
	{ "10QueryLatch7wait_on", "<rustc_middle::query::job::QueryLatch>::wait_on",
	  "<unknown>", SP_KIND_QUERY_BLOCKED, PROBE_ROLE_INHERIT, INH },
	/*
	 * Approximate: one hit per link like rustc's run_linker, but the
	 * function also builds the command line and post-processes (+0.9%).
	 */
	{ "13link_natively", "rustc_codegen_ssa::back::link::link_natively",
	  "run_linker", SP_KIND_GENERIC_ACTIVITY, PROBE_ROLE_INTERVAL, ACT | UNV },
	/*
	 * Not probed: IncrementalLoadResult and IncrementalResultHashing.
	 * rustc 1.95 records them in try_load_from_disk::<V> and
	 * DepGraphData::hash_result_and_alloc_node::<V>, generic code inlined
	 * into each query's own functions; the few out-of-line instances
	 * caught 7% of the events (3,092 of 41,612 loads; 10,962 of 161,750
	 * hashings), so no function bracket exists for them.
	 */
};

/*
 * UNVERIFIED (no unstripped compiler of these releases on the build
 * machine; PROBES.md and rustc's sources): about 1.75-1.85 each query's
 * provider call is the instance
 *   rustc_query_impl::plumbing::__rust_begin_short_backtrace::<
 *     rustc_query_impl::query_impl::Q::dynamic_query::{closure#2}::{closure#0}, ...>
 * (the `compute` closure). Only v0-mangled builds name the instance's
 * generic arguments; with legacy mangling (rustc's own libraries before
 * about 1.76) all instances demangle alike and cannot be told apart.
 */
static const struct pattern gen_dynamic_query[] = {
	{ "13dynamic_query",
	  "rustc_query_impl::plumbing::__rust_begin_short_backtrace::<rustc_query_impl::query_impl::{}::dynamic_query::{closure#*",
	  NULL, SP_KIND_QUERY, PROBE_ROLE_INTERVAL, Q | UNV },
};

static const struct generation generations[] = {
	{ "rustc 1.9x (query_impl::Q::invoke_provider_fn)", gen_invoke_provider,
	  sizeof(gen_invoke_provider) / sizeof(gen_invoke_provider[0]) },
	{ "rustc ~1.75-1.85 (query_impl::Q::dynamic_query closures, unverified)", gen_dynamic_query,
	  sizeof(gen_dynamic_query) / sizeof(gen_dynamic_query[0]) },
};
#define NGEN (sizeof(generations) / sizeof(generations[0]))
#define NPATTERNS (sizeof(gen_invoke_provider) / sizeof(gen_invoke_provider[0]) + \
		   sizeof(gen_dynamic_query) / sizeof(gen_dynamic_query[0]))

/* A symbol that matched a pattern, before deduplication. */
struct cand {
	uint64_t addr;
	size_t seq;		/* symbol order, for a stable choice among aliases */
	char *label, *symbol;
	uint8_t gen, pat;
};

/*
 * The cheap pre-filter: the last identifier of each pattern's `mangled`
 * (<len><ident>, as both manglings spell identifiers). A symbol is only
 * demangled when one of these occurs in it, which spares demangling
 * nearly all of librustc_driver's 186k symbols (and a strstr per pattern).
 */
#define MAX_KEYS 64
_Static_assert(NPATTERNS <= MAX_KEYS, "one pre-filter key (and hit bit) per pattern");
struct key {
	const char *ident;
	size_t len;
	uint8_t gen, pat;
};

struct walk {
	struct cand *c;
	size_t n, cap, seq;
	size_t nquery[NGEN];	/* provider matches per generation */
	struct key keys[MAX_KEYS];	/* sorted by length */
	size_t nkeys;
	uint8_t first[256], nlen[256];	/* keys of length l: keys[first[l]] on, nlen[l] of them */
};

/* The last <len><ident> of a pre-filter string (the function's own name:
 * the most selective part); 0 if malformed. */
static size_t last_ident(const char *m, const char **ident)
{
	size_t len = 0;

	while (*m >= '0' && *m <= '9') {
		size_t n = 0;

		while (*m >= '0' && *m <= '9')
			n = n * 10 + (size_t)(*m++ - '0');
		if (n == 0 || strnlen(m, n) < n)
			return 0;
		*ident = m;
		len = n;
		m += n;
	}
	return *m ? 0 : len;
}

static int key_by_len(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return (x->len > y->len) - (x->len < y->len);
}

static void add_keys(struct walk *w)
{
	for (size_t g = 0; g < NGEN; g++)
		for (size_t p = 0; p < generations[g].npats && w->nkeys < MAX_KEYS; p++) {
			const char *ident = NULL;
			size_t len = last_ident(generations[g].pats[p].mangled, &ident);

			if (len == 0 || len > 255)
				continue;	/* malformed entry: never matches */
			w->keys[w->nkeys++] = (struct key){ ident, len, g, p };
		}
	qsort(w->keys, w->nkeys, sizeof(w->keys[0]), key_by_len);
	for (size_t i = w->nkeys; i-- > 0;) {
		w->first[w->keys[i].len] = i;
		w->nlen[w->keys[i].len]++;
	}
}

/* Bit i of the result: key i occurs as an identifier of the mangled name. */
static uint64_t key_hits(const struct walk *w, const char *name)
{
	uint64_t hits = 0;
	const char *p = name;

	while (*p) {
		size_t len = 0;

		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		while (*p >= '0' && *p <= '9')
			len = len * 10 + (size_t)(*p++ - '0');
		if (*p == '_')	/* v0 separator before an ident starting with '_' or a digit */
			p++;
		if (len >= 256)
			continue;
		for (size_t i = w->first[len]; i < w->first[len] + w->nlen[len]; i++)
			if (*p == *w->keys[i].ident && !strncmp(p, w->keys[i].ident, len))
				hits |= 1ULL << i;
	}
	return hits;
}

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Match s against a pattern path; the "{}" capture goes to cap/caplen. */
static int path_match(const char *pat, const char *s, const char **cap, size_t *caplen)
{
	for (;;) {
		if (pat[0] == '*' && pat[1] == 0)
			return 1;
		if (pat[0] == '{' && pat[1] == '}') {
			const char *start = s;

			while (is_ident(*s))
				s++;
			if (s == start)
				return 0;
			*cap = start;
			*caplen = s - start;
			pat += 2;
			continue;
		}
		if (*pat != *s)
			return 0;
		if (!*pat)
			return 1;
		pat++;
		s++;
	}
}

/* Only whole functions can take an entry+return probe: a BOLT or LLVM
 * split fragment (".cold", ".warm") starts mid-function with the return
 * address not on top of the stack. LTO-renamed locals (".llvm.N") are whole. */
static int is_whole_function(const char *sym)
{
	const char *suf = demangle_suffix(sym);

	if (!*suf)
		return 1;
	if (strncmp(suf, ".llvm.", 6) || !suf[6])
		return 0;
	return strspn(suf + 6, "0123456789") == strlen(suf + 6);
}

static int add_cand(struct walk *w, uint64_t addr, const char *label, size_t len,
		    const char *symbol, size_t gen, size_t pat)
{
	struct cand *c;

	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 512;
		struct cand *nc = realloc(w->c, cap * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		w->c = nc;
		w->cap = cap;
	}
	c = &w->c[w->n];
	*c = (struct cand){ .addr = addr, .seq = w->seq, .gen = gen, .pat = pat };
	c->label = strndup(label, len);
	c->symbol = strdup(symbol);
	if (!c->label || !c->symbol) {
		free(c->label);
		free(c->symbol);
		return -ENOMEM;
	}
	w->n++;
	return 0;
}

/* Try one pattern on a symbol; demangles lazily, at most once per symbol. */
static int try_pattern(struct walk *w, const char *name, char **dem, uint64_t addr,
		       size_t g, size_t p)
{
	const struct pattern *pt = &generations[g].pats[p];
	const char *cap = NULL;
	size_t caplen = 0;

	if (!*dem && !(*dem = demangle_rust(name)))
		return 0;
	if (!path_match(pt->path, *dem, &cap, &caplen))
		return 0;
	if (pt->label) {
		cap = pt->label;
		caplen = strlen(cap);
	}
	if (pt->flag & PROBES_F_QUERIES)
		w->nquery[g]++;
	return add_cand(w, addr, cap, caplen, *dem, g, p);
}

static int on_symbol(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct walk *w = ctx;
	uint64_t hits;
	char *dem = NULL;
	int rc = 0;

	w->seq++;
	hits = key_hits(w, name);
	if (!hits || !is_whole_function(name))
		return 0;
	for (size_t i = 0; i < w->nkeys && !rc; i++)
		if (hits & (1ULL << i))
			rc = try_pattern(w, name, &dem, addr, w->keys[i].gen, w->keys[i].pat);
	free(dem);
	return rc;
}

static int cand_by_addr(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int point_order(const void *a, const void *b)
{
	const struct probe_point *x = a, *y = b;
	int c;

	if (x->role != y->role)
		return x->role - y->role;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	c = strcmp(x->label, y->label);
	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static size_t pick_generation(const struct walk *w)
{
	size_t best = 0;

	for (size_t g = 1; g < NGEN; g++)
		if (w->nquery[g] > w->nquery[best])
			best = g;
	return best;
}

static int wanted(const struct cand *c, size_t gen, unsigned int flags)
{
	const struct pattern *pt = &generations[c->gen].pats[c->pat];

	if (c->gen != gen || !(pt->flag & flags & ~PROBES_F_UNVERIFIED))
		return 0;
	return !(pt->flag & PROBES_F_UNVERIFIED) || (flags & PROBES_F_UNVERIFIED) ||
	       (pt->flag & PROBES_F_QUERIES);	/* an old generation's providers are all it has */
}

/* Turn the wanted candidates into points, one per address; takes their strings. */
static int build_points(struct walk *w, const struct elfsyms *lib, unsigned int flags,
			struct probe_set *out)
{
	size_t gen = pick_generation(w);
	struct probe_point *pt;
	uint64_t last = 0;

	if (!w->nquery[gen])
		return 0;	/* no known generation: its other points mean nothing */
	if (w->n)
		qsort(w->c, w->n, sizeof(*w->c), cand_by_addr);
	out->points = calloc(w->n ? w->n : 1, sizeof(*out->points));
	if (!out->points)
		return -ENOMEM;
	for (size_t i = 0; i < w->n; i++) {
		struct cand *c = &w->c[i];
		const struct pattern *p = &generations[c->gen].pats[c->pat];

		if (!wanted(c, gen, flags) || (out->n && c->addr == last))
			continue;
		pt = &out->points[out->n];
		if (elfsyms_addr_to_offset(lib, c->addr, &pt->offset))
			continue;	/* not in the file's loaded image: cannot probe */
		pt->addr = last = c->addr;
		pt->label = c->label;
		pt->symbol = c->symbol;
		pt->kind = p->kind;
		pt->role = p->role;
		c->label = c->symbol = NULL;
		out->n++;
	}
	if (out->n)
		out->generation = generations[gen].name;
	if (out->n)
		qsort(out->points, out->n, sizeof(*out->points), point_order);
	return 0;
}

static void free_walk(struct walk *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->c[i].label);
		free(w->c[i].symbol);
	}
	free(w->c);
}

static void explain(struct probe_set *out, const char *lib_path)
{
	char *copy = strdup(lib_path), buf[1024];
	const char *base = copy ? basename(copy) : lib_path;

	if (out->stripped)
		snprintf(buf, sizeof(buf),
			 "%s is stripped (no .symtab, and no debug file found via .gnu_debuglink "
			 "or /usr/lib/debug/.build-id), so rustc's query functions cannot be found: "
			 "Debian's rustc packages are; use a rustup toolchain", base);
	else
		snprintf(buf, sizeof(buf),
			 "%s: none of its %zu symbols matches a known rustc naming scheme "
			 "(is it librustc_driver, of a supported rustc? rustc 1.95 is verified)",
			 base, out->nsymbols);
	out->why_empty = strdup(buf);
	free(copy);
}

/* Symbols come from the library or its debug file; offsets always from the
 * library. Only a library of root's (a distribution's stripped rustc) or
 * of whoever runs this has its debug file looked for: the search opens
 * files named from the library's directory, which its owner controls;
 * and a debug file gives symbols only if it is root's or the library
 * owner's alone (elfsyms_owned_by). */
static int open_symbol_source(const char *lib_path, struct elfsyms *lib, struct probe_set *out,
			      struct elfsyms **src)
{
	struct stat st;
	char dbg[4096];

	*src = lib;
	if (elfsyms_has_symtab(lib))
		return 0;
	if (fstat(elfsyms_fd(lib), &st) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    elfsyms_find_debug_file(lib_path, lib, NULL, dbg, sizeof(dbg)) ||
	    elfsyms_open(dbg, src, NULL, 0))
		goto stripped;
	if (!elfsyms_owned_by(*src, st.st_uid)) {	/* swapped since it was found */
		elfsyms_close(*src);
		goto stripped;
	}
	out->debug_file = strdup(dbg);
	return out->debug_file ? 0 : -ENOMEM;
stripped:
	*src = lib;
	out->stripped = 1;
	return 0;
}

int probes_discover_ex(const char *lib_path, unsigned int flags, struct probe_set *out,
		       char *err, size_t errlen)
{
	struct elfsyms *lib, *src;
	struct walk w = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	add_keys(&w);
	rc = elfsyms_open(lib_path, &lib, err, errlen);
	if (rc)
		return rc;
	src = lib;	/* until open_symbol_source picks a debug file */
	out->lib_path = strdup(lib_path);
	rc = out->lib_path ? open_symbol_source(lib_path, lib, out, &src) : -ENOMEM;
	if (!rc)
		rc = elfsyms_foreach_func(src, on_symbol, &w, &out->nsymbols);
	if (!rc)
		rc = build_points(&w, lib, flags, out);
	if (!rc && !out->n)
		explain(out, lib_path);
	free_walk(&w);
	out->elf = lib;
	out->syms = src;
	if (rc) {
		probes_free(out);
		snprintf(err, errlen, "%s: %s", lib_path, strerror(-rc));
	}
	return rc;
}

int probes_discover(const char *lib_path, struct probe_set *out, char *err, size_t errlen)
{
	return probes_discover_ex(lib_path, PROBES_F_DEFAULT, out, err, errlen);
}

void probes_free(struct probe_set *set)
{
	if (!set)
		return;
	if (set->syms && set->syms != set->elf)
		elfsyms_close(set->syms);
	elfsyms_close(set->elf);
	set->elf = set->syms = NULL;
	for (size_t i = 0; i < set->n; i++) {
		free((char *)set->points[i].label);
		free((char *)set->points[i].symbol);
	}
	free(set->points);
	free(set->lib_path);
	free(set->debug_file);
	free(set->why_empty);
	memset(set, 0, sizeof(*set));
}

const char *probes_explain_empty(const struct probe_set *set)
{
	if (set->n)
		return NULL;
	return set->why_empty ? set->why_empty : "no probe points found";
}

int probes_find_driver(const char *sysroot, char *path, size_t size)
{
	char pat[4096];
	glob_t g;
	int rc = -ENOENT;

	if ((size_t)snprintf(pat, sizeof(pat), "%s/lib/librustc_driver-*.so", sysroot) >= sizeof(pat))
		return -ENAMETOOLONG;
	if (glob(pat, 0, NULL, &g))
		return -ENOENT;
	/* One per toolchain; glob sorts, so the choice is stable if not. */
	if (g.gl_pathc && (size_t)snprintf(path, size, "%s", g.gl_pathv[0]) < size)
		rc = 0;
	globfree(&g);
	return rc;
}
