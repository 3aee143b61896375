// SPDX-License-Identifier: MIT
/*
 * Probe discovery (user/probes.c, elfsyms.c): on a synthetic library built
 * here from tests/fixtures/symlib (real rustc 1.95 symbol names), its
 * stripped and split-debug variants, garbage input, and the real rustup
 * librustc_driver when one is installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "probes.h"
#include "elfsyms.h"
#include "selfprof.h"
#include "../fixtures/symlib/symlib.h"

static const struct probe_point *find_point(const struct probe_set *s, const char *label, int role)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->points[i].label, label) && s->points[i].role == role)
			return &s->points[i];
	return NULL;
}

static size_t count_kind(const struct probe_set *s, int kind)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->points[i].kind == kind;
	return n;
}

static int read_at(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, len, (off_t)off);

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* The synthetic functions are "mov $imm, %eax; ret": check the bytes at the offset. */
static int body_is(const char *path, uint64_t off, uint32_t imm)
{
	uint8_t b[6], want[6] = { 0xb8, imm, imm >> 8, imm >> 16, imm >> 24, 0xc3 };

	return !read_at(path, off, b, sizeof(b)) && !memcmp(b, want, sizeof(b));
}

/* Build the library once per run; NULL (and a failed check) if no compiler. */
static const char *symlib(void)
{
	static char path[512];

	if (!*path) {
		snprintf(path, sizeof(path), "%s", t_tmp("symlib.so"));
		if (symlib_build(path, NULL)) {
			*path = 0;
			return NULL;
		}
	}
	return path;
}

/* Expected provider points: label and the constant its body loads. */
static const struct {
	const char *label;
	uint32_t imm;
} providers[] = {
	{ "typeck", 0x5eed0001 }, { "type_of", 0x5eed0002 }, { "mir_built", 0x5eed0003 },
	{ "visibility", 0x5eed0007 },	/* legacy-mangled */
};

static void check_synthetic_points(const char *lib, const struct probe_set *s)
{
	const struct probe_point *p;
	int folded;

	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		p = find_point(s, providers[i].label, PROBE_ROLE_INTERVAL);
		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_EQ_U64(p->kind, SP_KIND_QUERY);
		CHECK(p->addr >= SYMLIB_BASE && p->offset < SYMLIB_BASE);
		CHECK(body_is(lib, p->offset, providers[i].imm));
	}
	/* crate_name and crate_hash share an address: exactly one point. */
	folded = !!find_point(s, "crate_name", PROBE_ROLE_INTERVAL) +
		 !!find_point(s, "crate_hash", PROBE_ROLE_INTERVAL);
	CHECK_EQ_U64(folded, 1);
	/* The .cold fragment (0x5eed0004) is never a point. */
	for (size_t i = 0; i < s->n; i++)
		CHECK(!body_is(lib, s->points[i].offset, 0x5eed0004));
}

