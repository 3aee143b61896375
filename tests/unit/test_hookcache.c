// SPDX-License-Identifier: MIT
/* The hook discovery cache: what it keeps comes back the same; an entry
 * for another file, a file that changed, or one a user could have written
 * is a miss. Needs root (the cache is root's) and a rustup toolchain. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test.h"
#include "rustc_lib.h"
#include "elfsyms.h"
#include "hookcache.h"
#include "hooks.h"
#include "hook_sites.h"
#include "probes.h"

static struct probe_set set;
static struct hook_set found;
static char lib[4096];
static int lib_fd = -1;

static void release(void)
{
	char cmd[700];

	hooks_free(&found);
	probes_free(&set);
	close(lib_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", t_tmp("cache*"), t_tmp("copy.so"));
	if (system(cmd))
		printf("#   could not remove the test's cache directories\n");
}

/* Discovery once (0.7 s, more under ASan) for every test. */
static int discover(void)
{
	char version[256], err[4400];

	if (lib_fd >= 0)
		return 0;
	atexit(release);
	if (t_find_driver("rustc", lib, sizeof(lib), version, sizeof(version)))
		return -1;
	if (probes_discover(lib, &set, err, sizeof(err)) || hooks_find(&set, &found, err, sizeof(err)))
		return -1;
	lib_fd = open(lib, O_RDONLY | O_CLOEXEC);
	return lib_fd >= 0 ? 0 : -1;
}

/* A fresh cache directory of root's, 0700. */
static const char *fresh_dir(const char *name)
{
	const char *d = t_tmp(name);
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) || mkdir(d, 0700))
		return NULL;
	setenv("SELFPROF_CACHE_DIR", d, 1);
	return d;
}

static size_t usable(const struct hook_set *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n; i++)
		n += !h->sites[i].reason;
	return n;
}

static int same_site(const struct hook_site *a, const struct hook_site *b)
{
	return b && a->start == b->start && a->nends == b->nends &&
	       !memcmp(a->ends, b->ends, sizeof(a->ends)) && a->slot == b->slot &&
	       a->guard_off == b->guard_off && a->kind == b->kind && a->key == b->key &&
	       a->group == b->group && a->mask == b->mask && a->after == b->after &&
	       !a->label == !b->label && (!a->label || !strcmp(a->label, b->label));
}

/* The one entry file in dir (its path into out). */
static int entry_path(const char *dir, char *out, size_t size)
{
	char cmd[700];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls '%s'/hooks-* 2>/dev/null", dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(out, size, p))
		out[0] = 0;
	pclose(p);
	out[strcspn(out, "\n")] = 0;
	return out[0] ? 0 : -1;
}

TEST(hookcache_keeps_every_usable_site)
{
	struct hook_set got;
	size_t same = 0;

	if (geteuid())
		SKIP("needs root: the cache is root's");
	if (discover())
		SKIP("no rustup toolchain");
	REQUIRE(fresh_dir("cache1"));
	CHECK(hookcache_load(lib_fd, set.elf, set.syms, &got) != 0);	/* empty: a miss */
	REQUIRE(hookcache_store(lib_fd, set.elf, set.syms, time(NULL), &found) == 0);
	REQUIRE(hookcache_load(lib_fd, set.elf, set.syms, &got) == 0);
	CHECK_EQ_U64(got.n, usable(&found));
	for (size_t i = 0; i < found.n; i++)
		same += !found.sites[i].reason &&
			same_site(&found.sites[i], t_site_at(&got, found.sites[i].call));
	CHECK_EQ_U64(same, usable(&found));
	hooks_free(&got);
}

