#!/usr/bin/env bats
# End-to-end tests of selfprof-bpf against the real rustc (as root).
# tests/run.sh exports SELFPROF, SELFPROF_BPF and SELFPROF_ROOT.

bats_require_minimum_version 1.5.0
load tracer_helper

setup() {
	tracer_setup tracer
	LIB=$(ls "$(rustc --print sysroot)"/lib/librustc_driver-*.so | head -1)
}

teardown() {
	cd /
	# status 0 also after a skip in setup (W unset): a failing teardown
	# turns a skipped test into a failed one
	if [ -n "${W:-}" ]; then rm -rf "$W"; fi
}

# Query events per label: "label<TAB>count", sorted.
query_counts() {
	"$SELFPROF" dump "$1" | awk -F'\t' '!/^#/ && $2 == "Query" { c[$3]++ }
		END { for (k in c) print k "\t" c[k] }' | sort
}

# Trace one compile that also writes rustc's own profile; the Query counts
# of both must be equal for every label. TRACER_OPTS: selfprof-bpf options.
compare_counts() { # source file, extra rustc args...
	local src=$1; shift
	mkdir -p own ours
	run env RUSTC_BOOTSTRAP=1 "$SELFPROF_BPF" --summary=none ${TRACER_OPTS:-} -o ours/ -- \
		rustc -Z self-profile=own "$@" "$src"
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[ "$(ls ours | wc -l)" -eq 1 ]
	[ "$(ls own | wc -l)" -eq 1 ]
	query_counts ours/*.mm_profdata > ours.txt
	query_counts own/*.mm_profdata > own.txt
	[ -s own.txt ]
	diff own.txt ours.txt
	# properly nested after the probe-cost correction: no negative self time
	run "$SELFPROF" summarize --tsv ours/*.mm_profdata
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -vc '^#')" -gt 10 ]
	negative=$(echo "$output" | awk -F'\t' '!/^#/ && $2 < 0')
	[ -z "$negative" ]
}

@test "hello.rs: every query's count equals rustc's own profile" {
	cp "$FIX/hello.rs" .
	compare_counts hello.rs --edition 2021 -o hello
}

@test "geom.rs: every query's count equals rustc's own profile" {
	cp "$FIX/geom.rs" .
	compare_counts geom.rs --edition 2021 --crate-type lib -o libgeom.rlib
}

@test "regex-syntax (Debian's librust-regex-syntax-dev): every query's count equals rustc's" {
	src=/usr/share/cargo/registry/regex-syntax-0.6.27/src/lib.rs
	[ -e "$src" ] || skip "librust-regex-syntax-dev 0.6.27 not installed"
	compare_counts "$src" --edition 2018 --crate-type lib --crate-name regex_syntax -o librs.rlib
}

@test "default output name is <crate>-<pid>.mm_profdata; summary and paths on stderr" {
	cp "$FIX/hello.rs" .
	run "$SELFPROF_BPF" -- rustc hello.rs -o hello
	[ "$status" -eq 0 ]
	ls hello-*.mm_profdata
	[[ "$output" == *"Total cpu time"* ]]
	[[ "$output" == *"lost events: 0"* ]]
	[[ "$output" == *"wrote hello-"* ]]
	"$SELFPROF" summarize hello-*.mm_profdata > /dev/null
}

@test "metadata: pid, command line, tool and probe cost" {
	cp "$FIX/tiny.rs" .
	run "$SELFPROF_BPF" --summary=none -o t.mm_profdata -- rustc --crate-type lib tiny.rs
	[ "$status" -eq 0 ]
	"$SELFPROF" dump t.mm_profdata | grep -q '^# cmd.*rustc --crate-type lib tiny.rs'
	grep -aq '"tool": "selfprof-bpf"' t.mm_profdata
	grep -aq '"probe_cost_correction": true' t.mm_profdata
	# a single-stepped entry is calibrated on its own: dearer than an
	# emulated one (9 us against 0.7 on this VM, where a debug trap is dear)
	entry=$(grep -ao '"probe_cost_entry_ns": [0-9]*' t.mm_profdata | head -1 | grep -o '[0-9]*$')
	stepped=$(grep -ao '"probe_cost_stepped_ns": [0-9]*' t.mm_profdata | head -1 | grep -o '[0-9]*$')
	[ "$stepped" -gt "$entry" ]
	# return probes with the unwind guard by default
	grep -aq '"returns": "uret", "unwind_guard": true' t.mm_profdata
}

@test "--no-correction says so in the metadata" {
	cp "$FIX/tiny.rs" .
	run "$SELFPROF_BPF" --summary=none --no-correction -o t.mm_profdata -- rustc --crate-type lib tiny.rs
	[ "$status" -eq 0 ]
	grep -aq '"probe_cost_correction": false' t.mm_profdata
}

@test "exit status is the command's" {
	run "$SELFPROF_BPF" --summary=none --lib "$LIB" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run "$SELFPROF_BPF" --summary=none --lib "$LIB" -- sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
}

@test "a failing compile (type error) still leaves a valid dump" {
	cp "$FIX/typeerr.rs" .
	run "$SELFPROF_BPF" --summary=none -o bad.mm_profdata -- rustc typeerr.rs
	# 1 as without tracing: rustc unwinds from `analysis` through probed
	# frames (return probes: the unwind guard, user/unwind_guard.h)
	[ "$status" -eq 1 ]
	"$SELFPROF" summarize bad.mm_profdata > /dev/null
	[ "$(query_counts bad.mm_profdata | wc -l)" -gt 10 ]
}

# Failing compiles, each stopping rustc in a different phase; rustc raises
# its fatal errors by unwinding through the probed frames.
write_failing_cases() {
	printf 'fn main() { let y = undefined_name; }\n' > unresolved.rs
	printf 'fn main() { let mut v = vec![1]; let r = &v[0]; v.push(2); println!("{}", r); }\n' > borrow.rs
	printf 'fn main() { let x = ; }\n' > syntax.rs
	printf 'extern crate no_such_crate_xyz;\nfn main() {}\n' > nocrate.rs
	printf 'const X: u8 = 255 + 1;\nfn main() { println!("{}", X); }\n' > consteval.rs
	printf 'struct List { next: List }\nfn main() {}\n' > rectype.rs
	printf 'trait T { fn f(&self); }\nstruct S;\nimpl T for S {}\nfn main() {}\n' > traititem.rs
	cp "$FIX/typeerr.rs" .
}

# Every failing case exits as the untraced rustc does, with a valid dump.
check_failing_cases() { # selfprof-bpf options...
	write_failing_cases
	for f in unresolved borrow syntax nocrate consteval rectype traititem typeerr; do
		local want=0 got=0
		rustc "$f.rs" -o "$f.bin" > /dev/null 2>&1 || want=$?
		"$SELFPROF_BPF" --summary=none "$@" -o "$f.mm_profdata" -- \
			rustc "$f.rs" -o "$f.bin" > "$f.log" 2>&1 || got=$?
		echo "$f: untraced $want, traced $got"
		[ "$want" -ne 0 ]
		[ "$got" -eq "$want" ]
		# (run ! fails the test; a bare `! grep` mid-test never does)
		run ! grep -q "failed to initiate panic" "$f.log"
		"$SELFPROF" summarize "$f.mm_profdata" > /dev/null
	done
}

@test "failing compiles exit as without tracing (default)" {
	check_failing_cases
}

@test "--returns=uret: failing compiles exit as without tracing (unwind guard)" {
	check_failing_cases --returns=uret
}

@test "--returns=exits and --returns=auto: failing compiles exit as without tracing" {
	check_failing_cases --returns=exits
	check_failing_cases --returns=auto
}

@test "--returns=uret: every query's count equals rustc's own profile" {
	cp "$FIX/geom.rs" .
	TRACER_OPTS=--returns=uret compare_counts geom.rs --edition 2021 --crate-type lib -o libgeom.rlib
}

@test "--returns=uret: an ICE (-Z treat-err-as-bug) with RUST_BACKTRACE=1 as without tracing" {
	cp "$FIX/typeerr.rs" .
	export RUSTC_BOOTSTRAP=1 RUST_BACKTRACE=1
	want=0
	rustc -Z treat-err-as-bug=1 typeerr.rs > plain.log 2>&1 || want=$?
	run "$SELFPROF_BPF" -v --summary=none --returns=uret -o ice.mm_profdata -- \
		rustc -Z treat-err-as-bug=1 typeerr.rs
	[ "$want" -eq 101 ]
	[ "$status" -eq 101 ]
	# the backtrace printed while frames carry return probes is complete
	grep -E '^ +[0-9]+: ' plain.log | sed 's/0x[0-9a-f]*//' > want.txt
	echo "$output" | grep -E '^ +[0-9]+: ' | sed 's/0x[0-9a-f]*//' > got.txt
	[ -s want.txt ]
	diff want.txt got.txt
	[[ "$output" == *"unwind guard: "*" stops"* ]]
	"$SELFPROF" summarize ice.mm_profdata > /dev/null
}