TEST(synthetic_default_set)
{
	const char *lib = symlib();
	struct probe_set s;
	char err[256] = "";

	REQUIRE(lib);
	REQUIRE(probes_discover(lib, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.n, 5);
	CHECK_EQ_U64(s.stripped, 0);
	CHECK(s.debug_file == NULL);
	CHECK(s.generation && strstr(s.generation, "invoke_provider_fn"));
	CHECK(s.nsymbols > 10);
	CHECK(probes_explain_empty(&s) == NULL);
	CHECK_STR(s.lib_path, lib);
	check_synthetic_points(lib, &s);
	for (size_t i = 0; i < s.n; i++)
		CHECK_EQ_U64(s.points[i].role, PROBE_ROLE_INTERVAL);
	probes_free(&s);
}

TEST(synthetic_context_and_inherit)
{
	const char *lib = symlib();
	const struct probe_point *p;
	struct probe_set s;
	char err[256];

	REQUIRE(lib);
	REQUIRE(probes_discover_ex(lib, PROBES_F_QUERIES | PROBES_F_CONTEXT | PROBES_F_INHERIT,
				   &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.n, 8);
	p = find_point(&s, "typeck", PROBE_ROLE_CONTEXT);
	CHECK(p && body_is(lib, p->offset, 0x5eed0006));
	p = find_point(&s, "type_of", PROBE_ROLE_CONTEXT);	/* the ".llvm.N" one */
	CHECK(p && body_is(lib, p->offset, 0x5eed0005));
	p = find_point(&s, "<unknown>", PROBE_ROLE_INHERIT);
	CHECK(p && p->kind == SP_KIND_QUERY_BLOCKED && body_is(lib, p->offset, 0x5eed0009));
	probes_free(&s);

	/* INHERIT alone: the generation is still recognised by its providers. */
	REQUIRE(probes_discover_ex(lib, PROBES_F_INHERIT, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.n, 1);
	probes_free(&s);
}

/* Debian's 1.96 exports QueryLatch::wait_on but no provider: no points. */
TEST(no_providers_no_points)
{
	const char *lib = t_tmp("latch-only.so");
	struct probe_set s;
	char err[256];

	REQUIRE(symlib_build(lib, "-DSYMLIB_LATCH_ONLY") == 0);
	REQUIRE(probes_discover_ex(lib, PROBES_F_DEFAULT | PROBES_F_CONTEXT | PROBES_F_INHERIT |
				   PROBES_F_UNVERIFIED, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.n, 0);
	CHECK(probes_explain_empty(&s) && strstr(probes_explain_empty(&s), "naming scheme"));
	probes_free(&s);
}

TEST(cookie_layout)
{
	uint64_t c = PROBE_COOKIE(318, PROBE_ROLE_INHERIT, SP_KIND_QUERY_BLOCKED);

	CHECK_EQ_U64(PROBE_COOKIE_ID(c), 318);
	CHECK_EQ_U64(PROBE_COOKIE_ROLE(c), PROBE_ROLE_INHERIT);
	CHECK_EQ_U64(PROBE_COOKIE_KIND(c), SP_KIND_QUERY_BLOCKED);
}

TEST(stripped_library)
{
	const char *lib = symlib(), *out = t_tmp("stripped.so");
	struct probe_set s;
	char err[256];

	REQUIRE(lib);
	REQUIRE(symlib_sh("strip -o '%s' '%s'", out, lib) == 0);
	REQUIRE(probes_discover(out, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.n, 0);
	CHECK_EQ_U64(s.stripped, 1);
	CHECK(s.nsymbols > 0);	/* .dynsym was still read */
	CHECK(probes_explain_empty(&s) && strstr(probes_explain_empty(&s), "stripped"));
	CHECK(strstr(probes_explain_empty(&s), "stripped.so"));
	probes_free(&s);
}

/* Split lib into a stripped dir/name.so with a debuglink to debug_path. */
static int split_debug(const char *lib, const char *stripped, const char *debug_path)
{
	return symlib_sh("objcopy --only-keep-debug '%s' '%s' && strip -o '%s' '%s' && "
			 "cd \"$(dirname '%s')\" && objcopy --add-gnu-debuglink='%s' '%s'",
			 lib, debug_path, stripped, lib, debug_path, debug_path, stripped);
}

TEST(debuglink_same_dir)
{
	const char *lib = symlib(), *dir = t_tmp("dl1");
	char so[600], dbg[600];
	struct probe_set s;
	char err[256];

	REQUIRE(lib);
	snprintf(so, sizeof(so), "%s/lib.so", dir);
	snprintf(dbg, sizeof(dbg), "%s/lib.so.debug", dir);
	mkdir(dir, 0755);
	REQUIRE(split_debug(lib, so, dbg) == 0);
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.stripped, 0);
	CHECK(s.debug_file && strstr(s.debug_file, "lib.so.debug"));
	CHECK_EQ_U64(s.n, 5);
	check_synthetic_points(so, &s);	/* offsets from lib.so, symbols from the debug file */
	probes_free(&s);
}

/* A library someone else owns: its directory is theirs, so the files its
 * debuglink names there are not opened (the search would run as root). */
TEST(debuglink_of_another_users_library_not_followed)
{
	const char *lib = symlib(), *dir = t_tmp("dl-other");
	char so[600], dbg[600];
	struct probe_set s;
	char err[256];

	if (geteuid() != 0)
		SKIP("needs root (to give the library to another user)");
	REQUIRE(lib);
	snprintf(so, sizeof(so), "%s/lib.so", dir);
	snprintf(dbg, sizeof(dbg), "%s/lib.so.debug", dir);
	mkdir(dir, 0755);
	REQUIRE(split_debug(lib, so, dbg) == 0);
	REQUIRE(chown(so, 65534, 65534) == 0);
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.stripped, 1);
	CHECK(s.debug_file == NULL);
	CHECK_EQ_U64(s.n, 0);
	probes_free(&s);
}

/* A root library's debug file planted by someone else (a library in a
 * directory others may write: its debuglink names a file there): not
 * used. Its symbols would place probes inside instructions of a library
 * every user's processes map. Only root's files, or the library owner's,
 * writable by no one else, give symbols. */
TEST(debug_file_someone_else_planted_is_not_used)
{
	const char *lib = symlib(), *dir = t_tmp("dl-planted");
	char so[600], dbg[600];
	struct probe_set s;
	char err[256];

	if (geteuid() != 0)
		SKIP("needs root (to give the debug file to another user)");
	REQUIRE(lib);
	snprintf(so, sizeof(so), "%s/lib.so", dir);
	snprintf(dbg, sizeof(dbg), "%s/lib.so.debug", dir);
	mkdir(dir, 0777);
	REQUIRE(split_debug(lib, so, dbg) == 0);
	REQUIRE(chown(dbg, 65534, 65534) == 0);		/* nobody's: planted */
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK(s.debug_file == NULL);
	CHECK_EQ_U64(s.n, 0);
	probes_free(&s);
	REQUIRE(chown(dbg, 0, 0) == 0);
	REQUIRE(chmod(dbg, 0666) == 0);			/* root's, but anyone may rewrite it */
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK(s.debug_file == NULL);
	probes_free(&s);
	REQUIRE(chmod(dbg, 0644) == 0);			/* root's alone: used */
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK(s.debug_file != NULL);
	CHECK_EQ_U64(s.n, 5);
	probes_free(&s);
}

TEST(debuglink_dot_debug_dir)
{
	const char *lib = symlib(), *dir = t_tmp("dl2");
	char so[600], dbg[600], sub[600];
	struct probe_set s;
	char err[256];

	REQUIRE(lib);
	snprintf(so, sizeof(so), "%s/lib.so", dir);
	snprintf(sub, sizeof(sub), "%s/.debug", dir);
	snprintf(dbg, sizeof(dbg), "%s/.debug/lib.debug", dir);
	mkdir(dir, 0755);
	mkdir(sub, 0755);
	/* objcopy wants the debug file where it is named; move it afterwards. */
	REQUIRE(split_debug(lib, so, t_tmp("dl2-lib.debug")) == 0);
	REQUIRE(symlib_sh("cp '%s' '%s' && objcopy --remove-section=.gnu_debuglink '%s' && "
			  "cp '%s' '%s' && cd '%s' && objcopy --add-gnu-debuglink='%s' '%s'",
			  t_tmp("dl2-lib.debug"), dbg, so, t_tmp("dl2-lib.debug"), dbg, sub, dbg,
			  so) == 0);
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK(s.debug_file && strstr(s.debug_file, "/.debug/lib.debug"));
	CHECK_EQ_U64(s.n, 5);
	probes_free(&s);
}

TEST(debug_file_by_build_id)
{
	const char *lib = symlib(), *root = t_tmp("dbgroot");
	struct elfsyms *ef;
	uint8_t id[64];
	char hex[129], path[1024], found[1024], err[256];
	size_t len;

	REQUIRE(lib);
	REQUIRE(elfsyms_open(lib, &ef, err, sizeof(err)) == 0);
	len = elfsyms_build_id(ef, id, sizeof(id));
	if (len < 2 || len > 64) {
		elfsyms_close(ef);
		SKIP("the compiler writes no build-id");
	}
	for (size_t i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", id[i]);
	snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", root, hex, hex + 2);
	CHECK(elfsyms_find_debug_file(lib, ef, root, found, sizeof(found)) == -ENOENT);
	CHECK(symlib_sh("mkdir -p \"$(dirname '%s')\" && objcopy --only-keep-debug '%s' '%s'",
			path, lib, path) == 0);
	CHECK(elfsyms_find_debug_file(lib, ef, root, found, sizeof(found)) == 0);
	CHECK_STR(found, path);
	elfsyms_close(ef);
}

TEST(debug_file_of_another_build_is_refused)
{
	const char *lib = t_tmp("bid1.so"), *other = t_tmp("bid2.so"), *dir = t_tmp("dl3");
	char so[600], dbg[600];
	struct probe_set s;
	char err[256];

	REQUIRE(symlib_build(lib, "-Wl,--build-id=0x1111") == 0);
	REQUIRE(symlib_build(other, "-Wl,--build-id=0x2222") == 0);
	snprintf(so, sizeof(so), "%s/lib.so", dir);
	snprintf(dbg, sizeof(dbg), "%s/lib.debug", dir);
	mkdir(dir, 0755);
	REQUIRE(split_debug(lib, so, dbg) == 0);
	REQUIRE(symlib_sh("objcopy --only-keep-debug '%s' '%s'", other, dbg) == 0);
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.stripped, 1);
	CHECK_EQ_U64(s.n, 0);
	CHECK(s.debug_file == NULL);
	probes_free(&s);
}

/* Without build-ids only the debuglink CRC tells the right debug file. */
TEST(debuglink_crc_without_build_id)
{
	const char *lib = t_tmp("nobid.so"), *other = t_tmp("nobid-O0.so"), *dir = t_tmp("dl4");
	char so[600], dbg[600];
	struct probe_set s;
	char err[256];

	REQUIRE(symlib_build(lib, "-Wl,--build-id=none") == 0);
	REQUIRE(symlib_build(other, "-Wl,--build-id=none -O0 -g") == 0);
	snprintf(so, sizeof(so), "%s/lib.so", dir);
	snprintf(dbg, sizeof(dbg), "%s/lib.debug", dir);
	mkdir(dir, 0755);
	REQUIRE(split_debug(lib, so, dbg) == 0);
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.n, 5);
	CHECK(s.debug_file != NULL);
	probes_free(&s);
	REQUIRE(symlib_sh("objcopy --only-keep-debug '%s' '%s'", other, dbg) == 0);
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.stripped, 1);
	CHECK_EQ_U64(s.n, 0);
	probes_free(&s);
}

/* Replace lib's .gnu_debuglink by one naming name (CRC 0: build-ids decide). */
static int set_debuglink(const char *lib, const char *name)
{
	return symlib_sh("printf '%%s\\000\\000\\000\\000\\000\\000\\000\\000' '%s' | "
			 "head -c $(( (%zu + 4) / 4 * 4 + 4 )) > '%s.dl' && "
			 "objcopy --remove-section=.gnu_debuglink --add-section .gnu_debuglink='%s.dl' '%s'",
			 name, strlen(name), lib, lib, lib);
}

/* A matching debug file one directory up, named "../up.debug" by the
 * debuglink: a path, not a file name, so it is not looked at. */
TEST(debuglink_path_outside_dirs_ignored)
{
	const char *lib = symlib(), *dir = t_tmp("dl5");
	char so[700], up[700], sub[600];
	struct probe_set s;
	char err[256];

	REQUIRE(lib);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(so, sizeof(so), "%s/lib.so", sub);
	snprintf(up, sizeof(up), "%s/up.debug", dir);
	mkdir(dir, 0755);
	mkdir(sub, 0755);
	REQUIRE(symlib_sh("objcopy --only-keep-debug '%s' '%s' && strip -o '%s' '%s'",
			  lib, up, so, lib) == 0);
	REQUIRE(set_debuglink(so, "up.debug") == 0);
	snprintf(up, sizeof(up), "%s/.debug", sub);	/* the control: where gdb looks */
	mkdir(up, 0755);
	REQUIRE(symlib_sh("cp '%s/up.debug' '%s/'", dir, up) == 0);
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.n, 5);
	probes_free(&s);
	REQUIRE(symlib_sh("rm -r '%s'", up) == 0);
	REQUIRE(set_debuglink(so, "../up.debug") == 0);
	REQUIRE(probes_discover(so, &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.stripped, 1);
	CHECK(s.debug_file == NULL);
	CHECK_EQ_U64(s.n, 0);
	probes_free(&s);
}

/* A debuglink naming a FIFO (or any non-regular file): not opened, so
 * no hang on a FIFO without a writer and no device opened. */
TEST(debuglink_to_fifo_does_not_hang)
{
	const char *lib = symlib(), *dir = t_tmp("dl6");
	char so[600], fifo[600];
	struct probe_set s, direct;
	char err[256];
	int rc, rc_direct;

	REQUIRE(lib);
	snprintf(so, sizeof(so), "%s/lib.so", dir);
	snprintf(fifo, sizeof(fifo), "%s/lib.debug", dir);
	mkdir(dir, 0755);
	REQUIRE(symlib_sh("strip -o '%s' '%s'", so, lib) == 0);
	REQUIRE(set_debuglink(so, "lib.debug") == 0);
	REQUIRE(symlib_sh("mkfifo '%s'", fifo) == 0);
	alarm(20);	/* a regression hangs in open(): fail loudly instead */
	rc = probes_discover(so, &s, err, sizeof(err));
	rc_direct = probes_discover(fifo, &direct, err, sizeof(err));	/* given as the library */
	alarm(0);
	REQUIRE(rc == 0);
	CHECK_EQ_U64(s.stripped, 1);
	CHECK_EQ_U64(s.n, 0);
	probes_free(&s);
	CHECK_EQ_I64(rc_direct, -ENOEXEC);
}

static void check_bad_input(const char *path, int want_rc)
{
	struct probe_set s;
	char err[512] = "";
	int rc = probes_discover(path, &s, err, sizeof(err));

	CHECK_EQ_I64(rc, want_rc);
	CHECK(strstr(err, path) != NULL);
	CHECK(strchr(err, '\n') == NULL);
	CHECK_EQ_U64(s.n, 0);
	probes_free(&s);	/* harmless after a failure */
}

TEST(garbage_input)
{
	const char *txt = t_tmp("notelf.so"), *empty = t_tmp("empty.so"), *dir = t_tmp("adir");
	FILE *f = fopen(txt, "w");

	REQUIRE(f);
	fputs("this is not an ELF file, just some text long enough to look like one\n", f);
	fclose(f);
	f = fopen(empty, "w");
	REQUIRE(f);
	fclose(f);
	mkdir(dir, 0755);
	check_bad_input(txt, -ENOEXEC);
	check_bad_input(empty, -ENOEXEC);
	check_bad_input(dir, -EISDIR);
	check_bad_input(t_tmp("does-not-exist.so"), -ENOENT);
	check_bad_input("/dev/null", -ENOEXEC);
}

TEST(truncated_elf)
{
	const char *lib = symlib(), *cut = t_tmp("cut.so");
	struct probe_set s;
	char err[256];
	int rc;

	REQUIRE(lib);
	REQUIRE(symlib_sh("head -c 3000 '%s' > '%s'", lib, cut) == 0);
	rc = probes_discover(cut, &s, err, sizeof(err));
	CHECK(rc == 0 || rc == -ENOEXEC);	/* whatever is readable, no crash */
	if (rc == 0)
		probes_free(&s);
}

TEST(unrelated_elf_explains)
{
	struct probe_set s;
	char err[256];

	REQUIRE(probes_discover("/proc/self/exe", &s, err, sizeof(err)) == 0);
	CHECK_EQ_U64(s.n, 0);
	CHECK(probes_explain_empty(&s) && strstr(probes_explain_empty(&s), "naming scheme"));
	probes_free(&s);
}

TEST(find_driver)
{
	const char *root = t_tmp("sysroot");
	char lib[600], path[1024];

	snprintf(lib, sizeof(lib), "%s/lib", root);
	mkdir(root, 0755);
	mkdir(lib, 0755);
	CHECK_EQ_I64(probes_find_driver(root, path, sizeof(path)), -ENOENT);
	REQUIRE(symlib_sh("touch '%s/librustc_driver-0123abcd.so' '%s/libstd-0123.so'", lib, lib) == 0);
	CHECK_EQ_I64(probes_find_driver(root, path, sizeof(path)), 0);
	CHECK(strstr(path, "/lib/librustc_driver-0123abcd.so") != NULL);
	CHECK_EQ_I64(probes_find_driver(root, path, 8), -ENOENT);	/* does not fit */
}

/* First line of a shell command's output, "" if none. */
static void first_line(const char *cmd, char *buf, size_t size)
{
	FILE *p = popen(cmd, "r");

	*buf = 0;
	if (!p)
		return;
	if (!fgets(buf, (int)size, p))
		*buf = 0;
	pclose(p);
	buf[strcspn(buf, "\n")] = 0;
}

/* The rustup toolchain's library, if there is one, and that toolchain's
 * `rustc --version` ("rustc 1.95.0 (59807616e 2026-04-14)"). */
static int real_driver(char *path, size_t size, char *version, size_t vsize)
{
	char cmd[600], sysroot[PATH_MAX] = "";
	const char *home = getenv("HOME");

	snprintf(cmd, sizeof(cmd), "'%s/.cargo/bin/rustc' --print sysroot 2>/dev/null",
		 home ? home : "/root");
	first_line(cmd, sysroot, sizeof(sysroot));
	snprintf(cmd, sizeof(cmd), "'%s/.cargo/bin/rustc' --version 2>/dev/null",
		 home ? home : "/root");
	first_line(cmd, version, vsize);
	return *sysroot ? probes_find_driver(sysroot, path, size) : -1;
}

/* The query providers of lib by an independent route: binutils' nm, every
 * symbol named ...::query_impl::<query>::invoke_provider_fn::
 * __rust_begin_short_backtrace (v0 or legacy mangling, no ".cold"/".warm"
 * suffix), as distinct addresses, sorted. Returns how many (0 if nm failed). */
static size_t nm_providers(const char *lib, uint64_t *addr, size_t max)
{
	char cmd[PATH_MAX + 300], line[64];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm --defined-only '%s' 2>/dev/null | "
		 "grep -E ' [tTwW] (_R.*10query_impl[0-9]+[a-z_0-9]+18invoke_provider_fn"
		 "28___rust_begin_short_backtrace|_ZN.*10query_impl[0-9]+[a-z_0-9]+18invoke_provider_fn"
		 "28__rust_begin_short_backtrace17h[0-9a-f]{16}E)$' | cut -d' ' -f1 | sort -u", lib);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (n < max && fgets(line, sizeof(line), p))
		addr[n++] = strtoull(line, NULL, 16);
	pclose(p);
	return n;
}

