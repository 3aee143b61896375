// SPDX-License-Identifier: MIT
/* Unit tests of the loader's helpers that need no BPF: output naming,
 * crate names from rustc command lines, exit codes, command lookup,
 * files created with the invoking user's rights. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "test.h"
#include "asuser.h"
#include "child.h"
#include "output.h"
#include "probes.h"
#include "labels.h"
#include "procs.h"
#include "selfprof.h"

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
	struct invoker inv = { 0 };
	struct output_spec o;
	const char *d = t_tmp("outdir");
	char p[512], want[512], err[512];

	mkdir(d, 0755);
	output_spec_init(&o, d);
	REQUIRE(output_open(&o, &inv, err, sizeof(err)) == 0);	/* looks, as the user */
	CHECK(o.is_dir);
	output_path(&o, "k", 5, p, sizeof(p));
	snprintf(want, sizeof(want), "%s/k-0000005.mm_profdata", d);
	CHECK_STR(p, want);
	output_close(&o);
	rmdir(d);
}

TEST(crate_names_never_leave_the_directory)
{
	struct output_spec o;
	char p[256], c[64];

	/* rustc refuses such names later, but the dump is named first */
	CHECK_STR(crate_of("rustc|--crate-name|../../x|a.rs"), "______x");
	CHECK_STR(crate_of("rustc|--crate-name=/etc/cron.d/x|a.rs"), "_etc_cron_d_x");
	CHECK_STR(crate_of("rustc|--crate-name|.hidden|a.rs"), "_hidden");
	CHECK_STR(crate_of("rustc|--crate-name|caf\xc3\xa9_1|a.rs"), "caf___1");
	CHECK_STR(crate_of("rustc|dir/..rs"), "_");
	output_spec_init(&o, "out/");
	output_path(&o, "../../x", 9, p, sizeof(p));	/* raw names too */
	CHECK_STR(p, "out/______x-0000009.mm_profdata");
	CHECK_STR(output_leaf(p), "______x-0000009.mm_profdata");
	snprintf(c, sizeof(c), "ok_Name9");
	output_sanitize_crate(c);
	CHECK_STR(c, "ok_Name9");
}

/* The invoking user for the tests run as root: nobody. */
static void nobody(struct invoker *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->drop = true;
	inv->uid = 65534;
	inv->gid = 65534;
	snprintf(inv->name, sizeof(inv->name), "nobody");
}

/* A scratch directory everyone may search: TMPDIR may be root's 0700
 * (tests/run.sh's is), and nobody must reach what the test makes. */
static const char *public_dir(char *base, size_t size)
{
	snprintf(base, size, "/tmp/sp-unit-pub-XXXXXX");
	if (!mkdtemp(base) || chmod(base, 0755))
		return NULL;
	return base;
}

static void remove_tree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
}

