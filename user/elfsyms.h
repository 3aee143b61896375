/* SPDX-License-Identifier: MIT */
/*
 * Reading function symbols of an ELF shared object with libelf, turning
 * their addresses into file offsets (what uprobes attach to), and finding
 * a stripped file's separate debug file the way gdb and perf do.
 */
#ifndef SELFPROF_ELFSYMS_H
#define SELFPROF_ELFSYMS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elfsyms;

/* Open path read-only (mmap'ed). 0, or a negative errno with a one-line
 * message in err: -ENOENT/-EACCES from open, -EISDIR for a directory,
 * -ENOEXEC for anything that is not a 64/32-bit ELF object. */
int elfsyms_open(const char *path, struct elfsyms **out, char *err, size_t errlen);
void elfsyms_close(struct elfsyms *ef);

/* The open file's descriptor (owned by ef), for reading its bytes. */
int elfsyms_fd(const struct elfsyms *ef);

/* Whether the file has a .symtab (unstripped, or a debug file). */
int elfsyms_has_symtab(const struct elfsyms *ef);

/* Is the open file owned by root or by owner, and writable by no one
 * else? Symbols are trusted only from such a file. */
int elfsyms_owned_by(const struct elfsyms *ef, uid_t owner);

/*
 * Call cb for every defined STT_FUNC symbol with a non-zero value, first
 * those of .symtab, then those of .dynsym (so names may repeat). A non-zero
 * return from cb stops the walk and is returned. *nsyms (if not NULL)
 * receives the number of symbol table entries read.
 */
typedef int (*elfsyms_cb)(const char *name, uint64_t addr, uint64_t size, void *ctx);
int elfsyms_foreach_func(struct elfsyms *ef, elfsyms_cb cb, void *ctx, size_t *nsyms);

/*
 * Call cb for each dynamic relocation that stores a known address in the
 * loaded image (a GOT slot, a pointer in .data.rel.ro): R_X86_64_RELATIVE
 * (its addend) and GLOB_DAT, JUMP_SLOT, 64 against a defined symbol (its
 * value + addend). A non-zero return from cb stops the walk and is returned.
 */
typedef int (*elfsyms_reloc_cb)(uint64_t where, uint64_t value, void *ctx);
int elfsyms_foreach_reloc(struct elfsyms *ef, elfsyms_reloc_cb cb, void *ctx);

/* File offset of the byte at virtual address addr: through the PT_LOAD
 * program header holding it (sections as a fallback for objects without
 * program headers). 0, or -ERANGE if no loaded part of the file holds it
 * (headers reaching past the end of the file are cut there). */
int elfsyms_addr_to_offset(const struct elfsyms *ef, uint64_t addr, uint64_t *off);

/* The GNU build-id note: its length (copied into buf, up to size), or 0. */
size_t elfsyms_build_id(const struct elfsyms *ef, uint8_t *buf, size_t size);

/* The .gnu_debuglink file name and CRC: 0, or -ENOENT without one. A name
 * with '/' (or "." / "..") is refused like a missing one: it names a file
 * next to the object or in the debug directories, never a path. */
int elfsyms_debuglink(const struct elfsyms *ef, char *name, size_t size, uint32_t *crc);

/*
 * Look for the separate debug file of the object at path (already opened
 * as ef): <debug_root>/.build-id/xx/yyyy.debug, then the debuglink name in
 * the object's directory, its .debug/ subdirectory and <debug_root>/<dir>/.
 * A candidate must be a regular file (others are not even opened), carry
 * a .symtab and match the build-id (or, without one, the debuglink CRC).
 * debug_root NULL means /usr/lib/debug.
 * 0 and the path in out, or -ENOENT.
 */
int elfsyms_find_debug_file(const char *path, const struct elfsyms *ef, const char *debug_root,
			    char *out, size_t size);

#endif
