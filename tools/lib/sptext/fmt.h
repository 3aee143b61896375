/* SPDX-License-Identifier: MIT */
/*
 * Numbers as measureme's tools print them: Rust's Debug text of a
 * Duration, Rust's f64 formatting; and the width of UTF-8 text in columns.
 */
#ifndef SPT_FMT_H
#define SPT_FMT_H

#include <stddef.h>
#include <stdint.h>

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

#endif
