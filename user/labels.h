/* SPDX-License-Identifier: MIT */
/*
 * The labels of every probe point of a trace, by probe id: the drivers of
 * several toolchains append their points' labels, each as one block of
 * ids (driver.h). The strings belong to the drivers' probe sets.
 */
#ifndef SELFPROF_LABELS_H
#define SELFPROF_LABELS_H
#include <stddef.h>
#include <stdint.h>

struct probe_set;

struct label_table {
	const char **v;		/* by probe id */
	size_t n, cap;
};

/* Append set's labels; set->id_base must be t->n. 0 or -ENOMEM. */
int labels_add(struct label_table *t, const struct probe_set *set);

/* The label of probe id, or NULL if no such id. */
const char *labels_get(const struct label_table *t, uint32_t id);

void labels_free(struct label_table *t);

#endif
