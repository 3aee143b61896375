/* SPDX-License-Identifier: MIT */
/* Small helpers over the reader that several subcommands share. */
#ifndef SPT_PROFILE_H
#define SPT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "selfprof.h"

/* Open a profile; on failure print "selfprof: <path>: <why>" and return NULL. */
struct sp_reader *spt_open_profile(const char *path);

/* Event i of r; on failure print "selfprof: <path>: cannot read event <i>"
 * and return SPT_EXIT_FAIL, else 0. */
int spt_read_event(struct sp_reader *r, uint64_t i, struct sp_event *ev, const char *path);

/* Split an event id text at the first argument separator: the raw label
 * length (unlike sp_reader_label_of, no "<parse error>" substitution). */
size_t spt_raw_label_len(const char *text, size_t len);

#endif
