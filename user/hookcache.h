/* SPDX-License-Identifier: MIT */
/*
 * Hook discovery results kept between runs (user/hooks.h takes ~0.7 s on
 * rustc 1.95's library; a cached result loads in milliseconds).
 *
 * Root's own cache, in a root-owned directory no one else may write on a
 * local file system (/var/cache/selfprof-bpf; $SELFPROF_CACHE_DIR only
 * when root runs it for itself, not under sudo): the results decide where
 * root puts breakpoints in a library other users' compilers may run, so
 * nothing a user wrote is trusted.
 * An entry is one library file as it was: its device, inode, size, mtime
 * and ctime (which no user can set back), its build-id if it has one, the
 * same of the file its symbols came from, and the build-id of the
 * selfprof-bpf that computed it (another discovery, another entry).
 * Files on other than ext4, xfs, btrfs or tmpfs (FUSE, overlayfs, NFS
 * report what their owner likes), on nosuid/nodev mounts, or changed since
 * shortly before discovery began are not cached. Every failure is a miss: the cache only
 * ever saves time.
 */
#ifndef SELFPROF_HOOKCACHE_H
#define SELFPROF_HOOKCACHE_H
#include <time.h>

struct elfsyms;
struct hook_set;

/* The sites discovery found usable (no reason) for the library open at
 * lib_fd (elf: the same file; syms: where its symbols were read, itself
 * or a debug file). 0 and *out filled, or -errno (a miss). */
int hookcache_load(int lib_fd, const struct elfsyms *elf, const struct elfsyms *syms,
		   struct hook_set *out);

/* Keep h's usable sites for that library, found by a discovery started
 * at `started` (both files must have been unchanged since a little before
 * then). Best effort: 0, or -errno. */
int hookcache_store(int lib_fd, const struct elfsyms *elf, const struct elfsyms *syms,
		    time_t started, const struct hook_set *h);

#endif
