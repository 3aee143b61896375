// SPDX-License-Identifier: MIT
/* Unit tests of the loader's helpers that need no BPF: output naming,
 * crate names from rustc command lines, exit codes, command lookup. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "test.h"
#include "child.h"
#include "output.h"
#include "procs.h"

/* A NUL-separated argument list from a literal with '|' separators. */
static size_t args_of(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s) + 1;

	if (n > size)
		n = size;
	memcpy(buf, s, n);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '|')
			buf[i] = 0;
	return n;
}

static const char *crate_of(const char *cmd)
{
	static char out[128];
	char buf[512];
	size_t n = args_of(cmd, buf, sizeof(buf));

	output_crate_name(buf, n, out, sizeof(out));
	return out;
}

TEST(crate_name_from_flag)
{
	CHECK_STR(crate_of("rustc|--crate-name|serde|src/lib.rs"), "serde");
	CHECK_STR(crate_of("rustc|--crate-name=foo|x.rs"), "foo");
}

TEST(crate_name_from_source_stem)
{
	CHECK_STR(crate_of("rustc|--edition|2021|hello.rs|-o|hello"), "hello");
	CHECK_STR(crate_of("rustc|-o|out.rs|dir/my-prog.rs"), "my_prog");
	CHECK_STR(crate_of("rustc|-C|opt-level=3|-L|x|a.rs"), "a");
	CHECK_STR(crate_of("rustc|-"), "rust_out");
	CHECK_STR(crate_of("rustc|-vV"), "");
}

TEST(cmdline_is_space_joined)
{
	char buf[128], out[128];
	size_t n = args_of("rustc|--edition|2021|a.rs", buf, sizeof(buf));

	output_cmdline(buf, n, out, sizeof(out));
	CHECK_STR(out, "rustc --edition 2021 a.rs");
}

TEST(output_paths)
{
	struct output_spec o;
	char p[256];

	output_spec_init(&o, NULL);
	output_path(&o, "hello", 42, p, sizeof(p));
	CHECK_STR(p, "hello-0000042.mm_profdata");
	output_path(&o, "", 7, p, sizeof(p));
	CHECK_STR(p, "rustc-0000007.mm_profdata");

	output_spec_init(&o, "out/");
	output_path(&o, "cli", 123, p, sizeof(p));
	CHECK_STR(p, "out/cli-0000123.mm_profdata");

	output_spec_init(&o, "x/prof.mm_profdata");
	output_path(&o, "a", 1, p, sizeof(p));
	CHECK_STR(p, "x/prof.mm_profdata");
	output_path(&o, "b", 2, p, sizeof(p));	/* a second process: own name */
	CHECK_STR(p, "x/prof-2.mm_profdata");
}

TEST(output_dir_detected_without_slash)
{
	struct output_spec o;
	const char *d = t_tmp("outdir");
	char p[512], want[512];

	mkdir(d, 0755);
	output_spec_init(&o, d);
	CHECK(o.is_dir);
	output_path(&o, "k", 5, p, sizeof(p));
	snprintf(want, sizeof(want), "%s/k-0000005.mm_profdata", d);
	CHECK_STR(p, want);
	rmdir(d);
}

TEST(chown_to_invoker)
{
	const char *f = t_tmp("owned");
	struct stat st;
	FILE *fp = fopen(f, "w");

	REQUIRE(fp);
	fclose(fp);
	if (geteuid() == 0) {
		CHECK_EQ_I64(output_chown(f, 65534, 65534), 0);
		REQUIRE(stat(f, &st) == 0);
		CHECK_EQ_U64(st.st_uid, 65534);
		CHECK_EQ_U64(st.st_gid, 65534);
	}
	CHECK_EQ_I64(output_chown(f, geteuid(), getegid()), 0);
	unlink(f);
}

TEST(exit_codes_like_a_shell)
{
	CHECK_EQ_I64(child_exit_code(0), 0);
	CHECK_EQ_I64(child_exit_code(3 << 8), 3);
	CHECK_EQ_I64(child_exit_code(SIGKILL), 128 + SIGKILL);
}

TEST(resolve_commands)
{
	char p[512];

	CHECK_EQ_I64(child_resolve("sh", p, sizeof(p)), 0);
	CHECK(strstr(p, "/sh") != NULL);
	CHECK_EQ_I64(child_resolve("no-such-command-xyz", p, sizeof(p)), -ENOENT);
	CHECK_EQ_I64(child_resolve("/etc/passwd", p, sizeof(p)), -EACCES);
}

TEST(run_capture_reads_stdout)
{
	struct invoker inv = { 0 };
	char *argv[] = { "sh", "-c", "echo hello; exit 3", NULL };
	char out[64];

	CHECK_EQ_I64(run_capture(argv, &inv, out, sizeof(out)), 3);
	CHECK_STR(out, "hello");
}

TEST(run_capture_long_output_does_not_block)
{
	struct invoker inv = { 0 };
	char *argv[] = { "sh", "-c", "seq 1 100000", NULL };
	char out[16];

	CHECK_EQ_I64(run_capture(argv, &inv, out, sizeof(out)), 0);
	CHECK_EQ_U64(strlen(out), sizeof(out) - 1);
}

TEST(relative_times)
{
	CHECK_EQ_U64(procs_rel_time(1500, 1000), 500);
	CHECK_EQ_U64(procs_rel_time(900, 1000), 0);
}
