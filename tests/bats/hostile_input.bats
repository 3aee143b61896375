#!/usr/bin/env bats
# selfprof against hostile input: crafted profiles (tests/corpus/hostile-*,
# written by tests/fuzz/make-hostile-corpus.py), a gzip bomb, a FIFO, an output
# that is an input. Every subcommand must fail with exit 1 and one line on
# stderr, within a second, or refuse the output and leave the input as it was.
load tools_helper

CORPUS=$SELFPROF_ROOT/tests/corpus
GOOD=$CORPUS/seed-v9.mm_profdata

# Run selfprof under a 10 s timeout (a hang fails instead of blocking):
# sets status, stderr, its line count and elapsed_ms.
run_timed() {
	local t0 t1
	t0=$(date +%s%N)
	stderr=$(timeout 10 "$SELFPROF" "$@" 2>&1 >/dev/null) && status=0 || status=$?
	t1=$(date +%s%N)
	elapsed_ms=$(((t1 - t0) / 1000000))
	stderr_lines=$(printf '%s' "$stderr" | grep -c '' || true)
}

# The subcommands reading input $1, one per line (outputs under the test's
# temporary directory).
commands_for() {
	local o=$BATS_TEST_TMPDIR/out
	cat <<-CMDS
	summarize $1
	diff $1 $GOOD
	diff $GOOD $1
	compare --json -o $o.json $1 $GOOD
	dump $1
	crox -o $o.trace.json $1
	flamegraph $1
	flamegraph --svg -o $o.svg $1
	convert $1 $o.mm_profdata
	CMDS
}

# Each command on input $1 fails: exit 1, one line on stderr matching $2, < 1 s.
assert_refused_by_all() {
	local cmd
	while read -r cmd; do
		run_timed $cmd
		[ "$status" -eq 1 ] || fail "$cmd: exit $status, not 1 (stderr: $stderr)"
		[ "$stderr_lines" -eq 1 ] || fail "$cmd: $stderr_lines lines on stderr: $stderr"
		[[ $stderr == *"$2"* ]] || fail "$cmd: stderr does not say '$2': $stderr"
		[ "$elapsed_ms" -lt 1000 ] || fail "$cmd: took $elapsed_ms ms"
	done < <(commands_for "$1")
}

@test "the crafted files are the ones make-hostile-corpus.py writes" {
	python3 "$SELFPROF_ROOT/tests/fuzz/make-hostile-corpus.py" "$BATS_TEST_TMPDIR"
	for f in "$BATS_TEST_TMPDIR"/hostile-*.mm_profdata; do
		cmp "$f" "$CORPUS/$(basename "$f")"
	done
}

@test "an event whose kind is all ones: every command fails cleanly (was SIGBUS)" {
	assert_refused_by_all "$CORPUS/hostile-kind-all-ones.mm_profdata" \
		"string 18446744073709551615: address 18446744073609551612 is outside the string data"
}

@test "an event whose id is all ones: every command fails cleanly (was a hang)" {
	assert_refused_by_all "$CORPUS/hostile-id-all-ones.mm_profdata" \
		"string 18446744073709551615: address 18446744073609551612 is outside the string data"
}

@test "a reference DAG that uses up the decode budget in a nested string: no wrap-around (was a hang)" {
	assert_refused_by_all "$CORPUS/hostile-decode-wrap.mm_profdata" \
		"takes more than 65536 decoding steps (a reference bomb?)"
}

@test "many strings sharing one big sub-string: the per-file work bound stops them" {
	assert_refused_by_all "$CORPUS/hostile-decode-shared.mm_profdata" \
		"the strings need more decoding work than a 29182-byte file may take"
}

@test "a gzip bomb stops at the cap with a clear message, writing no more than the cap" {
	local bomb=$BATS_TEST_TMPDIR/bomb.mm_profdata.gz
	# A valid header, then 256 MiB of zeros: 261 kB of gzip, so the cap is
	# its 64 MiB floor (the ratio part is 100 x 261 kB).
	python3 - "$bomb" <<-'PY'
	import sys, zlib
	c = zlib.compressobj(9, zlib.DEFLATED, 31)
	zeros = bytes(1 << 20)
	with open(sys.argv[1], "wb") as f:
	    f.write(c.compress(b"MMPD\x09\0\0\0"))
	    for _ in range(256):
	        f.write(c.compress(zeros))
	    f.write(c.flush())
	PY
	mkdir "$BATS_TEST_TMPDIR/tmp"
	# Writing past the cap (+ a 64 KiB buffer) would be SIGXFSZ, not our message.
	ulimit -f $((64 * 1024 + 64))
	TMPDIR=$BATS_TEST_TMPDIR/tmp assert_refused_by_all "$bomb" \
		"gzip data inflates to more than 64 MiB, the cap (100 times the compressed size, at least 64 MiB, at most 4 GiB)"
	run ls -A "$BATS_TEST_TMPDIR/tmp"
	assert_output ""	# the temporary file was unlinked
}

