// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the reader: open any bytes, then read every event,
 * resolve every string and summarize. Built by `make fuzz` with
 * clang -fsanitize=fuzzer,address,undefined.
 */
#include <stddef.h>
#include <stdint.h>

#include "selfprof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_reader *r;
	struct sp_summary *s;
	struct sp_event ev;

	if (sp_reader_open_mem(&r, data, size, NULL))
		return 0;
	for (uint64_t i = 0; i < sp_reader_num_events(r); i++) {
		sp_reader_event(r, i, &ev);
		sp_reader_string(r, ev.id, NULL);
		sp_reader_string(r, ev.kind, NULL);
	}
	if (sp_summarize(r, &s, NULL) == 0)
		sp_summary_free(s);
	sp_reader_close(r);
	return 0;
}
