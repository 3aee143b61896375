/* SPDX-License-Identifier: MIT */
/*
 * libselfprof: read and write measureme's .mm_profdata profiles (the format
 * rustc -Z self-profile writes), and analyse them as measureme's summarize does.
 *
 * Stable C interface. No BPF here: analysis tools link this library alone.
 * Versioned: SELFPROF_VERSION_MAJOR changes only on incompatible changes.
 *
 * Conventions: functions returning int return 0 on success or a negative
 * SP_E* code; when given a struct sp_error, they fill it with a one-line
 * message. Objects are not thread-safe; use one per thread.
 */
#ifndef SELFPROF_H
#define SELFPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SELFPROF_VERSION_MAJOR 1
#define SELFPROF_VERSION_MINOR 1
#define SELFPROF_VERSION_STRING "1.1"

/* File format versions: the writer writes 9 (or 8 on request), the reader reads 8 and 9. */
#define SP_FORMAT_VERSION 9
#define SP_FORMAT_VERSION_MIN 8

/* String id space (identical in v8 and v9). */
typedef uint64_t sp_string_id;
#define SP_MAX_VIRTUAL_ID	100000000ULL
#define SP_METADATA_ID		100000001ULL
#define SP_INVALID_ID		100000002ULL
#define SP_FIRST_REGULAR_ID	100000003ULL

/* Event payload values are 48-bit. */
#define SP_MAX_TIMESTAMP	0xFFFFFFFFFFFDULL
#define SP_INTEGER_MARKER	0xFFFFFFFFFFFEULL
#define SP_INSTANT_MARKER	0xFFFFFFFFFFFFULL
#define SP_MAX_VALUE		0xFFFFFFFFFFFFULL

/* Page payloads written by us never exceed this (measureme's own limit). */
#define SP_MAX_PAGE_SIZE	(256 * 1024)

/* The argument separator inside event id texts: label \x1e arg \x1e arg ... */
#define SP_ARG_SEPARATOR	'\x1e'

/* Error codes (negative returns). */
enum {
	SP_OK = 0,
	SP_EIO = -1,		/* open/read/write failed (errno-style cause in message) */
	SP_EFORMAT = -2,	/* malformed file */
	SP_EVERSION = -3,	/* unsupported format version */
	SP_ENOMEM = -4,
	SP_EINVAL = -5,		/* bad argument (e.g. timestamp out of range) */
};

struct sp_error {
	int code;
	char msg[512];
};

/* Event kinds rustc writes, as the analysis classifies them. */
enum sp_kind {
	SP_KIND_OTHER = 0,		/* any other kind string, e.g. "LLVM Pass" */
	SP_KIND_QUERY,			/* "Query" */
	SP_KIND_GENERIC_ACTIVITY,	/* "GenericActivity" */
	SP_KIND_INCR_LOAD,		/* "IncrementalLoadResult" */
	SP_KIND_INCR_HASHING,		/* "IncrementalResultHashing" */
	SP_KIND_QUERY_BLOCKED,		/* "QueryBlocked" */
	SP_KIND_CACHE_HIT,		/* "QueryCacheHit" (instant) */
	SP_KIND_CACHE_HIT_COUNT,	/* "QueryCacheHitCount" (integer) */
	SP_KIND_ARTIFACT_SIZE,		/* "ArtifactSize" (integer) */
	SP_KIND__COUNT
};

/* The kind string rustc uses for an sp_kind ("Query", ...); "" for SP_KIND_OTHER. */
const char *sp_kind_name(enum sp_kind kind);
/* The sp_kind of a kind string (SP_KIND_OTHER when not one of rustc's). */
enum sp_kind sp_kind_from_name(const char *name, size_t len);

/* Profile metadata (the JSON string behind SP_METADATA_ID). */
struct sp_metadata {
	uint64_t start_time_ns;	/* wall clock at profiler start, ns since the epoch */
	uint32_t pid;
	const char *cmd;	/* command line, unescaped ("" when absent) */
	const char *counter;	/* "wall-time" unless stated otherwise */
	const char *json;	/* reader: the raw metadata JSON; writer: ignored */
};

/* ---------------------------------------------------------------- writer */

struct sp_writer;

struct sp_writer_opts {
	uint32_t version;	/* 0 or 9: v9; 8: v8 (tests, old tools) */
	uint32_t page_size;	/* 0: 256 KiB; smaller values exercise page boundaries */
	int fd;			/* > 0: write to this fd (not closed by the writer) instead of
			 * opening path, which then only names it; 0: open path */
};

