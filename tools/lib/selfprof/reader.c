// SPDX-License-Identifier: MIT
/*
 * The .mm_profdata reader.
 *
 * The file is mapped, never copied whole: a table of page references per
 * stream turns stream offsets into bytes, so events are read in place in
 * either direction and memory stays proportional to the string table. The
 * string data is made contiguous (copied only when it spans pages) and the
 * index loaded into a map. Every offset read from the file is checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

/* Deeper nesting of string refs is treated as a cycle. */
#define SP_MAX_REF_DEPTH 1000
/* Refs may form a DAG whose expansion doubles at each level: bound the work
 * and the text of one string (real ones are at most kilobytes). */
#define SP_MAX_DECODE_STEPS (1u << 16)
#define SP_MAX_STRING_LEN (4u << 20)
/* Distinct strings may share one big sub-string: the work of all decodes
 * together is bounded too, in units of a step or a byte of text: a base
 * plus a share per byte of the file. Real profiles stay far inside (dump
 * and crox decode 3 strings of ~100 bytes per 32-byte event); a file whose
 * strings expand 64 times its size is a bomb. */
#define SP_FILE_WORK_BASE (1ull << 20)
#define SP_FILE_WORK_PER_BYTE 64

/* A gzip file is inflated to a temporary file, at most this much: a ratio
 * no real profile comes near (they compress 3-7x), and a ceiling. */
#define SP_GZIP_MIN_CAP (64ull << 20)
#define SP_GZIP_MAX_RATIO 100
#define SP_GZIP_MAX_CAP (4ull << 30)

struct sp_page_ref {
	uint64_t stream_off;
	const uint8_t *data;
	uint64_t len;
};

struct sp_stream_view {
	struct sp_page_ref *pages;
	size_t npages, cap;
	uint64_t len;
	size_t cursor;		/* last page used: sequential reads stay O(1) */
	bool drop_behind;	/* release pages left behind from our RSS */
	uintptr_t map_lo, map_hi;	/* the mapping, for drop_behind */
};

struct sp_reader {
	const uint8_t *map;
	size_t map_len;
	bool owns_map;
	int fd;			/* the mapped file while opening, else -1 */
	struct sp_layout layout;
	struct sp_stream_view streams[SP_NTAGS];
	const uint8_t *strdata;
	uint64_t strdata_len;
	uint8_t *strdata_copy;
	struct sp_u64map vindex;	/* virtual id -> address */
	uint64_t nevents;
	struct sp_metadata meta;
	char *meta_json, *meta_cmd, *meta_counter;
	struct sp_buf text;		/* sp_reader_string's result */
	sp_string_id decoding;		/* the top-level string being decoded */
	uint32_t decode_steps;		/* left for it; 0 stops its decode */
	uint64_t file_work;		/* left for all decodes of this file */
	struct sp_error string_err;	/* the first broken string */
	struct sp_u64map label_cache;	/* string id -> label number */
	struct sp_strmap label_nums;	/* label text -> label number */
	const char **labels;		/* label number -> text (in label_nums' arena) */
	uint64_t *label_offs;
	uint32_t nlabels, labels_cap;
	struct sp_u64map kind_cache;	/* kind string id -> enum sp_kind */
	/* Direct-mapped caches in front of the maps: the hot path of every
	 * analysis asks for the label and kind of each event. Every u64 is a
	 * possible id, so emptiness is a flag of its own. */
	struct sp_idcache { uint64_t id; uint32_t val; bool full; } fast_label[1024], fast_kind[16];
};

/* ------------------------------------------------------------ container */

static int view_add(struct sp_stream_view *v, const uint8_t *data, uint64_t len)
{
	if (v->npages == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct sp_page_ref *pages = realloc(v->pages, cap * sizeof(*pages));
		if (!pages)
			return SP_ENOMEM;
		v->pages = pages;
		v->cap = cap;
	}
	v->pages[v->npages++] = (struct sp_page_ref){ v->len, data, len };
	v->len += len;
	return 0;
}

/* Mapped file pages count in the resident set although the kernel can
 * drop them at will; a walk over millions of events would look like it
 * holds the whole file. Tell the kernel we are done with a page we leave. */
