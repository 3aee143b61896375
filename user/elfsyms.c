// SPDX-License-Identifier: MIT
/*
 * ELF symbol reading for probe discovery. The file is mmap'ed by libelf:
 * librustc_driver is 150 MB with a 19 MB string table, and only the symbol
 * tables, notes and headers are ever touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "elfsyms.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif

struct load_seg {
	uint64_t vaddr, filesz, offset;
};

struct elfsyms {
	int fd;
	uint64_t size;		/* of the file: no offset handed out lies past it */
	Elf *elf;
	size_t shstrndx;
	struct load_seg *segs;
	size_t nsegs;
};

static int fail(char *err, size_t errlen, int rc, const char *path, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, what);
	return rc;
}

/* Refuse what libelf would misread or block on: directories, devices, empty files. */
static int check_regular_file(int fd, const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st))
		return fail(err, errlen, -errno, path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(err, errlen, -EISDIR, path, "is a directory, not an ELF file");
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, -ENOEXEC, path, "not a regular file");
	if (st.st_size == 0)
		return fail(err, errlen, -ENOEXEC, path, "empty file, not an ELF file");
	*size = (uint64_t)st.st_size;
	return 0;
}

/* How much of len bytes at off the file holds: headers of a truncated or
 * forged file may reach past its end, and an offset there would be a
 * uprobe on nothing. */
static uint64_t in_file(const struct elfsyms *ef, uint64_t off, uint64_t len)
{
	if (off >= ef->size)
		return 0;
	return len < ef->size - off ? len : ef->size - off;
}

/* Remember the PT_LOAD segments: they define the address -> offset map.
 * One wholly past the end of the file stays (empty): the file still has
 * program headers, so the section fallback does not apply to it. */
static int read_segments(struct elfsyms *ef)
{
	size_t n, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(ef->elf, &n) || n == 0)
		return 0;
	ef->segs = calloc(n, sizeof(*ef->segs));
	if (!ef->segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(ef->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		ph.p_filesz = in_file(ef, ph.p_offset, ph.p_filesz);
		ef->segs[ef->nsegs++] = (struct load_seg){ ph.p_vaddr, ph.p_filesz, ph.p_offset };
	}
	return 0;
}

/*
 * Open path for reading only if it is a regular file: looked at through
 * an O_PATH descriptor first, which opens nothing, so that a device node
 * (a symlink planted where a file was expected) is never opened at all
 * (some act on open), nor a FIFO waited on. Then the same inode is
 * opened through /proc/self/fd. The fd, or -errno (-EISDIR: a directory,
 * -ENOEXEC: another kind of file).
 */
static int open_regular(const char *path)
{
	char again[64];
	struct stat st;
	int pfd = open(path, O_PATH | O_CLOEXEC), fd;

	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st)) {
		fd = -errno;
		close(pfd);
		return fd;
	}
	if (!S_ISREG(st.st_mode)) {
		close(pfd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENOEXEC;
	}
	snprintf(again, sizeof(again), "/proc/self/fd/%d", pfd);
	fd = open(again, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		fd = -errno;
	close(pfd);
	return fd;
}

int elfsyms_open(const char *path, struct elfsyms **out, char *err, size_t errlen)
{
	struct elfsyms *ef;
	uint64_t size = 0;
	int fd, rc;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, errlen, -EINVAL, path, "libelf initialisation failed");
	fd = open_regular(path);
	if (fd < 0)
		return fail(err, errlen, fd, path, fd == -EISDIR ? "is a directory, not an ELF file" :
			    fd == -ENOEXEC ? "not a regular file" : strerror(-fd));
	rc = check_regular_file(fd, path, &size, err, errlen);
	if (rc) {
		close(fd);
		return rc;
	}
	ef = calloc(1, sizeof(*ef));
	if (!ef) {
		close(fd);
		return fail(err, errlen, -ENOMEM, path, "out of memory");
	}
	ef->fd = fd;
	ef->size = size;
	ef->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || elf_getshdrstrndx(ef->elf, &ef->shstrndx)) {
		elfsyms_close(ef);
		return fail(err, errlen, -ENOEXEC, path, "not an ELF file");
	}
	if (read_segments(ef)) {
		elfsyms_close(ef);
		return fail(err, errlen, -ENOMEM, path, "out of memory");
	}
	*out = ef;
	return 0;
}

void elfsyms_close(struct elfsyms *ef)
{
	if (!ef)
		return;
	if (ef->elf)
		elf_end(ef->elf);
	close(ef->fd);
	free(ef->segs);
	free(ef);
}

static Elf_Scn *find_section_type(const struct elfsyms *ef, Elf64_Word type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(ef->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return scn;
	return NULL;
}

static Elf_Scn *find_section_name(const struct elfsyms *ef, const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	const char *s;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		s = elf_strptr(ef->elf, ef->shstrndx, sh.sh_name);
		if (s && !strcmp(s, name))
			return scn;
	}
	return NULL;
}

