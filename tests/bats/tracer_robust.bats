#!/usr/bin/env bats
# selfprof-bpf when things go wrong (as root): a full ring buffer, a full
# disk, a killed compiler, a signalled tracer, an untraced compiler next
# door. Every dump left behind must be a valid profile.
# tests/run.sh exports SELFPROF, SELFPROF_BPF and SELFPROF_ROOT.

bats_require_minimum_version 1.5.0
load tracer_helper


setup() {
	tracer_setup robust
	cp "$FIX/geom.rs" "$FIX/tiny.rs" .
}

teardown() {
	cd /
	[ -n "${W:-}" ] || return 0
	mountpoint -q "$W/fs" && umount "$W/fs"
	[ -n "${LOOP_PID:-}" ] && { touch "$W/stop"; wait "$LOOP_PID" 2>/dev/null || true; }
	rm -rf "$W"
}


# The last (final) metadata's value of a member, from the raw file: the
# final metadata is the only one with these members.
meta() { # file member
	grep -ao "\"$2\": [^,}]*" "$1" | tail -1 | sed 's/^[^:]*: *//; s/"//g'
}

# Events in a dump, as read back; fails if the file is not a valid profile.
events_of() {
	"$SELFPROF" summarize --tsv "$1" > /dev/null || return 1
	"$SELFPROF" dump "$1" | awk '!/^#/ { n++ } END { print n + 0 }'
}

