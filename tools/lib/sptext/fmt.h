/* SPDX-License-Identifier: MIT */
/*
 * Text formatting for what the selfprof command and the tracer print: Rust
 * Duration debug text (what measureme's tools print), escaping for TSV,
 * JSON and XML.
 */
#ifndef SPT_FMT_H
#define SPT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Big enough for any duration text below, sign included. */
#define SPT_DURATION_BUF 48

/*
 * Rust's `{:.2?}` of a Duration: unit s, ms, µs or ns by magnitude, two
 * decimals rounded half-to-even on the exact value; rounding never
 * changes the unit (999995 ns -> "1000.00µs"). Negative values (possible
 * only in malformed profiles) get a leading '-'.
 */
void spt_fmt_duration2(char *buf, size_t size, int64_t ns);

/* Rust's `{:?}` of a Duration: full precision, trailing zeros dropped
 * ("70.738863ms", "1ms", "0ns"). */
void spt_fmt_duration_full(char *buf, size_t size, uint64_t ns);

/* A signed duration as measureme's diff prints it: '+' or '-', then the
 * full-precision text. negative_zero prints "-0ns" for a zero change. */
void spt_fmt_signed_duration(char *buf, size_t size, int64_t ns, int negative_zero);

/* Rust's {:.N} of an f64 ({:+.N} with plus), with Rust's spelling of
 * NaN and infinity: "NaN", "inf", "-inf", "+inf". */
void spt_fmt_f64(char *buf, size_t size, double v, int decimals, int plus);

/* Number of terminal columns of UTF-8 text (one per code point). */
size_t spt_display_width(const char *s, size_t len);

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