static int has_addr(const uint64_t *addr, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++)
		if (addr[i] == a)
			return 1;
	return 0;
}

/* Executable sections of lib (address, offset, size), read with readelf:
 * an independent check of the address -> offset mapping. */
struct xsec {
	unsigned long long addr, off, size;
};

static size_t exec_sections(const char *lib, struct xsec *sec, size_t max)
{
	char cmd[PATH_MAX + 200], line[512];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -SW '%s' | sed -n 's/^ *\\[ *[0-9]*\\] *//p' | "
		 "awk '$2 ~ /PROGBITS/ && $0 ~ / AX / {print $3, $4, $5}'", lib);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (n < max && fgets(line, sizeof(line), p))
		if (sscanf(line, "%llx %llx %llx", &sec[n].addr, &sec[n].off, &sec[n].size) == 3)
			n++;
	pclose(p);
	return n;
}

static int offset_via_sections(const struct xsec *sec, size_t n, uint64_t addr, uint64_t *off)
{
	for (size_t i = 0; i < n; i++)
		if (addr >= sec[i].addr && addr < sec[i].addr + sec[i].size) {
			*off = addr - sec[i].addr + sec[i].off;
			return 0;
		}
	return -1;
}

/* The real library. Properties hold for any release: every provider that nm
 * finds is a query point and nothing else is, passes are found by name.
 * The exact totals are those of 1.95's library only. */
