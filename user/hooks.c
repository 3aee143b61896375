// SPDX-License-Identifier: MIT
#include <capstone/capstone.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "demangle.h"
#include "elfsyms.h"
#include "hooks.h"
#include "probes.h"

#define MAX_MEMBERS	8	/* a function and its BOLT/LLVM .cold/.warm parts */
#define BLOCK_MAX	40	/* instructions from a cold block's start to its call */
#define ENV_WINDOW	64	/* instructions before the guard where the label is stored */

/* rustc_data_structures::profiling::EventFilter bits each kind tests. */
static const struct {
	const char *closure;	/* in the demangled cold_call instance */
	uint32_t bit;
} kinds[HOOK__KINDS] = {
	[HOOK_GENERIC_ACTIVITY] = { ">::generic_activity::{", 1 << 0 },
	[HOOK_GENERIC_ACTIVITY_WITH_ARG] = { ">::generic_activity_with_arg<", 1 << 0 },
	[HOOK_INCR_CACHE_LOADING] = { ">::incr_cache_loading::{", 1 << 4 },
	[HOOK_INCR_RESULT_HASHING] = { ">::incr_result_hashing::{", 1 << 8 },
	[HOOK_QUERY_PROVIDER] = { ">::query_provider::{", 1 << 1 },
	[HOOK_QUERY_BLOCKED] = { ">::query_blocked::{", 1 << 3 },
	[HOOK_VERBOSE_ACTIVITY] = { NULL, 1 << 0 },
};
/* A byte match that disassembly does not confirm as a call: dropped. */
static const char NOT_A_CALL[] = "call not at an instruction boundary";
/* Instructions after a hook in which its guard's move is looked for. */
#define MOVE_WINDOW	24
static const char TOO_MANY_ENDS[] = "more guard-slot ends than a site keeps (HOOK_MAX_ENDS)";
#define VERBOSE "<rustc_data_structures::profiling::SelfProfilerRef>::verbose_generic_activity"

/* Where the guard's drop is not inlined, the scope ends with a call of
 * one of these on the slot (on the normal path and on unwinding alike:
 * rustc records the event either way). Targets of this kind are ends. */
#define KIND_DROP	0xff
#define KIND_DROP_VERBOSE	0xfe	/* the last of drops[] */
static const char *const drops[] = {
	"rustc_data_structures::profiling::TimingGuard>",
	"measureme::profiler::TimingGuard>",
	"rustc_data_structures::profiling::VerboseTimingGuard>",
};

/* Drop glue of T: drop_in_place::<T> (1.95), drop_glue::<T> (1.97 nightly). */
static bool is_drop_of(const char *d, const char *type)
{
	static const char *const glue[] = { "core::ptr::drop_in_place::<", "core::ptr::drop_glue::<" };

	for (size_t i = 0; i < sizeof(glue) / sizeof(glue[0]); i++)
		if (!strncmp(d, glue[i], strlen(glue[i])) && !strcmp(d + strlen(glue[i]), type))
			return true;
	return false;
}

const char *hook_kind_name(unsigned int kind)
{
	static const char *const names[HOOK__KINDS] = {
		"generic_activity", "generic_activity_with_arg", "incr_cache_loading",
		"incr_result_hashing", "query_provider", "query_blocked", "verbose_generic_activity",
	};

	return kind < HOOK__KINDS ? names[kind] : "?";
}

const char *hook_key_name(unsigned int key)
{
	static const char *const names[] = { "rsp", "rdi", "rbx", "rbp", "r12", "r13", "r14", "r15" };

	return key < sizeof(names) / sizeof(names[0]) ? names[key] : "?";
}

struct target {
	uint64_t addr;		/* an instance, or a GOT slot holding one */
	uint8_t kind;
};

struct range {
	uint64_t addr, size;
};

/* A function symbol's range; base: its name without .cold/.warm (hit ones). */
struct fn {
	uint64_t addr, size;
	char *base;
	bool hit;
	bool drops;	/* calls a guard's drop */
	bool folded;	/* several names at its address: identical code folded */
	uint64_t name_hash;	/* to tell another name from one seen twice */
};

struct scan {
	struct target *direct, *got;	/* sorted by addr */
	size_t ndirect, ngot, capdirect, capgot;
	struct fn *fns;		/* sorted by addr, one per address */
	size_t nfns, capfns;
	char **bases;		/* sorted base names of functions with a call */
	size_t nbases;
	struct range (*members)[MAX_MEMBERS];	/* per base */
	int *nmembers;
	const uint8_t *map;	/* the library, mapped */
	size_t mapsize;
	const struct elfsyms *elf;
	struct hook_set *out;
	size_t capsites;
	int32_t verbose_guard_off;	/* VerboseTimingGuard's TimingGuard field, or -1 */
	csh cs;
};

static int cmp_target(const void *a, const void *b)
{
	const struct target *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_fn(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(void **arr, size_t *n, size_t *cap, size_t elsize)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		void *p = realloc(*arr, c * elsize);

		if (!p)
			return -ENOMEM;
		*arr = p;
		*cap = c;
	}
	return 0;
}

static bool is_drop(const struct target *t)
{
	return t->kind == KIND_DROP || t->kind == KIND_DROP_VERBOSE;
}

static const struct target *find_target(const struct target *t, size_t n, uint64_t addr)
{
	if (!n)
		return NULL;
	return bsearch(&(struct target){ .addr = addr }, t, n, sizeof(*t), cmp_target);
}

/* Which kind a symbol names, if it is a cold-call instance we want, or
 * KIND_DROP for a guard's drop; -1 otherwise. */
static int instance_kind(const char *name)
{
	bool drop = (strstr(name, "13drop_in_place") || strstr(name, "9drop_glue")) &&
		    strstr(name, "TimingGuard");
	char *d;
	int kind = -1;

	/* cheap filters before demangling; .cold/.warm parts are no entry points */
	if (!strstr(name, "9cold_call") && !strstr(name, "24verbose_generic_activity") && !drop)
		return -1;
	if (strstr(demangle_suffix(name), ".cold") || strstr(demangle_suffix(name), ".warm"))
		return -1;
	d = demangle_rust(name);
	if (d && strstr(d, "::exec::cold_call::<"))
		for (int k = 0; k < HOOK__KINDS && kind < 0; k++)
			if (kinds[k].closure && strstr(d, kinds[k].closure))
				kind = k;
	if (d && !strcmp(d, VERBOSE))
		kind = HOOK_VERBOSE_ACTIVITY;
	for (size_t i = 0; d && drop && i < sizeof(drops) / sizeof(drops[0]); i++)
		if (is_drop_of(d, drops[i]))
			kind = i + 1 < sizeof(drops) / sizeof(drops[0]) ? KIND_DROP : KIND_DROP_VERBOSE;
	free(d);
	return kind;
}

static uint64_t fnv1a(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*p)
		h = (h ^ (uint8_t)*p++) * 0x100000001b3ULL;
	return h;
}