@test "--returns: bad value is a usage error" {
	run "$SELFPROF_BPF" --returns=sometimes -- true
	[ "$status" -eq 64 ]
}

@test "--keep-unwinding: a failing compile exits 1 as without tracing" {
	cp "$FIX/typeerr.rs" .
	run "$SELFPROF_BPF" --summary=none --keep-unwinding -o bad.mm_profdata -- rustc typeerr.rs
	[ "$status" -eq 1 ]
	"$SELFPROF" summarize bad.mm_profdata > /dev/null
}

@test "the child runs as SUDO_UID/SUDO_GID with the user's HOME" {
	run env SUDO_UID=65534 SUDO_GID=65534 "$SELFPROF_BPF" --summary=none -- \
		sh -c 'echo "$(id -u) $(id -g) $HOME"'
	[ "$status" -eq 0 ]
	[[ "$output" == *"65534 65534 $(getent passwd 65534 | cut -d: -f6)"* ]]
}

@test "an output directory created for the invoking user is theirs" {
	# a parent the user may write in (the work directory is root's, 0700)
	chmod 0755 "$W"
	mkdir -m 1777 pub
	run env SUDO_UID=65534 SUDO_GID=65534 "$SELFPROF_BPF" --summary=none -o pub/out/ -- true
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g pub/out)" = "65534:65534" ]
}

