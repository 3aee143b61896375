// SPDX-License-Identifier: MIT
/* Small helpers over the reader; see profile.h. */
#include <string.h>

#include "cli.h"
#include "profile.h"

struct sp_reader *spt_open_profile(const char *path)
{
	struct sp_reader *r = NULL;
	struct sp_error err = { 0 };

	if (sp_reader_open(&r, path, &err)) {
		spt_lib_error(path, &err);
		return NULL;
	}
	return r;
}

int spt_check_strings(const struct sp_reader *r, const char *path)
{
	struct sp_error err = { 0 };

	if (!sp_reader_string_error(r, &err))
		return 0;
	return spt_lib_error(path, &err);
}

int spt_read_event(struct sp_reader *r, uint64_t i, struct sp_event *ev, const char *path)
{
	/* The strings of the events before: stop at the first broken one. */
	if (spt_check_strings(r, path))
		return SPT_EXIT_FAIL;
	if (!sp_reader_event(r, i, ev))
		return 0;
	spt_error(path, "cannot read event %llu", (unsigned long long)i);
	return SPT_EXIT_FAIL;
}

int spt_summarize_file(const char *path, struct sp_summary **out, struct sp_error *err)
{
	struct sp_reader *r;
	int rc = sp_reader_open(&r, path, err);

	*out = NULL;
	if (rc)
		return rc;
	rc = sp_summarize(r, out, err);
	if (!rc && (rc = sp_reader_string_error(r, err))) {
		sp_summary_free(*out);
		*out = NULL;
	}
	sp_reader_close(r);
	return rc;
}

size_t spt_raw_label_len(const char *text, size_t len)
{
	const char *sep = memchr(text, SP_ARG_SEPARATOR, len);

	return sep ? (size_t)(sep - text) : len;
}
