// SPDX-License-Identifier: MIT
/* ELF symbol reading (user/elfsyms.c) on the synthetic library of tests/fixtures/symlib. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "test.h"
#include "elfsyms.h"
#include "../fixtures/symlib/symlib.h"

struct seen {
	struct elfsyms *ef;
	const char *lib;
	int funcs, cold, marker, bodies_ok, bodies;
};

/* Every synthetic rustc function is "mov $0x5eed00NN, %eax; ret". */
static int on_func(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct seen *s = ctx;
	uint8_t b[6];
	uint64_t off;
	int fd;

	s->funcs++;
	s->cold += strstr(name, ".cold") != NULL;
	s->marker += !strcmp(name, "symlib_marker");
	if (strncmp(name, "_R", 2) && strncmp(name, "_ZN", 3))
		return 0;
	s->bodies++;
	if (elfsyms_addr_to_offset(s->ef, addr, &off))
		return 0;
	fd = open(s->lib, O_RDONLY);
	if (fd >= 0 && pread(fd, b, 6, (off_t)off) == 6 && b[0] == 0xb8 && b[3] == 0xed &&
	    b[4] == 0x5e && b[5] == 0xc3 && size == 6)
		s->bodies_ok++;
	if (fd >= 0)
		close(fd);
	return 0;
}

TEST(symbols_and_offsets)
{
	const char *lib = t_tmp("es.so");
	struct seen s = { .lib = lib };
	char err[256];
	size_t n = 0;
	uint64_t off;

	REQUIRE(symlib_build(lib, NULL) == 0);
	REQUIRE(elfsyms_open(lib, &s.ef, err, sizeof(err)) == 0);
	CHECK(elfsyms_has_symtab(s.ef));
	CHECK_EQ_I64(elfsyms_foreach_func(s.ef, on_func, &s, &n), 0);
	CHECK(n > 20);
	CHECK_EQ_I64(s.cold, 1);
	CHECK_EQ_I64(s.marker, 2);	/* in .symtab and .dynsym */
	CHECK(s.bodies >= 9);
	CHECK_EQ_I64(s.bodies_ok, s.bodies);
	CHECK_EQ_I64(elfsyms_addr_to_offset(s.ef, 0x42, &off), -ERANGE);
	CHECK_EQ_I64(elfsyms_addr_to_offset(s.ef, SYMLIB_BASE + (1 << 30), &off), -ERANGE);
	elfsyms_close(s.ef);
}

static int stop_at_first(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	++*(int *)ctx;
	return 7;
}

TEST(walk_can_stop)
{
	const char *lib = t_tmp("es2.so");
	struct elfsyms *ef;
	int calls = 0;

	REQUIRE(symlib_build(lib, NULL) == 0);
	REQUIRE(elfsyms_open(lib, &ef, NULL, 0) == 0);
	CHECK_EQ_I64(elfsyms_foreach_func(ef, stop_at_first, &calls, NULL), 7);
	CHECK_EQ_I64(calls, 1);
	elfsyms_close(ef);
}

TEST(build_id_and_debuglink)
{
	const char *lib = t_tmp("es3.so"), *dbg = t_tmp("es3.debug");
	struct elfsyms *ef;
	uint8_t id[64];
	char name[256], cmd[1200];
	uint32_t crc;
	unsigned char buf[4096];
	uLong want = crc32(0L, Z_NULL, 0);
	ssize_t r;
	int fd;

	REQUIRE(symlib_build(lib, "-Wl,--build-id=0x1234abcd") == 0);
	REQUIRE(elfsyms_open(lib, &ef, NULL, 0) == 0);
	CHECK_EQ_U64(elfsyms_build_id(ef, id, sizeof(id)), 4);
	CHECK(id[0] == 0x12 && id[3] == 0xcd);
	CHECK_EQ_I64(elfsyms_debuglink(ef, name, sizeof(name), &crc), -ENOENT);
	elfsyms_close(ef);

	snprintf(cmd, sizeof(cmd), "objcopy --only-keep-debug '%s' '%s' && objcopy "
		 "--add-gnu-debuglink='%s' '%s'", lib, dbg, dbg, lib);
	REQUIRE(system(cmd) == 0);
	REQUIRE(elfsyms_open(lib, &ef, NULL, 0) == 0);
	CHECK_EQ_I64(elfsyms_debuglink(ef, name, sizeof(name), &crc), 0);
	CHECK(strstr(dbg, name) != NULL);
	fd = open(dbg, O_RDONLY);
	REQUIRE(fd >= 0);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		want = crc32(want, buf, (uInt)r);
	close(fd);
	CHECK_EQ_U64(crc, (uint32_t)want);
	CHECK_EQ_I64(elfsyms_debuglink(ef, name, 4, &crc), -ENOENT);	/* name does not fit */
	elfsyms_close(ef);
}