TEST(real_rustc_driver)
{
	char lib[PATH_MAX], err[256], version[256];
	static uint64_t prov[4096];
	size_t nprov, missing = 0, extra = 0;
	int is_195;
	struct probe_set s;
	struct timespec t0, t1;
	const struct probe_point *p;
	uint64_t off;
	struct stat st;
	struct xsec sec[64];
	size_t nsec;
	int bad = 0;

	if (real_driver(lib, sizeof(lib), version, sizeof(version)) || !strstr(lib, "librustc_driver"))
		SKIP("no rustup toolchain (~/.cargo/bin/rustc)");
	is_195 = !strncmp(version, "rustc 1.95.", 11);
	printf("# %s\n", version);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	REQUIRE(probes_discover(lib, &s, err, sizeof(err)) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %s: %zu points, %zu symbols, %.3f s\n", lib, s.n, s.nsymbols,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	CHECK(t1.tv_sec - t0.tv_sec < 10);	/* ~0.03 s optimised; sanitizers are slow */
	REQUIRE(stat(lib, &st) == 0);
	/* Every provider function is a point, and every query point is one. */
	nprov = nm_providers(lib, prov, sizeof(prov) / sizeof(prov[0]));
	printf("# nm: %zu provider functions\n", nprov);
	CHECK(nprov > 100);
	CHECK_EQ_U64(count_kind(&s, SP_KIND_QUERY), nprov);
	for (size_t i = 0; i < s.n; i++)
		if (s.points[i].kind == SP_KIND_QUERY)
			extra += !has_addr(prov, nprov, s.points[i].addr);
	for (size_t i = 0; i < nprov; i++) {
		int found = 0;

		for (size_t j = 0; j < s.n && !found; j++)
			found = s.points[j].kind == SP_KIND_QUERY && s.points[j].addr == prov[i];
		missing += !found;
	}
	CHECK_EQ_U64(extra, 0);
	CHECK_EQ_U64(missing, 0);
	CHECK(count_kind(&s, SP_KIND_GENERIC_ACTIVITY) >= 4);
	CHECK_EQ_U64(s.n, count_kind(&s, SP_KIND_QUERY) + count_kind(&s, SP_KIND_GENERIC_ACTIVITY));
	if (is_195) {
		/* 1.95 has 319 provider functions (plus 86 ".cold"/".warm"
		 * fragments of them, which are not entry points: 405 names in
		 * all) and 17 verified pass functions. */
		CHECK_EQ_U64(count_kind(&s, SP_KIND_QUERY), 319);
		CHECK_EQ_U64(count_kind(&s, SP_KIND_GENERIC_ACTIVITY), 17);
		CHECK_EQ_U64(s.n, 336);
	}
	for (const char *const *a = (const char *const[]){ "type_check_crate", "codegen_module",
			"LLVM_module_optimize", "generate_crate_metadata", NULL }; *a; a++)
		CHECK(find_point(&s, *a, PROBE_ROLE_INTERVAL) != NULL);
	CHECK(s.nsymbols > 160000);
	nsec = exec_sections(lib, sec, 64);
	CHECK(nsec >= 2);
	/* queries by name: 1.95's (1.97 has no typeck query) */
	for (const char *const *q = (const char *const[]){ "typeck", "type_of", "mir_built", NULL };
	     is_195 && *q; q++) {
		p = find_point(&s, *q, PROBE_ROLE_INTERVAL);
		CHECK(p && p->kind == SP_KIND_QUERY);
	}
	for (size_t i = 0; i < s.n; i++) {
		p = &s.points[i];
		bad += p->offset >= (uint64_t)st.st_size || p->role != PROBE_ROLE_INTERVAL ||
		       offset_via_sections(sec, nsec, p->addr, &off) || off != p->offset;
	}
	CHECK_EQ_U64(bad, 0);
	probes_free(&s);

	/* The opt-in points: execute_query wrappers and QueryLatch::wait_on. */
	REQUIRE(probes_discover_ex(lib, PROBES_F_CONTEXT | PROBES_F_INHERIT, &s, err,
				   sizeof(err)) == 0);
	bad = 0;
	for (size_t i = 0; i < s.n; i++)
		bad += s.points[i].role == PROBE_ROLE_CONTEXT ? 0 : 1;
	CHECK_EQ_U64(bad, 1);
	p = find_point(&s, "<unknown>", PROBE_ROLE_INHERIT);
	CHECK(p && p->kind == SP_KIND_QUERY_BLOCKED);
	CHECK(s.n > 1);
	if (is_195)
		CHECK_EQ_U64(s.n, 639);
	probes_free(&s);
}
