// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <capstone/capstone.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include "elfsyms.h"
#include "hookcache.h"
#include "hooks.h"

#define CACHE_DIR	"/var/cache/selfprof-bpf"
#define CACHE_MAX	(64u << 20)	/* bytes: far above 1.95's ~300 KB */
#define SITES_MAX	100000u
#define LABEL_MAX	1024u
#define SETTLE_SEC	2	/* a file changed more recently is not cached */

/* File systems whose times and inodes the kernel keeps itself: not FUSE,
 * overlayfs (which passes on another file system's), NFS and the like,
 * whose server or owner reports what it likes. */
static const long local_fs[] = {
	0xEF53,		/* ext2/3/4 */
	0x58465342,	/* xfs */
	0x9123683E,	/* btrfs */
	0x01021994,	/* tmpfs */
};

static const char MAGIC[8] = "SPHOOK3";

/* The file an entry stands for, and who computed it. */
struct cache_key {
	char magic[8];
	uint64_t dev, ino, size;
	int64_t ctime_sec, ctime_nsec, mtime_sec, mtime_nsec;
	uint64_t syms_dev, syms_ino;	/* where its symbols came from (a debug file?) */
	int64_t syms_ctime_sec, syms_ctime_nsec;
	uint8_t lib_id[32], self_id[32];
	uint32_t lib_id_len, self_id_len;
	uint32_t capstone, pad;
};

struct cache_head {
	struct cache_key key;
	uint32_t nsites, pad;
};

/* One usable site; its label's bytes follow. */
struct cache_site {
	uint64_t call, start_addr, start, group;
	uint64_t ends[HOOK_MAX_ENDS];
	uint32_t nends, mask;
	int32_t slot, guard_off;
	uint8_t has_slot, via_got, kind, key;
	uint16_t label_len;
	uint8_t after, pad;	/* hook_site's after */
};

/* The build-id of this selfprof-bpf: a changed discovery, another key. */
static size_t self_build_id(uint8_t *buf, size_t size)
{
	static uint8_t id[32];
	static size_t len, done;
	struct elfsyms *ef;
	char err[256];

	if (!done++ && !elfsyms_open("/proc/self/exe", &ef, err, sizeof(err))) {
		len = elfsyms_build_id(ef, id, sizeof(id));
		if (len > sizeof(id))
			len = 0;
		elfsyms_close(ef);
	}
	if (len > size)
		return 0;
	memcpy(buf, id, len);
	return len;
}

/* Is fd on a local file system mounted without nosuid or nodev (which
 * user mounts, disk images through udisks, carry)? */
static bool trusted_fs(int fd)
{
	struct statfs sf;
	struct statvfs sv;

	if (fstatfs(fd, &sf) || fstatvfs(fd, &sv) || (sv.f_flag & (ST_NOSUID | ST_NODEV)))
		return false;
	for (size_t i = 0; i < sizeof(local_fs) / sizeof(local_fs[0]); i++)
		if ((long)sf.f_type == local_fs[i])
			return true;
	return false;
}

/* A file a key may name: regular, on a trusted file system, and last
 * changed (ctime, which no user can set back) before `before`, less a few
 * seconds: a change while discovery read it moves its ctime past that. */
static int settled(int fd, time_t before, struct stat *st)
{
	if (fstat(fd, st))
		return -errno;
	if (!S_ISREG(st->st_mode) || !trusted_fs(fd) || st->st_ctim.tv_sec >= before - SETTLE_SEC)
		return -EAGAIN;
	return 0;
}

/* The key of the library open at fd (elf: the same file; syms: where its
 * symbols are read), or -errno if it is not cacheable. */
