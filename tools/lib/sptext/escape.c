// SPDX-License-Identifier: MIT
/* Escaping for TSV, JSON and XML output; see escape.h. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "selfprof.h"

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