/*
 * Create a profile at path (mode 0644, truncated). A path ending in ".gz"
 * is written gzip-compressed. opts may be NULL.
 *
 * Durability: a stream's buffer becomes a page when it fills; before an
 * events page goes out, pending string data and index pages go first, so
 * every prefix of whole pages on disk is a readable profile whose events
 * resolve. On a write error (full disk) the file is cut back to the last
 * whole page and every later call fails with SP_EIO.
 */
int sp_writer_create(struct sp_writer **out, const char *path,
		     const struct sp_writer_opts *opts, struct sp_error *err);

/*
 * The same on a file the caller opened (for writing, empty or at the
 * position to start at): e.g. created with someone else's rights, or
 * with O_NOFOLLOW. name only names it in messages, and a name ending in
 * ".gz" selects gzip output. The writer never closes fd: after
 * sp_writer_close (which has written everything, the gzip trailer
 * included), the caller may fsync and fstat it, then closes it.
 * opts->fd is ignored. Since 1.1.
 */
int sp_writer_create_fd(struct sp_writer **out, int fd, const char *name,
			const struct sp_writer_opts *opts, struct sp_error *err);

/* The metadata string. Write it early, so that every prefix of the file is
 * a valid profile. It may be written again (e.g. at the end, with totals
 * such as lost events): the later index entry wins in measureme's readers
 * and in ours. extra_json: NULL or extra members appended inside the
 * object, e.g. "\"tool\": \"selfprof-bpf\"". */
int sp_writer_metadata(struct sp_writer *w, const struct sp_metadata *meta,
		       const char *extra_json);

/* Intern a literal string (deduplicated: the same text gives the same id).
 * Bytes 0xFE/0xFF in s are replaced by U+FFFD. Returns SP_INVALID_ID on error. */
sp_string_id sp_writer_string(struct sp_writer *w, const char *s, size_t len);
sp_string_id sp_writer_cstring(struct sp_writer *w, const char *s);

/* An event id with arguments: label \x1e arg1 \x1e arg2 ..., written as
 * references to already interned strings (as rustc does). Deduplicated. */
sp_string_id sp_writer_event_id(struct sp_writer *w, sp_string_id label,
				const sp_string_id *args, size_t nargs);

/* Map a virtual id (<= SP_MAX_VIRTUAL_ID) to a concrete string id. */
int sp_writer_map_virtual(struct sp_writer *w, uint64_t virtual_id, sp_string_id target);

/* Events. Interval: start <= end <= SP_MAX_TIMESTAMP, ns since start_time.
 * Per thread, append intervals in order of end time (children before parents). */
int sp_writer_interval(struct sp_writer *w, sp_string_id kind, sp_string_id id,
		       uint32_t thread, uint64_t start, uint64_t end);
int sp_writer_instant(struct sp_writer *w, sp_string_id kind, sp_string_id id,
		      uint32_t thread, uint64_t time);
int sp_writer_integer(struct sp_writer *w, sp_string_id kind, sp_string_id id,
		      uint32_t thread, uint64_t value);

/* Write every buffered byte out as pages now (strings first). */
int sp_writer_flush(struct sp_writer *w);

/* Flush, close and free. Returns the first error met during the writer's life. */
int sp_writer_close(struct sp_writer *w, struct sp_error *err);

/* Counters, for reports. */
uint64_t sp_writer_num_events(const struct sp_writer *w);
uint64_t sp_writer_bytes_written(const struct sp_writer *w);
const char *sp_writer_last_error(const struct sp_writer *w);

/* ---------------------------------------------------------------- reader */

struct sp_reader;

enum sp_event_type {
	SP_EVENT_INTERVAL = 0,
	SP_EVENT_INSTANT = 1,
	SP_EVENT_INTEGER = 2,
};

struct sp_event {
	sp_string_id kind;	/* string id of the kind ("Query", ...) */
	sp_string_id id;	/* string id of label + arguments */
	uint32_t thread;
	enum sp_event_type type;
	uint64_t start;		/* interval start; instant time; integer value */
	uint64_t end;		/* interval end; == start for instants and integers */
};

/*
 * Open a profile (mmap; gzip files, by content, are inflated to an unlinked
 * temporary file first). Validates the container, stream headers and
 * sizes, loads the string index. Memory: the page table and index, not the
 * events.
 */
int sp_reader_open(struct sp_reader **out, const char *path, struct sp_error *err);
/* The same over a caller-owned buffer that must outlive the reader (fuzzing). */
int sp_reader_open_mem(struct sp_reader **out, const void *data, size_t len,
		       struct sp_error *err);
void sp_reader_close(struct sp_reader *r);

uint32_t sp_reader_version(const struct sp_reader *r);
const struct sp_metadata *sp_reader_metadata(const struct sp_reader *r);
uint64_t sp_reader_num_events(const struct sp_reader *r);

