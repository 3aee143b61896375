// SPDX-License-Identifier: MIT
#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfsyms.h"
#include "exits.h"
#include "probes.h"
#include "selfprof.h"

#define MAX_FRAGS	4
#define MAX_CALLEES	4

struct range {
	uint64_t addr, size;
};

/* What is known about one probe point's function. */
struct func {
	uint64_t addr;		/* the point's st_value */
	size_t id;		/* probe id */
	char *name;		/* mangled name */
	struct range r[1 + MAX_FRAGS];	/* r[0]: the function itself */
	int nr;
	struct range callee[MAX_CALLEES];	/* functions named like the query */
	int ncallee;
};

struct scan {
	struct func *f;		/* sorted by addr */
	size_t n;
	struct func **by_name;	/* sorted by name (after pass 1) */
	size_t nnamed;
	struct func **by_label;	/* into lab, sorted by query label */
	struct func *lab;	/* copies of f named by label, for pass 3 */
	size_t nlabels;		/* entries of by_label */
	const struct probe_set *set;
};

static int cmp_addr(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(struct func *const *)a)->name, (*(struct func *const *)b)->name);
}

static struct func *find_addr(struct scan *s, uint64_t addr)
{
	struct func key = { .addr = addr };

	return bsearch(&key, s->f, s->n, sizeof(*s->f), cmp_addr);
}

/* Pass 1: each point's mangled name and size. */
static int pass_funcs(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct func *f = find_addr(ctx, addr);

	if (f && !f->name && size) {
		f->name = strdup(name);
		f->r[0] = (struct range){ addr, size };
		f->nr = 1;
	}
	return 0;
}

/* Pass 2: "<name>.cold", "<name>.warm", "<name>.cold.N" fragments. */
static int pass_frags(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct scan *s = ctx;
	const char *dot = strrchr(name, '.');
	struct func key, *kp = &key, **hit;
	char base[1024];

	if (!dot || !size)
		return 0;
	if (strspn(dot + 1, "0123456789") == strlen(dot + 1) && dot > name) {
		/* ".cold.1": step back over the number */
		const char *d2 = dot - 1;

		while (d2 > name && *d2 != '.')
			d2--;
		dot = d2;
	}
	if (strncmp(dot, ".cold", 5) && strncmp(dot, ".warm", 5))
		return 0;
	if ((size_t)(dot - name) >= sizeof(base))
		return 0;
	memcpy(base, name, dot - name);
	base[dot - name] = 0;
	key.name = base;
	hit = bsearch(&kp, s->by_name, s->nnamed, sizeof(*s->by_name), cmp_name);
	if (hit && (*hit)->nr < 1 + MAX_FRAGS)
		(*hit)->r[(*hit)->nr++] = (struct range){ addr, size };
	return 0;
}

