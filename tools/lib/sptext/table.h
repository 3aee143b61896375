/* SPDX-License-Identifier: MIT */
/*
 * Text tables in the style measureme's tools print (prettytable's "no line
 * separators, with title" format): a rule, the title row, a rule, the rows,
 * a rule; cells left-aligned with one space of padding.
 */
#ifndef SPT_TABLE_H
#define SPT_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct spt_table;

/* A table with ncols columns; the first row added is the title. NULL on ENOMEM. */
struct spt_table *spt_table_new(size_t ncols);
/* Append a row of ncols cells (copied). Returns 0 or -1 on ENOMEM. */
int spt_table_add(struct spt_table *t, const char *const *cells);
/* Drop column col from the output (the cells stay). */
void spt_table_hide(struct spt_table *t, size_t col);
void spt_table_print(const struct spt_table *t, FILE *out);
void spt_table_free(struct spt_table *t);

#endif