/* Event number i (0 .. num_events-1) in file order; sequential access in
 * either direction is fast. Returns SP_EINVAL when out of range. */
int sp_reader_event(struct sp_reader *r, uint64_t i, struct sp_event *ev);

/*
 * The text of a string id, fully resolved (virtual ids through the index,
 * refs followed). Unknown virtual ids and the invalid id read "<unknown>";
 * broken entries (dangling ref, cycle, no terminator) read "<invalid>"
 * where measureme would, never crash. The work is bounded per string and per
 * file: a string past its limits, and every string once the file's limit is
 * used up, reads "<invalid>". The pointer stays valid until the next
 * sp_reader_string call on r. len may be NULL; the text is NUL-ended.
 */
const char *sp_reader_string(struct sp_reader *r, sp_string_id id, size_t *len);

/* The first broken string r has met so far (one that read "<invalid>"):
 * its error code, with a one-line message in err (may be NULL); 0 if none.
 * A profile with broken strings is malformed: the selfprof command fails. */
int sp_reader_string_error(const struct sp_reader *r, struct sp_error *err);

/* Dense label numbers: the label is the text before the first \x1e (or
 * "<parse error>" as analyzeme decides). Cached per id, so cheap per event. */
uint32_t sp_reader_label_of(struct sp_reader *r, sp_string_id id);
const char *sp_reader_label_text(const struct sp_reader *r, uint32_t label_no);
uint32_t sp_reader_num_labels(const struct sp_reader *r);
/* The kind of a kind string id (cached). */
enum sp_kind sp_reader_kind_of(struct sp_reader *r, sp_string_id kind);

/* Split an id text into label and arguments: returns the number of
 * arguments; label_len gets the label length. args[i]/arg_lens[i] filled
 * for i < max_args. */
size_t sp_split_args(const char *text, size_t len, size_t *label_len,
		     const char **args, size_t *arg_lens, size_t max_args);

/* ---------------------------------------------------------------- analysis */

/* One row of measureme's summarize, per label. Nanoseconds. */
struct sp_row {
	const char *label;
	int64_t self_ns;	/* signed: hashing children can push it below zero */
	uint64_t time_ns;
	uint64_t count;		/* invocation count */
	uint64_t cache_hits;
	uint64_t blocked_ns;
	int64_t incr_load_ns;
	int64_t hashing_ns;
};

struct sp_artifact {
	const char *label;
	uint64_t bytes;
};

struct sp_summary {
	struct sp_row *rows;		/* sorted: self_ns descending, then label */
	size_t nrows;
	struct sp_artifact *artifacts;	/* sorted by label */
	size_t nartifacts;
	uint64_t total_ns;		/* sum over threads of (max end - min start) */
	uint64_t num_events;
	uint64_t kind_counts[SP_KIND__COUNT];
	uint32_t num_threads;
	uint32_t version;
	struct sp_metadata meta;	/* strings owned by the summary */
};

/* Analyse a whole profile as measureme's summarize does (spec section 11). */
int sp_summarize(struct sp_reader *r, struct sp_summary **out, struct sp_error *err);
/* Open + summarize + close. */
int sp_summarize_file(const char *path, struct sp_summary **out, struct sp_error *err);
void sp_summary_free(struct sp_summary *s);
/* Row for a label, or NULL. */
const struct sp_row *sp_summary_find(const struct sp_summary *s, const char *label);
/* The sum of self_ns over a summary's rows (since 1.1). */
int64_t sp_summary_self_ns(const struct sp_summary *s);

/*
 * Sum several summaries label by label into a new one (since 1.1): several
 * dumps of one crate, or all crates of a build. Rows, artifacts, totals,
 * event and kind counts and thread counts are the sums of the parts'; rows
 * are sorted as sp_summarize sorts them, artifacts by label; the version is
 * the first part's; metadata is empty (counter "wall-time"). The result
 * owns its strings: free it with sp_summary_free.
 */
int sp_summary_merge(struct sp_summary *const *parts, size_t nparts,
		     struct sp_summary **out, struct sp_error *err);

/* Diff of two summaries, per label over the union (measureme's summarize diff). */
struct sp_diff_row {
	const char *label;
	const struct sp_row *base;	/* NULL: only in new */
	const struct sp_row *new_;	/* NULL: only in base */
	int64_t self_delta;
	int64_t time_delta;
	int64_t count_delta;
	int64_t cache_hits_delta;
	int64_t blocked_delta;
	int64_t incr_load_delta;
	int64_t hashing_delta;
};

