/* SPDX-License-Identifier: MIT */
/*
 * Escaping of labels, paths and names for what the selfprof command and
 * the tracer print: TSV (and table cells), JSON, XML.
 */
#ifndef SPT_ESCAPE_H
#define SPT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Write s[0..len) escaped as mmcheck.py does: \\ \t \n \r and other
 * control characters (and DEL) as \xNN. */
void spt_put_tsv(FILE *out, const char *s, size_t len);

/* A malloc'ed copy of s escaped as spt_put_tsv does (NULL on ENOMEM): table
 * cells stay on one line whatever a label holds. */
char *spt_escaped(const char *s);

/* Write s[0..len) as a JSON string literal, quotes included, escaped by
 * sp_json_escape with flags (invalid UTF-8 becomes U+FFFD, so the output
 * is always valid JSON). */
void spt_put_json(FILE *out, const char *s, size_t len, unsigned flags);
/* The same as the selfprof command writes its JSON: \n \t \r short. */
void spt_put_json_string(FILE *out, const char *s, size_t len);

/* Write s[0..len) as XML character data (&<>"' escaped, control
 * characters and invalid UTF-8 dropped/replaced, as XML 1.0 demands). */
void spt_put_xml(FILE *out, const char *s, size_t len);

#endif
