// SPDX-License-Identifier: MIT
/* Text tables in measureme's style; see table.h. */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "fmt.h"
#include "table.h"

struct spt_table {
	size_t ncols, nrows, cap;
	char **cells;		/* nrows * ncols, row-major */
	unsigned char *hidden;	/* per column */
};

struct spt_table *spt_table_new(size_t ncols)
{
	struct spt_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	t->hidden = calloc(ncols, 1);
	if (!t->hidden) {
		free(t);
		return NULL;
	}
	return t;
}

int spt_table_add(struct spt_table *t, const char *const *cells)
{
	char **grown = spt_grow(t->cells, t->nrows, &t->cap, t->ncols * sizeof(*grown), 64);
	char **row;

	if (!grown)
		return -1;
	t->cells = grown;
	row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		row[c] = strdup(cells[c] ? cells[c] : "");
		if (!row[c]) {
			while (c--)
				free(row[c]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

void spt_table_hide(struct spt_table *t, size_t col)
{
	if (col < t->ncols)
		t->hidden[col] = 1;
}

static size_t cell_width(const char *s)
{
	return spt_display_width(s, strlen(s));
}

static void print_rule(const struct spt_table *t, const size_t *widths, FILE *out)
{
	putc('+', out);
	for (size_t c = 0; c < t->ncols; c++) {
		if (t->hidden[c])
			continue;
		for (size_t i = 0; i < widths[c] + 2; i++)
			putc('-', out);
		putc('+', out);
	}
	putc('\n', out);
}

static void print_row(const struct spt_table *t, size_t r, const size_t *widths, FILE *out)
{
	char *const *row = t->cells + r * t->ncols;

	putc('|', out);
	for (size_t c = 0; c < t->ncols; c++) {
		if (t->hidden[c])
			continue;
		fprintf(out, " %s", row[c]);
		for (size_t i = cell_width(row[c]); i < widths[c] + 1; i++)
			putc(' ', out);
		putc('|', out);
	}
	putc('\n', out);
}

void spt_table_print(const struct spt_table *t, FILE *out)
{
	size_t *widths = calloc(t->ncols ? t->ncols : 1, sizeof(*widths));

	if (!widths)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = cell_width(t->cells[r * t->ncols + c]);

			if (w > widths[c])
				widths[c] = w;
		}
	print_rule(t, widths, out);
	for (size_t r = 0; r < t->nrows; r++) {
		print_row(t, r, widths, out);
		if (r == 0)
			print_rule(t, widths, out);
	}
	if (t->nrows > 1)
		print_rule(t, widths, out);
	free(widths);
}

void spt_table_free(struct spt_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->hidden);
	free(t);
}
