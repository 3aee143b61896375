// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for probe discovery's ELF side (user/probes.c,
 * elfsyms.c, demangle.c): the input bytes are an ELF object, as
 * librustc_driver or its debug file would be. Built by `make fuzz` with
 * clang -fsanitize=fuzzer,address,undefined; seeds in tests/fuzz/corpus-elfsyms/
 * (made by tests/fuzz/make-elfsyms-seeds.sh).
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

static int memfd = -1;
static char mem_path[64], dir[64], lib_path[128], dbg_path[128], root[128];

static void cleanup(void)
{
	unlink(dbg_path);
	unlink(lib_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	memfd = memfd_create("fuzz_elfsyms", MFD_CLOEXEC);
	snprintf(dir, sizeof(dir), "%s/fuzz-elfsyms-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (memfd < 0 || !mkdtemp(dir)) {
		perror("fuzz_elfsyms: memfd_create/mkdtemp");
		exit(1);
	}
	snprintf(mem_path, sizeof(mem_path), "/proc/self/fd/%d", memfd);
	snprintf(lib_path, sizeof(lib_path), "%s/lib.so", dir);
	snprintf(dbg_path, sizeof(dbg_path), "%s/fuzz.debug", dir);
	snprintf(root, sizeof(root), "%s/no-debug-root", dir);	/* absent: no build-id hits */
	fd = open(lib_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(lib_path);
		exit(1);
	}
	close(fd);
	atexit(cleanup);
	return 0;
}

static void write_all(int fd, const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz_elfsyms: write");
		abort();
	}
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		perror(path);
		abort();
	}
	write_all(fd, data, size);
	close(fd);
}

/* What discovery does with each symbol, called directly too: the walk
 * inside probes_discover_ex demangles only names that pass its pre-filter. */
static int on_func(const char *name, uint64_t addr, uint64_t size, void *ctx)
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
static void poke_elfsyms(struct elfsyms *ef)
{
	uint8_t bid[64];
	char link[256], found[4096];
	uint32_t crc;

	elfsyms_has_symtab(ef);
	elfsyms_foreach_func(ef, on_func, ef, NULL);
	elfsyms_build_id(ef, bid, sizeof(bid));
	elfsyms_build_id(ef, bid, 1);	/* a buffer smaller than the note */
	elfsyms_debuglink(ef, link, sizeof(link), &crc);
	elfsyms_debuglink(ef, link, 8, &crc);
	elfsyms_find_debug_file(lib_path, ef, root, found, sizeof(found));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int all = PROBES_F_DEFAULT | PROBES_F_CONTEXT | PROBES_F_INHERIT |
			   PROBES_F_UNVERIFIED;
	struct probe_set set;
	struct elfsyms *ef;
	char err[256];

	write_all(memfd, data, size);
	write_file(dbg_path, data, size);
	if (probes_discover_ex(mem_path, all, &set, err, sizeof(err)) == 0) {
		probes_explain_empty(&set);
		probes_free(&set);
	}
	if (elfsyms_open(mem_path, &ef, err, sizeof(err)) == 0) {
		poke_elfsyms(ef);
		elfsyms_close(ef);
	}
	return 0;
}
