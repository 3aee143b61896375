// SPDX-License-Identifier: MIT
/*
 * selfprof-bpf: profile an unmodified rustc from outside. Uprobes on the
 * query providers of librustc_driver record intervals in BPF; this loader
 * drains them into one .mm_profdata per rustc process (the format of
 * `rustc -Z self-profile`).
 *
 *	selfprof-bpf [options] -- CMD ARGS...	trace CMD and its children
 *	selfprof-bpf [options] -p PID		trace a running process
 *
 * Options: options.h. The run: session.h (set up, start, tear down) and
 * loop.h (until the command ends).
 */
#include "loop.h"
#include "options.h"
#include "session.h"

int main(int argc, char **argv)
{
	static struct session s;
	struct opts o;
	char path[4096];
	int r;

	if (opts_parse(argc, argv, &o))
		return EXIT_USAGE;	/* opts_parse said why, in one line */
	s.o = &o;
	s.sigfd = s.epfd = -1;
	loop_block_signals_early();
	invoker_from_env(&s.inv);
	invoker_extend_path(&s.inv);
	if (o.list)
		return session_list_probes(&s);
	r = session_setup(&s, path, sizeof(path));
	r = r ?: loop_setup(&s);
	r = r ?: session_start(&s, path);
	if (!r) {
		loop_run(&s);
		r = s.child_status;
	}
	/* A dump cut short is our failure, unless the command failed too. */
	if (s.tr.skel && session_teardown(&s) && r == 0)
		r = EXIT_OUTPUT;
	return r;
}