int elfsyms_fd(const struct elfsyms *ef)
{
	return ef->fd;
}

int elfsyms_has_symtab(const struct elfsyms *ef)
{
	return find_section_type(ef, SHT_SYMTAB) != NULL;
}

/* Walk one symbol table section, reporting defined functions. */
static int walk_symtab(struct elfsyms *ef, Elf_Scn *scn, elfsyms_cb cb, void *ctx, size_t *nsyms)
{
	GElf_Shdr sh;
	Elf_Data *data;
	GElf_Sym sym;
	const char *name;
	size_t i, n;
	int rc;

	if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
		return 0;
	data = elf_getdata(scn, NULL);
	if (!data)
		return 0;
	n = data->d_size / sh.sh_entsize;
	*nsyms += n;
	for (i = 0; i < n; i++) {
		if (!gelf_getsym(data, i, &sym))
			break;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(ef->elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		rc = cb(name, sym.st_value, sym.st_size, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int elfsyms_foreach_func(struct elfsyms *ef, elfsyms_cb cb, void *ctx, size_t *nsyms)
{
	static const Elf64_Word types[] = { SHT_SYMTAB, SHT_DYNSYM };
	size_t count = 0;
	Elf_Scn *scn;
	int rc = 0;

	for (size_t t = 0; t < 2 && !rc; t++) {
		scn = find_section_type(ef, types[t]);
		if (scn)
			rc = walk_symtab(ef, scn, cb, ctx, &count);
	}
	if (nsyms)
		*nsyms = count;
	return rc;
}

/* The value a relocation stores, when it is known without loading. */
static int reloc_value(Elf_Data *symdata, const GElf_Rela *r, uint64_t *value)
{
	GElf_Sym sym;

	switch (GELF_R_TYPE(r->r_info)) {
	case R_X86_64_RELATIVE:
		*value = r->r_addend;
		return 0;
	case R_X86_64_GLOB_DAT:
	case R_X86_64_JUMP_SLOT:
	case R_X86_64_64:
		if (!symdata || !gelf_getsym(symdata, GELF_R_SYM(r->r_info), &sym) ||
		    sym.st_shndx == SHN_UNDEF)
			return -1;
		*value = sym.st_value + r->r_addend;
		return 0;
	}
	return -1;
}

int elfsyms_foreach_reloc(struct elfsyms *ef, elfsyms_reloc_cb cb, void *ctx)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		Elf_Scn *symscn;
		Elf_Data *data, *symdata = NULL;
		GElf_Rela r;
		uint64_t v;
		int rc;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		symscn = elf_getscn(ef->elf, sh.sh_link);
		if (symscn)
			symdata = elf_getdata(symscn, NULL);
		for (size_t i = 0; data && i < data->d_size / sh.sh_entsize; i++) {
			if (!gelf_getrela(data, i, &r) || reloc_value(symdata, &r, &v))
				continue;
			rc = cb(r.r_offset, v, ctx);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Objects without program headers (relocatable): use the sections. */
static int section_offset(const struct elfsyms *ef, uint64_t addr, uint64_t *off)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS)
			continue;
		if (addr >= sh.sh_addr && addr - sh.sh_addr < in_file(ef, sh.sh_offset, sh.sh_size)) {
			*off = addr - sh.sh_addr + sh.sh_offset;
			return 0;
		}
	}
	return -ERANGE;
}

int elfsyms_addr_to_offset(const struct elfsyms *ef, uint64_t addr, uint64_t *off)
{
	for (size_t i = 0; i < ef->nsegs; i++) {
		const struct load_seg *s = &ef->segs[i];

		if (addr >= s->vaddr && addr - s->vaddr < s->filesz) {
			*off = addr - s->vaddr + s->offset;
			return 0;
		}
	}
	return ef->nsegs ? -ERANGE : section_offset(ef, addr, off);
}

size_t elfsyms_build_id(const struct elfsyms *ef, uint8_t *buf, size_t size)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Nhdr nh;
	Elf_Data *data;
	size_t pos, name_off, desc_off;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(data = elf_getdata(scn, NULL)))
			continue;
		pos = 0;
		while ((pos = gelf_getnote(data, pos, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4) || !nh.n_descsz)
				continue;
			memcpy(buf, (char *)data->d_buf + desc_off, nh.n_descsz < size ? nh.n_descsz : size);
			return nh.n_descsz;
		}
	}
	return 0;
}

/*
 * A debuglink names a file, not a path (objcopy stores the basename):
 * with '/' or "..", the name of a file we may be handed by anyone would
 * steer the search out of the debug directories to any file on the host.
 */