static int make_key(int fd, const struct elfsyms *elf, const struct elfsyms *syms,
		    time_t before, struct cache_key *k)
{
	struct stat st, ss;
	size_t n;
	int r;

	memset(k, 0, sizeof(*k));
	memcpy(k->magic, MAGIC, sizeof(MAGIC));
	if ((r = settled(fd, before, &st)) || (r = settled(elfsyms_fd(syms), before, &ss)))
		return r;
	k->syms_dev = ss.st_dev;
	k->syms_ino = ss.st_ino;
	k->syms_ctime_sec = ss.st_ctim.tv_sec;
	k->syms_ctime_nsec = ss.st_ctim.tv_nsec;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->size = st.st_size;
	k->ctime_sec = st.st_ctim.tv_sec;
	k->ctime_nsec = st.st_ctim.tv_nsec;
	k->mtime_sec = st.st_mtim.tv_sec;
	k->mtime_nsec = st.st_mtim.tv_nsec;
	/* rustup's libraries have none; when there is one, it must agree too */
	n = elfsyms_build_id(elf, k->lib_id, sizeof(k->lib_id));
	k->lib_id_len = n <= sizeof(k->lib_id) ? n : 0;
	k->self_id_len = self_build_id(k->self_id, sizeof(k->self_id));
	/* another disassembler may decode otherwise */
	k->capstone = cs_version(NULL, NULL);
	return k->self_id_len ? 0 : -ENOENT;
}

/* Acting for a user (sudo): their environment names no directory of
 * root's; root alone may point the cache elsewhere (the tests do). */
static bool for_a_user(void)
{
	const char *uid = getenv("SUDO_UID");

	return uid && *uid && strcmp(uid, "0");
}

/* The cache directory, if it is root's, no one else may write it, and its
 * file system is one whose owners and times the kernel keeps. */
static int open_dir(void)
{
	const char *env = for_a_user() ? NULL : getenv("SELFPROF_CACHE_DIR");
	bool dflt = !env || !*env;
	const char *path = dflt ? CACHE_DIR : env;
	struct stat st;
	int fd;

	if (dflt)
		mkdir(path, 0700);	/* once; an existing one is checked below */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_uid != 0 || (st.st_mode & 022) || !trusted_fs(fd)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* One entry per library file: a new version of it replaces the old. */
static void entry_name(const struct cache_key *k, char *name, size_t size)
{
	snprintf(name, size, "hooks-%llx-%llx", (unsigned long long)k->dev,
		 (unsigned long long)k->ino);
}

/* The entry's bytes, if it is a regular file of root's no one else may
 * write; NULL otherwise (*len: its size). */
static uint8_t *read_entry(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	uint8_t *buf = NULL;
	struct stat st;

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_uid == 0 && !(st.st_mode & 022) &&
	    st.st_size > 0 && (uint64_t)st.st_size <= CACHE_MAX &&
	    (buf = malloc(st.st_size)) &&
	    pread(fd, buf, st.st_size, 0) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)st.st_size : 0;
	close(fd);
	return buf;
}

/* A site as discovery makes them: its start where its address maps in
 * the library, its ends inside the file. */
static bool site_valid(const struct cache_site *c, const struct elfsyms *elf, uint64_t size)
{
	uint64_t off;

	if (c->nends < 1 || c->nends > HOOK_MAX_ENDS || c->kind >= HOOK__KINDS ||
	    c->key > HOOK_KEY_R15 || c->label_len > LABEL_MAX ||
	    c->after > (c->kind == HOOK_INCR_RESULT_HASHING) ||
	    elfsyms_addr_to_offset(elf, c->start_addr, &off) || off != c->start)
		return false;
	for (uint32_t j = 0; j < c->nends; j++)
		if (c->ends[j] >= size)
			return false;
	return true;
}

