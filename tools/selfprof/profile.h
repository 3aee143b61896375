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
 * and return SPT_EXIT_FAIL, else 0. A broken string met before (see
 * spt_check_strings) fails it too, so that walks stop there. */
int spt_read_event(struct sp_reader *r, uint64_t i, struct sp_event *ev, const char *path);

/* 0 if every string r decoded so far was whole, else print the first
 * broken one ("selfprof: <path>: string N: ...") and return SPT_EXIT_FAIL:
 * a profile that reads "<invalid>" anywhere is malformed. */
int spt_check_strings(const struct sp_reader *r, const char *path);

/* sp_summarize_file that also fails, with the message, on a broken string. */
int spt_summarize_file(const char *path, struct sp_summary **out, struct sp_error *err);

/* Split an event id text at the first argument separator: the raw label
 * length (unlike sp_reader_label_of, no "<parse error>" substitution). */
size_t spt_raw_label_len(const char *text, size_t len);

#endif
