// SPDX-License-Identifier: MIT
/*
 * The .mm_profdata writer.
 *
 * Three streams (events, string data, string index) are buffered separately
 * and go to the file as pages tagged with their stream. Unlike rustc, which
 * writes nearly all strings at exit, pending strings and index entries are
 * always written before an events page: a writer killed at any point leaves
 * a file whose whole pages form a valid profile with every string its events
 * use. On a write error the file is cut back to its last whole page.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

struct sp_wstream {
	uint8_t tag;
	uint8_t *buf;
	size_t len;
	uint64_t total;		/* stream bytes so far, buffered ones included */
};

struct sp_writer {
	int fd;
	bool owns_fd;
	gzFile gz;
	char *path;
	struct sp_layout layout;
	size_t page_size;
	struct sp_wstream streams[SP_NTAGS];
	uint64_t good_size;	/* file bytes that form whole pages */
	uint64_t nevents;
	int error;
	char errmsg[512];
	struct sp_strmap interned;	/* encoded entry (without 0xFF) -> id */
};

static int fail(struct sp_writer *w, int code, const char *what, int errnum)
{
	if (!w->error) {
		w->error = code;
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s: %s", w->path, what,
			 errnum ? strerror(errnum) : "failed");
	}
	return code;
}

/* Write all of iov, or fail. */
static int write_all(struct sp_writer *w, struct iovec *iov, int n)
{
	for (int i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			ssize_t k;
			if (w->gz) {
				k = gzwrite(w->gz, p, left > (1u << 30) ? (1u << 30) : left);
				if (k <= 0)
					return fail(w, SP_EIO, "gzip write", errno);
			} else {
				k = write(w->fd, p, left);
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0)
					return fail(w, SP_EIO, "write", k < 0 ? errno : ENOSPC);
			}
			p += k;
			left -= k;
		}
	}
	return 0;
}

/* A failed page write may leave part of a page: cut it off so the file
 * stays a sequence of whole pages. */
static void cut_to_good_size(struct sp_writer *w)
{
	if (!w->gz && ftruncate(w->fd, w->good_size) == 0)
		lseek(w->fd, w->good_size, SEEK_SET);
}

static int write_page(struct sp_writer *w, uint8_t tag, const uint8_t *payload, size_t len)
{
	uint8_t header[SP_PAGE_HEADER_SIZE];
	struct iovec iov[2] = { { header, sizeof(header) }, { (void *)payload, len } };

	if (w->error)
		return w->error;
	header[0] = tag;
	sp_put_u32(header + 1, (uint32_t)len);
	if (write_all(w, iov, 2)) {
		cut_to_good_size(w);
		return w->error;
	}
	w->good_size += sizeof(header) + len;
	return 0;
}

static int flush_stream(struct sp_writer *w, struct sp_wstream *s)
{
	if (!s->len)
		return w->error;
	int rc = write_page(w, s->tag, s->buf, s->len);
	s->len = 0;
	return rc;
}

/* Strings and index first, so that events never reference unwritten strings. */
static int flush_events(struct sp_writer *w)
{
	flush_stream(w, &w->streams[SP_TAG_DATA]);
	flush_stream(w, &w->streams[SP_TAG_INDEX]);
	return flush_stream(w, &w->streams[SP_TAG_EVENTS]);
}

/* Append bytes to a stream, emitting full pages as the buffer fills. Only
 * string data may span pages; events and index records come in whole
 * because their buffers hold a whole number of records. */
static int stream_append(struct sp_writer *w, struct sp_wstream *s, const void *p, size_t len)
{
	const uint8_t *b = p;

	if (w->error)
		return w->error;
	while (len) {
		if (s->len == w->page_size) {
			int rc = s->tag == SP_TAG_EVENTS ? flush_events(w) : flush_stream(w, s);
			if (rc)
				return rc;
		}
		size_t n = w->page_size - s->len;
		if (n > len)
			n = len;
		memcpy(s->buf + s->len, b, n);
		s->len += n;
		s->total += n;
		b += n;
		len -= n;
	}
	return 0;
}

/* Start a new record: if it would not fit in the page, flush first so that
 * fixed-size records are never split (as measureme does). */
static int stream_record(struct sp_writer *w, struct sp_wstream *s, const void *p, size_t len)
{
	if (s->len + len > w->page_size && !w->error) {
		int rc = s->tag == SP_TAG_EVENTS ? flush_events(w) : flush_stream(w, s);
		if (rc)
			return rc;
	}
	return stream_append(w, s, p, len);
}

