// SPDX-License-Identifier: MIT
/* UTF-8 validation: labels and paths pass through to JSON, XML and terminals. */
#include "internal.h"

/* The sequence length a lead byte announces and the bits it carries; 0 for
 * a continuation byte or a lead byte no valid sequence starts with. */
static size_t lead_len(unsigned char c, uint32_t *cp)
{
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		*cp = c & 0x1f;
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef) {
		*cp = c & 0x0f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		*cp = c & 0x07;
		return 4;
	}
	return 0;
}

SP_EXPORT size_t sp_utf8_char_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n = lead_len(p[0], &cp);

	if (!n || n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}