@test "a FIFO as input is refused without blocking" {
	mkfifo "$BATS_TEST_TMPDIR/fifo.mm_profdata"
	assert_refused_by_all "$BATS_TEST_TMPDIR/fifo.mm_profdata" "not a regular file"
}

@test "a directory where a profile file is expected is refused" {
	mkdir "$BATS_TEST_TMPDIR/dir.mm_profdata"
	while read -r cmd; do
		run_timed $cmd
		[ "$status" -eq 1 ] || fail "$cmd: exit $status"
		[[ $stderr == *"not a regular file"* ]] || fail "$cmd: $stderr"
	done < <(printf '%s\n' "dump $BATS_TEST_TMPDIR/dir.mm_profdata" \
		"crox $BATS_TEST_TMPDIR/dir.mm_profdata" "flamegraph $BATS_TEST_TMPDIR/dir.mm_profdata" \
		"convert $BATS_TEST_TMPDIR/dir.mm_profdata $BATS_TEST_TMPDIR/c.mm_profdata")
}

@test "compare A B -o A, through a symlink or a hard link, is refused and A left intact" {
	local a=$BATS_TEST_TMPDIR/a.mm_profdata
	cp "$DATA/tiny-all.mm_profdata" "$a"
	ln -s "$a" "$BATS_TEST_TMPDIR/symlink"
	ln "$a" "$BATS_TEST_TMPDIR/hardlink"
	for o in "$a" "$BATS_TEST_TMPDIR/symlink" "$BATS_TEST_TMPDIR/hardlink"; do
		for json in "" --json; do
			run_timed compare $json "$a" "$DATA/geom-incr2.mm_profdata" -o "$o"
			[ "$status" -eq 2 ] || fail "compare $json -o $o: exit $status"
			[ "$stderr" = "selfprof: compare: the output $o is an input file (see 'selfprof compare --help')" ] ||
				fail "compare -o $o: $stderr"
			run_timed compare $json "$DATA/geom-incr2.mm_profdata" "$a" -o "$o"
			[ "$status" -eq 2 ] || fail "compare $json NEW=-o $o: exit $status"
		done
	done
	cmp "$DATA/tiny-all.mm_profdata" "$a"
}

@test "compare DIR B -o DIR/dump.mm_profdata (a dump the directory gives) is refused" {
	mkdir "$BATS_TEST_TMPDIR/run"
	cp "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/run/tiny-1.mm_profdata"
	run_timed compare "$BATS_TEST_TMPDIR/run" "$DATA/geom-incr2.mm_profdata" \
		-o "$BATS_TEST_TMPDIR/run/tiny-1.mm_profdata"
	[ "$status" -eq 2 ] || fail "exit $status: $stderr"
	cmp "$DATA/tiny-all.mm_profdata" "$BATS_TEST_TMPDIR/run/tiny-1.mm_profdata"
	# A report beside the dumps is no input: written, and again over itself.
	for i in 1 2; do
		run "$SELFPROF" compare "$BATS_TEST_TMPDIR/run" "$DATA/geom-incr2.mm_profdata" \
			-o "$BATS_TEST_TMPDIR/run/report.html"
		assert_success
	done
}

@test "every -o and convert's OUT refuse an input reached through a symlink or a hard link" {
	local a=$BATS_TEST_TMPDIR/a.mm_profdata
	cp "$DATA/tiny-all.mm_profdata" "$a"
	ln -s "$a" "$BATS_TEST_TMPDIR/symlink"
	ln "$a" "$BATS_TEST_TMPDIR/hardlink"
	for o in "$BATS_TEST_TMPDIR/symlink" "$BATS_TEST_TMPDIR/hardlink"; do
		for cmd in "dump -o $o $a" "crox -o $o $a" "flamegraph -o $o $a" \
			   "flamegraph --svg -o $o $a" "convert $a $o"; do
			run_timed $cmd
			[ "$status" -eq 2 ] || fail "$cmd: exit $status"
			[[ $stderr == *"the output $o is an input file"* ]] || fail "$cmd: $stderr"
		done
	done
	cmp "$DATA/tiny-all.mm_profdata" "$a"
}