@test "cargo build of a workspace: one dump per crate" {
	command -v cargo >/dev/null || skip "cargo not installed"
	cp -r "$FIX/cargo-ws" ws
	cd ws
	# cargo caches its target probe's answer in target/: a fresh target
	# directory, and no cache, so that the probe runs
	run env -u CARGO_TARGET_DIR CARGO_CACHE_RUSTC_INFO=0 \
		"$SELFPROF_BPF" --summary=none -o dumps/ -- cargo build --offline --quiet
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	ls dumps/shapes-*.mm_profdata dumps/cli-*.mm_profdata
	[ "$(ls dumps/shapes-* | wc -l)" -eq 1 ]
	[ "$(ls dumps/cli-* | wc -l)" -eq 1 ]
	for f in dumps/shapes-* dumps/cli-*; do
		[ "$(query_counts "$f" | wc -l)" -gt 10 ]
	done
	# cargo's target probe (`rustc - --crate-name ___ --print=...`) is a
	# rustc session too: rustc's own -Z self-profile writes ___-PID for it,
	# and so do we (a few activities, no query)
	[ "$(ls dumps/*.mm_profdata | wc -l)" -eq 3 ]
	[ "$(query_counts dumps/___-*.mm_profdata | wc -l)" -eq 0 ]
}