TEST(output_refused_where_the_user_cannot_write)
{
	struct invoker inv;
	struct output_spec o;
	char err[512], sub[512], file[512], base[64], d[128];

	if (geteuid() != 0)
		SKIP("needs root");
	REQUIRE(public_dir(base, sizeof(base)));
	snprintf(d, sizeof(d), "%s/rootdir", base);
	nobody(&inv);
	mkdir(d, 0755);		/* root's: nobody may not write here */
	snprintf(sub, sizeof(sub), "%s/newdir/", d);
	snprintf(file, sizeof(file), "%s/newfile", d);
	output_spec_init(&o, d);
	CHECK(output_open(&o, &inv, err, sizeof(err)) == -1);
	CHECK(strstr(err, "Permission denied") != NULL);
	output_spec_init(&o, sub);
	CHECK(output_open(&o, &inv, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot create") != NULL);
	CHECK(access(sub, F_OK) != 0);
	output_spec_init(&o, file);
	CHECK(output_open(&o, &inv, err, sizeof(err)) == -1);
	CHECK(access(file, F_OK) != 0);
	/* the same as root itself: allowed */
	inv.drop = false;
	output_spec_init(&o, file);
	CHECK(output_open(&o, &inv, err, sizeof(err)) == 0);
	output_close(&o);
	/* a 1777 directory: nobody may create, and the file is nobody's */
	chmod(d, 01777);
	nobody(&inv);
	output_spec_init(&o, d);
	REQUIRE(output_open(&o, &inv, err, sizeof(err)) == 0);
	output_path(&o, "k", 5, file, sizeof(file));
	int fd = output_create(&o, file);
	struct stat st;

	REQUIRE(fd >= 0);
	REQUIRE(fstat(fd, &st) == 0);
	CHECK_EQ_U64(st.st_uid, 65534);
	CHECK_EQ_U64(st.st_gid, 65534);
	close(fd);
	/* root's credentials are back after each call */
	CHECK_EQ_U64(setfsuid(-1), 0);
	CHECK_EQ_U64(setfsgid(-1), 0);
	unlink(file);
	output_close(&o);
	remove_tree(base);
}

/* Whether -o names an existing directory is decided as the user: a path
 * they cannot reach gets one answer whether it exists or not (root's
 * stat used to tell them: "cannot write to DIR" against its parent). */
TEST(output_does_not_tell_what_exists_where_the_user_cannot_look)
{
	struct invoker inv;
	struct output_spec o;
	char err_there[512], err_missing[512], base[64], d[128], there[160], missing[160];

	if (geteuid() != 0)
		SKIP("needs root");
	REQUIRE(public_dir(base, sizeof(base)));
	snprintf(d, sizeof(d), "%s/private", base);
	snprintf(there, sizeof(there), "%s/secretdir", d);
	snprintf(missing, sizeof(missing), "%s/nosuchdir", d);
	REQUIRE(mkdir(d, 0700) == 0);		/* root's, unsearchable by nobody */
	REQUIRE(mkdir(there, 0755) == 0);
	nobody(&inv);
	output_spec_init(&o, there);
	CHECK(output_open(&o, &inv, err_there, sizeof(err_there)) == -1);
	output_spec_init(&o, missing);
	CHECK(output_open(&o, &inv, err_missing, sizeof(err_missing)) == -1);
	/* the same line but for the name given */
	CHECK(strstr(err_there, "cannot write to ") != NULL);
	CHECK(strstr(err_there, "/secretdir") == NULL);
	CHECK(strstr(err_missing, "/nosuchdir") == NULL);
	remove_tree(base);
}

TEST(output_never_follows_a_symlink)
{
	struct invoker inv = { 0 };
	struct output_spec o;
	char err[512], link[512];
	const char *victim = t_tmp("victim"), *d = t_tmp("symdir/");
	FILE *fp = fopen(victim, "w");

	REQUIRE(fp);
	fputs("precious", fp);
	fclose(fp);
	mkdir(d, 0755);
	snprintf(link, sizeof(link), "%slink.mm_profdata", d);
	REQUIRE(symlink(victim, link) == 0);
	/* -o LINK: refused at once */
	output_spec_init(&o, link);
	CHECK(output_open(&o, &inv, err, sizeof(err)) == -1);
	CHECK(strstr(err, "symbolic link") != NULL);
	/* planted later, at a dump's name: the create refuses it */
	output_spec_init(&o, d);
	REQUIRE(output_open(&o, &inv, err, sizeof(err)) == 0);
	CHECK_EQ_I64(output_create(&o, link), -ELOOP);
	CHECK_STR(asuser_strerror(-ELOOP), "is a symbolic link (not followed)");
	output_close(&o);
	fp = fopen(victim, "r");
	REQUIRE(fp);
	REQUIRE(fgets(err, sizeof(err), fp));
	fclose(fp);
	CHECK_STR(err, "precious");
	unlink(link);
	/* a FIFO there neither blocks nor is written */
	REQUIRE(mkfifo(link, 0644) == 0);
	output_spec_init(&o, d);
	REQUIRE(output_open(&o, &inv, err, sizeof(err)) == 0);
	CHECK(output_create(&o, link) < 0);
	output_close(&o);
	unlink(link);
	unlink(victim);
	rmdir(d);
}

TEST(ptrace_check_as_the_user)
{
	struct invoker inv;
	pid_t c;

	nobody(&inv);
	inv.drop = false;	/* no user to act for: anything */
	CHECK_EQ_I64(asuser_may_ptrace(&inv, 1), 0);
	if (geteuid() != 0)
		SKIP("needs root");
	nobody(&inv);
	CHECK(asuser_may_ptrace(&inv, 1) == -EACCES || asuser_may_ptrace(&inv, 1) == -EPERM);
	CHECK(asuser_may_ptrace(&inv, getpid()) < 0);	/* root's own */
	/* a process of the user's own: allowed */
	c = fork();
	REQUIRE(c >= 0);
	if (c == 0) {
		if (setgroups(1, &inv.gid) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(1);
		/* exec: a process that changed uid is not dumpable until then */
		execlp("sleep", "sleep", "10", (char *)NULL);
		_exit(1);
	}
	for (int i = 0; i < 200; i++) {	/* until it has become nobody */
		struct stat st;
		char p[64];

		snprintf(p, sizeof(p), "/proc/%d", (int)c);
		if (!stat(p, &st) && st.st_uid == 65534 && !asuser_may_ptrace(&inv, c))
			break;
		usleep(5000);
	}
	CHECK_EQ_I64(asuser_may_ptrace(&inv, c), 0);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	CHECK_EQ_I64(asuser_may_ptrace(&inv, c), -ENOENT);
}

TEST(exit_codes_like_a_shell)
{
	CHECK_EQ_I64(child_exit_code(0), 0);
	CHECK_EQ_I64(child_exit_code(3 << 8), 3);
	CHECK_EQ_I64(child_exit_code(SIGKILL), 128 + SIGKILL);
}

TEST(resolve_commands)
{
	struct asuser as = { 0 };	/* inactive: as ourselves */
	char p[512];

	CHECK_EQ_I64(child_resolve(&as, "sh", p, sizeof(p)), 0);
	CHECK(strstr(p, "/sh") != NULL);
	CHECK_EQ_I64(child_resolve(&as, "no-such-command-xyz", p, sizeof(p)), -ENOENT);
	CHECK_EQ_I64(child_resolve(&as, "/etc/passwd", p, sizeof(p)), -EACCES);
}

/* The command is looked up as the user: in a directory they cannot
 * search, an existing program and a missing one are alike to them (root's
 * lookup said "not executable" for one, "command not found" for the other). */
TEST(resolve_commands_as_the_user)
{
	struct invoker inv;
	struct asuser as;
	char p[512], base[64], d[128], prog[160], missing[160];

	if (geteuid() != 0)
		SKIP("needs root");
	REQUIRE(public_dir(base, sizeof(base)));
	snprintf(d, sizeof(d), "%s/private", base);
	snprintf(prog, sizeof(prog), "%s/prog", d);
	snprintf(missing, sizeof(missing), "%s/missing", d);
	REQUIRE(mkdir(d, 0700) == 0);
	REQUIRE(symlink("/bin/true", prog) == 0);
	nobody(&inv);
	REQUIRE(asuser_init(&as, &inv) == 0);
	CHECK_EQ_I64(child_resolve(&as, prog, p, sizeof(p)), -EACCES);
	CHECK_EQ_I64(child_resolve(&as, missing, p, sizeof(p)), -EACCES);
	CHECK_EQ_I64(child_resolve(&as, "sh", p, sizeof(p)), 0);	/* what they may run */
	asuser_free(&as);
	remove_tree(base);
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

/* Run-wide counters as the loader's BPF stats would give them. */
static void fake_stats(void *ctx, uint64_t st[STAT__COUNT])
{
	memset(st, 0, STAT__COUNT * sizeof(*st));
	st[STAT_LOST] = 7;
	st[STAT_UNWOUND] = 3;
}

/* The metadata JSON a reader sees now (the later entry wins). */
static void read_meta(const char *path, uint64_t *events, char *json, size_t size)
{
	struct sp_reader *r = NULL;
	struct sp_error err = { 0 };

	json[0] = 0;
	*events = UINT64_MAX;
	if (sp_reader_open(&r, path, &err))
		return;
	*events = sp_reader_num_events(r);
	snprintf(json, size, "%s", sp_reader_metadata(r)->json);
	sp_reader_close(r);
}

TEST(procs_final_metadata_has_totals)
{
	static struct rec_exec ex = { .type = REC_EXEC, .pid = 4242, .time = 1000 };
	struct probe_point pt = { .label = "typeck", .kind = SP_KIND_QUERY };
	const char *label_v[] = { pt.label };
	struct label_table labels = { .v = label_v, .n = 1, .cap = 1 };
	struct rec_interval iv = { .type = REC_INTERVAL, .kind = SP_KIND_QUERY,
				   .pid = 4242, .tid = 4242, .start = 2000, .end = 3000 };
	const char *f = t_tmp("procs.mm_profdata");
	struct output_spec out;
	struct procs_opts po = { .labels = &labels, .out = &out,
				 .extra_json = "\"tool\": \"t\"", .stats = fake_stats };
	struct procs ps;
	uint64_t n;
	char json[4096];

	output_spec_init(&out, f);
	procs_init(&ps, &po);
	memcpy(ex.args, "rustc\0a.rs", 11);
	ex.args_len = 11;
	procs_exec(&ps, &ex);
	procs_interval(&ps, &iv);
	iv.id = 5;		/* no such probe: counted, not written */
	procs_interval(&ps, &iv);
	/* before the end: the early metadata, a valid prefix */
	read_meta(f, &n, json, sizeof(json));
	CHECK(strstr(json, "\"tool\": \"t\"") != NULL);
	CHECK(strstr(json, "metadata_final") == NULL);
	procs_exit(&ps, 4242, SIGKILL);
	read_meta(f, &n, json, sizeof(json));
	CHECK_EQ_U64(n, 1);
	CHECK(strstr(json, "\"tool\": \"t\"") != NULL);
	CHECK(strstr(json, "\"metadata_final\": true, \"events_written\": 1, "
		      "\"events_dropped\": 1,") != NULL);
	CHECK(strstr(json, "\"lost_events_run\": 7,") != NULL);
	CHECK(strstr(json, "\"unwound_frames_run\": 3,") != NULL);
	CHECK(strstr(json, "\"process_end\": \"signal\", \"exit_code\": -1, \"signal\": 9") != NULL);
	REQUIRE(ps.ndumps == 1);
	CHECK_EQ_U64(ps.dumps[0].events, 1);
	CHECK(!ps.dumps[0].failed);
	CHECK_EQ_U64(ps.nfailed, 0);
	procs_free(&ps);
	unlink(f);
}

TEST(procs_exit_code_and_still_running)
{
	static struct rec_exec ex = { .type = REC_EXEC, .pid = 77, .time = 10 };
	struct probe_point pt = { .label = "a", .kind = SP_KIND_GENERIC_ACTIVITY };
	const char *label_v[] = { pt.label };
	struct label_table labels = { .v = label_v, .n = 1, .cap = 1 };
	struct rec_interval iv = { .type = REC_INTERVAL, .kind = SP_KIND_GENERIC_ACTIVITY,
				   .pid = 77, .tid = 78, .start = 20, .end = 30 };
	const char *dir = t_tmp("procs-dir/");
	struct output_spec out;
	struct procs_opts po = { .labels = &labels, .out = &out,
				 .extra_json = "" };
	struct procs ps;
	uint64_t n;
	char json[4096];

	mkdir(dir, 0755);
	output_spec_init(&out, dir);
	procs_init(&ps, &po);
	memcpy(ex.args, "rustc\0b.rs", 11);
	ex.args_len = 11;
	procs_exec(&ps, &ex);
	procs_interval(&ps, &iv);
	procs_exit(&ps, 77, 3 << 8);
	ex.pid = iv.pid = 78;
	procs_exec(&ps, &ex);
	procs_interval(&ps, &iv);
	procs_finish(&ps);	/* tracing stopped with 78 still running */
	REQUIRE(ps.ndumps == 2);
	read_meta(ps.dumps[0].path, &n, json, sizeof(json));
	CHECK_EQ_U64(n, 1);
	CHECK(strstr(json, "\"process_end\": \"exit\", \"exit_code\": 3, \"signal\": 0") != NULL);
	CHECK(strstr(json, "\"lost_events_run\": 0,") != NULL);	/* no stats callback */
	CHECK(strstr(json, "\"metadata_final\"") != NULL);
	CHECK(strstr(json, ", ,") == NULL && strstr(json, "{,") == NULL);	/* no tool members */
	read_meta(ps.dumps[1].path, &n, json, sizeof(json));
	CHECK(strstr(json, "\"process_end\": \"running\"") != NULL);
	for (size_t i = 0; i < ps.ndumps; i++)
		unlink(ps.dumps[i].path);
	procs_free(&ps);
	rmdir(dir);
}

TEST(procs_dump_deleted_while_tracing_is_a_failure)
{
	static struct rec_exec ex = { .type = REC_EXEC, .pid = 91, .time = 10 };
	struct probe_point pt = { .label = "a", .kind = SP_KIND_QUERY };
	const char *label_v[] = { pt.label };
	struct label_table labels = { .v = label_v, .n = 1, .cap = 1 };
	struct rec_interval iv = { .type = REC_INTERVAL, .kind = SP_KIND_QUERY,
				   .pid = 91, .tid = 91, .start = 20, .end = 30 };
	const char *dir = t_tmp("deleted-dir/");
	struct invoker inv = { 0 };
	struct output_spec out;
	struct procs_opts po = { .labels = &labels, .out = &out, .extra_json = "" };
	struct procs ps;
	char err[256];

	mkdir(dir, 0755);
	output_spec_init(&out, dir);
	REQUIRE(output_open(&out, &inv, err, sizeof(err)) == 0);
	procs_init(&ps, &po);
	memcpy(ex.args, "rustc\0d.rs", 11);
	ex.args_len = 11;
	procs_exec(&ps, &ex);
	procs_interval(&ps, &iv);
	REQUIRE(ps.v && ps.n == 1);
	{
		char p[512];

		snprintf(p, sizeof(p), "%sd-0000091.mm_profdata", dir);
		REQUIRE(unlink(p) == 0);
	}
	rmdir(dir);		/* the directory too, as `rm -rf` would */
	procs_exit(&ps, 91, 0);
	REQUIRE(ps.ndumps == 1);
	CHECK(ps.dumps[0].failed);
	CHECK(ps.dumps[0].deleted);
	CHECK_EQ_U64(ps.nfailed, 1);
	/* a later dump in the deleted directory cannot be created */
	ex.pid = iv.pid = iv.tid = 92;
	procs_exec(&ps, &ex);
	procs_interval(&ps, &iv);
	procs_finish(&ps);
	CHECK_EQ_U64(ps.nfailed, 2);
	procs_free(&ps);
	output_close(&out);
}