/* Pass 1: every function's range, and the instances. */
static int collect_fn(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct scan *s = ctx;
	int kind = instance_kind(name);

	if (kind >= 0 && !find_target(s->direct, s->ndirect, addr)) {
		if (push((void **)&s->direct, &s->ndirect, &s->capdirect, sizeof(*s->direct)))
			return -ENOMEM;
		s->direct[s->ndirect++] = (struct target){ addr, kind };
		qsort(s->direct, s->ndirect, sizeof(*s->direct), cmp_target);
	}
	if (!size)
		return 0;
	if (push((void **)&s->fns, &s->nfns, &s->capfns, sizeof(*s->fns)))
		return -ENOMEM;
	s->fns[s->nfns++] = (struct fn){ .addr = addr, .size = size, .name_hash = fnv1a(name) };
	return 0;
}

/* Several names at one address (aliases, folded functions): keep one. */
static void dedup_fns(struct scan *s)
{
	size_t j = 0;

	qsort(s->fns, s->nfns, sizeof(*s->fns), cmp_fn);
	for (size_t i = 0; i < s->nfns; i++) {
		if (j && s->fns[j - 1].addr == s->fns[i].addr) {
			if (s->fns[i].size > s->fns[j - 1].size)
				s->fns[j - 1].size = s->fns[i].size;
			/* .symtab and .dynsym name an exported function twice */
			s->fns[j - 1].folded |= s->fns[i].name_hash != s->fns[j - 1].name_hash;
			continue;
		}
		s->fns[j++] = s->fns[i];
	}
	s->nfns = j;
}

/* GOT slots (and other stored pointers) holding an instance's address:
 * calls from other crates of the library go through them. */
static int collect_got(uint64_t where, uint64_t value, void *ctx)
{
	struct scan *s = ctx;
	const struct target *t = find_target(s->direct, s->ndirect, value);

	if (!t)
		return 0;
	if (push((void **)&s->got, &s->ngot, &s->capgot, sizeof(*s->got)))
		return -ENOMEM;
	s->got[s->ngot++] = (struct target){ where, t->kind };
	return 0;
}


static const uint8_t *code_at(const struct scan *s, uint64_t addr, uint64_t size)
{
	uint64_t off;

	if (elfsyms_addr_to_offset(s->elf, addr, &off) || off > s->mapsize ||
	    size > s->mapsize - off)
		return NULL;
	return s->map + off;
}

static int add_site(struct scan *s, uint64_t call, const struct target *t, bool via_got)
{
	struct hook_set *h = s->out;

	if (push((void **)&h->sites, &h->n, &s->capsites, sizeof(*h->sites)))
		return -ENOMEM;
	h->sites[h->n++] = (struct hook_site){ .call = call, .kind = t->kind, .via_got = via_got };
	return 0;
}

static int32_t rd32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Pass 2: `call rel32` to an instance and `call *disp32(%rip)` through a
 * slot holding one, in the code symbols cover. A byte match is only a
 * candidate: it counts once disassembly puts an instruction there.
 */
static int scan_calls(struct scan *s)
{
	uint64_t done = 0;

	for (size_t i = 0; i < s->nfns; i++) {
		struct fn *f = &s->fns[i];
		uint64_t from = f->addr > done ? f->addr : done, end = f->addr + f->size;
		const uint8_t *c = end > from ? code_at(s, from, end - from) : NULL;

		for (uint64_t j = 0; c && j + 5 <= end - from; j++) {
			const struct target *t = NULL;
			bool got = false;

			if (c[j] == 0xe8)
				t = find_target(s->direct, s->ndirect, from + j + 5 + rd32(c + j + 1));
			else if (c[j] == 0xff && c[j + 1] == 0x15 && j + 6 <= end - from) {
				t = find_target(s->got, s->ngot, from + j + 6 + rd32(c + j + 2));
				got = true;
			}
			if (t && is_drop(t))
				f->drops = true;
			if (!t || is_drop(t))
				continue;
			if (add_site(s, from + j, t, got))
				return -ENOMEM;
			f->hit = true;
		}
		if (end > done)
			done = end;
	}
	return 0;
}

/* "name.cold", "name.warm.2", "name.cold.1": the length of "name". */
static size_t base_len(const char *name)
{
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');

	if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
		const char *d = dot;

		while (d > name && d[-1] != '.')
			d--;
		if (d > name && (!strncmp(d, "cold.", 5) || !strncmp(d, "warm.", 5)))
			return d - 1 - name;
	}
	if (dot && (!strcmp(dot, ".cold") || !strcmp(dot, ".warm")))
		return dot - name;
	return n;
}

static struct fn *find_fn(struct scan *s, uint64_t addr)
{
	return bsearch(&(struct fn){ .addr = addr }, s->fns, s->nfns, sizeof(*s->fns), cmp_fn);
}

/* Pass 3: the base names of the functions holding a call. */
static int name_hits(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct fn *f = find_fn(ctx, addr);

	if (f && f->hit && !f->base)
		f->base = strndup(name, base_len(name));
	return f && f->hit && !f->base ? -ENOMEM : 0;
}