TEST(hookcache_refuses_what_a_user_could_have_written)
{
	struct hook_set got;
	char entry[1024], moved[1100];
	const char *dir;
	int fd;

	if (geteuid())
		SKIP("needs root: the cache is root's");
	if (discover())
		SKIP("no rustup toolchain");
	REQUIRE((dir = fresh_dir("cache2")));
	REQUIRE(hookcache_store(lib_fd, set.elf, set.syms, time(NULL), &found) == 0);
	REQUIRE(entry_path(dir, entry, sizeof(entry)) == 0);
	/* someone else's entry */
	REQUIRE(chown(entry, 65534, 65534) == 0);
	CHECK(hookcache_load(lib_fd, set.elf, set.syms, &got) != 0);
	REQUIRE(chown(entry, 0, 0) == 0);
	/* root's, but writable by others */
	REQUIRE(chmod(entry, 0666) == 0);
	CHECK(hookcache_load(lib_fd, set.elf, set.syms, &got) != 0);
	REQUIRE(chmod(entry, 0644) == 0);
	REQUIRE(hookcache_load(lib_fd, set.elf, set.syms, &got) == 0);
	hooks_free(&got);
	/* a symlink in its place */
	snprintf(moved, sizeof(moved), "%s.real", entry);
	REQUIRE(rename(entry, moved) == 0);
	REQUIRE(symlink(moved, entry) == 0);
	CHECK(hookcache_load(lib_fd, set.elf, set.syms, &got) != 0);
	REQUIRE(unlink(entry) == 0 && rename(moved, entry) == 0);
	/* a byte of the key changed: another file's entry */
	fd = open(entry, O_WRONLY);
	REQUIRE(fd >= 0);
	REQUIRE(pwrite(fd, "X", 1, 10) == 1);
	close(fd);
	CHECK(hookcache_load(lib_fd, set.elf, set.syms, &got) != 0);
	/* a good entry again, in a directory others may write: no cache at all */
	REQUIRE(hookcache_store(lib_fd, set.elf, set.syms, time(NULL), &found) == 0);
	REQUIRE(hookcache_load(lib_fd, set.elf, set.syms, &got) == 0);
	hooks_free(&got);
	REQUIRE(chmod(dir, 0777) == 0);
	CHECK(hookcache_load(lib_fd, set.elf, set.syms, &got) != 0);
	CHECK(hookcache_store(lib_fd, set.elf, set.syms, time(NULL), &found) != 0);
	REQUIRE(chmod(dir, 0700) == 0);
}

/* Under sudo, the user's environment names no cache directory of root's. */
TEST(hookcache_ignores_the_users_directory_under_sudo)
{
	struct hook_set got;
	char entry[1024];
	const char *dir;

	if (geteuid())
		SKIP("needs root: the cache is root's");
	if (discover())
		SKIP("no rustup toolchain");
	REQUIRE((dir = fresh_dir("cache4")));
	setenv("SUDO_UID", "65534", 1);
	hookcache_store(lib_fd, set.elf, set.syms, time(NULL), &found);	/* root's default */
	CHECK(entry_path(dir, entry, sizeof(entry)) != 0);
	unsetenv("SUDO_UID");
	CHECK(hookcache_load(lib_fd, set.elf, set.syms, &got) != 0);	/* its own: empty */
}

/* A copy of the library, changed after it was cached (here only its
 * mode: the ctime moves, which no user can set back): a miss. */
TEST(hookcache_misses_a_changed_file)
{
	struct hook_set got;
	const char *copy = t_tmp("copy.so");
	char cmd[9000];
	int fd;

	if (geteuid())
		SKIP("needs root: the cache is root's");
	if (discover())
		SKIP("no rustup toolchain");
	REQUIRE(fresh_dir("cache3"));
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", lib, copy);
	REQUIRE(system(cmd) == 0);
	fd = open(copy, O_RDONLY);
	REQUIRE(fd >= 0);
	/* just written, or written while discovery ran: not cached */
	CHECK(hookcache_store(fd, set.elf, set.syms, time(NULL), &found) != 0);
	sleep(3);
	CHECK(hookcache_store(fd, set.elf, set.syms, time(NULL) - 3, &found) != 0);
	REQUIRE(hookcache_store(fd, set.elf, set.syms, time(NULL), &found) == 0);
	REQUIRE(hookcache_load(fd, set.elf, set.syms, &got) == 0);
	hooks_free(&got);
	REQUIRE(chmod(copy, 0600) == 0);
	sleep(3);
	CHECK(hookcache_load(fd, set.elf, set.syms, &got) != 0);
	close(fd);
	unlink(copy);
}
