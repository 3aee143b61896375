// SPDX-License-Identifier: MIT
/* Text formatting for the selfprof tool; see fmt.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

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

size_t spt_utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > avail)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
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
	size_t n = spt_utf8_seq_len(s, avail);

	if (!n) {
		fputs("\xef\xbf\xbd", out);
		return 1;
	}
	fwrite(s, 1, n, out);
	return n;
}

void spt_put_json_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	putc('"', out);
	while (i < len) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc(c, out);
			i++;
			continue;
		}
		if (c < 0x20) {
			switch (c) {
			case '\n': fputs("\\n", out); break;
			case '\t': fputs("\\t", out); break;
			case '\r': fputs("\\r", out); break;
			default: fprintf(out, "\\u%04x", c);
			}
			i++;
			continue;
		}
		i += put_utf8_seq(out, p + i, len - i);
	}
	putc('"', out);
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