pid_of() { # dump path -> pid from <crate>-<pid>.mm_profdata
	local p=${1##*-}
	p=${p%.mm_profdata}
	echo $((10#$p))
}

# Wait for the first dump in DIR (written at the process's first query)
# while the tracer TPID runs.
wait_dump() { # dir tpid
	for _ in $(seq 1000); do
		DUMP=$(ls "$1"/*.mm_profdata 2>/dev/null | head -1)
		[ -n "$DUMP" ] && return 0
		kill -0 "$2" 2>/dev/null || { cat log.txt; return 1; }
		sleep 0.01
	done
	return 1
}

@test "full ring buffer: lost events reported loudly and in the metadata, dump valid, status 0" {
	run "$SELFPROF_BPF" --summary=none --ringbuf-size=8K -o out/ -- \
		rustc --edition 2021 --crate-type lib geom.rs -o libgeom.rlib
	echo "$output" | grep selfprof-bpf
	[ "$status" -eq 0 ]
	[[ "$output" == *"EVENTS LOST (ring buffer of 8192 bytes full)"* ]]
	lost=$(echo "$output" | sed -n 's/.*WARNING: \([0-9]*\) EVENTS LOST.*/\1/p')
	[ "$lost" -gt 0 ]
	f=$(ls out/*.mm_profdata)
	n=$(events_of "$f")
	[ "$n" -gt 0 ]
	[ "$(meta "$f" metadata_final)" = true ]
	[ "$(meta "$f" lost_events_run)" -gt 0 ]
	# everything the tracer lost is in one of the two counters
	[ "$(( $(meta "$f" lost_events_run) + $(meta "$f" lost_control_run) ))" -eq "$lost" ]
	[ "$(meta "$f" events_written)" -eq "$n" ]
	# the exit record shares the full ring buffer: only if a control record
	# was lost (lost_control_run) may the dump not know how the process ended
	if [ "$(meta "$f" process_end)" = exit ]; then
		[ "$(meta "$f" exit_code)" -eq 0 ]
	else
		[ "$(meta "$f" process_end)" = running ]
		[ "$(meta "$f" lost_control_run)" -gt 0 ]
	fi
}

@test "--ringbuf-size: powers of two from a page, else a usage error" {
	run "$SELFPROF_BPF" --ringbuf-size=12K -- true
	[ "$status" -eq 64 ]
	[[ "${lines[0]}" == *"--ringbuf-size=12K: want a power of two"* ]]
	run "$SELFPROF_BPF" --ringbuf-size=1024 -- true
	[ "$status" -eq 64 ]
	run "$SELFPROF_BPF" --ringbuf-size=2G -- true
	[ "$status" -eq 64 ]
}

@test "full disk: one-line write error, the file is a valid prefix, status 70" {
	big_compile
	mkdir fs
	# smaller than the dump (4-6 MB), larger than its strings and some
	# event pages (256 KiB each), so the dump starts and is then cut short
	mount -t tmpfs -o size=1m tmpfs fs
	run "$SELFPROF_BPF" --summary=none -o fs/ -- rustc "${BIG[@]}"
	echo "$output" | grep selfprof-bpf
	# the compile succeeded; the dump did not: the tracer's failure
	[ "$status" -eq 70 ]
	[ -e "$OUT" ]
	[ "$(echo "$output" | grep -c 'write error, dump incomplete')" -eq 1 ]
	echo "$output" | grep -q "write error, dump incomplete.*: No space left on device$"
	[[ "$output" == *"INCOMPLETE: write error"* ]]
	f=$(ls fs/*.mm_profdata)
	n=$(events_of "$f")
	# the report counts what the file holds
	echo "$output" | grep -q "wrote $f (.*, $n events) INCOMPLETE"
	[ "$n" -gt 0 ]		# whole event pages made it
	# the early metadata is there; the final one (totals) is not claimed
	"$SELFPROF" dump "$f" | grep -q "^# process_id	$(pid_of "$f")$"
	run ! grep -aq metadata_final "$f"
}

@test "SIGKILL to the traced rustc: valid dump with its events, status 137" {
	big_compile
	"$SELFPROF_BPF" --summary=none -o out/ -- rustc "${BIG[@]}" > log.txt 2>&1 &
	tpid=$!
	wait_dump out "$tpid"
	sleep 0.3
	kill -KILL "$(pid_of "$DUMP")"
	status=0
	wait "$tpid" || status=$?
	cat log.txt | grep selfprof-bpf
	[ "$status" -eq 137 ]
	[ ! -e "$OUT" ]		# killed mid-compile, not after
	n=$(events_of "$DUMP")
	[ "$n" -gt 0 ]
	[ "$(meta "$DUMP" events_written)" -eq "$n" ]
	[ "$(meta "$DUMP" process_end)" = signal ]
	[ "$(meta "$DUMP" signal)" -eq 9 ]
	# the events it was inside when killed never ended: counted, not dropped silently
	grep -Eq "lost events: [1-9].*no end seen before the thread exited [1-9]" log.txt
	[ "$(meta "$DUMP" unended_run)" -gt 0 ]
}

@test "SIGTERM to selfprof-bpf: forwarded, valid dump, the child's status" {
	big_compile
	"$SELFPROF_BPF" --summary=none -o out/ -- rustc "${BIG[@]}" > log.txt 2>&1 &
	tpid=$!
	wait_dump out "$tpid"
	sleep 0.3
	kill -TERM "$tpid"
	status=0
	wait "$tpid" || status=$?
	cat log.txt | grep selfprof-bpf
	[ "$status" -eq 143 ]	# rustc died of the forwarded SIGTERM
	[ ! -e "$OUT" ]
	[ ! -d "/proc/$(pid_of "$DUMP")" ]
	grep -q "wrote $DUMP" log.txt
	[ "$(events_of "$DUMP")" -gt 0 ]
	[ "$(meta "$DUMP" signal)" -eq 15 ]
}

@test "an untraced rustc running alongside leaves no dump and no event" {
	# compiles in a loop, started before the traced one and ending after it
	( while [ ! -e stop ]; do
		sh -c 'echo $$ >> untraced.pids; exec rustc --crate-type lib tiny.rs -o libt$$.rlib'
	  done ) &
	LOOP_PID=$!
	for _ in $(seq 500); do [ -s untraced.pids ] && break; sleep 0.01; done
	before=$(wc -l < untraced.pids)
	run "$SELFPROF_BPF" --summary=none -o out/ -- \
		rustc --edition 2021 --crate-type lib geom.rs -o libgeom.rlib
	[ "$status" -eq 0 ]
	sleep 0.2
	touch stop
	wait "$LOOP_PID"
	LOOP_PID=
	after=$(wc -l < untraced.pids)
	[ "$after" -gt "$before" ]	# the loop ran while we traced
	[ "$(ls out | wc -l)" -eq 1 ]
	f=$(ls out/*.mm_profdata)
	pid=$("$SELFPROF" dump "$f" | sed -n 's/^# process_id\t//p')
	[ "$pid" -eq "$(pid_of "$f")" ]
	[ -z "$(grep -x "$pid" untraced.pids)" ]
	[[ "$output" == *"1 dump(s)"* ]]
	# its events are geom's alone: no tiny.rs compile mixed in
	"$SELFPROF" dump "$f" | grep -q '^# cmd.*geom.rs'
	[ "$(events_of "$f")" -eq "$(meta "$f" events_written)" ]
}

@test "geom.rs: verified GenericActivity counts equal rustc's own profile" {
	mkdir own
	run env RUSTC_BOOTSTRAP=1 "$SELFPROF_BPF" --summary=none -o ours/ -- \
		rustc -Z self-profile=own --edition 2021 --crate-type lib geom.rs -o libgeom.rlib
	[ "$status" -eq 0 ]
	# GenericActivity events per label: "label<TAB>count", sorted
	for d in own ours; do
		"$SELFPROF" dump "$d"/*.mm_profdata | awk -F'\t' '
			!/^#/ && $2 == "GenericActivity" { c[$3]++ }
			END { for (k in c) print k "\t" c[k] }' | sort > $d.all.txt
	done
	# The passes the tracer probes (verified ones), from its probe list:
	# each one's count equals rustc's own (0 for both if it did not run),
	# whatever the release.
	"$SELFPROF_BPF" --list-probes | awk -F'\t' '$2 == "GenericActivity" { print $3 }' |
		sort -u > probed.txt
	cat probed.txt
	for d in own ours; do
		awk -F'\t' 'NR == FNR { c[$1] = $2; next } { print $1 "\t" c[$1] + 0 }' \
			$d.all.txt probed.txt > $d.txt
	done
	diff own.txt ours.txt
	# most of them ran here
	[ "$(grep -vc '	0$' own.txt)" -ge 4 ]
	# 1.95: these 17, each of which rustc's own profile has
	if [[ "$(rustc --version)" == "rustc 1.95."* ]]; then
		labels='generate_crate_metadata codegen_crate codegen_module LLVM_module_optimize
			LLVM_module_codegen LLVM_module_codegen_emit_obj finish_ongoing_codegen
			type_check_crate lint_checking module_lints resolve_crate expand_crate
			parse_crate cgu_partitioning cgu_partitioning_place_items
			assert_symbols_are_distinct privacy_checking_modules'
		diff <(printf '%s\n' $labels | sort) probed.txt
		[ -z "$(grep '	0$' own.txt)" ]
	fi
}

# -p under sudo: tracer_security.bats (a root process is refused; the
# user's own is traced, its dump and directory theirs).

@test "a cargo build's end report: crates by self time, then one table summed over them" {
	cp -r "$FIX/cargo-ws" ws
	cd ws
	run env -u CARGO_TARGET_DIR CARGO_CACHE_RUSTC_INFO=0 \
		"$SELFPROF_BPF" -o "$W/dumps/" -- cargo build -q
	[ "$status" -eq 0 ]
	# shapes, cli, and cargo's target probe ___ (rustc's own profile has it too)
	[ "$(ls "$W"/dumps/*.mm_profdata | wc -l)" -eq 3 ]
	echo "$output" | grep -q '^== 3 crates by self time ==$'
	echo "$output" | grep -Eq '^\| cli +\| [0-9.]+(ns|µs|ms|s) +\| [0-9.]+ +\| [0-9]+ +\| .*/dumps/cli-[0-9]+\.mm_profdata'
	echo "$output" | grep -Eq '^\| shapes +\|'
	echo "$output" | grep -q '^== all 3 crates: queries and activities summed ==$'
	# the summed table counts typeck over both crates: compare with the dumps
	want=$(for f in "$W"/dumps/*.mm_profdata; do "$SELFPROF" summarize --tsv "$f"; done |
		awk -F'\t' '$1 == "typeck" { n += $4 } END { print n + 0 }')
	[ "$want" -gt 0 ]
	# (a debug build is incremental: the result-hashing column follows)
	echo "$output" | grep -Eq "^\| typeck \.* +\| .* \| $want +\|( [0-9.]+(ns|µs|ms|s) +\|)?$"
}