/* Sites from an entry's bytes into out: 0, or -EINVAL if malformed. */
static int parse_sites(const uint8_t *p, size_t len, uint32_t n, const struct elfsyms *elf,
		       uint64_t size, struct hook_set *out)
{
	out->sites = calloc(n ? n : 1, sizeof(*out->sites));
	if (!out->sites)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		struct hook_site *h = &out->sites[out->n];
		struct cache_site c;

		if (len < sizeof(c))
			return -EINVAL;
		memcpy(&c, p, sizeof(c));
		p += sizeof(c);
		len -= sizeof(c);
		if (!site_valid(&c, elf, size) || len < c.label_len)
			return -EINVAL;
		*h = (struct hook_site){ .call = c.call,
			.start_addr = c.start_addr, .start = c.start, .nends = c.nends,
			.mask = c.mask, .slot = c.slot, .guard_off = c.guard_off,
			.has_slot = c.has_slot, .via_got = c.via_got, .kind = c.kind,
			.key = c.key, .group = c.group, .after = c.after };
		memcpy(h->ends, c.ends, sizeof(h->ends));
		if (c.label_len && !(h->label = strndup((const char *)p, c.label_len)))
			return -ENOMEM;
		p += c.label_len;
		len -= c.label_len;
		out->n++;
	}
	hooks_tally(out);
	return len ? -EINVAL : 0;
}

int hookcache_load(int lib_fd, const struct elfsyms *elf, const struct elfsyms *syms,
		   struct hook_set *out)
{
	struct cache_head head;
	struct cache_key want;
	char name[256];
	uint8_t *buf;
	size_t len;
	int dirfd, r;

	memset(out, 0, sizeof(*out));
	if ((r = make_key(lib_fd, elf, syms, time(NULL), &want)))
		return r;
	if ((dirfd = open_dir()) < 0)
		return dirfd;
	entry_name(&want, name, sizeof(name));
	buf = read_entry(dirfd, name, &len);
	close(dirfd);
	if (!buf)
		return -ENOENT;
	memcpy(&head, buf, len < sizeof(head) ? len : sizeof(head));
	r = len < sizeof(head) || memcmp(&head.key, &want, sizeof(want)) ||
	    head.nsites > SITES_MAX ? -ESTALE :
	    parse_sites(buf + sizeof(head), len - sizeof(head), head.nsites, elf, want.size, out);
	free(buf);
	if (r)
		hooks_free(out);
	return r;
}

static bool usable(const struct hook_site *h)
{
	return !h->reason && h->start && h->nends && (!h->label || strlen(h->label) <= LABEL_MAX);
}

static int write_sites(FILE *f, const struct hook_set *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct hook_site *e = &h->sites[i];
		struct cache_site c = { .call = e->call,
			.start_addr = e->start_addr, .start = e->start, .group = e->group,
			.nends = e->nends, .mask = e->mask, .slot = e->slot,
			.guard_off = e->guard_off, .has_slot = e->has_slot,
			.via_got = e->via_got, .kind = e->kind, .key = e->key,
			.label_len = e->label ? strlen(e->label) : 0, .after = e->after };

		if (!usable(e))
			continue;
		memcpy(c.ends, e->ends, sizeof(c.ends));
		if (fwrite(&c, sizeof(c), 1, f) != 1 ||
		    (c.label_len && fwrite(e->label, c.label_len, 1, f) != 1))
			return -EIO;
	}
	return 0;
}

int hookcache_store(int lib_fd, const struct elfsyms *elf, const struct elfsyms *syms,
		    time_t started, const struct hook_set *h)
{
	struct cache_head head = { 0 };
	char name[256], tmp[300];
	int dirfd, fd, r;
	FILE *f;

	if ((r = make_key(lib_fd, elf, syms, started, &head.key)))
		return r;
	for (size_t i = 0; i < h->n; i++)
		head.nsites += usable(&h->sites[i]);
	if (!head.nsites)
		return -ENODATA;	/* not rustc's library: nothing worth a file */
	if ((dirfd = open_dir()) < 0)
		return dirfd;
	entry_name(&head.key, name, sizeof(name));
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	r = !f ? -errno : fwrite(&head, sizeof(head), 1, f) != 1 ? -EIO : write_sites(f, h);
	if (f && (fflush(f) || fsync(fileno(f))) && !r)
		r = -EIO;
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	/* whole or nothing: readers see the old entry or the new one */
	if (!r && renameat(dirfd, tmp, dirfd, name))
		r = -errno;
	if (r && fd >= 0)
		unlinkat(dirfd, tmp, 0);
	close(dirfd);
	return r;
}