static int open_output(struct sp_writer *w, const char *path, const struct sp_writer_opts *opts,
		       int fd, struct sp_error *err)
{
	size_t n = strlen(path);

	if (fd >= 0) {
		w->fd = fd;
	} else if (opts && opts->fd > 0) {
		w->fd = opts->fd;
	} else {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (w->fd < 0)
			return sp_seterr(err, SP_EIO, "%s: cannot create: %s", path, strerror(errno));
		w->owns_fd = true;
	}
	if (n > 3 && !strcmp(path + n - 3, ".gz")) {
		int fd = w->owns_fd ? w->fd : dup(w->fd);
		w->gz = fd >= 0 ? gzdopen(fd, "wb6") : NULL;
		if (!w->gz)
			return sp_seterr(err, SP_EIO, "%s: cannot start gzip stream", path);
		w->owns_fd = false;	/* gzclose closes it */
	}
	return 0;
}

static void writer_free(struct sp_writer *w)
{
	for (int t = 0; t < SP_NTAGS; t++)
		free(w->streams[t].buf);
	sp_strmap_free(&w->interned);
	free(w->path);
	free(w);
}

static int init_streams(struct sp_writer *w)
{
	static const char *const magics[SP_NTAGS] = { SP_EVENTS_MAGIC, SP_DATA_MAGIC, SP_INDEX_MAGIC };

	for (int t = 0; t < SP_NTAGS; t++) {
		uint8_t header[SP_STREAM_HEADER_SIZE];
		struct sp_wstream *s = &w->streams[t];

		s->tag = t;
		s->buf = malloc(w->page_size);
		if (!s->buf)
			return SP_ENOMEM;
		memcpy(header, magics[t], 4);
		sp_put_u32(header + 4, w->layout.version);
		stream_append(w, s, header, sizeof(header));
	}
	return 0;
}

static int writer_create(struct sp_writer **out, const char *path, int fd,
			 const struct sp_writer_opts *opts, struct sp_error *err)
{
	struct sp_writer *w = calloc(1, sizeof(*w));
	uint32_t version = opts && opts->version ? opts->version : SP_FORMAT_VERSION;
	uint32_t page_size = opts && opts->page_size ? opts->page_size : SP_MAX_PAGE_SIZE;
	uint8_t file_header[8];
	struct iovec iov = { file_header, sizeof(file_header) };
	int rc;

	*out = NULL;
	if (!w || !(w->path = strdup(path))) {
		free(w);
		return sp_seterr(err, SP_ENOMEM, "out of memory");
	}
	w->fd = -1;
	if (sp_layout_for(version, &w->layout) || page_size < 64 || page_size > SP_MAX_PAGE_SIZE) {
		writer_free(w);
		return sp_seterr(err, SP_EINVAL, "%s: bad writer options (version %" PRIu32
				 ", page size %" PRIu32 ")", path, version, page_size);
	}
	/* Whole records per page: events and index pages never split a record. */
	w->page_size = page_size - page_size % w->layout.event_size;
	if ((rc = init_streams(w)) || (rc = open_output(w, path, opts, fd, err))) {
		writer_free(w);
		return rc == SP_ENOMEM ? sp_seterr(err, rc, "out of memory") : rc;
	}
	memcpy(file_header, SP_FILE_MAGIC, 4);
	sp_put_u32(file_header + 4, version);
	if (write_all(w, &iov, 1)) {
		sp_seterr(err, w->error, "%s", w->errmsg);
		sp_writer_close(w, NULL);
		return err ? err->code : SP_EIO;
	}
	w->good_size = sizeof(file_header);
	*out = w;
	return 0;
}

SP_EXPORT int sp_writer_create(struct sp_writer **out, const char *path,
			       const struct sp_writer_opts *opts, struct sp_error *err)
{
	return writer_create(out, path, -1, opts, err);
}

SP_EXPORT int sp_writer_create_fd(struct sp_writer **out, int fd, const char *name,
				  const struct sp_writer_opts *opts, struct sp_error *err)
{
	if (fd < 0 || !name) {
		*out = NULL;
		return sp_seterr(err, SP_EINVAL, "%s: bad file descriptor %d",
				 name ? name : "(unnamed)", fd);
	}
	return writer_create(out, name, fd, opts, err);
}

/* ------------------------------------------------------------ strings */

static sp_string_id addr_to_id(uint64_t addr)
{
	return addr + SP_FIRST_REGULAR_ID;
}

/* Write an encoded entry (components without the final 0xFF) once. */
static sp_string_id intern_entry(struct sp_writer *w, const uint8_t *entry, size_t len)
{
	struct sp_wstream *data = &w->streams[SP_TAG_DATA];
	uint8_t end = SP_STR_END;
	uint64_t id;

	if (sp_strmap_get(&w->interned, entry, len, &id))
		return id;
	if (w->error)
		return SP_INVALID_ID;
	id = addr_to_id(data->total);
	/* A string that fits in a page starts one, as in measureme. */
	if (len + 1 <= w->page_size && data->len + len + 1 > w->page_size)
		flush_stream(w, data);
	if (stream_append(w, data, entry, len) || stream_append(w, data, &end, 1))
		return SP_INVALID_ID;
	if (w->layout.id_size == 4 && id > UINT32_MAX) {
		fail(w, SP_EINVAL, "string table exceeds 4 GiB in a version 8 file", 0);
		return SP_INVALID_ID;
	}
	if (sp_strmap_put(&w->interned, entry, len, id)) {
		fail(w, SP_ENOMEM, "intern", ENOMEM);
		return SP_INVALID_ID;
	}
	return id;
}

