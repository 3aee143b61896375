// SPDX-License-Identifier: MIT
/* Text formatting for the selfprof tool; see fmt.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "selfprof.h"

/* A Duration's debug unit: the divisor turning ns into that unit. */
struct duration_unit {
	uint64_t ns_per_unit;
	unsigned frac_digits;	/* decimal digits below the unit */
	const char *suffix;
};

static const struct duration_unit units[] = {
	{ 1000000000ULL, 9, "s" },
	{ 1000000ULL, 6, "ms" },
	{ 1000ULL, 3, "\xc2\xb5s" },	/* U+00B5 MICRO SIGN, as Rust prints */
	{ 1ULL, 0, "ns" },
};

/* Rust picks the unit from the magnitude before rounding. */
static const struct duration_unit *unit_for(uint64_t ns)
{
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]) - 1; i++)
		if (ns >= units[i].ns_per_unit)
			break;
	return &units[i];
}

void spt_fmt_duration2(char *buf, size_t size, int64_t ns)
{
	uint64_t mag = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	const struct duration_unit *u = unit_for(mag);
	uint64_t whole = mag / u->ns_per_unit;
	uint64_t scaled = (mag % u->ns_per_unit) * 100;	/* hundredths, times ns_per_unit */
	uint64_t hundredths = scaled / u->ns_per_unit;
	uint64_t rest = scaled % u->ns_per_unit;

	/* Half-to-even on the exact value: compare twice the rest with one unit. */
	if (rest * 2 > u->ns_per_unit || (rest * 2 == u->ns_per_unit && (hundredths & 1)))
		hundredths++;
	if (hundredths == 100) {
		whole++;
		hundredths = 0;
	}
	snprintf(buf, size, "%s%llu.%02llu%s", ns < 0 ? "-" : "",
		 (unsigned long long)whole, (unsigned long long)hundredths, u->suffix);
}

void spt_fmt_duration_full(char *buf, size_t size, uint64_t ns)
{
	const struct duration_unit *u = unit_for(ns);
	uint64_t whole = ns / u->ns_per_unit;
	uint64_t frac = ns % u->ns_per_unit;
	unsigned digits = u->frac_digits;

	if (!frac) {
		snprintf(buf, size, "%llu%s", (unsigned long long)whole, u->suffix);
		return;
	}
	/* Drop trailing zeros of the fraction, as Rust's {:?} does. */
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, size, "%llu.%0*llu%s", (unsigned long long)whole, (int)digits,
		 (unsigned long long)frac, u->suffix);
}

void spt_fmt_signed_duration(char *buf, size_t size, int64_t ns, int negative_zero)
{
	uint64_t mag = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	int negative = ns < 0 || (ns == 0 && negative_zero);

	if (size < 2) {
		if (size)
			buf[0] = 0;
		return;
	}
	buf[0] = negative ? '-' : '+';
	spt_fmt_duration_full(buf + 1, size - 1, mag);
}

void spt_fmt_f64(char *buf, size_t size, double v, int decimals, int plus)
{
	if (isnan(v))
		snprintf(buf, size, "NaN");
	else if (isinf(v))
		snprintf(buf, size, "%s", v < 0 ? "-inf" : plus ? "+inf" : "inf");
	else
		snprintf(buf, size, plus ? "%+.*f" : "%.*f", decimals, v);
}

size_t spt_display_width(const char *s, size_t len)
{
	size_t width = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			width++;
	return width;
}

void spt_put_tsv(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '\\': fputs("\\\\", out); break;
		case '\t': fputs("\\t", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\x%02x", c);
			else
				putc(c, out);
		}
	}
}

char *spt_escaped(const char *s)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);

	if (!mem)
		return NULL;
	spt_put_tsv(mem, s, strlen(s));
	if (fclose(mem)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Copy the UTF-8 sequence at s, or U+FFFD for an invalid byte, so the
 * output stays valid UTF-8. Returns the bytes consumed. */
static size_t put_utf8_seq(FILE *out, const unsigned char *s, size_t avail)
{
	size_t n = sp_utf8_char_len((const char *)s, avail);

	if (!n) {
		fputs("\xef\xbf\xbd", out);
		return 1;
	}
	fwrite(s, 1, n, out);
	return n;
}

/* How much of s[0..len) to escape at once, at most max bytes: the cut is
 * moved back over continuation bytes (three at most) so that it never
 * splits a valid UTF-8 sequence, and the pieces escape as the whole would. */
static size_t piece_len(const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	for (int k = 0; k < 3 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80; k++)
		n--;
	return n;
}

void spt_put_json(FILE *out, const char *s, size_t len, unsigned flags)
{
	enum { PIECE = 64 };
	char buf[6 * PIECE + 1];	/* \u00XX, six bytes, is the longest a byte becomes */

	putc('"', out);
	while (len) {
		size_t n = piece_len(s, len, PIECE);

		fwrite(buf, 1, sp_json_escape(buf, sizeof(buf), s, n, flags), out);
		s += n;
		len -= n;
	}
	putc('"', out);
}

void spt_put_json_string(FILE *out, const char *s, size_t len)
{
	spt_put_json(out, s, len, SP_JSON_SHORT_ESCAPES);
}

void spt_put_xml(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];

		switch (c) {
		case '&': fputs("&amp;", out); i++; continue;
		case '<': fputs("&lt;", out); i++; continue;
		case '>': fputs("&gt;", out); i++; continue;
		case '"': fputs("&quot;", out); i++; continue;
		case '\'': fputs("&apos;", out); i++; continue;
		}
		/* XML 1.0 forbids most control characters even as references. */
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			putc('?', out);
			i++;
			continue;
		}
		i += put_utf8_seq(out, p + i, len - i);
	}
}
