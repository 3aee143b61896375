/* SPDX-License-Identifier: MIT */
/*
 * The ELF fuzz target's body (probe discovery's ELF side: user/probes.c,
 * elfsyms.c, demangle.c), included by tests/fuzz/fuzz_elfsyms.c (libFuzzer)
 * and by tests/unit/test_corpus_replay.c, which replays
 * tests/fuzz/corpus-elfsyms/ through it in `make test`.
 *
 * The bytes go to a memfd, so probes_discover_ex reads them through
 * /proc/self/fd/N like any library path. realpath() fails on a memfd,
 * so its debuglink search never runs there; to reach it, the debug-file
 * lookup is run a second time for a placeholder path in a private
 * directory, whose only candidate debug file is a copy of the input
 * (named fuzz.debug, the debuglink name of the seeds). Nothing outside
 * that directory and /usr/lib/debug/.build-id can be a candidate: a
 * debuglink name is a plain file name (elfsyms_debuglink refuses '/').
 */
#ifndef SELFPROF_FUZZ_ELFSYMS_ENTRY_H
#define SELFPROF_FUZZ_ELFSYMS_ENTRY_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "demangle.h"
#include "elfsyms.h"
#include "probes.h"

static int elf_memfd = -1;
static char elf_mem_path[64], elf_dir[64], elf_lib_path[128], elf_dbg_path[128], elf_root[128];

static void elf_cleanup(void)
{
	unlink(elf_dbg_path);
	unlink(elf_lib_path);
	rmdir(elf_dir);
}

/* Once per process, before fuzz_elfsyms_one. */
static int fuzz_elfsyms_init(void)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	elf_memfd = memfd_create("fuzz_elfsyms", MFD_CLOEXEC);
	snprintf(elf_dir, sizeof(elf_dir), "%s/fuzz-elfsyms-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (elf_memfd < 0 || !mkdtemp(elf_dir)) {
		perror("fuzz_elfsyms: memfd_create/mkdtemp");
		exit(1);
	}
	snprintf(elf_mem_path, sizeof(elf_mem_path), "/proc/self/fd/%d", elf_memfd);
	snprintf(elf_lib_path, sizeof(elf_lib_path), "%s/lib.so", elf_dir);
	snprintf(elf_dbg_path, sizeof(elf_dbg_path), "%s/fuzz.debug", elf_dir);
	snprintf(elf_root, sizeof(elf_root), "%s/no-debug-root", elf_dir);	/* absent: no build-id hits */
	fd = open(elf_lib_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(elf_lib_path);
		exit(1);
	}
	close(fd);
	atexit(elf_cleanup);
	return 0;
}

static void elf_write_all(int fd, const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz_elfsyms: write");
		abort();
	}
}

static void elf_write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		perror(path);
		abort();
	}
	elf_write_all(fd, data, size);
	close(fd);
}

/* What discovery does with each symbol, called directly too: the walk
 * inside probes_discover_ex demangles only names that pass its pre-filter. */
static int elf_on_func(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct elfsyms *ef = ctx;
	uint64_t off;
	char *d;

	elfsyms_addr_to_offset(ef, addr, &off);
	elfsyms_addr_to_offset(ef, addr + size, &off);
	demangle_suffix(name);
	d = demangle_rust(name);
	free(d);
	return 0;
}

/* Everything elfsyms offers on one opened object. */
static void elf_poke_elfsyms(struct elfsyms *ef)
{
	uint8_t bid[64];
	char link[256], found[4096];
	uint32_t crc;

	elfsyms_has_symtab(ef);
	elfsyms_foreach_func(ef, elf_on_func, ef, NULL);
	elfsyms_build_id(ef, bid, sizeof(bid));
	elfsyms_build_id(ef, bid, 1);	/* a buffer smaller than the note */
	elfsyms_debuglink(ef, link, sizeof(link), &crc);
	elfsyms_debuglink(ef, link, 8, &crc);
	elfsyms_find_debug_file(elf_lib_path, ef, elf_root, found, sizeof(found));
}

static int fuzz_elfsyms_one(const uint8_t *data, size_t size)
{
	unsigned int all = PROBES_F_DEFAULT | PROBES_F_CONTEXT | PROBES_F_INHERIT |
			   PROBES_F_UNVERIFIED;
	struct probe_set set;
	struct elfsyms *ef;
	char err[256];

	elf_write_all(elf_memfd, data, size);
	elf_write_file(elf_dbg_path, data, size);
	if (probes_discover_ex(elf_mem_path, all, &set, err, sizeof(err)) == 0) {
		probes_explain_empty(&set);
		probes_free(&set);
	}
	if (elfsyms_open(elf_mem_path, &ef, err, sizeof(err)) == 0) {
		elf_poke_elfsyms(ef);
		elfsyms_close(ef);
	}
	return 0;
}

#endif