/* 0xFE and 0xFF are the format's own markers; they cannot occur in UTF-8,
 * so such bytes are replaced by U+FFFD like other invalid UTF-8. */
static bool needs_sanitizing(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)s[i] >= 0xFE)
			return true;
	return false;
}

SP_EXPORT sp_string_id sp_writer_string(struct sp_writer *w, const char *s, size_t len)
{
	struct sp_buf clean = { 0 };
	sp_string_id id;

	if (!needs_sanitizing(s, len))
		return intern_entry(w, (const uint8_t *)s, len);
	for (size_t i = 0; i < len; i++) {
		if ((uint8_t)s[i] >= 0xFE ? sp_buf_append(&clean, "\xef\xbf\xbd", 3)
					  : sp_buf_append(&clean, s + i, 1)) {
			sp_buf_free(&clean);
			fail(w, SP_ENOMEM, "intern", ENOMEM);
			return SP_INVALID_ID;
		}
	}
	id = intern_entry(w, (const uint8_t *)clean.data, clean.len);
	sp_buf_free(&clean);
	return id;
}

SP_EXPORT sp_string_id sp_writer_cstring(struct sp_writer *w, const char *s)
{
	return sp_writer_string(w, s, strlen(s));
}

static size_t put_ref(const struct sp_writer *w, uint8_t *p, sp_string_id id)
{
	p[0] = SP_STR_REF;
	if (w->layout.id_size == 8)
		sp_put_u64(p + 1, id);
	else
		sp_put_u32(p + 1, (uint32_t)id);
	return 1 + w->layout.id_size;
}

SP_EXPORT sp_string_id sp_writer_event_id(struct sp_writer *w, sp_string_id label,
					  const sp_string_id *args, size_t nargs)
{
	uint8_t small[256], *entry = small;
	size_t need = (nargs + 1) * 10, len = 0;
	sp_string_id id;

	if (!nargs)
		return label;
	if (need > sizeof(small) && !(entry = malloc(need))) {
		fail(w, SP_ENOMEM, "intern", ENOMEM);
		return SP_INVALID_ID;
	}
	len += put_ref(w, entry, label);
	for (size_t i = 0; i < nargs; i++) {
		entry[len++] = SP_ARG_SEPARATOR;
		len += put_ref(w, entry + len, args[i]);
	}
	id = intern_entry(w, entry, len);
	if (entry != small)
		free(entry);
	return id;
}

SP_EXPORT int sp_writer_map_virtual(struct sp_writer *w, uint64_t virtual_id, sp_string_id target)
{
	uint8_t rec[16];
	uint32_t n = w->layout.id_size;

	if (w->error)
		return w->error;
	if ((virtual_id > SP_MAX_VIRTUAL_ID && virtual_id != SP_METADATA_ID) ||
	    target < SP_FIRST_REGULAR_ID)
		return SP_EINVAL;
	if (n == 8) {
		sp_put_u64(rec, virtual_id);
		sp_put_u64(rec + 8, target - SP_FIRST_REGULAR_ID);
	} else {
		sp_put_u32(rec, (uint32_t)virtual_id);
		sp_put_u32(rec + 4, (uint32_t)(target - SP_FIRST_REGULAR_ID));
	}
	return stream_record(w, &w->streams[SP_TAG_INDEX], rec, 2 * n);
}

/* ------------------------------------------------------------ metadata */

static int buf_puts(struct sp_buf *b, const char *s)
{
	return sp_buf_append(b, s, strlen(s));
}

/* Strict JSON (rustc's escape_default is not JSON), appended to b. */
static int json_escape(struct sp_buf *b, const char *s)
{
	size_t len = strlen(s), n = sp_json_escape(NULL, 0, s, len, 0);

	if (sp_buf_reserve(b, n + 1))
		return SP_ENOMEM;
	sp_json_escape(b->data + b->len, n + 1, s, len, 0);
	b->len += n;
	return 0;
}

