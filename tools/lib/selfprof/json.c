// SPDX-License-Identifier: MIT
/*
 * JSON string escaping, for the writer's metadata and the tools' JSON
 * outputs: one rule everywhere, so every JSON text we write parses.
 */
#include <stdio.h>

#include "internal.h"

/* Appends to a snprintf-style buffer: counts every byte, stores what fits. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = p[i];
}

/* The escape of byte c, or NULL when c stands for itself. */
static const char *escape_of(unsigned char c, unsigned flags, char tmp[8])
{
	if (c == '"')
		return "\\\"";
	if (c == '\\')
		return "\\\\";
	if (flags & SP_JSON_SHORT_ESCAPES) {
		if (c == '\n')
			return "\\n";
		if (c == '\t')
			return "\\t";
		if (c == '\r')
			return "\\r";
	}
	if (c < 0x20 || (c == '<' && (flags & SP_JSON_HTML_SAFE))) {
		snprintf(tmp, 8, "\\u%04x", c);
		return tmp;
	}
	return NULL;
}

SP_EXPORT size_t sp_json_escape(char *buf, size_t size, const char *s, size_t len,
				unsigned flags)
{
	struct out o = { buf, size, 0 };
	size_t i = 0;

	while (i < len) {
		char tmp[8];
		const char *esc = escape_of((unsigned char)s[i], flags, tmp);
		size_t n = esc ? 1 : sp_utf8_char_len(s + i, len - i);

		if (esc)
			put(&o, esc, strlen(esc));
		else if (n)
			put(&o, s + i, n);
		else
			put(&o, "\xef\xbf\xbd", 3);	/* U+FFFD for a byte that is not UTF-8 */
		i += n ? n : 1;
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return o.len;
}
