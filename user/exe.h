/* SPDX-License-Identifier: MIT */
/*
 * Which librustc_driver a process will run: read from its executable's
 * DT_NEEDED entries and found where rustc's RUNPATH ($ORIGIN/../lib)
 * puts it, before the dynamic loader has mapped anything; or, for a
 * process already running, from its mappings.
 */
#ifndef SELFPROF_EXE_H
#define SELFPROF_EXE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The library the executable of pid (just exec'd) needs. 0 and the path,
 * -ENOENT if it needs no librustc_driver, or another -errno. */
int exe_driver_of(pid_t pid, char *lib, size_t size);

/* The librustc_driver pid has mapped: its path and inode as /proc/PID/maps
 * gives them (not its device: on btrfs, maps names the file system's
 * where stat names the subvolume's). 0, -ENOENT if none, or -errno. */
int exe_mapped_driver(pid_t pid, char *lib, size_t size, ino_t *ino);

/* Read a /proc stat file (of a process or a thread) into buf: a pointer
 * to what follows the command name's closing parenthesis (" S ..."), or
 * NULL. */
char *exe_read_stat(const char *path, char *buf, size_t size);

/* When pid started, in clock ticks since boot (/proc/PID/stat's field 22,
 * the kernel's start_boottime / (1e9 / CLK_TCK)): with the pid, it names
 * one process, not a later one given the same pid. 0 if unknown. */
unsigned long long exe_start_ticks(pid_t pid);

/* Is pid still the process BPF saw start at start_boottime (ns, the
 * kernel's task->start_boottime)? */
int exe_started_at(pid_t pid, uint64_t start_boottime);

/* Whether name is a librustc_driver file name (librustc_driver-*.so). */
int exe_is_driver_name(const char *name);

#endif