sigint_mid_compile() { # selfprof-bpf options...
	# A compile long enough that the signal lands in the front end, where
	# rustc acts on Ctrl-C (late in codegen it may finish with 0).
	big_compile
	"$SELFPROF_BPF" --summary=none "$@" -o int.mm_profdata -- rustc "${BIG[@]}" 2> err.txt &
	pid=$!
	# the first full events page (256 KiB) is on disk: thousands of queries in
	for i in $(seq 1000); do
		[ "$(stat -c %s int.mm_profdata 2>/dev/null || echo 0)" -gt 300000 ] && break
		sleep 0.01
	done
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	cat err.txt
	[ "$status" -ne 0 ]
	# rustc's own handling of Ctrl-C, not an abort (134, "failed to
	# initiate panic") of a stack that cannot be unwound
	[ "$status" -ne 134 ]
	grep -q "wrote int.mm_profdata" err.txt
	run ! grep -q "failed to initiate panic" err.txt
	"$SELFPROF" summarize int.mm_profdata > /dev/null
}

@test "cargo build with a type error in one crate: cargo's exit status, dumps valid" {
	command -v cargo >/dev/null || skip "cargo not installed"
	cp -r "$FIX/cargo-ws" ws
	cd ws
	printf '\npub fn broken() -> u32 { "not a number" }\n' >> cli/src/main.rs
	want=0
	cargo build --offline --quiet > /dev/null 2>&1 || want=$?
	cargo clean --offline --quiet
	run "$SELFPROF_BPF" -v --summary=none -o dumps/ -- cargo build --offline --quiet
	echo "$output" | tail -5
	[ "$want" -ne 0 ]
	[ "$status" -eq "$want" ]
	[[ "$output" != *"failed to initiate panic"* ]]
	for f in dumps/*.mm_profdata; do
		"$SELFPROF" summarize "$f" > /dev/null
	done
}

# A constant whose evaluation takes hours: rustc's Ctrl-C handler only sets
# a flag (and exits 100 ms later); the const evaluator sees it, fails with
# "compilation was interrupted" and rustc raises its fatal error by
# unwinding through the probed query frames. Exit 1 without tracing; an
# abort (134, "failed to initiate panic") if the tracer's return probes
# are in the way.
write_spin() {
	cat > spin.rs <<'RS'
#![allow(long_running_const_eval)]
const SPIN: u64 = {
    let mut i = 0u64;
    let mut x = 0u64;
    while i < 1_000_000_000_000 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        i += 1;
    }
    x
};
fn main() {
    println!("{}", SPIN);
}
RS
}

# Start CMD... (rustc, or a tracer whose child is rustc) in the background,
# wait until rustc has used half a second of CPU time (the front end of
# spin.rs needs far less: the evaluation is running, however loaded the
# machine), send SIGINT to CMD; status and output in SPIN_STATUS, spin.log.
interrupt_spin() { # cmd...
	local pid rpid= i ticks=0
	"$@" > spin.log 2>&1 &
	pid=$!
	for i in $(seq 3000); do
		if [ -z "$rpid" ]; then
			if [ "$(cat /proc/$pid/comm 2>/dev/null)" = rustc ]; then rpid=$pid
			else rpid=$(pgrep -x -P "$pid" rustc || true); fi
		fi
		# (the tracer's own `rustc --print sysroot` comes and goes first)
		if [ -n "$rpid" ] && ! ticks=$(awk '{ print $14 + $15 }' /proc/$rpid/stat 2>/dev/null); then
			rpid= ticks=0
		fi
		[ "$ticks" -ge 50 ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	echo "rustc $rpid: $ticks ticks of CPU time"
	kill -INT "$pid"
	SPIN_STATUS=0
	wait "$pid" || SPIN_STATUS=$?
	cat spin.log
}

sigint_const_eval() { # selfprof-bpf options...
	write_spin
	interrupt_spin rustc spin.rs -o spin.bin
	want=$SPIN_STATUS
	[ "$want" -eq 1 ]
	grep -q "compilation was interrupted" spin.log
	interrupt_spin "$SELFPROF_BPF" --summary=none "$@" -o spin.mm_profdata -- \
		rustc spin.rs -o spin.bin
	[ "$SPIN_STATUS" -eq "$want" ]
	grep -q "compilation was interrupted" spin.log
	run ! grep -q "failed to initiate panic" spin.log
	grep -q "wrote spin.mm_profdata" spin.log
	"$SELFPROF" summarize spin.mm_profdata > /dev/null
}

@test "SIGINT during const evaluation: rustc's interrupted error and exit 1, no abort" {
	sigint_const_eval
}

@test "--returns=uret: SIGINT during const evaluation: exit 1, no abort" {
	sigint_const_eval --returns=uret
}

@test "SIGINT mid-compile: forwarded, dump still valid" {
	sigint_mid_compile
}

@test "--returns=uret: SIGINT mid-compile: forwarded, dump still valid" {
	sigint_mid_compile --returns=uret
}

@test "-p PID: follows a running process until it exits" {
	sleep 6 &	# discovery takes a few seconds under ASan
	run "$SELFPROF_BPF" --summary=none --lib "$LIB" -p $!
	[ "$status" -eq 0 ]
	[[ "$output" == *"no rustc query ran"* ]]
}

@test "errors: one clear line and a documented exit code each" {
	run "$SELFPROF_BPF"
	[ "$status" -eq 64 ]
	run -127 "$SELFPROF_BPF" -- no-such-command-xyz
	[ "$status" -eq 127 ]
	[[ "$output" == *"command not found"* ]]
	touch notexec
	run "$SELFPROF_BPF" --lib "$LIB" -- ./notexec
	[ "$status" -eq 126 ]
	run "$SELFPROF_BPF" --lib /no/such/librustc_driver.so -- true
	[ "$status" -eq 67 ]
	[[ "$output" == *"library not found"* ]]
	run "$SELFPROF_BPF" --lib /bin/true -- true
	[ "$status" -eq 68 ]
	[[ "$output" == *"no probe points"* ]]
	if command -v setpriv >/dev/null; then
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$SELFPROF_BPF" -- true
		[ "$status" -eq 65 ]
		[[ "$output" == *"must run as root"* ]]
	fi
}

# The links and programs a tracer holds, from its /proc/PID/fdinfo: link
# ids to links.txt, program ids (its own fds and those of its links) to
# progs.txt. Run as the traced command, so PID is its parent, the tracer.
record_tracer_ids() { # tracer pid
	local f
	for f in /proc/"$1"/fdinfo/*; do
		sed -n 's/^link_id:[[:space:]]*//p' "$f" >> links.txt
		sed -n 's/^prog_id:[[:space:]]*//p' "$f" >> progs.txt
	done
	bpftool -j prog show > progs.json
}