static void drop_page(const struct sp_stream_view *v, const struct sp_page_ref *p)
{
	/* Fault-around maps up to 64 KiB beyond a page's edges: drop those too
	 * (refaulting a piece of the page we go to next is cheap). */
	const uintptr_t margin = 64 * 1024, mask = ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
	uintptr_t start = (uintptr_t)p->data, end = start + p->len;

	start = start - v->map_lo > margin ? start - margin : v->map_lo;
	end = v->map_hi - end > margin ? end + margin : v->map_hi;
	start = (start + ~mask) & mask;
	end &= mask;
	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
}

static size_t view_find(struct sp_stream_view *v, uint64_t off)
{
	size_t c = v->cursor;
	const struct sp_page_ref *p = &v->pages[c];

	if (off >= p->stream_off && off < p->stream_off + p->len)
		return c;
	if (v->drop_behind)
		drop_page(v, p);
	if (c + 1 < v->npages && off >= p[1].stream_off && off < p[1].stream_off + p[1].len)
		return v->cursor = c + 1;
	if (c > 0 && off >= p[-1].stream_off && off < p[-1].stream_off + p[-1].len)
		return v->cursor = c - 1;
	size_t lo = 0, hi = v->npages;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (v->pages[mid].stream_off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return v->cursor = lo;
}

/* Bytes [off, off+len) of a stream, in place when they lie in one page,
 * else gathered into tmp. The caller has checked off+len <= v->len. */
static const uint8_t *view_read(struct sp_stream_view *v, uint64_t off, size_t len, uint8_t *tmp)
{
	size_t i = view_find(v, off);
	const struct sp_page_ref *p = &v->pages[i];
	uint64_t in = off - p->stream_off;

	if (in + len <= p->len)
		return p->data + in;
	for (size_t done = 0; done < len; i++) {
		p = &v->pages[i];
		in = off + done - p->stream_off;
		size_t n = p->len - in < len - done ? p->len - in : len - done;
		memcpy(tmp + done, p->data + in, n);
		done += n;
	}
	return tmp;
}

/* Page headers of a mapped file are read with pread: touching them through
 * the mapping would fault in 64 KiB around each (fault-around), and the
 * resident set would follow the file size. */
static const uint8_t *page_header(const struct sp_reader *r, uint64_t pos, uint8_t *buf)
{
	if (r->fd >= 0 && pread(r->fd, buf, SP_PAGE_HEADER_SIZE, pos) == SP_PAGE_HEADER_SIZE)
		return buf;
	return r->map + pos;
}

static int parse_pages(struct sp_reader *r, struct sp_error *err)
{
	static const char *const names[SP_NTAGS] = { "events", "string data", "string index" };
	uint64_t pos = 8;
	uint8_t buf[SP_PAGE_HEADER_SIZE];

	while (pos < r->map_len) {
		if (r->map_len - pos < SP_PAGE_HEADER_SIZE)
			return sp_seterr(err, SP_EFORMAT, "truncated page header at offset %" PRIu64, pos);
		const uint8_t *header = page_header(r, pos, buf);
		uint8_t tag = header[0];
		uint32_t size = sp_get_u32(header + 1);
		if (tag >= SP_NTAGS)
			return sp_seterr(err, SP_EFORMAT, "bad page tag %u at offset %" PRIu64, tag, pos);
		if (size == 0)
			return sp_seterr(err, SP_EFORMAT, "empty %s page at offset %" PRIu64, names[tag], pos);
		pos += SP_PAGE_HEADER_SIZE;
		if (size > r->map_len - pos)
			return sp_seterr(err, SP_EFORMAT, "%s page at offset %" PRIu64
					 " runs past the end of the file (truncated?)", names[tag],
					 pos - SP_PAGE_HEADER_SIZE);
		if (view_add(&r->streams[tag], r->map + pos, size))
			return sp_seterr(err, SP_ENOMEM, "out of memory");
		pos += size;
	}
	return 0;
}

static int check_streams(struct sp_reader *r, struct sp_error *err)
{
	static const char *const magics[SP_NTAGS] = { SP_EVENTS_MAGIC, SP_DATA_MAGIC, SP_INDEX_MAGIC };
	static const char *const names[SP_NTAGS] = { "events", "string data", "string index" };
	const uint32_t record[SP_NTAGS] = { r->layout.event_size, 1, r->layout.index_size };

	for (int t = 0; t < SP_NTAGS; t++) {
		struct sp_stream_view *v = &r->streams[t];
		uint8_t tmp[SP_STREAM_HEADER_SIZE];

		if (v->len < SP_STREAM_HEADER_SIZE)
			return sp_seterr(err, SP_EFORMAT, "no %s stream", names[t]);
		const uint8_t *h = view_read(v, 0, sizeof(tmp), tmp);
		if (memcmp(h, magics[t], 4) || sp_get_u32(h + 4) != r->layout.version)
			return sp_seterr(err, SP_EFORMAT, "%s stream has a bad header", names[t]);
		if ((v->len - SP_STREAM_HEADER_SIZE) % record[t])
			return sp_seterr(err, SP_EFORMAT, "%s stream length %" PRIu64
					 " is not a whole number of records", names[t], v->len);
	}
	r->nevents = (r->streams[SP_TAG_EVENTS].len - SP_STREAM_HEADER_SIZE) / r->layout.event_size;
	return 0;
}

/* The string data is decoded at random offsets: keep it contiguous. */
static int load_strdata(struct sp_reader *r)
{
	struct sp_stream_view *v = &r->streams[SP_TAG_DATA];

	r->strdata_len = v->len;
	if (v->npages == 1) {
		r->strdata = v->pages[0].data;
		return 0;
	}
	r->strdata_copy = malloc(v->len);
	if (!r->strdata_copy)
		return SP_ENOMEM;
	for (size_t i = 0; i < v->npages; i++)
		memcpy(r->strdata_copy + v->pages[i].stream_off, v->pages[i].data, v->pages[i].len);
	r->strdata = r->strdata_copy;
	return 0;
}

static uint64_t get_id(const struct sp_reader *r, const uint8_t *p)
{
	return r->layout.id_size == 8 ? sp_get_u64(p) : sp_get_u32(p);
}

/* Later entries for the same id win, as in measureme. */
static int load_index(struct sp_reader *r)
{
	struct sp_stream_view *v = &r->streams[SP_TAG_INDEX];
	uint32_t n = r->layout.index_size;
	uint8_t tmp[16];

	for (uint64_t off = SP_STREAM_HEADER_SIZE; off < v->len; off += n) {
		const uint8_t *e = view_read(v, off, n, tmp);
		if (sp_u64map_put(&r->vindex, get_id(r, e), get_id(r, e + n / 2)))
			return SP_ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ strings */

static void append_text(struct sp_reader *r, const void *p, size_t len)
{
	/* On ENOMEM the text is cut short: strings are for display. */
	sp_buf_append(&r->text, p, len);
}

/* Append bytes as UTF-8, each invalid sequence replaced by U+FFFD. */
static void append_utf8(struct sp_reader *r, const uint8_t *p, size_t len)
{
	size_t i = 0, good = 0;

	while (i < len) {
		uint8_t c = p[i];
		size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 :
			   (c & 0xF8) == 0xF0 ? 4 : 0;
		bool ok = n && i + n <= len && !(n == 2 && c < 0xC2);
		for (size_t k = 1; ok && k < n; k++)
			ok = (p[i + k] & 0xC0) == 0x80;
		if (ok && n == 3)
			ok = !(c == 0xE0 && p[i + 1] < 0xA0) && !(c == 0xED && p[i + 1] >= 0xA0);
		if (ok && n == 4)
			ok = c <= 0xF4 && !(c == 0xF0 && p[i + 1] < 0x90) && !(c == 0xF4 && p[i + 1] >= 0x90);
		if (ok) {
			i += n;
			continue;
		}
		append_text(r, p + good, i - good);
		append_text(r, "\xef\xbf\xbd", 3);
		i++;
		good = i;
	}
	append_text(r, p + good, len - good);
}

/* Mark the string being decoded broken: "<invalid>" in its text, and the
 * first such problem of the file kept for sp_reader_string_error. */
static void __attribute__((format(printf, 2, 3))) invalid(struct sp_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	append_text(r, "<invalid>", 9);
	if (r->string_err.code)
		return;
	r->string_err.code = SP_EFORMAT;
	n = snprintf(r->string_err.msg, sizeof(r->string_err.msg), "string %" PRIu64 ": ", r->decoding);
	va_start(ap, fmt);
	vsnprintf(r->string_err.msg + n, sizeof(r->string_err.msg) - n, fmt, ap);
	va_end(ap);
}

/* Pay for a step of decoding and the text bytes it adds. False, with the
 * decode stopped for good, once the string's or the file's budget is used
 * up: both saturate at zero, so no nested decode can make them wrap. */
static bool spend(struct sp_reader *r, uint64_t text_bytes)
{
	uint64_t units = 1 + text_bytes;

	if (!r->decode_steps)
		return false;
	if (r->file_work < units) {
		r->file_work = r->decode_steps = 0;
		invalid(r, "the strings need more decoding work than a %zu-byte file may take"
			" (a reference bomb?)", r->map_len);
		return false;
	}
	r->file_work -= units;
	if (--r->decode_steps == 0) {
		invalid(r, "takes more than %u decoding steps (a reference bomb?)", SP_MAX_DECODE_STEPS);
		return false;
	}
	if (r->text.len > SP_MAX_STRING_LEN) {
		r->decode_steps = 0;
		invalid(r, "longer than %u MiB", SP_MAX_STRING_LEN >> 20);
		return false;
	}
	return true;
}

static void decode_id(struct sp_reader *r, sp_string_id id, int depth);

/* The end of the text run at pos: the next ref or terminator byte. */
static uint64_t text_run_end(const struct sp_reader *r, uint64_t pos)
{
	while (pos < r->strdata_len && r->strdata[pos] < SP_STR_REF)
		pos++;
	return pos;
}

static void decode_addr(struct sp_reader *r, uint64_t addr, int depth)
{
	const uint8_t *d = r->strdata;
	uint64_t pos = addr;

	if (!r->decode_steps)
		return;
	if (depth > SP_MAX_REF_DEPTH) {
		invalid(r, "references nested deeper than %d (a cycle?)", SP_MAX_REF_DEPTH);
		return;
	}
	if (addr < SP_STREAM_HEADER_SIZE || addr >= r->strdata_len) {
		invalid(r, "address %" PRIu64 " is outside the string data (%" PRIu64 " bytes)",
			addr, r->strdata_len);
		return;
	}
	while (pos < r->strdata_len) {
		uint64_t end = d[pos] < SP_STR_REF ? text_run_end(r, pos) : pos;

		if (!spend(r, end - pos))
			return;
		if (d[pos] == SP_STR_END)
			return;
		if (d[pos] == SP_STR_REF) {
			if (r->strdata_len - pos - 1 < r->layout.id_size)
				break;
			decode_id(r, get_id(r, d + pos + 1), depth + 1);
			pos += 1 + r->layout.id_size;
			continue;
		}
		append_utf8(r, d + pos, end - pos);
		pos = end;
	}
	invalid(r, "no terminator before the end of the string data");
}

static void decode_id(struct sp_reader *r, sp_string_id id, int depth)
{
	uint64_t addr;

	if (id == SP_INVALID_ID) {
		append_text(r, "<unknown>", 9);
	} else if (id <= SP_METADATA_ID) {
		if (sp_u64map_get(&r->vindex, id, &addr))
			decode_addr(r, addr, depth);
		else
			append_text(r, "<unknown>", 9);
	} else {
		decode_addr(r, id - SP_FIRST_REGULAR_ID, depth);
	}
}

SP_EXPORT const char *sp_reader_string(struct sp_reader *r, sp_string_id id, size_t *len)
{
	r->text.len = 0;
	sp_buf_append(&r->text, "", 0);
	r->decoding = id;
	r->decode_steps = SP_MAX_DECODE_STEPS;
	if (r->file_work)
		decode_id(r, id, 0);
	else
		append_text(r, "<invalid>", 9);
	if (len)
		*len = r->text.data ? r->text.len : 0;
	return r->text.data ? r->text.data : "";
}

SP_EXPORT int sp_reader_string_error(const struct sp_reader *r, struct sp_error *err)
{
	if (r->string_err.code && err)
		*err = r->string_err;
	return r->string_err.code;
}

/* ------------------------------------------------------------ metadata */

/* Find "key": in a flat JSON object and return the position after the colon. */
static const char *json_member(const char *json, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = json; (p = strchr(p, '"')); p++) {
		if (!strncmp(p + 1, key, klen) && p[klen + 1] == '"') {
			const char *q = p + klen + 2;
			while (*q == ' ')
				q++;
			if (*q == ':') {
				q++;
				while (*q == ' ')
					q++;
				return q;
			}
		}
	}
	return NULL;
}

static void put_codepoint(struct sp_buf *b, unsigned long cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = cp;
		sp_buf_append(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = 0xC0 | cp >> 6, u[1] = 0x80 | (cp & 0x3F);
		sp_buf_append(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = 0xE0 | cp >> 12, u[1] = 0x80 | ((cp >> 6) & 0x3F), u[2] = 0x80 | (cp & 0x3F);
		sp_buf_append(b, u, 3);
	} else if (cp < 0x110000) {
		u[0] = 0xF0 | cp >> 18, u[1] = 0x80 | ((cp >> 12) & 0x3F);
		u[2] = 0x80 | ((cp >> 6) & 0x3F), u[3] = 0x80 | (cp & 0x3F);
		sp_buf_append(b, u, 4);
	}
}

/* A JSON string value, also taking rustc's escape_default forms \' and
 * \u{XXXX} (which make its metadata invalid JSON). NULL if not a string. */
static char *json_string(const char *p)
{
	struct sp_buf b = { 0 };

	if (!p || *p != '"')
		return NULL;
	sp_buf_append(&b, "", 0);
	for (p++; *p && *p != '"'; p++) {
		if (*p != '\\') {
			sp_buf_append(&b, p, 1);
			continue;
		}
		char c = *++p, *end;
		unsigned long cp;
		switch (c) {
		case 'n': sp_buf_append(&b, "\n", 1); break;
		case 't': sp_buf_append(&b, "\t", 1); break;
		case 'r': sp_buf_append(&b, "\r", 1); break;
		case 'b': sp_buf_append(&b, "\b", 1); break;
		case 'f': sp_buf_append(&b, "\f", 1); break;
		case 'u':
			if (p[1] == '{') {
				cp = strtoul(p + 2, &end, 16);
				p = *end == '}' ? end : end - 1;
			} else {
				char hex[5] = { 0 };
				for (int i = 0; i < 4 && p[1 + i]; i++)
					hex[i] = p[1 + i];
				cp = strtoul(hex, NULL, 16);
				p += strlen(hex);
			}
			put_codepoint(&b, cp);
			break;
		case 0:
			p--;
			break;
		default:
			sp_buf_append(&b, &c, 1);
		}
	}
	return b.data;
}

static void load_metadata(struct sp_reader *r)
{
	size_t len;
	const char *json = sp_reader_string(r, SP_METADATA_ID, &len);
	const char *p;

	r->meta_json = strndup(json, len);
	json = r->meta_json ? r->meta_json : "";
	if ((p = json_member(json, "start_time")))
		r->meta.start_time_ns = strtoull(p, NULL, 10);
	if ((p = json_member(json, "process_id")))
		r->meta.pid = (uint32_t)strtoul(p, NULL, 10);
	r->meta_cmd = json_string(json_member(json, "cmd"));
	if ((p = json_member(json, "counter")))
		r->meta_counter = json_string(json_member(p, "name"));
	r->meta.json = json;
	r->meta.cmd = r->meta_cmd ? r->meta_cmd : "";
	r->meta.counter = r->meta_counter ? r->meta_counter : "wall-time";
}

/* ------------------------------------------------------------ open/close */

static int check_header(struct sp_reader *r, struct sp_error *err)
{
	if (r->map_len < 8)
		return sp_seterr(err, SP_EFORMAT, "not a .mm_profdata profile (%zu bytes, shorter than"
				 " the 8-byte header: bad magic)", r->map_len);
	if (memcmp(r->map, SP_FILE_MAGIC, 4))
		return sp_seterr(err, SP_EFORMAT, "not a .mm_profdata profile (bad magic)");
	uint32_t version = sp_get_u32(r->map + 4);
	if (sp_layout_for(version, &r->layout))
		return sp_seterr(err, SP_EVERSION, "unsupported file format version %" PRIu32
				 " (this reader supports versions 8 and 9)", version);
	return 0;
}

static int reader_init(struct sp_reader *r, struct sp_error *err)
{
	int rc = check_header(r, err);

	rc = rc ?: parse_pages(r, err);
	rc = rc ?: check_streams(r, err);
	if (!rc && (load_strdata(r) || load_index(r)))
		rc = sp_seterr(err, SP_ENOMEM, "out of memory");
	if (!rc)
		load_metadata(r);
	return rc;
}

static int open_mapped(struct sp_reader **out, const void *data, size_t len, int fd,
		       struct sp_error *err)
{
	struct sp_reader *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return sp_seterr(err, SP_ENOMEM, "out of memory");
	r->map = data;
	r->map_len = len;
	r->fd = fd;
	r->file_work = SP_FILE_WORK_BASE + SP_FILE_WORK_PER_BYTE * (uint64_t)len;
	rc = reader_init(r, err);
	r->fd = -1;
	if (rc) {
		sp_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* How far a gzip file of compressed_len bytes may inflate. */
static uint64_t gzip_cap(uint64_t compressed_len)
{
	uint64_t cap = compressed_len > SP_GZIP_MAX_CAP / SP_GZIP_MAX_RATIO ? SP_GZIP_MAX_CAP :
		       compressed_len * SP_GZIP_MAX_RATIO;

	return cap < SP_GZIP_MIN_CAP ? SP_GZIP_MIN_CAP : cap;
}

static int gzip_too_big(const char *path, uint64_t cap, struct sp_error *err)
{
	return sp_seterr(err, SP_EFORMAT, "%s: gzip data inflates to more than %" PRIu64 " MiB, the cap"
			 " (%d times the compressed size, at least %llu MiB, at most %llu GiB)",
			 path, cap >> 20, SP_GZIP_MAX_RATIO, SP_GZIP_MIN_CAP >> 20, SP_GZIP_MAX_CAP >> 30);
}

/* Copy the inflated stream to tmp, never more than cap bytes. */
static int inflate_copy(gzFile gz, int tmp, const char *path, uint64_t cap, struct sp_error *err)
{
	static uint8_t buf[1 << 16];
	uint64_t total = 0;
	int n, errnum;

	while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
		if ((uint64_t)n > cap - total)
			return gzip_too_big(path, cap, err);
		if (write(tmp, buf, n) != n)
			return sp_seterr(err, SP_EIO, "%s: cannot decompress: %s", path, strerror(errno));
		total += n;
	}
	if (n < 0)
		return sp_seterr(err, SP_EFORMAT, "%s: cannot decompress: %s", path, gzerror(gz, &errnum));
	/* gzread ends quietly at a cut-off stream: ask whether it was whole. */
	gzerror(gz, &errnum);
	if (errnum != Z_OK && errnum != Z_STREAM_END)
		return sp_seterr(err, SP_EFORMAT, "%s: gzip data is truncated or corrupt", path);
	return 0;
}

/* Inflate a gzip file into an unlinked temporary file, so that it can be
 * mapped like any other profile. A bomb stops at the cap, its partial
 * output gone with the file. */
static int inflate_to_tmp(int fd, const char *path, uint64_t compressed_len, int *out_fd,
			  struct sp_error *err)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[4096];
	int in = dup(fd), tmp, rc;
	gzFile gz;

	snprintf(tmpl, sizeof(tmpl), "%s/selfprof-XXXXXX", dir && *dir ? dir : "/tmp");
	tmp = mkstemp(tmpl);
	if (tmp < 0 || in < 0) {
		if (in >= 0)
			close(in);
		if (tmp >= 0)
			close(tmp);
		return sp_seterr(err, SP_EIO, "%s: cannot create a temporary file: %s", path, strerror(errno));
	}
	unlink(tmpl);
	lseek(in, 0, SEEK_SET);
	gz = gzdopen(in, "rb");
	if (!gz) {
		close(in);
		rc = sp_seterr(err, SP_EFORMAT, "%s: gzip data is unreadable", path);
	} else {
		rc = inflate_copy(gz, tmp, path, gzip_cap(compressed_len), err);
		gzclose(gz);
	}
	if (rc) {
		close(tmp);
		return rc;
	}
	*out_fd = tmp;
	return 0;
}

static bool is_gzip(int fd)
{
	uint8_t magic[2];

	return pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

/* Open path for reading if it is a regular file. O_NONBLOCK: a FIFO's open
 * would block until a writer comes; refused before any read. */
static int open_regular(const char *path, int *fd, struct stat *st, struct sp_error *err)
{
	*fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (*fd < 0)
		return sp_seterr(err, SP_EIO, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(*fd, st) || !S_ISREG(st->st_mode)) {
		close(*fd);
		return sp_seterr(err, SP_EIO, "%s: not a regular file", path);
	}
	return 0;
}

static int map_file(const char *path, const uint8_t **map, size_t *len, int *mapped_fd,
		    struct sp_error *err)
{
	struct stat st;
	int fd, rc = open_regular(path, &fd, &st, err);

	if (rc)
		return rc;
	if (is_gzip(fd)) {
		int plain = -1;
		rc = inflate_to_tmp(fd, path, st.st_size, &plain, err);
		close(fd);
		if (rc)
			return rc;
		fd = plain;
		if (fstat(fd, &st)) {
			close(fd);
			return sp_seterr(err, SP_EIO, "%s: cannot stat: %s", path, strerror(errno));
		}
	}
	*len = st.st_size;
	*map = NULL;
	if (*len) {
		void *m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			rc = sp_seterr(err, SP_EIO, "%s: cannot map: %s", path, strerror(errno));
		else
			*map = m;
	}
	if (rc)
		close(fd);
	else
		*mapped_fd = fd;
	return rc;
}

SP_EXPORT int sp_reader_open_mem(struct sp_reader **out, const void *data, size_t len,
				 struct sp_error *err)
{
	return open_mapped(out, data, len, -1, err);
}

SP_EXPORT int sp_reader_open(struct sp_reader **out, const char *path, struct sp_error *err)
{
	const uint8_t *map = NULL;
	size_t len = 0;
	int fd = -1, rc = map_file(path, &map, &len, &fd, err);

	*out = NULL;
	if (rc)
		return rc;
	rc = open_mapped(out, map ? map : (const uint8_t *)"", len, fd, err);
	close(fd);
	if (rc) {
		if (map)
			munmap((void *)map, len);
		/* Name the file in the message. */
		if (err) {
			char msg[sizeof(err->msg)];
			memcpy(msg, err->msg, sizeof(msg));
			snprintf(err->msg, sizeof(err->msg), "%s: %.400s", path, msg);
		}
		return rc;
	}
	if (map)
		madvise((void *)map, len, MADV_DONTNEED);
	(*out)->owns_map = map != NULL;
	struct sp_stream_view *events = &(*out)->streams[SP_TAG_EVENTS];
	events->drop_behind = map != NULL;
	events->map_lo = (uintptr_t)map;
	events->map_hi = (uintptr_t)map + len;
	return 0;
}

SP_EXPORT void sp_reader_close(struct sp_reader *r)
{
	if (!r)
		return;
	if (r->owns_map)
		munmap((void *)r->map, r->map_len);
	for (int t = 0; t < SP_NTAGS; t++)
		free(r->streams[t].pages);
	free(r->strdata_copy);
	sp_u64map_free(&r->vindex);
	free(r->meta_json);
	free(r->meta_cmd);
	free(r->meta_counter);
	sp_buf_free(&r->text);
	sp_u64map_free(&r->label_cache);
	sp_strmap_free(&r->label_nums);
	free(r->labels);
	free(r->label_offs);
	sp_u64map_free(&r->kind_cache);
	free(r);
}

SP_EXPORT uint32_t sp_reader_version(const struct sp_reader *r)
{
	return r->layout.version;
}

SP_EXPORT const struct sp_metadata *sp_reader_metadata(const struct sp_reader *r)
{
	return &r->meta;
}

SP_EXPORT uint64_t sp_reader_num_events(const struct sp_reader *r)
{
	return r->nevents;
}

/* ------------------------------------------------------------ events */

SP_EXPORT int sp_reader_event(struct sp_reader *r, uint64_t i, struct sp_event *ev)
{
	uint8_t tmp[32];
	const uint8_t *p;
	uint32_t n = r->layout.id_size;

	if (i >= r->nevents)
		return SP_EINVAL;
	p = view_read(&r->streams[SP_TAG_EVENTS], SP_STREAM_HEADER_SIZE + i * r->layout.event_size,
		      r->layout.event_size, tmp);
	ev->kind = get_id(r, p);
	ev->id = get_id(r, p + n);
	p += 2 * n;
	ev->thread = sp_get_u32(p);
	uint32_t upper = sp_get_u32(p + 12);
	uint64_t v1 = sp_get_u32(p + 4) | ((uint64_t)(upper & 0xFFFF0000u) << 16);
	uint64_t v2 = sp_get_u32(p + 8) | ((uint64_t)(upper & 0xFFFFu) << 32);
	ev->start = v1;
	if (v2 == SP_INSTANT_MARKER || v2 == SP_INTEGER_MARKER) {
		ev->type = v2 == SP_INSTANT_MARKER ? SP_EVENT_INSTANT : SP_EVENT_INTEGER;
		ev->end = v1;
	} else {
		ev->type = SP_EVENT_INTERVAL;
		ev->end = v2;
	}
	return 0;
}

/* ------------------------------------------------------------ labels and kinds */

static uint32_t add_label(struct sp_reader *r, const char *text, size_t len)
{
	uint64_t num;

	if (sp_strmap_get(&r->label_nums, text, len, &num))
		return (uint32_t)num;
	if (r->nlabels == r->labels_cap) {
		if (r->labels_cap > UINT32_MAX / 2)
			return 0;	/* as on ENOMEM: doubling would wrap */
		uint32_t cap = r->labels_cap ? r->labels_cap * 2 : 256;
		uint64_t *offs = realloc(r->label_offs, cap * sizeof(*offs));
		const char **labels = realloc(r->labels, cap * sizeof(*labels));
		if (offs)
			r->label_offs = offs;
		if (labels)
			r->labels = labels;
		if (!offs || !labels)
			return 0;
		r->labels_cap = cap;
	}
	size_t off = r->label_nums.arena_len;
	const char *old_arena = r->label_nums.arena;
	if (sp_strmap_put(&r->label_nums, text, len, r->nlabels))
		return 0;
	r->label_offs[r->nlabels] = off;
	r->labels[r->nlabels] = sp_strmap_key(&r->label_nums, off);
	/* The arena moves when it grows: then refresh every text pointer. */
	if (r->label_nums.arena != old_arena)
		for (uint32_t i = 0; i < r->nlabels; i++)
			r->labels[i] = sp_strmap_key(&r->label_nums, r->label_offs[i]);
	return r->nlabels++;
}

static inline struct sp_idcache *idcache_slot(struct sp_idcache *c, size_t n, uint64_t id)
{
	return &c[(id ^ (id >> 10) ^ (id >> 20)) & (n - 1)];
}

SP_EXPORT uint32_t sp_reader_label_of(struct sp_reader *r, sp_string_id id)
{
	struct sp_idcache *fast = idcache_slot(r->fast_label, 1024, id);
	uint64_t num;
	size_t len;

	if (fast->full && fast->id == id)
		return fast->val;
	if (sp_u64map_get(&r->label_cache, id, &num)) {
		*fast = (struct sp_idcache){ id, (uint32_t)num, true };
		return (uint32_t)num;
	}
	const char *text = sp_reader_string(r, id, &len);
	long label_len = sp_label_len(text, len);
	if (label_len < 0)
		num = add_label(r, "<parse error>", 13);
	else
		num = add_label(r, text, (size_t)label_len);
	sp_u64map_put(&r->label_cache, id, num);
	*fast = (struct sp_idcache){ id, (uint32_t)num, true };
	return (uint32_t)num;
}

SP_EXPORT const char *sp_reader_label_text(const struct sp_reader *r, uint32_t label_no)
{
	return label_no < r->nlabels ? r->labels[label_no] : "";
}

SP_EXPORT uint32_t sp_reader_num_labels(const struct sp_reader *r)
{
	return r->nlabels;
}

SP_EXPORT enum sp_kind sp_reader_kind_of(struct sp_reader *r, sp_string_id kind)
{
	struct sp_idcache *fast = idcache_slot(r->fast_kind, 16, kind);
	uint64_t k;
	size_t len;

	if (fast->full && fast->id == kind)
		return (enum sp_kind)fast->val;
	if (!sp_u64map_get(&r->kind_cache, kind, &k)) {
		const char *text = sp_reader_string(r, kind, &len);
		k = sp_kind_from_name(text, len);
		sp_u64map_put(&r->kind_cache, kind, k);
	}
	/* Callers index tables of SP_KIND__COUNT with it. */
	if (k >= SP_KIND__COUNT)
		k = SP_KIND_OTHER;
	*fast = (struct sp_idcache){ kind, (uint32_t)k, true };
	return (enum sp_kind)k;
}
