// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for probe discovery's ELF side: the input bytes are an
 * ELF object, as librustc_driver or its debug file would be. The body is
 * tests/fuzz/elfsyms_entry.h, shared with the corpus replay unit test.
 * Built by `make fuzz` with clang -fsanitize=fuzzer,address,undefined;
 * seeds in tests/fuzz/corpus-elfsyms/ (made by tests/fuzz/make-elfsyms-seeds.sh).
 */
#include "elfsyms_entry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return fuzz_elfsyms_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_elfsyms_one(data, size);
}
