/* SPDX-License-Identifier: MIT */
/*
 * The reader fuzz target's body, included by tests/fuzz/fuzz_reader.c
 * (libFuzzer) and by tests/unit/test_corpus_replay.c (which runs every
 * corpus file through it under ASan/UBSan in `make test`): one entry, so
 * that a replayed file takes exactly the paths the fuzzer explored.
 *
 * The bytes are read from memory and, when they start with the gzip magic
 * or are small, also as a file (a memfd, through /proc/self/fd/N: the gzip
 * path and the mapped-file paths, which differ from memory only in how
 * page headers are read and pages released: small files reach them, and
 * the fuzzer keeps its pace on big ones). Then every event, string, label
 * and kind is resolved and the profile summarized and diffed with itself.
 */
#ifndef SELFPROF_FUZZ_READER_ENTRY_H
#define SELFPROF_FUZZ_READER_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "selfprof.h"

static void fuzz_reader_walk(struct sp_reader *r)
{
	struct sp_summary *s;
	struct sp_diff *d;
	struct sp_event ev;

	for (uint64_t i = 0; i < sp_reader_num_events(r); i++) {
		sp_reader_event(r, i, &ev);
		sp_reader_string(r, ev.id, NULL);
		sp_reader_string(r, ev.kind, NULL);
		sp_reader_label_text(r, sp_reader_label_of(r, ev.id));
		sp_kind_name(sp_reader_kind_of(r, ev.kind));
	}
	sp_reader_string_error(r, NULL);
	if (sp_summarize(r, &s, NULL))
		return;
	if (sp_diff_summaries(s, s, &d, NULL) == 0)
		sp_diff_free(d);
	sp_summary_free(s);
}

/* The bytes as a file: a memfd, kept between runs. */
static const char *fuzz_reader_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("fuzz_reader", MFD_CLOEXEC);
		if (fd < 0) {
			perror("fuzz_reader: memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz_reader: write");
		abort();
	}
	return path;
}

#define FUZZ_READER_FILE_MAX 4096	/* plain inputs read as a file too up to here */

static int fuzz_reader_one(const uint8_t *data, size_t size)
{
	bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	struct sp_reader *r;

	if (!gzip && sp_reader_open_mem(&r, data, size, NULL) == 0) {
		fuzz_reader_walk(r);
		sp_reader_close(r);
	}
	if (!gzip && size > FUZZ_READER_FILE_MAX)
		return 0;
	if (sp_reader_open(&r, fuzz_reader_file(data, size), NULL) == 0) {
		fuzz_reader_walk(r);
		sp_reader_close(r);
	}
	return 0;
}

#endif
