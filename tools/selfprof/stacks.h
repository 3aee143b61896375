/* SPDX-License-Identifier: MIT */
/*
 * Folded stacks as measureme's stack_collapse computes them (spec
 * MMPROFDATA.md 12.2), kept as a tree: one node per distinct stack
 * "rustc;outer;...;inner", whose value is the time spent in that stack
 * minus the time of its direct children.
 */
#ifndef SPT_STACKS_H
#define SPT_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "selfprof.h"

#define SPT_ROOT_LABEL "rustc"
#define SPT_NO_PARENT UINT32_MAX

struct spt_stack_node {
	uint32_t parent;	/* SPT_NO_PARENT for the root (node 0) */
	uint32_t label;		/* reader label number; unused for the root */
	uint32_t depth;		/* root 0 */
	int64_t value;		/* the folded-stack value (self time) */
};

struct spt_stacks {
	struct sp_reader *r;	/* labels are looked up here: keep it open */
	struct spt_stack_node *nodes;	/* parents come before their children */
	size_t n, cap;
	uint32_t max_depth;
	struct sp_u64map children;	/* parent << 32 | label -> node */
};

/* Walk r's intervals backwards and fill st. 0, or SPT_EXIT_FAIL after a message. */
int spt_stacks_build(struct spt_stacks *st, struct sp_reader *r, const char *path);
void spt_stacks_free(struct spt_stacks *st);

/* The label text of a node ("rustc" for the root). */
const char *spt_stacks_label(const struct spt_stacks *st, size_t node);

/* Print "rustc;a;b value" lines sorted by key (byte order). */
int spt_stacks_print_folded(const struct spt_stacks *st, FILE *out);

#endif