static int plain_file_name(const char *name)
{
	return !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

int elfsyms_debuglink(const struct elfsyms *ef, char *name, size_t size, uint32_t *crc)
{
	Elf_Scn *scn = find_section_name(ef, ".gnu_debuglink");
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	const char *p;
	size_t len, crc_pos;

	if (!data || !data->d_buf || data->d_size < 8)
		return -ENOENT;
	p = data->d_buf;
	len = strnlen(p, data->d_size);
	crc_pos = (len + 4) & ~(size_t)3;	/* name, NUL, padding to 4 */
	if (len == 0 || len >= size || crc_pos + 4 > data->d_size || !plain_file_name(p))
		return -ENOENT;
	memcpy(name, p, len + 1);
	memcpy(crc, p + crc_pos, 4);
	return 0;
}

/* CRC-32 of a whole file, as .gnu_debuglink records it (zlib's crc32). */
static int file_crc32(const char *path, uint32_t *crc)
{
	unsigned char buf[16384];
	uLong c = crc32(0L, Z_NULL, 0);
	ssize_t n;
	int fd = open_regular(path);

	if (fd < 0)
		return fd;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		c = crc32(c, buf, (uInt)n);
	close(fd);
	if (n < 0)
		return -EIO;
	*crc = (uint32_t)c;
	return 0;
}

int elfsyms_owned_by(const struct elfsyms *ef, uid_t owner)
{
	struct stat st;

	return !fstat(elfsyms_fd(ef), &st) && (st.st_uid == 0 || st.st_uid == owner) &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* A candidate debug file is good if it has symbols and matches the
 * object, and is the object owner's or root's alone (anyone else's could
 * misplace every probe). */
static int debug_file_matches(const char *cand, const struct elfsyms *ef, const uint8_t *bid,
			      size_t bid_len, const uint32_t *crc)
{
	struct elfsyms *dbg;
	struct stat st, lib;
	uint8_t dbid[64];
	size_t dlen;
	uint32_t dcrc;
	int ok;

	/* stat first: opening a device node can have effects of its own. */
	if (stat(cand, &st) || !S_ISREG(st.st_mode) || access(cand, R_OK) ||
	    fstat(elfsyms_fd(ef), &lib) || elfsyms_open(cand, &dbg, NULL, 0))
		return 0;
	ok = elfsyms_owned_by(dbg, lib.st_uid) && elfsyms_has_symtab(dbg);
	if (ok && bid_len) {
		dlen = elfsyms_build_id(dbg, dbid, sizeof(dbid));
		ok = dlen == bid_len && !memcmp(dbid, bid, bid_len);
	}
	elfsyms_close(dbg);
	if (ok && !bid_len && crc)
		ok = !file_crc32(cand, &dcrc) && dcrc == *crc;
	return ok;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int try_build_id_path(const struct elfsyms *ef, const char *root, const uint8_t *bid,
			     size_t len, char *out, size_t size)
{
	char hex[2 * 64 + 1];
	size_t i;

	if (len < 2 || len > 64)
		return -ENOENT;
	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", bid[i]);
	if ((size_t)snprintf(out, size, "%s/.build-id/%.2s/%s.debug", root, hex, hex + 2) >= size)
		return -ENOENT;
	return debug_file_matches(out, ef, bid, len, NULL) ? 0 : -ENOENT;
}

/* The three debuglink locations gdb searches, in its order. */
static int try_debuglink_paths(const char *path, const struct elfsyms *ef, const char *root,
			       const uint8_t *bid, size_t bid_len, char *out, size_t size)
{
	char dir[PATH_MAX], link[256], *slash;
	uint32_t crc;
	const char *fmt[] = { "%s/%s", "%s/.debug/%s" };

	if (elfsyms_debuglink(ef, link, sizeof(link), &crc) || !realpath(path, dir))
		return -ENOENT;
	slash = strrchr(dir, '/');
	*slash = 0;
	for (int i = 0; i < 3; i++) {
		int n = i < 2 ? snprintf(out, size, fmt[i], dir, link)
			      : snprintf(out, size, "%s%s/%s", root, dir, link);

		if (n < 0 || (size_t)n >= size || same_file(out, path))
			continue;
		if (debug_file_matches(out, ef, bid, bid_len, &crc))
			return 0;
	}
	return -ENOENT;
}

int elfsyms_find_debug_file(const char *path, const struct elfsyms *ef, const char *debug_root,
			    char *out, size_t size)
{
	const char *root = debug_root ? debug_root : "/usr/lib/debug";
	uint8_t bid[64];
	size_t len = elfsyms_build_id(ef, bid, sizeof(bid));

	if (len > sizeof(bid))
		len = 0;	/* absurd note: ignore it, rely on the CRC */
	if (!try_build_id_path(ef, root, bid, len, out, size))
		return 0;
	return try_debuglink_paths(path, ef, root, bid, len, out, size);
}