SP_EXPORT int sp_writer_metadata(struct sp_writer *w, const struct sp_metadata *meta,
				 const char *extra_json)
{
	const char *counter = meta->counter && *meta->counter ? meta->counter : "wall-time";
	bool wall = !strcmp(counter, "wall-time");
	struct sp_buf b = { 0 };
	char num[96];
	sp_string_id id;
	int rc;

	snprintf(num, sizeof(num), "{ \"start_time\": %" PRIu64 ", \"process_id\": %" PRIu32 ", \"cmd\": \"",
		 meta->start_time_ns, meta->pid);
	rc = buf_puts(&b, num);
	rc = rc ?: json_escape(&b, meta->cmd ? meta->cmd : "");
	rc = rc ?: buf_puts(&b, "\", \"counter\": { \"name\": \"");
	rc = rc ?: json_escape(&b, counter);
	if (wall) {
		static const char units[] = "\", \"units\": [[\"ns\", 1], [\"\xce\xbcs\", 1000], "
			"[\"ms\", 1000000], [\"s\", 1000000000]] }";
		rc = rc ?: sp_buf_append(&b, units, sizeof(units) - 1);
	} else {
		static const char units[] = "\", \"units\": [[\"instructions\", 1]] }";
		rc = rc ?: sp_buf_append(&b, units, sizeof(units) - 1);
	}
	if (extra_json && *extra_json) {
		rc = rc ?: buf_puts(&b, ", ");
		rc = rc ?: buf_puts(&b, extra_json);
	}
	rc = rc ?: buf_puts(&b, " }");
	if (rc) {
		sp_buf_free(&b);
		return fail(w, SP_ENOMEM, "metadata", ENOMEM);
	}
	id = sp_writer_string(w, b.data, b.len);
	sp_buf_free(&b);
	if (id == SP_INVALID_ID)
		return w->error ?: SP_EIO;
	return sp_writer_map_virtual(w, SP_METADATA_ID, id);
}

/* ------------------------------------------------------------ events */

static int put_event(struct sp_writer *w, sp_string_id kind, sp_string_id id, uint32_t thread,
		     uint64_t v1, uint64_t v2)
{
	uint8_t rec[32], *p = rec;

	if (w->layout.id_size == 8) {
		sp_put_u64(p, kind);
		sp_put_u64(p + 8, id);
		p += 16;
	} else {
		if (kind > UINT32_MAX || id > UINT32_MAX)
			return SP_EINVAL;
		sp_put_u32(p, (uint32_t)kind);
		sp_put_u32(p + 4, (uint32_t)id);
		p += 8;
	}
	sp_put_u32(p, thread);
	sp_put_u32(p + 4, (uint32_t)v1);
	sp_put_u32(p + 8, (uint32_t)v2);
	sp_put_u32(p + 12, (uint32_t)(((v1 >> 16) & 0xFFFF0000u) | (v2 >> 32)));
	w->nevents++;
	return stream_record(w, &w->streams[SP_TAG_EVENTS], rec, w->layout.event_size);
}

SP_EXPORT int sp_writer_interval(struct sp_writer *w, sp_string_id kind, sp_string_id id,
				 uint32_t thread, uint64_t start, uint64_t end)
{
	if (start > end || end > SP_MAX_TIMESTAMP)
		return SP_EINVAL;
	return put_event(w, kind, id, thread, start, end);
}

SP_EXPORT int sp_writer_instant(struct sp_writer *w, sp_string_id kind, sp_string_id id,
				uint32_t thread, uint64_t time)
{
	if (time > SP_MAX_VALUE)
		return SP_EINVAL;
	return put_event(w, kind, id, thread, time, SP_INSTANT_MARKER);
}

SP_EXPORT int sp_writer_integer(struct sp_writer *w, sp_string_id kind, sp_string_id id,
				uint32_t thread, uint64_t value)
{
	if (value > SP_MAX_VALUE)
		return SP_EINVAL;
	return put_event(w, kind, id, thread, value, SP_INTEGER_MARKER);
}

SP_EXPORT int sp_writer_flush(struct sp_writer *w)
{
	int rc = flush_events(w);

	if (!rc && w->gz && gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK)
		rc = fail(w, SP_EIO, "gzip flush", errno);
	return rc;
}

SP_EXPORT int sp_writer_close(struct sp_writer *w, struct sp_error *err)
{
	int rc;

	if (!w)
		return 0;
	flush_events(w);
	if (w->gz && gzclose(w->gz) != Z_OK)
		fail(w, SP_EIO, "gzip close", errno);
	if (w->owns_fd && close(w->fd) && !w->error)
		fail(w, SP_EIO, "close", errno);
	rc = w->error;
	if (rc)
		sp_seterr(err, rc, "%s", w->errmsg);
	writer_free(w);
	return rc;
}

SP_EXPORT uint64_t sp_writer_num_events(const struct sp_writer *w)
{
	return w->nevents;
}

SP_EXPORT uint64_t sp_writer_bytes_written(const struct sp_writer *w)
{
	return w->good_size;
}

SP_EXPORT const char *sp_writer_last_error(const struct sp_writer *w)
{
	return w->error ? w->errmsg : NULL;
}