TEST(open_errors)
{
	struct elfsyms *ef = (struct elfsyms *)1;
	char err[256] = "";

	CHECK_EQ_I64(elfsyms_open("/nonexistent/x.so", &ef, err, sizeof(err)), -ENOENT);
	CHECK(ef == NULL);
	CHECK(strstr(err, "/nonexistent/x.so") != NULL);
	CHECK_EQ_I64(elfsyms_open("/", &ef, err, sizeof(err)), -EISDIR);
	CHECK_EQ_I64(elfsyms_open("/dev/null", &ef, NULL, 0), -ENOEXEC);
	elfsyms_close(NULL);
}

/* Write a .gnu_debuglink of name (and a zero CRC) into lib. */
static int set_debuglink(const char *lib, const char *name)
{
	const char *sec = t_tmp("dl-section.bin");
	FILE *f = fopen(sec, "wb");
	size_t len = strlen(name), pad = 4 - len % 4;

	if (!f)
		return -1;
	fwrite(name, 1, len, f);
	fwrite("\0\0\0\0", 1, pad, f);
	fwrite("\0\0\0\0", 1, 4, f);	/* the CRC */
	fclose(f);
	return symlib_sh("objcopy --remove-section=.gnu_debuglink --add-section .gnu_debuglink='%s' '%s'",
			 sec, lib);
}

/* A debuglink names a file; a path in it would let any library we are
 * handed point the search at any file of the host. */
TEST(debuglink_with_path_is_refused)
{
	const char *lib = t_tmp("es4.so");
	const char *bad[] = { "../es4.debug", "/etc/passwd", "sub/x.debug", "..", "." };
	struct elfsyms *ef;
	char name[256];
	uint32_t crc;

	REQUIRE(symlib_build(lib, NULL) == 0);
	REQUIRE(set_debuglink(lib, "es4.debug") == 0);
	REQUIRE(elfsyms_open(lib, &ef, NULL, 0) == 0);
	CHECK_EQ_I64(elfsyms_debuglink(ef, name, sizeof(name), &crc), 0);
	CHECK_STR(name, "es4.debug");
	elfsyms_close(ef);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		REQUIRE(set_debuglink(lib, bad[i]) == 0);
		REQUIRE(elfsyms_open(lib, &ef, NULL, 0) == 0);
		CHECK_EQ_I64(elfsyms_debuglink(ef, name, sizeof(name), &crc), -ENOENT);
		elfsyms_close(ef);
	}
}

/* The last PT_LOAD program header of an ELF64 file (nothing maps above
 * it): its file offset, or 0. */
static long last_load_phdr(int fd, Elf64_Phdr *ph)
{
	Elf64_Ehdr eh;
	Elf64_Phdr p;
	long found = 0;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		long at = (long)eh.e_phoff + i * (long)sizeof(p);

		if (pread(fd, &p, sizeof(p), at) == sizeof(p) && p.p_type == PT_LOAD) {
			*ph = p;
			found = at;
		}
	}
	return found;
}

/* A forged p_filesz reaching past the end of the file: no offset past it
 * (it would be a uprobe on nothing), the in-file part still maps. */
TEST(segment_past_eof_is_cut)
{
	const char *lib = t_tmp("es5.so");
	struct elfsyms *ef;
	Elf64_Phdr ph;
	struct stat st;
	uint64_t off;
	long at;
	int fd;

	REQUIRE(symlib_build(lib, NULL) == 0);
	fd = open(lib, O_RDWR);
	REQUIRE(fd >= 0);
	at = last_load_phdr(fd, &ph);
	REQUIRE(at > 0 && fstat(fd, &st) == 0);
	ph.p_filesz = ph.p_memsz = 1ULL << 40;
	CHECK(pwrite(fd, &ph, sizeof(ph), at) == sizeof(ph));
	close(fd);
	REQUIRE(elfsyms_open(lib, &ef, NULL, 0) == 0);
	CHECK_EQ_I64(elfsyms_addr_to_offset(ef, ph.p_vaddr + (uint64_t)st.st_size + 4096 - ph.p_offset,
					    &off), -ERANGE);
	CHECK_EQ_I64(elfsyms_addr_to_offset(ef, ph.p_vaddr + 1, &off), 0);
	CHECK_EQ_U64(off, ph.p_offset + 1);
	elfsyms_close(ef);
}
