// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "crates_table.h"
#include "fmt.h"
#include "table.h"

static int cmp_rows(const void *a, const void *b)
{
	const struct spt_crate_row *x = a, *y = b;

	if (x->self_ns != y->self_ns)
		return x->self_ns > y->self_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

void spt_print_crates(FILE *out, struct spt_crate_row *rows, size_t n, size_t top_n,
		      const char *count_title, const char *where_title)
{
	const char *const title[] = { "Crate", "Self time", "% of all", count_title, where_title };
	struct spt_table *t = spt_table_new(5);
	size_t shown = top_n && top_n < n ? top_n : n;
	int64_t all = 0;

	if (!t)
		return;
	for (size_t i = 0; i < n; i++)
		all += rows[i].self_ns;
	qsort(rows, n, sizeof(*rows), cmp_rows);
	spt_table_add(t, title);
	for (size_t i = 0; i < shown; i++) {
		char self[32], share[32];
		const char *cells[] = { rows[i].name, self, share, rows[i].count, rows[i].where };

		spt_fmt_duration2(self, sizeof(self), rows[i].self_ns);
		spt_fmt_f64(share, sizeof(share), all ? 100.0 * rows[i].self_ns / all : 0, 3, 0);
		spt_table_add(t, cells);
	}
	spt_table_print(t, out);
	spt_table_free(t);
}