@test "nothing stays attached after a run: the run's own links and programs are gone" {
	command -v bpftool >/dev/null || skip "bpftool not installed"
	cp "$FIX/tiny.rs" .
	# Other tracers may load and attach while this runs: only the ids
	# this run's tracer held (read from its fds during the run, once rustc
	# has run: its library is attached when rustc starts) count.
	before=$(bpftool -j link list | jq '[.[].id] | max // 0')
	export -f record_tracer_ids
	run "$SELFPROF_BPF" --summary=none -o t.mm_profdata -- \
		bash -c 'rustc --crate-type lib tiny.rs && record_tracer_ids $PPID'
	echo "$output"
	[ "$status" -eq 0 ]
	sort -un links.txt -o links.txt
	sort -un progs.txt -o progs.txt
	echo "links: $(echo $(cat links.txt)); programs: $(echo $(cat progs.txt))"
	# the tracer's links were created by this run, and run our programs
	[ "$(wc -l < links.txt)" -ge 4 ]
	[ "$(head -1 links.txt)" -gt "$before" ]
	names=$(jq -r --slurpfile ids <(jq -s . progs.txt) \
		'.[] | select(.id as $i | $ids[0] | index($i)) | .name' progs.json | sort -u)
	echo "names: $(echo $names)"
	[[ "$names" == *sp_entry* && "$names" == *sp_return* && "$names" == *sp_fork* ]]
	[ -z "$(echo "$names" | grep -v '^sp_')" ]
	# The kernel frees links and programs a little after their last fd closes.
	for i in $(seq 50); do
		left_links=$(bpftool -j link list | jq -r --slurpfile ids <(jq -s . links.txt) \
			'.[] | select(.id as $i | $ids[0] | index($i)) | .id')
		left_progs=$(bpftool -j prog show | jq -r --slurpfile ids <(jq -s . progs.txt) \
			'.[] | select(.id as $i | $ids[0] | index($i)) | .id')
		[ -z "$left_links$left_progs" ] && return 0
		sleep 0.1
	done
	echo "still there: links $left_links, programs $left_progs"
	false
}

