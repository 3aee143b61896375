/* SPDX-License-Identifier: MIT */
/* Small helpers over the reader that several subcommands share. */
#ifndef SPT_PROFILE_H
#define SPT_PROFILE_H

#include <stddef.h>

#include "selfprof.h"

/* Open a profile; on failure print "selfprof: <path>: <why>" and return NULL. */
struct sp_reader *spt_open_profile(const char *path);

/* Split an event id text at the first argument separator: the raw label
 * length (unlike sp_reader_label_of, no "<parse error>" substitution). */
size_t spt_raw_label_len(const char *text, size_t len);

#endif
