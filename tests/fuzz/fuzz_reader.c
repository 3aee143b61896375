// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the reader; the body is tests/fuzz/reader_entry.h,
 * shared with the corpus replay unit test. Built by `make fuzz` with
 * clang -fsanitize=fuzzer,address,undefined.
 */
#include "reader_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader_one(data, size);
}
