// SPDX-License-Identifier: MIT
/* A librustc_driver is opened once and checked; everything after reads
 * the open file, whatever happens to the path. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include "test.h"
#include "rustc_lib.h"
#include "asuser.h"
#include "child.h"
#include "driver.h"

static struct asuser as_self(void)
{
	struct invoker inv = { .uid = getuid(), .gid = getgid() };
	struct asuser as;

	asuser_init(&as, &inv);
	return as;
}

TEST(driver_reads_the_file_it_opened_not_the_path)
{
	struct driver_opts o = { .probe_flags = PROBES_F_DEFAULT, .returns = RETURNS_EXITS };
	struct asuser as = as_self();
	const char *link = t_tmp("driver-link.so");
	char lib[4096], err[4400], version[128];
	struct driver d;

	if (t_find_driver("rustc", lib, sizeof(lib), version, sizeof(version)))
		SKIP("no rustup toolchain");
	unlink(link);
	REQUIRE(!symlink(lib, link));
	REQUIRE(driver_open(&d, &as, link, err, sizeof(err)) == 0);
	/* the path now names something else entirely */
	REQUIRE(!unlink(link));
	REQUIRE(!symlink("/bin/true", link));
	CHECK(driver_discover(&d, &as, &o, NULL, 7, err, sizeof(err)) == 0);
	CHECK(d.set.n > 100);
	CHECK(d.set.id_base == 7);
	CHECK_STR(d.path, lib);
	driver_close(&d);
	unlink(link);
	asuser_free(&as);
}

TEST(driver_refuses_what_others_could_change_or_is_no_file)
{
	struct asuser as = as_self();
	const char *writable = t_tmp("driver-0666.so"), *fifo = t_tmp("driver-fifo.so");
	char err[4400];
	struct driver d;
	int fd;

	fd = open(writable, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	REQUIRE(fd >= 0);
	close(fd);
	REQUIRE(!chmod(writable, 0666));
	CHECK(driver_open(&d, &as, writable, err, sizeof(err)) == -EPERM);
	CHECK(strstr(err, "refused") != NULL);
	REQUIRE(!chmod(writable, 0620));
	CHECK(driver_open(&d, &as, writable, err, sizeof(err)) == -EPERM);
	unlink(fifo);
	REQUIRE(!mkfifo(fifo, 0644));
	CHECK(driver_open(&d, &as, fifo, err, sizeof(err)) == -EINVAL);
	CHECK(driver_open(&d, &as, "/", err, sizeof(err)) == -EINVAL);
	CHECK(driver_open(&d, &as, "/no/such/librustc_driver.so", err, sizeof(err)) == -ENOENT);
	unlink(writable);
	unlink(fifo);
	asuser_free(&as);
}

/* --lib is looked up as the user: in a directory they cannot search, a
 * library that is there and one that is not look alike to them (root's
 * realpath said "not found" for one only). */
TEST(driver_does_not_tell_what_exists_where_the_user_cannot_look)
{
	struct invoker inv = { .drop = true, .uid = 65534, .gid = 65534 };
	char base[] = "/tmp/sp-unit-drv-XXXXXX", d[64], there[96], missing[96];
	char err_there[4400], err_missing[4400];
	struct driver drv;
	struct asuser as;
	int fd;

	if (geteuid() != 0)
		SKIP("needs root");
	REQUIRE(mkdtemp(base) && !chmod(base, 0755));
	snprintf(d, sizeof(d), "%s/private", base);
	snprintf(there, sizeof(there), "%s/lib.so", d);
	snprintf(missing, sizeof(missing), "%s/nolib.so", d);
	REQUIRE(!mkdir(d, 0700));
	fd = open(there, O_CREAT | O_WRONLY, 0644);
	REQUIRE(fd >= 0);
	close(fd);
	REQUIRE(asuser_init(&as, &inv) == 0);
	CHECK_EQ_I64(driver_open(&drv, &as, there, err_there, sizeof(err_there)), -EACCES);
	CHECK_EQ_I64(driver_open(&drv, &as, missing, err_missing, sizeof(err_missing)), -EACCES);
	CHECK(strstr(err_there, "Permission denied") != NULL);
	CHECK(strstr(err_missing, "Permission denied") != NULL);
	asuser_free(&as);
	unlink(there);
	rmdir(d);
	rmdir(base);
}