static long find_base(const struct scan *s, const char *name, size_t len)
{
	size_t lo = 0, hi = s->nbases;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(s->bases[mid], name, len);

		if (!c && s->bases[mid][len])
			c = 1;
		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Pass 4: every part (main body, .cold, .warm) of those functions. */
static int add_member(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct scan *s = ctx;
	long b = size ? find_base(s, name, base_len(name)) : -1;

	if (b < 0)
		return 0;
	for (int i = 0; i < s->nmembers[b]; i++)
		if (s->members[b][i].addr == addr)
			return 0;
	if (s->nmembers[b] < MAX_MEMBERS)
		s->members[b][s->nmembers[b]++] = (struct range){ addr, size };
	return 0;
}

static int build_groups(struct scan *s, struct elfsyms *syms)
{
	int rc = elfsyms_foreach_func(syms, name_hits, s, NULL);

	if (rc)
		return rc;
	s->bases = calloc(s->nfns, sizeof(*s->bases));
	if (!s->bases)
		return -ENOMEM;
	for (size_t i = 0; i < s->nfns; i++)
		if (s->fns[i].base)
			s->bases[s->nbases++] = s->fns[i].base;
	qsort(s->bases, s->nbases, sizeof(*s->bases), cmp_str);
	/* a function's parts each hold calls: one group per name */
	size_t j = 0;

	for (size_t i = 0; i < s->nbases; i++)
		if (!j || strcmp(s->bases[j - 1], s->bases[i]))
			s->bases[j++] = s->bases[i];
	s->nbases = j;
	s->members = calloc(s->nbases ? s->nbases : 1, sizeof(*s->members));
	s->nmembers = calloc(s->nbases ? s->nbases : 1, sizeof(*s->nmembers));
	if (!s->members || !s->nmembers)
		return -ENOMEM;
	return elfsyms_foreach_func(syms, add_member, s, NULL);
}

/* One function's instructions, all its parts, in address order. */
struct code {
	cs_insn *in[MAX_MEMBERS];
	size_t nin[MAX_MEMBERS];
	const cs_insn **all;
	size_t n;
	uint64_t *targets;	/* branch targets, sorted */
	size_t ntargets;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_insn(const void *a, const void *b)
{
	const cs_insn *x = *(const cs_insn *const *)a, *y = *(const cs_insn *const *)b;

	return x->address < y->address ? -1 : x->address > y->address;
}

static bool is_jcc(const cs_insn *in)
{
	return in->id >= X86_INS_JAE && in->id <= X86_INS_JS && in->id != X86_INS_JMP &&
	       in->id != X86_INS_JCXZ && in->id != X86_INS_JECXZ && in->id != X86_INS_JRCXZ;
}

static bool ends_block(const cs_insn *in)
{
	return in->id == X86_INS_JMP || in->id == X86_INS_RET || in->id == X86_INS_UD2 ||
	       in->id == X86_INS_INT3 || is_jcc(in);
}

/* The target of a direct jump, or 0. */
static uint64_t jump_target(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	if ((in->id != X86_INS_JMP && !is_jcc(in)) || x->op_count != 1 ||
	    x->operands[0].type != X86_OP_IMM)
		return 0;
	return x->operands[0].imm;
}

static void code_free(struct code *c)
{
	for (int i = 0; i < MAX_MEMBERS; i++)
		if (c->in[i])
			cs_free(c->in[i], c->nin[i]);
	free(c->all);
	free(c->targets);
	memset(c, 0, sizeof(*c));
}

static int disassemble(struct scan *s, const struct range *m, int nm, struct code *c)
{
	size_t k = 0, t = 0;

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < nm; i++) {
		const uint8_t *p = code_at(s, m[i].addr, m[i].size);

		if (p)
			c->nin[i] = cs_disasm(s->cs, p, m[i].size, m[i].addr, 0, &c->in[i]);
		c->n += c->nin[i];
	}
	c->all = calloc(c->n ? c->n : 1, sizeof(*c->all));
	c->targets = calloc(c->n ? c->n : 1, sizeof(*c->targets));
	if (!c->all || !c->targets) {
		code_free(c);
		return -ENOMEM;
	}
	for (int i = 0; i < nm; i++)
		for (size_t j = 0; j < c->nin[i]; j++) {
			c->all[k++] = &c->in[i][j];
			if (jump_target(&c->in[i][j]))
				c->targets[t++] = jump_target(&c->in[i][j]);
		}
	qsort(c->all, c->n, sizeof(*c->all), cmp_insn);
	qsort(c->targets, t, sizeof(*c->targets), cmp_u64);
	c->ntargets = t;
	return 0;
}

static long insn_at(const struct code *c, uint64_t addr)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->all[mid]->address == addr)
			return mid;
		if (c->all[mid]->address < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool is_target(const struct code *c, uint64_t addr)
{
	return bsearch(&addr, c->targets, c->ntargets, sizeof(addr), cmp_u64) != NULL;
}

/* i and i-1 are one straight run of code (not two parts side by side). */
static bool follows(const struct code *c, size_t i)
{
	return i > 0 && c->all[i - 1]->address + c->all[i - 1]->size == c->all[i]->address;
}

/* Start of the block holding the call: where a branch lands, or after one. */
static size_t block_start(const struct code *c, size_t k)
{
	for (int n = 0; n < BLOCK_MAX; n++, k--) {
		if (is_target(c, c->all[k]->address) || !follows(c, k) || ends_block(c->all[k - 1]))
			return k;
	}
	return k;
}

/* Moves the compiler schedules between a test and its branch. */
static bool keeps_flags(const cs_insn *in)
{
	switch (in->id) {
	case X86_INS_MOV: case X86_INS_MOVABS: case X86_INS_MOVZX: case X86_INS_MOVSX:
	case X86_INS_MOVSXD: case X86_INS_LEA: case X86_INS_MOVUPS: case X86_INS_MOVAPS:
	case X86_INS_MOVDQU: case X86_INS_MOVDQA: case X86_INS_MOVQ: case X86_INS_NOP:
		return true;
	default:
		return false;
	}
}

#define FLAGS_WINDOW	6	/* moves between a test and its branch */

/* The conditional branch deciding on the flags instruction i sets: the
 * first one after it in straight code, with only moves between and no
 * other path entering in between (whose flags would be another test's).
 * Its index, or -1. */
static long branch_on_flags(const struct code *c, size_t i)
{
	for (size_t j = i + 1; j < c->n && j <= i + FLAGS_WINDOW; j++) {
		if (!follows(c, j) || is_target(c, c->all[j]->address))
			return -1;
		if (is_jcc(c->all[j]))
			return j;
		if (!keeps_flags(c->all[j]))
			return -1;
	}
	return -1;
}

/* The bits tested by the instruction before branch i (0: not a test). */
static uint32_t mask_of(const struct code *c, size_t i)
{
	const cs_insn *t;
	const cs_x86 *x;
	int shift = 0;

	/* moves (which leave the flags alone) may sit between test and branch */
	while (follows(c, i) && keeps_flags(c->all[i - 1]) && i > 1)
		i--;
	if (!follows(c, i))
		return 0;
	t = c->all[i - 1];
	x = &t->detail->x86;
	if (x->op_count != 2 || x->operands[1].type != X86_OP_IMM)
		return 0;
	/* `testb $1, 0x1ef51(%rbx)` tests bit 8 of the 4-byte aligned mask */
	if (x->operands[0].type == X86_OP_MEM && x->operands[0].size < 4)
		shift = 8 * (x->operands[0].mem.disp & 3);
	if (t->id == X86_INS_TEST || t->id == X86_INS_AND)
		return (uint32_t)x->operands[1].imm << shift;
	if (t->id == X86_INS_BT && x->operands[1].imm < 32)
		return 1u << x->operands[1].imm;
	return 0;
}

/*
 * The branch that leads to the cold block at b: a conditional jump there
 * (through one `jmp` if need be), or the one just before it when the
 * block is its fall-through. Among several, the one testing the kind's bit.
 */
static long guard_branch(const struct code *c, size_t b, uint32_t bit)
{
	uint64_t to = c->all[b]->address, via = 0;
	long best = -1;

	for (int pass = 0; pass < 2 && best < 0; pass++) {
		for (size_t i = 0; i < c->n; i++) {
			uint64_t t = jump_target(c->all[i]);

			if (t != to)
				continue;
			if (!is_jcc(c->all[i]))
				via = c->all[i]->address;
			else if (best < 0 || (mask_of(c, i) & bit))
				best = i;
		}
		if (!via)
			break;
		to = via;
	}
	if (best < 0 && follows(c, b) && is_jcc(c->all[b - 1]))
		best = b - 1;
	return best;
}

static bool rsp_mem(const cs_x86_op *op)
{
	return op->type == X86_OP_MEM && op->mem.base == X86_REG_RSP &&
	       op->mem.index == X86_REG_INVALID;
}

/* The general register r is (or is part of: %eax, %ax, %al of %rax), 0-14, or -1. */
static int reg_index(x86_reg r)
{
	static const x86_reg regs[][5] = {
		{ X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
		{ X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
		{ X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
		{ X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
		{ X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, X86_REG_SIL },
		{ X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, X86_REG_DIL },
		{ X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, X86_REG_BPL },
		{ X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, X86_REG_R8B },
		{ X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, X86_REG_R9B },
		{ X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, X86_REG_R10B },
		{ X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, X86_REG_R11B },
		{ X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, X86_REG_R12B },
		{ X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, X86_REG_R13B },
		{ X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, X86_REG_R14B },
		{ X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, X86_REG_R15B },
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (size_t w = 0; w < sizeof(regs[0]) / sizeof(regs[0][0]); w++)
			if (regs[i][w] == r)
				return i;
	return -1;
}

/* The stack slot an argument register points to, set between lo and k
 * (through register moves: `lea 0x30(%rsp),%rax; ...; mov %rax,%rdx`). */
static bool arg_slot(const struct code *c, size_t lo, size_t k, x86_reg reg, int32_t *slot)
{
	for (size_t i = k; i-- > lo;) {
		const cs_x86 *x = &c->all[i]->detail->x86;
		const cs_x86_op *v = &x->operands[1];

		if (x->op_count != 2 || x->operands[0].type != X86_OP_REG ||
		    reg_index(x->operands[0].reg) != reg_index(reg))
			continue;
		if (x->operands[0].reg != reg)
			return false;	/* a part of it written */
		if (c->all[i]->id == X86_INS_LEA && rsp_mem(v)) {
			*slot = v->mem.disp;
			return true;
		}
		if (c->all[i]->id != X86_INS_MOV || v->type != X86_OP_REG)
			return false;	/* set some other way */
		if (v->reg == X86_REG_RSP) {
			*slot = 0;
			return true;
		}
		reg = v->reg;
	}
	return false;
}

/* A label rustc would record: non-empty UTF-8 text without controls. */
static bool plausible_label(const uint8_t *p, size_t len)
{
	size_t i = 0;

	if (!len || len > 256)
		return false;
	while (i < len) {
		size_t n = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3 :
			   (p[i] & 0xf8) == 0xf0 ? 4 : 0;

		if (!n || i + n > len || (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)))
			return false;
		for (size_t j = 1; j < n; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

/* What instructions [lo, hi) store at off(%rsp) and off+8(%rsp): the
 * address of static data (lea'd into a register first), a stack address
 * (a closure capturing by reference), and an immediate. Last store wins. */
struct stored {
	uint64_t ptr;		/* rip-relative address stored at off */
	int32_t ref;		/* stack offset stored at off (has_ref) */
	bool has_ref;
	x86_reg from;		/* the register stored at off (whatever it held) */
	int64_t len;		/* immediate stored at off + 8, or -1 */
};

static void stores_at(const struct code *c, size_t lo, size_t hi, int32_t off, struct stored *st)
{
	uint64_t rip[16] = { 0 };
	int32_t stack[16];
	bool on_stack[16] = { false };

	st->ptr = 0;
	st->has_ref = false;
	st->from = X86_REG_INVALID;
	st->len = -1;
	for (size_t i = lo; i < hi; i++) {
		const cs_insn *in = c->all[i];
		const cs_x86 *x = &in->detail->x86;
		const cs_x86_op *d = &x->operands[0], *v = &x->operands[1];
		int r = x->op_count == 2 && d->type == X86_OP_REG ? reg_index(d->reg) : -1;

		if (x->op_count != 2)
			continue;
		if (r >= 0) {	/* a register written: what does it hold now? */
			bool lea = in->id == X86_INS_LEA;

			rip[r] = lea && v->mem.base == X86_REG_RIP ?
				 in->address + in->size + v->mem.disp : 0;
			on_stack[r] = lea && rsp_mem(v);
			stack[r] = v->mem.disp;
			continue;
		}
		/* a store to the stack, through %rsp or a register pointing there */
		if (in->id != X86_INS_MOV || d->type != X86_OP_MEM || d->mem.index != X86_REG_INVALID)
			continue;
		int b = reg_index(d->mem.base);
		int32_t at = d->mem.base == X86_REG_RSP ? d->mem.disp :
			     b >= 0 && on_stack[b] ? stack[b] + (int32_t)d->mem.disp : INT32_MIN;

		r = v->type == X86_OP_REG ? reg_index(v->reg) : -1;
		if (at == off && r >= 0 && v->size == 8) {
			st->from = v->reg;
			st->ptr = rip[r];
			st->has_ref = on_stack[r];
			st->ref = stack[r];
		} else if (at == off + 8 && v->type == X86_OP_IMM) {
			st->len = v->imm;
		}
	}
}

/* The text of a stored (pointer, length) pair, if it reads as a label. */
static char *pair_label(struct scan *s, const struct stored *st)
{
	const uint8_t *p;

	if (!st->ptr || st->len <= 0 || st->len > 256)
		return NULL;
	p = code_at(s, st->ptr, st->len);
	return p && plausible_label(p, st->len) ? strndup((const char *)p, st->len) : NULL;
}

/* Whether every write of reg in the function is one `lea X(base), reg`
 * (a register set once, outside the loop that uses it): X's value, as
 * an %rsp offset or, for %rip, an address. */
static bool only_lea(const struct code *c, x86_reg reg, x86_reg base, int64_t *val)
{
	bool seen = false;

	for (size_t i = 0; i < c->n; i++) {
		const cs_insn *in = c->all[i];
		const cs_x86 *x = &in->detail->x86;
		const cs_x86_op *v = &x->operands[1];
		int64_t here;

		if (!x->op_count || x->operands[0].type != X86_OP_REG ||
		    reg_index(x->operands[0].reg) != reg_index(reg) || in->id == X86_INS_TEST ||
		    in->id == X86_INS_CMP || in->id == X86_INS_PUSH || in->id == X86_INS_POP)
			continue;
		if (in->id != X86_INS_LEA || x->operands[0].reg != reg || v->mem.base != base ||
		    v->mem.index != X86_REG_INVALID)
			return false;
		here = base == X86_REG_RIP ? (int64_t)(in->address + in->size) + v->mem.disp :
			v->mem.disp;
		if (seen && here != *val)
			return false;
		*val = here;
		seen = true;
	}
	return seen;
}

/* A (pointer, length) pair's pointer stored from a register set once. */
static void resolve_ptr(const struct code *c, struct stored *st)
{
	int64_t v;

	if (st->ptr || st->has_ref || st->from == X86_REG_INVALID)
		return;
	if (only_lea(c, st->from, X86_REG_RSP, &v)) {
		st->has_ref = true;
		st->ref = v;
	} else if (only_lea(c, st->from, X86_REG_RIP, &v)) {
		st->ptr = v;
	}
}

/*
 * The label of a generic activity: the closure environment (rdx at the
 * call) holds the &'static str itself (generic_activity), or a reference
 * to a stack copy of it (generic_activity_with_arg captures by reference).
 */
static char *find_label(struct scan *s, const struct code *c, size_t guard, size_t b, size_t k)
{
	struct stored st, st2;
	size_t lo = guard;
	int32_t env;
	char *l;

	if (!arg_slot(c, b, k, X86_REG_RDX, &env) && !arg_slot(c, guard > 8 ? guard - 8 : 0,
								 guard, X86_REG_RDX, &env))
		return NULL;
	for (int n = 0; n < ENV_WINDOW && follows(c, lo); n++)
		lo--;
	stores_at(c, lo, guard, env, &st);
	stores_at(c, b, k, env, &st2);	/* or filled in the cold block */
	if (st2.from != X86_REG_INVALID)
		st = st2;
	resolve_ptr(c, &st);
	l = pair_label(s, &st);
	if (l || !st.has_ref)
		return l;
	stores_at(c, lo, guard, st.ref, &st2);
	resolve_ptr(c, &st2);
	return pair_label(s, &st2);
}

/* The target a call reaches, directly or through a GOT slot. */
static const struct target *call_target(const struct scan *s, const cs_insn *in)
{
	const cs_x86_op *op = &in->detail->x86.operands[0];

	if (in->id != X86_INS_CALL || in->detail->x86.op_count != 1)
		return NULL;
	if (op->type == X86_OP_IMM)
		return find_target(s->direct, s->ndirect, op->imm);
	if (op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP)
		return find_target(s->got, s->ngot, in->address + in->size + op->mem.disp);
	return NULL;
}

/* A call of a guard's drop on a stack slot (the argument set just
 * before): the drop's kind (KIND_DROP...) and *slot, or 0. */
static int drop_on_slot(const struct scan *s, const struct code *c, size_t i, int32_t *slot)
{
	const struct target *t = call_target(s, c->all[i]);

	if (!t || !is_drop(t) || !arg_slot(c, i >= 3 ? i - 3 : 0, i, X86_REG_RDI, slot))
		return 0;
	return t->kind;
}

static void add_end(struct scan *s, struct hook_site *h, uint64_t addr)
{
	uint64_t off;

	if (h->nends == HOOK_MAX_ENDS)
		h->reason = TOO_MANY_ENDS;
	else if (!elfsyms_addr_to_offset(s->elf, addr, &off))
		h->ends[h->nends++] = off;
}

/* Is instruction i a read of the slot whose test decides a branch? The
 * branch's address, or 0. */
static uint64_t slot_test(const struct code *c, size_t i, int32_t slot)
{
	const cs_x86 *x = &c->all[i]->detail->x86;
	const cs_x86_op *d = &x->operands[0], *v = &x->operands[1];

	long br;

	if (x->op_count != 2 || i + 2 >= c->n)
		return 0;
	if (c->all[i]->id == X86_INS_CMP && rsp_mem(d) && d->mem.disp == slot && d->size == 8 &&
	    v->type == X86_OP_IMM && v->imm == 0) {
		br = branch_on_flags(c, i);
		return br >= 0 ? c->all[br]->address : 0;
	}
	if (c->all[i]->id != X86_INS_MOV || d->type != X86_OP_REG || !rsp_mem(v) ||
	    v->mem.disp != slot || v->size != 8)
		return 0;
	/* the test may come up to FLAGS_WINDOW - 1 instructions later, on the
	 * same straight path, with the loaded register left as it is (loads
	 * of the result's fields get scheduled in between: rustc's incremental
	 * loads) */
	for (size_t j = i + 1; j <= i + FLAGS_WINDOW && j + 1 < c->n; j++) {
		const cs_x86 *t = &c->all[j]->detail->x86;

		if (!follows(c, j) || is_target(c, c->all[j]->address))
			return 0;
		if (c->all[j]->id == X86_INS_TEST && t->op_count == 2 &&
		    t->operands[0].type == X86_OP_REG && t->operands[0].reg == d->reg &&
		    t->operands[1].type == X86_OP_REG && t->operands[1].reg == d->reg) {
			br = branch_on_flags(c, j);
			return br >= 0 ? c->all[br]->address : 0;
		}
		if (c->all[j]->id == X86_INS_CALL || (t->op_count >= 1 &&
		    t->operands[0].type == X86_OP_REG &&
		    reg_index(t->operands[0].reg) == reg_index(d->reg)))
			return 0;	/* the loaded value overwritten */
	}
	return 0;
}

static void find_ends(struct scan *s, const struct code *c, struct hook_site *h)
{
	for (size_t i = 0; i < c->n && !h->reason; i++) {
		uint64_t br = slot_test(c, i, h->slot + h->guard_off);
		int32_t slot;

		if (!br && drop_on_slot(s, c, i, &slot) && slot == h->slot)
			br = c->all[i]->address;	/* the kernel emulates call rel32 */
		if (br)
			add_end(s, h, br);
	}
}

/* verbose_generic_activity(&self, label: &'static str): the label's
 * address and length in %rdx and %rcx, set shortly before the call. */
static char *reg_label(struct scan *s, const struct code *c, size_t k)
{
	struct stored st = { .len = -1 };
	size_t lo = k;

	for (int n = 0; n < 12 && follows(c, lo); n++)
		lo--;
	for (size_t i = lo; i < k; i++) {
		const cs_insn *in = c->all[i];
		const cs_x86 *x = &in->detail->x86;
		const cs_x86_op *d = &x->operands[0], *v = &x->operands[1];

		if (x->op_count != 2 || d->type != X86_OP_REG)
			continue;
		if (reg_index(d->reg) == reg_index(X86_REG_RDX))
			st.ptr = in->id == X86_INS_LEA && v->mem.base == X86_REG_RIP ?
				 in->address + in->size + v->mem.disp : 0;
		if (reg_index(d->reg) == reg_index(X86_REG_RCX))
			st.len = in->id == X86_INS_MOV && v->type == X86_OP_IMM ? v->imm : -1;
	}
	return pair_label(s, &st);
}

/* Is instruction i `mov|movups|movdqu OFF(%rsp), REG`? REG, or 0. */
static x86_reg load_from(const struct code *c, size_t i, int32_t off)
{
	const cs_x86 *x = &c->all[i]->detail->x86;

	if (x->op_count != 2 || x->operands[0].type != X86_OP_REG || !rsp_mem(&x->operands[1]) ||
	    x->operands[1].mem.disp != off)
		return X86_REG_INVALID;
	return x->operands[0].reg;
}

/* Is instruction i a store of reg into memory, on the stack (stack) or
 * not? Its displacement, or -1. */
static int32_t store_of(const struct code *c, size_t i, x86_reg reg, bool stack)
{
	const cs_x86 *x = &c->all[i]->detail->x86;
	const cs_x86_op *d = &x->operands[0];

	if (x->op_count != 2 || d->type != X86_OP_MEM || x->operands[1].type != X86_OP_REG ||
	    x->operands[1].reg != reg || rsp_mem(d) != stack ||
	    (!stack && d->mem.base == X86_REG_RSP))
		return -1;
	return d->mem.disp;
}

/* A load of OFF(%rsp) at i and the store of that register a few moves
 * later, to the stack (stack) or not: the store's displacement, or -1. */
static int32_t copy_of(const struct code *c, size_t i, int32_t off, bool stack)
{
	x86_reg reg = load_from(c, i, off);

	for (size_t j = i + 1; reg && j < c->n && j <= i + 4 && follows(c, j); j++) {
		int32_t d = store_of(c, j, reg, stack);

		if (d >= 0)
			return d;
	}
	return -1;
}

/*
 * Where verbose_generic_activity puts the TimingGuard inside the
 * VerboseTimingGuard it returns: it fills a local guard through the
 * generic_activity cold call (`lea OFF(%rsp),%rdi; call`), then copies it
 * into the returned value (`movups OFF(%rsp),%xmm0; ...; movups %xmm0,D(%r14)`).
 * The guard's first word (its profiler reference, 0 for None) is what the
 * inlined drop tests at the scope's end. -1 if not seen.
 */
static int32_t find_verbose_guard_off(struct scan *s)
{
	int32_t local, found = -1;
	struct range r = { 0, 0 };
	struct code c;

	for (size_t i = 0; i < s->ndirect && !r.addr; i++)
		if (s->direct[i].kind == HOOK_VERBOSE_ACTIVITY)
			r.addr = s->direct[i].addr;
	if (r.addr && find_fn(s, r.addr))
		r.size = find_fn(s, r.addr)->size;
	if (!r.size || disassemble(s, &r, 1, &c))
		return -1;
	for (size_t k = 0; k < c.n && found < 0; k++) {
		const struct target *t = call_target(s, c.all[k]);

		if (!t || t->kind != HOOK_GENERIC_ACTIVITY ||
		    !arg_slot(&c, k >= 4 ? k - 4 : 0, k, X86_REG_RDI, &local))
			continue;
		for (size_t i = 0; i < c.n && found < 0; i++)
			found = copy_of(&c, i, local, false);
	}
	code_free(&c);
	return found;
}

/* Is instruction i a `rep movsq` copying from the slot? */
static bool movs_from(const struct code *c, size_t lo, size_t i, int32_t slot)
{
	const cs_insn *in = c->all[i];
	int32_t from;

	return in->id == X86_INS_MOVSQ && in->detail->x86.prefix[0] == X86_PREFIX_REP &&
	       arg_slot(c, lo, i, X86_REG_RSI, &from) && from == slot;
}

/* A load of the guard word and its store to another stack slot, at i:
 * the new slot (that of the value holding the guard). */
static bool copied_by_load(const struct code *c, size_t i, const struct hook_site *h,
			   int32_t *to)
{
	int32_t d = copy_of(c, i, h->slot + h->guard_off, true);

	if (d >= 0)
		*to = d - h->guard_off;
	return d >= 0;
}

/* Does instruction in write any part of reg (explicitly or not: `pop`,
 * `rep movsq`'s %rdi, a call's clobbers)? */
static bool writes_reg(csh cs, const cs_insn *in, x86_reg reg)
{
	cs_regs rd, wr;
	uint8_t nrd = 0, nwr = 0;

	if (in->id == X86_INS_CALL)
		return reg_index(reg) >= 0;	/* conservatively: any */
	if (cs_regs_access(cs, in, rd, &nrd, wr, &nwr) != CS_ERR_OK)
		return true;
	for (uint8_t j = 0; j < nwr; j++)
		if (wr[j] == reg || (reg_index(wr[j]) >= 0 && reg_index(wr[j]) == reg_index(reg)))
			return true;
	return false;
}

/* The register whose value reg holds at instruction i, copied by whole
 * 64-bit moves after instruction k (through `mov %r12,%rdi`);
 * X86_REG_INVALID if written any other way in between. */
static x86_reg reg_source(csh cs, const struct code *c, size_t k, size_t i, x86_reg reg)
{
	while (i-- > k + 1) {
		const cs_insn *in = c->all[i];
		const cs_x86 *x = &in->detail->x86;

		if (!writes_reg(cs, in, reg))
			continue;
		if (in->id != X86_INS_MOV || x->op_count != 2 || x->operands[0].type != X86_OP_REG ||
		    x->operands[0].reg != reg || x->operands[1].type != X86_OP_REG ||
		    x->operands[1].size != 8)
			return X86_REG_INVALID;
		reg = x->operands[1].reg;
	}
	return reg;
}

/* The key naming a callee-saved register (which holds the same value at
 * the hook's call as after it), or HOOK_KEY_SP. */
static uint8_t saved_reg_key(x86_reg r)
{
	switch (r) {
	case X86_REG_RBX: return HOOK_KEY_RBX;
	case X86_REG_RBP: return HOOK_KEY_RBP;
	case X86_REG_R12: return HOOK_KEY_R12;
	case X86_REG_R13: return HOOK_KEY_R13;
	case X86_REG_R14: return HOOK_KEY_R14;
	case X86_REG_R15: return HOOK_KEY_R15;
	default: return HOOK_KEY_SP;
	}
}

/*
 * Right after the hook, the guard may be moved to another stack slot
 * (`let _t = sess.timer(..)` returned into a temporary, then copied by
 * `rep movsq` or word by word): the ends test the place it moved to.
 * Follow such moves in the straight code after instruction k (the hook's
 * call, or the branch around it).
 */
static void follow_moves(csh cs, const struct code *c, size_t k, struct hook_site *h)
{
	size_t lo = k >= 16 ? k - 16 : 0;

	for (size_t i = k + 1; i < c->n && i <= k + MOVE_WINDOW && follows(c, i); i++) {
		int32_t to;

		if (movs_from(c, lo, i, h->slot)) {
			if (arg_slot(c, lo, i, X86_REG_RDI, &to))
				h->slot = to;
			/* to where a callee-saved register points, a caller's
			 * variable (`*llvm_start_time = Some(...)`): caller_ends() */
			else if ((h->key = saved_reg_key(reg_source(cs, c, k, i, X86_REG_RDI))))
				break;
		} else if (copied_by_load(c, i, h, &to)) {
			h->slot = to;
		}
		if (ends_block(c->all[i]))
			break;
	}
}

/* A call of verbose_generic_activity: the call is the start probe. */
static void analyze_verbose(struct scan *s, const struct code *c, size_t k,
			    struct hook_site *h)
{
	h->start_addr = h->call;
	if (elfsyms_addr_to_offset(s->elf, h->start_addr, &h->start))
		h->start_addr = 0;
	h->mask = kinds[h->kind].bit;	/* tested inside the callee */
	h->label = reg_label(s, c, k);
	h->has_slot = arg_slot(c, k >= 12 ? k - 12 : 0, k, X86_REG_RDI, &h->slot);
	h->guard_off = s->verbose_guard_off;
	if (h->has_slot && h->guard_off >= 0) {
		follow_moves(s->cs, c, k, h);
		if (!h->key)
			find_ends(s, c, h);
	}
	if (h->reason)
		return;	/* find_ends': TOO_MANY_ENDS */
	if (h->guard_off < 0)
		h->reason = "VerboseTimingGuard's TimingGuard field not found";
	else if (!h->has_slot)
		h->reason = "guard not returned into a stack slot";
	else if (!h->nends && !h->key)
		h->reason = "no drop of the guard slot in the function (the guard moves on)";
	else if (!h->label)
		h->reason = "label not static (built at run time or passed in)";
}

static void analyze(struct scan *s, const struct code *c, struct hook_site *h)
{
	long k = insn_at(c, h->call), g;
	size_t b;

	if (k < 0) {
		h->reason = NOT_A_CALL;
		return;
	}
	if (h->kind == HOOK_VERBOSE_ACTIVITY)
		return analyze_verbose(s, c, k, h);
	b = block_start(c, k);
	g = guard_branch(c, b, kinds[h->kind].bit);
	if (g >= 0) {
		h->start_addr = c->all[g]->address;
		h->mask = mask_of(c, g);
		if (elfsyms_addr_to_offset(s->elf, h->start_addr, &h->start))
			h->start_addr = 0;
	}
	h->has_slot = arg_slot(c, b, k, X86_REG_RDI, &h->slot) ||
		      (g >= 0 && arg_slot(c, g > 8 ? g - 8 : 0, g, X86_REG_RDI, &h->slot));
	if (h->has_slot) {
		follow_moves(s->cs, c, g >= 0 ? (size_t)g : (size_t)k, h);	/* the path on */
		if (!h->key)
			find_ends(s, c, h);
	}
	if (g >= 0 && (h->kind == HOOK_GENERIC_ACTIVITY || h->kind == HOOK_GENERIC_ACTIVITY_WITH_ARG))
		h->label = find_label(s, c, g, b, k);
	if (h->reason)
		return;	/* find_ends': TOO_MANY_ENDS */
	if (g < 0)
		h->reason = "no branch leads to the cold call";
	else if (!(h->mask & kinds[h->kind].bit))
		h->reason = "the guarding branch does not follow a test of the kind's bit";
	else if (!h->has_slot)
		h->reason = "guard not returned into a stack slot";
	else if (!h->nends && !h->key)
		h->reason = "no test of the guard slot in the function (the guard moves on)";
	else if (h->kind <= HOOK_GENERIC_ACTIVITY_WITH_ARG && !h->label)
		h->reason = "label not static (built at run time or passed in)";
}

/* Several sites of one function sharing one slot: which end is whose
 * cannot be told from the code alone, but their guards are never live at
 * once, so an end closes whichever of them is open (the group). */
static void group_shared(struct hook_site *const *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			uint64_t low = a[i]->call < a[j]->call ? a[i]->call : a[j]->call;

			if (i == j || !a[i]->has_slot || !a[j]->has_slot || a[i]->slot != a[j]->slot ||
			    a[i]->key || a[j]->key)
				continue;	/* a guard written elsewhere leaves the slot */
			if (!a[i]->group || low < a[i]->group)
				a[i]->group = low;
		}
}

static int cmp_site(const void *a, const void *b)
{
	const struct hook_site *x = a, *y = b;

	return x->call < y->call ? -1 : x->call > y->call;
}

/* How many functions start at or before address a (fns is sorted). */
static size_t starting_by(const struct scan *s, uint64_t a)
{
	size_t lo = 0, hi = s->nfns;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->fns[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The group (base name) of the function holding address a, or -1. */
static long owner(struct scan *s, uint64_t a)
{
	size_t lo = starting_by(s, a);

	for (size_t i = lo; i-- > 0 && lo - i < 64;)
		if (s->fns[i].base && a - s->fns[i].addr < s->fns[i].size)
			return find_base(s, s->fns[i].base, strlen(s->fns[i].base));
	return -1;
}

/* The function symbol holding addr, or NULL. */
static const struct fn *holding(const struct scan *s, uint64_t addr)
{
	size_t lo = starting_by(s, addr);

	return lo && addr - s->fns[lo - 1].addr < s->fns[lo - 1].size ? &s->fns[lo - 1] : NULL;
}

/*
 * The query a function belongs to, from its (mangled, v0 or legacy) name:
 * rustc_query_impl's `query_impl::Q::make_query_vtable::{closure}` (and
 * `dynamic_query`, its older name) is query Q's own code. *q: a malloc'd
 * copy of Q, or NULL if fn is no query's. 0, or -ENOMEM.
 */
static int query_of(const char *fn, char **q)
{
	static const char *const tails[] = { "17make_query_vtable", "13dynamic_query" };
	const char *p = strstr(fn, "10query_impl");
	char *end;
	unsigned long len;

	*q = NULL;
	if (!p || !isdigit((unsigned char)p[12]))
		return 0;
	len = strtoul(p + 12, &end, 10);
	if (!len || len > 128 || strnlen(end, len) < len)
		return 0;
	for (size_t i = 0; i < sizeof(tails) / sizeof(*tails); i++)
		if (!strncmp(end + len, tails[i], strlen(tails[i])))
			return (*q = strndup(end, len)) ? 0 : -ENOMEM;
	return 0;
}

/*
 * Name an incremental site from the function holding it (base: its
 * mangled name). rustc labels these events with the query whose result
 * is loaded or hashed. A result is hashed in with_task right after its
 * provider returned (inlined into try_execute_query, or in its
 * hash_result_and_alloc_node): the last query of the thread (h->after).
 * Elsewhere (feeding a query) the query is known to the caller only.
 * Loads are named where the function is one query's own (its vtable's
 * try_load_from_disk closure), but are not traced: most loads run inlined
 * in try_execute_query, shared by every query of a cache type, so a trace
 * of the named ones alone would show a part as the whole (README).
 */
static int name_incremental(struct hook_site *h, const char *base, bool folded)
{
	int r = 0;

	if (h->kind == HOOK_INCR_CACHE_LOADING) {
		r = folded ? 0 : query_of(base, &h->label);
		if (!h->reason)
			h->reason = h->label ? "not traced: most loads are in shared code" :
				    folded ? "code shared by several queries (identical code folded)" :
				    "query known at run time only (a loader shared by queries)";
	} else if (h->kind == HOOK_INCR_RESULT_HASHING) {
		h->after = strstr(base, "17try_execute_query") ||
			   strstr(base, "26hash_result_and_alloc_node");
		if (!h->after && !h->reason)
			h->reason = "query known to the caller only (a fed query's hashing)";
	}
	return r;
}

/* Pass 5: disassemble each function with calls once, read its sites. */
static int analyze_all(struct scan *s)
{
	struct hook_set *h = s->out;
	long *own = calloc(h->n ? h->n : 1, sizeof(*own));
	struct hook_site **mine = calloc(h->n ? h->n : 1, sizeof(*mine));
	int rc = own && mine ? 0 : -ENOMEM;

	for (size_t i = 0; i < h->n && !rc; i++)
		own[i] = owner(s, h->sites[i].call);
	for (size_t b = 0; b < s->nbases && !rc; b++) {
		struct code c;
		size_t n = 0;

		for (size_t i = 0; i < h->n; i++)
			if (own[i] == (long)b)
				mine[n++] = &h->sites[i];
		if (!n)
			continue;	/* an alias's name: its sites are under another */
		rc = disassemble(s, s->members[b], s->nmembers[b], &c);
		for (size_t i = 0; i < n && !rc; i++) {
			analyze(s, &c, mine[i]);
			const struct fn *f = holding(s, mine[i]->call);

			rc = name_incremental(mine[i], s->bases[b], f && f->folded);
		}
		group_shared(mine, n);
		code_free(&c);
	}
	free(own);
	free(mine);
	return rc;
}

/* A `call rel32` to callee somewhere in f's bytes (a candidate only). */
static bool may_call(const struct scan *s, const struct fn *f, uint64_t callee)
{
	const uint8_t *c = code_at(s, f->addr, f->size);

	for (uint64_t j = 0; c && j + 5 <= f->size; j++)
		if (c[j] == 0xe8 && f->addr + j + 5 + rd32(c + j + 1) == callee)
			return true;
	return false;
}

/* In f, a caller of callee: its drops of h's kind of guard on a stack
 * slot are h's ends (the call, where %rdi is the guard's address). */
static int drops_in_caller(struct scan *s, const struct fn *f, uint64_t callee,
			   struct hook_site *h)
{
	uint8_t want = h->kind == HOOK_VERBOSE_ACTIVITY ? KIND_DROP_VERBOSE : KIND_DROP;
	struct range r = { f->addr, f->size };
	bool calls = false;
	struct code c;

	if (disassemble(s, &r, 1, &c))
		return -ENOMEM;
	for (size_t i = 0; i < c.n && !calls; i++)
		calls = c.all[i]->id == X86_INS_CALL && c.all[i]->detail->x86.op_count == 1 &&
			c.all[i]->detail->x86.operands[0].type == X86_OP_IMM &&
			(uint64_t)c.all[i]->detail->x86.operands[0].imm == callee;
	for (size_t i = 0; i < c.n && calls && !h->reason; i++) {
		int32_t slot;

		if (drop_on_slot(s, &c, i, &slot) == want)
			add_end(s, h, c.all[i]->address);
	}
	code_free(&c);
	return 0;
}

/* Pass 6: a guard written into a caller's frame ends where a caller of
 * the hook's function drops it. Such guards are rare (one on 1.95): the
 * callers are looked for among the functions that drop guards. */
static int caller_ends(struct scan *s)
{
	for (size_t i = 0; i < s->out->n; i++) {
		struct hook_site *h = &s->out->sites[i];
		const struct fn *holder = holding(s, h->call);
		uint64_t callee = holder ? holder->addr : 0;
		int rc = 0;

		if (!h->key || h->reason)
			continue;
		for (size_t j = 0; j < s->nfns && callee && !rc && !h->reason; j++)
			if (s->fns[j].drops && may_call(s, &s->fns[j], callee))
				rc = drops_in_caller(s, &s->fns[j], callee, h);
		if (rc)
			return rc;
		if (!h->nends && !h->reason)
			h->reason = "guard written into a caller's frame that no caller drops";
	}
	return 0;
}

static void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->nfns; i++)
		free(s->fns[i].base);
	free(s->fns);
	free(s->direct);
	free(s->got);
	free(s->bases);
	free(s->members);
	free(s->nmembers);
	if (s->map)
		munmap((void *)s->map, s->mapsize);
	if (s->cs)
		cs_close(&s->cs);
}

static int map_library(struct scan *s, const struct probe_set *set)
{
	struct stat st;
	void *p;

	if (fstat(elfsyms_fd(set->elf), &st))
		return -errno;
	/* Shared, not private: while any trace is attached, the kernel puts
	 * its breakpoints (int3) into every private file mapping of the
	 * library, read-only ones too (uprobes' valid_vma()); a shared one
	 * shows the file as it is. */
	p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, elfsyms_fd(set->elf), 0);
	if (p == MAP_FAILED)
		return -errno;
	s->map = p;
	s->mapsize = st.st_size;
	return 0;
}

static int find_sites(struct scan *s, const struct probe_set *set)
{
	int rc = elfsyms_foreach_func(set->syms, collect_fn, s, NULL);

	dedup_fns(s);
	rc = rc ?: elfsyms_foreach_reloc(set->elf, collect_got, s);
	if (!rc)
		qsort(s->got, s->ngot, sizeof(*s->got), cmp_target);
	rc = rc ?: map_library(s, set);
	rc = rc ?: scan_calls(s);
	rc = rc ?: build_groups(s, set->syms);
	if (!rc && cs_open(CS_ARCH_X86, CS_MODE_64, &s->cs) != CS_ERR_OK)
		rc = -EIO;
	if (!rc)
		cs_option(s->cs, CS_OPT_DETAIL, CS_OPT_ON);
	if (!rc)
		s->verbose_guard_off = find_verbose_guard_off(s);
	rc = rc ?: analyze_all(s);
	return rc ?: caller_ends(s);
}

int hooks_find(const struct probe_set *set, struct hook_set *out, char *err, size_t errlen)
{
	struct scan s = { .out = out, .elf = set->elf };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!set->elf || !set->syms) {
		snprintf(err, errlen, "%s: library not open", set->lib_path);
		return -EINVAL;
	}
	rc = find_sites(&s, set);
	if (!rc) {
		size_t j = 0;

		for (size_t i = 0; i < out->n; i++) {
			struct hook_site *e = &out->sites[i];

			if (!e->start_addr && !e->reason)
				e->reason = "the calling function could not be read";
			if (e->reason != NOT_A_CALL)
				out->sites[j++] = *e;
		}
		out->n = j;
		qsort(out->sites, out->n, sizeof(*out->sites), cmp_site);
		hooks_tally(out);
	}
	scan_free(&s);
	if (rc) {
		snprintf(err, errlen, "%s: finding hook sites: %s", set->lib_path, strerror(-rc));
		hooks_free(out);
	}
	return rc;
}

void hooks_tally(struct hook_set *h)
{
	memset(h->count, 0, sizeof(h->count));
	h->via_got = 0;
	for (size_t i = 0; i < h->n; i++) {
		h->count[h->sites[i].kind]++;
		h->via_got += h->sites[i].via_got;
	}
}

void hooks_free(struct hook_set *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->sites[i].label);
	free(h->sites);
	memset(h, 0, sizeof(*h));
}