struct sp_diff {
	struct sp_diff_row *rows;	/* sorted by |self_delta| descending, then label */
	size_t nrows;
	int64_t total_delta;		/* new total_ns - base total_ns */
	const struct sp_summary *base, *new_;
};

int sp_diff_summaries(const struct sp_summary *base, const struct sp_summary *new_,
		      struct sp_diff **out, struct sp_error *err);
void sp_diff_free(struct sp_diff *d);

/* ---------------------------------------------------------------- nesting */

/*
 * Which interval encloses which (since 1.1), as measureme's tools decide it:
 * walk a profile's events backwards, last to first. rustc appends an
 * interval when it ends, so a parent is met before its children, and the
 * innermost interval of the same thread still open that contains an
 * interval is its parent. sp_summarize takes self time from parents this
 * way; folded stacks (flamegraphs) are built the same way.
 */
struct sp_nesting;

/* What a walk saw of one thread's intervals. */
struct sp_nesting_thread {
	uint32_t thread;	/* the thread id of its events */
	uint64_t min_start;	/* earliest start */
	uint64_t max_end;	/* latest end */
	uint64_t last_end;	/* end of the interval last in the file (entered first) */
	uint64_t top_level_ns;	/* sum of the durations of intervals with no parent */
};

/* A new, empty walk; NULL on ENOMEM. */
struct sp_nesting *sp_nesting_new(void);
/*
 * Enter the next interval of the backward walk (ev->type must be
 * SP_EVENT_INTERVAL): the open intervals of its thread that do not contain
 * it are closed, and ev stays open with the caller's tag (a label number,
 * a node number...) for its children to find. Returns 1 with *parent_tag
 * set to the tag of the innermost open interval that contains ev, 0 when
 * ev is top-level, or SP_ENOMEM.
 */
int sp_nesting_enter(struct sp_nesting *n, const struct sp_event *ev, uint64_t tag,
		     uint64_t *parent_tag);
/* Give the interval just entered another tag: for tags that depend on the
 * parent's, such as a node in a tree of stacks. */
void sp_nesting_retag(struct sp_nesting *n, uint64_t tag);
/* The threads met so far, numbered from 0 in the order they were met. */
size_t sp_nesting_num_threads(const struct sp_nesting *n);
const struct sp_nesting_thread *sp_nesting_thread(const struct sp_nesting *n, size_t i);
void sp_nesting_free(struct sp_nesting *n);

/* ---------------------------------------------------------------- text */

/* Length of the valid UTF-8 sequence at s (1 to 4 bytes), or 0 when s[0..len)
 * does not start with one: a stray or cut-short byte, an overlong form, a
 * surrogate, a code point past U+10FFFF (since 1.1). len must be > 0. */
size_t sp_utf8_char_len(const char *s, size_t len);

/* sp_json_escape flags. */
#define SP_JSON_SHORT_ESCAPES	1u	/* \n \t \r rather than \u000a \u0009 \u000d */
#define SP_JSON_HTML_SAFE	2u	/* '<' as \u003c: the text cannot end a <script> */

/*
 * s[0..len) as the inside of a JSON string literal (no quotes), as
 * snprintf does: at most size bytes with a NUL are written to buf, and the
 * full length (NUL not included) is returned, so a return >= size means
 * the text was cut. '"' and '\' are escaped, control characters written
 * as \u00XX (see flags), and each byte that does not start a valid UTF-8
 * sequence becomes U+FFFD, so that the result is always valid JSON (since 1.1).
 */
size_t sp_json_escape(char *buf, size_t size, const char *s, size_t len, unsigned flags);

/* ---------------------------------------------------------------- u64 map */

/*
 * An open-addressing hash map from u64 keys to u64 values (since 1.1): the
 * reader's caches use it, and so can tools that key state by thread or
 * string id. Zero-initialise it; no iteration order is defined.
 */
struct sp_u64map {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used;
	size_t cap;	/* 0 or a power of two */
	size_t n;	/* entries */
};
/* true and *val set when key is present. */
bool sp_u64map_get(const struct sp_u64map *m, uint64_t key, uint64_t *val);
/* Insert or overwrite: 0 or SP_ENOMEM. */
int sp_u64map_put(struct sp_u64map *m, uint64_t key, uint64_t val);
void sp_u64map_free(struct sp_u64map *m);

/* ---------------------------------------------------------------- crates */

/* The crate name a dump file belongs to: its file name up to "-<digits>"
 * before the extension (rustc's {crate}-{pid:07}.mm_profdata); else the stem.
 * Writes at most size bytes (NUL included) to buf; returns the length. */
size_t sp_crate_from_path(const char *path, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* SELFPROF_H */
