// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "exe.h"

int exe_is_driver_name(const char *name)
{
	size_t n = strlen(name);

	return !strncmp(name, "librustc_driver-", 16) && n > 19 && !strcmp(name + n - 3, ".so");
}

/* The DT_NEEDED entry naming a librustc_driver, from the dynamic section. */
static int needed_driver(Elf *elf, char *name, size_t size)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Dyn dyn;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *s;

			if (!gelf_getdyn(data, i, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (s && exe_is_driver_name(s)) {
				snprintf(name, size, "%s", s);
				return 0;
			}
		}
	}
	return -ENOENT;
}

int exe_driver_of(pid_t pid, char *lib, size_t size)
{
	char link[64], exe[4096], name[256];
	ssize_t n;
	Elf *elf;
	int fd, r;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = 0;
	fd = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	r = elf ? needed_driver(elf, name, sizeof(name)) : -ENOEXEC;
	elf_end(elf);
	close(fd);
	if (!r)
		snprintf(lib, size, "%s/../lib/%s", dirname(exe), name);
	return r;
}

char *exe_read_stat(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = 0;
	return strrchr(buf, ')');	/* comm may hold spaces and parentheses */
}

unsigned long long exe_start_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	p = exe_read_stat(path, buf, sizeof(buf));
	/* field 3 (state) follows ") "; starttime is field 22 */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &ticks) != 1)
		return 0;
	return ticks;
}

int exe_started_at(pid_t pid, uint64_t start_boottime)
{
	uint64_t tick_ns = 1000000000ULL / sysconf(_SC_CLK_TCK);
	unsigned long long ticks = exe_start_ticks(pid);

	return ticks && ticks == start_boottime / tick_ns;
}

/* One /proc/PID/maps line: "start-end perms offset maj:min inode path". */
static int parse_map_line(const char *line, char *path, size_t size, ino_t *ino)
{
	unsigned long long inode;
	int off = 0;

	if (sscanf(line, "%*x-%*x %*s %*x %*x:%*x %llu %n", &inode, &off) < 1 || !off)
		return -1;
	snprintf(path, size, "%s", line + off);
	path[strcspn(path, "\n")] = 0;
	*ino = inode;
	return 0;
}

int exe_mapped_driver(pid_t pid, char *lib, size_t size, ino_t *ino)
{
	char maps[64], line[4600];
	int r = -ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (r && fgets(line, sizeof(line), f)) {
		const char *base;

		if (parse_map_line(line, lib, size, ino))
			continue;
		base = strrchr(lib, '/');
		if (base && exe_is_driver_name(base + 1))
			r = 0;
	}
	fclose(f);
	return r;
}
