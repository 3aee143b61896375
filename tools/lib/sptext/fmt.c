// SPDX-License-Identifier: MIT
/* Durations and numbers as Rust prints them; see fmt.h. */
#include <math.h>
#include <stdio.h>

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

size_t spt_display_width(const char *s, size_t len)
{
	size_t width = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			width++;
	return width;
}
