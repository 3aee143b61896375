/* SPDX-License-Identifier: MIT */
/* A self-contained SVG flame graph of folded stacks (no JavaScript). */
#ifndef SPT_FLAME_SVG_H
#define SPT_FLAME_SVG_H

#include <stdio.h>

#include "stacks.h"

/* Render st: the root at the bottom, children left to right by label,
 * widths proportional to inclusive time; hover shows a <title>. 0, or -1
 * on ENOMEM. */
int spt_flame_svg(FILE *out, const struct spt_stacks *st, const char *title);

#endif