static int cmp_label(const void *a, const void *b)
{
	const struct func *x = *(struct func *const *)a, *y = *(struct func *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Pass 3: plain functions (v0 "_RNv" paths outside rustc_query_impl)
 * whose last path segment is a query's name, e.g.
 * rustc_interface::passes::analysis: the provider a wrapper tail-calls.
 * Its `ret`s end the wrapper's frame (same stack slot after a tail call).
 */
static int pass_callees(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct scan *s = ctx;
	size_t len = strcspn(name, ".");
	struct func key, *kp = &key, **hit;
	char ident[256];

	/* Free functions only (module path "_RNvNt", crate root "_RNvCs", or
	 * nested in one like provide_extern::Q "_RNvNvNt"): not methods
	 * ("_RNvM", "_RNvX", which call queries), not the query system itself,
	 * not rustc_middle's __description_fns::Q (error text). */
	if (!size || (strncmp(name, "_RNvNt", 6) && strncmp(name, "_RNvCs", 6) &&
		      strncmp(name, "_RNvNvNt", 8)) ||
	    strstr(name, "16rustc_query_impl") || strstr(name, "16__description_fns"))
		return 0;
	/* the last segment is <decimal length><ident>: try each split */
	for (size_t j = len; j > 4; j--) {
		size_t k = j, n = 0, mul = 1;
		char c = name[j - 1];

		if (!((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9')))
			break;
		while (k > 4 && name[k - 1] >= '0' && name[k - 1] <= '9' && mul <= 1000) {
			n += (name[k - 1] - '0') * mul;
			mul *= 10;
			k--;
			if (n == len - j && len - j < sizeof(ident))
				break;
		}
		if (n != len - j || n == 0 || n >= sizeof(ident) || k == j)
			continue;
		memcpy(ident, name + j, n);
		ident[n] = 0;
		key.name = ident;
		hit = bsearch(&kp, s->by_label, s->nlabels, sizeof(*s->by_label), cmp_label);
		if (hit && (*hit)->ncallee < MAX_CALLEES)
			(*hit)->callee[(*hit)->ncallee++] = (struct range){ addr, size };
		break;
	}
	return 0;
}

/*
 * Queries on the stack when rustc raises its common fatal errors:
 * `analysis` aborts after type and borrow errors. Their wrappers are ended
 * by their provider's rets rather than a return probe, whose trampoline
 * would break the unwinding. Guessing providers by name for every
 * tail-calling wrapper would be possible (only_callees), but a provider
 * that is also called directly elsewhere then traps for nothing.
 */
static int unwinds_through(const char *label)
{
	static const char *const labels[] = { "analysis" };

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(label, labels[i]))
			return 1;
	return 0;
}

static int in_func(const struct func *f, uint64_t a)
{
	for (int i = 0; i < f->nr; i++)
		if (a >= f->r[i].addr && a < f->r[i].addr + f->r[i].size)
			return 1;
	return 0;
}

static int add_site(struct exit_sites *x, size_t *cap, uint64_t off, uint64_t cookie)
{
	if (x->n == *cap) {
		size_t c = *cap ? 2 * *cap : 1024;
		uint64_t *o = realloc(x->offsets, c * sizeof(*o));
		uint64_t *k;

		if (!o)
			return -ENOMEM;
		x->offsets = o;
		k = realloc(x->cookies, c * sizeof(*k));
		if (!k)
			return -ENOMEM;
		x->cookies = k;
		*cap = c;
	}
	x->offsets[x->n] = off;
	x->cookies[x->n++] = cookie;
	return 0;
}

/* Disassemble one range; add its rets; count its jumps out (tail calls). */
static int scan_range(csh cs, int fd, const struct elfsyms *ef, const struct func *f,
		      const struct range *r, uint64_t cookie, struct exit_sites *x,
		      size_t *cap, size_t *found, size_t *tail)
{
	uint64_t off;
	uint8_t *code;
	cs_insn *insn;
	size_t n;
	int rc = 0;

	if (elfsyms_addr_to_offset(ef, r->addr, &off) || r->size > (16 << 20))
		return 0;
	code = malloc(r->size);
	if (!code)
		return -ENOMEM;
	if (pread(fd, code, r->size, off) != (ssize_t)r->size) {
		free(code);
		return 0;
	}
	n = cs_disasm(cs, code, r->size, r->addr, 0, &insn);
	for (size_t i = 0; i < n && !rc; i++) {
		const cs_insn *in = &insn[i];
		uint64_t site = off + (in->address - r->addr);

		if (in->id == X86_INS_RET) {
			rc = add_site(x, cap, site, cookie);
			++*found;
		} else if (in->id == X86_INS_JMP && (in->bytes[0] == 0xe9 || in->bytes[0] == 0xeb)) {
			/* direct jump: a tail call if it leaves the function */
			if (!in_func(f, strtoull(in->op_str, NULL, 0)))
				++*tail;
		} else if (in->id == X86_INS_JMP) {
			/* indirect: a tail call through a pointer (or a jump
			 * table: a return probe is right either way) */
			++*tail;
		}
	}
	cs_free(insn, n);
	free(code);
	return rc;
}

static int scan_all(struct scan *s, const struct probe_set *set,
		    uint64_t (*cookie_of)(const struct probe_set *, size_t),
		    struct exit_sites *x, char *err, size_t errlen)
{
	const struct elfsyms *ef = set->elf;
	size_t cap = 0;
	int fd, rc = 0;
	csh cs;

	if (!ef || cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		snprintf(err, errlen, "disassembling %s: no library or no capstone", set->lib_path);
		return -EIO;
	}
	fd = elfsyms_fd(ef);
	for (size_t i = 0; i < s->n && !rc; i++) {
		struct func *f = &s->f[i];
		size_t found = 0, tail = 0, before = x->n;

		for (int k = 0; k < f->nr && !rc; k++)
			rc = scan_range(cs, fd, ef, f, &f->r[k], cookie_of(set, f->id), x, &cap,
					&found, &tail);
		x->fragments += f->nr > 1 ? f->nr - 1 : 0;
		if (found && !tail)
			continue;
		/* Tail calls: the rets of the functions named like the query
		 * end the frame (for the queries rustc unwinds through, or all
		 * with only_callees); else a return probe. */
		if (tail && f->ncallee && (x->only_callees || unwinds_through(set->points[f->id].label))) {
			struct func g = *f;
			size_t cfound = 0, ctail = 0;

			memcpy(g.r, f->callee, sizeof(f->callee));
			g.nr = f->ncallee;
			for (int k = 0; k < g.nr && !rc; k++)
				rc = scan_range(cs, fd, ef, &g, &g.r[k], cookie_of(set, f->id), x,
						&cap, &cfound, &ctail);
			/* a provider that tail-calls on is not followed */
			if (getenv("SELFPROF_BPF_DEBUG"))
				for (int k = 0; k < g.nr; k++)
					fprintf(stderr, "exits: %s ends by callee at %#llx+%llu (%zu rets, %zu tail)\n",
						set->points[f->id].label,
						(unsigned long long)g.r[k].addr,
						(unsigned long long)g.r[k].size, cfound, ctail);
			if (cfound && !ctail) {
				x->via_callee++;
				continue;
			}
		}
		x->n = before;
		/* no provider found by name (a closure, say): a return
		 * probe, or (keeping unwinding intact) no probe at all, since
		 * a frame nothing ends would linger */
		if (x->only_callees) {
			x->uret[f->id] = EXITS_SKIP;
			x->skipped++;
			continue;
		}
		x->uret[f->id] = EXITS_URET;
		if (getenv("SELFPROF_BPF_DEBUG"))
			fprintf(stderr, "exits: return probe on %s (%zu tail jumps, %zu rets)\n",
				set->points[f->id].label, tail, found);
		if (tail)
			x->tailcalls++;
		else
			x->no_exit++;
	}
	cs_close(&cs);
	return rc;
}

int exits_find(const struct probe_set *set, uint64_t (*cookie_of)(const struct probe_set *, size_t),
	       struct exit_sites *out, char *err, size_t errlen)
{
	struct scan s = { 0 };
	struct elfsyms *syms = set->syms;
	int rc;

	int only = out->only_callees;

	memset(out, 0, sizeof(*out));
	out->only_callees = only;
	out->uret = calloc(set->n ? set->n : 1, 1);
	s.f = calloc(set->n ? set->n : 1, sizeof(*s.f));
	s.by_name = calloc(set->n ? set->n : 1, sizeof(*s.by_name));
	s.lab = calloc(set->n ? set->n : 1, sizeof(*s.lab));
	if (!s.f || !s.by_name || !s.lab || !out->uret) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < set->n; i++)
		s.f[s.n++] = (struct func){ .addr = set->points[i].addr, .id = i };
	qsort(s.f, s.n, sizeof(*s.f), cmp_addr);
	if (!syms) {
		snprintf(err, errlen, "%s: no symbols read", set->lib_path);
		rc = -EINVAL;
		goto out;
	}
	elfsyms_foreach_func(syms, pass_funcs, &s, NULL);
	for (size_t i = 0; i < s.n; i++)
		if (s.f[i].name)
			s.by_name[s.nnamed++] = &s.f[i];
	qsort(s.by_name, s.nnamed, sizeof(*s.by_name), cmp_name);
	elfsyms_foreach_func(syms, pass_frags, &s, NULL);
	/* by_label: the same funcs, keyed by label (names kept in label order) */
	s.by_label = calloc(s.n ? s.n : 1, sizeof(*s.by_label));
	if (!s.by_label) {
		rc = -ENOMEM;
		goto out;
	}
	/* providers only: a query's label also names its CONTEXT wrappers */
	for (size_t i = 0; i < s.n; i++) {
		const struct probe_point *pt = &set->points[s.f[i].id];

		s.lab[i] = s.f[i];
		s.lab[i].name = (char *)pt->label;
		if (pt->role == PROBE_ROLE_INTERVAL && pt->kind == SP_KIND_QUERY)
			s.by_label[s.nlabels++] = &s.lab[i];
	}
	qsort(s.by_label, s.nlabels, sizeof(*s.by_label), cmp_label);
	elfsyms_foreach_func(syms, pass_callees, &s, NULL);
	for (size_t i = 0; i < s.n; i++) {
		memcpy(s.f[i].callee, s.lab[i].callee, sizeof(s.f[i].callee));
		s.f[i].ncallee = s.lab[i].ncallee;
	}
	rc = scan_all(&s, set, cookie_of, out, err, errlen);
out:
	for (size_t i = 0; i < s.n; i++)
		free(s.f[i].name);
	free(s.f);
	free(s.by_name);
	free(s.by_label);
	free(s.lab);
	if (rc)
		exits_free(out);
	return rc;
}

void exits_free(struct exit_sites *x)
{
	free(x->offsets);
	free(x->cookies);
	free(x->uret);
	memset(x, 0, sizeof(*x));
}