# Events per (kind, label) of a dump: "kind<TAB>label<TAB>count", sorted.
kind_label_counts() {
	"$SELFPROF" dump "$1" | awk -F'\t' '!/^#/ { c[$2 "\t" $3]++ }
		END { for (k in c) print k "\t" c[k] }' | sort
}

@test "SELFPROF_BPF_NO_MULTI=1: per-probe perf uprobes record what uprobe_multi records" {
	cp "$FIX/hello.rs" .
	# --probes=queries: detaching a perf uprobe costs the kernel a grace
	# period (~0.1 s each, 638 here); all probes would take longer still.
	# Perf uprobes have no sessions: compare with uprobe_multi without them
	# (the same points are left out: only a return probe would end them).
	run env SELFPROF_BPF_NO_SESSIONS=1 "$SELFPROF_BPF" --summary=none --probes=queries \
		-o multi.mm_profdata -- rustc --edition 2021 hello.rs -o hello
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "probe points attached in 1 librustc_driver(s) with uprobe_multi" ]]
	[[ "$output" == *"lost events: 0"* ]]
	t0=$SECONDS
	run env SELFPROF_BPF_NO_MULTI=1 "$SELFPROF_BPF" --summary=none --probes=queries \
		-o perf.mm_profdata -- rustc --edition 2021 hello.rs -o hello
	echo "$output"
	echo "perf uprobes: $((SECONDS - t0)) s"
	[ "$status" -eq 0 ]
	[[ "$output" == *"uprobe_multi unavailable"*"perf uprobes instead"* ]]
	[[ "$output" == *"librustc_driver(s) with uprobe (perf, one per probe)"* ]]
	[[ "$output" == *"probe points left out: only a return probe ends them"* ]]
	[[ "$output" == *"lost events: 0"* ]]
	kind_label_counts multi.mm_profdata > multi.txt
	kind_label_counts perf.mm_profdata > perf.txt
	[ "$(wc -l < multi.txt)" -gt 50 ]
	diff multi.txt perf.txt
}

@test "more than 64 failing compiles under one trace, 8 at a time: each exits 1, none aborts" {
	cp "$FIX/typeerr.rs" .
	want=0
	rustc typeerr.rs -o plain.bin > plain.log 2>&1 || want=$?
	[ "$want" -eq 1 ]
	grep -q '^error\[E0308\]: mismatched types' plain.log
	# one compile in its own directory: its status and output kept
	cat > one.sh <<'SH'
d=c$1; mkdir "$d" && cd "$d" || exit 2
rustc ../typeerr.rs -o t.bin > log 2>&1
echo $? > rc
SH
	run "$SELFPROF_BPF" -v --summary=none -o dumps/ -- \
		sh -c 'seq 72 | xargs -P 8 -n 1 sh ./one.sh'
	echo "$output" | sed '/^selfprof-bpf: wrote /d'
	[ "$status" -eq 0 ]
	# the unwind guard acted in every process
	stops=$(echo "$output" | sed -n 's/.*unwind guard: \([0-9]*\) stops.*/\1/p')
	[ "$stops" -ge 72 ]
	[ "$(ls -d c* | wc -l)" -eq 72 ]
	[ "$(cat c*/rc | sort | uniq -c | awk '{ print $1 ":" $2 }')" = "72:1" ]
	[ "$(grep -l '^error\[E0308\]: mismatched types' c*/log | wc -l)" -eq 72 ]
	run ! grep -l "failed to initiate panic" c*/log
	# a dump of each
	[ "$(ls dumps/*.mm_profdata | wc -l)" -eq 72 ]
	for f in dumps/*.mm_profdata; do
		"$SELFPROF" summarize --tsv "$f" > /dev/null
	done
}
