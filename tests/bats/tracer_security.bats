#!/usr/bin/env bats
# selfprof-bpf under sudo: everything done for the invoking user is bounded
# by that user's rights. As root, with a throwaway user made for this file
# and SUDO_UID/SUDO_GID/SUDO_USER set as sudo sets them.
#
# rustc for the user: root's home is usually 0700, so the user cannot run its rustup
# toolchain where it lies. The toolchain directory itself is 0755: it is
# bind-mounted (read-only) at a path the user can reach, and that rustc is
# first in PATH for the tracer and its child. Nothing is copied or chmodded.

bats_require_minimum_version 1.5.0
load tracer_helper

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	export PATH="$HOME/.cargo/bin:$PATH"
	command -v rustc >/dev/null || return 0
	SEC_USER="spsec$$"
	useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		--user-group "$SEC_USER"
	export SEC_USER SEC_UID=$(id -u "$SEC_USER") SEC_GID=$(id -g "$SEC_USER")
	export TC=$(mktemp -d /tmp/security-tc.XXXXXX)
	chmod 755 "$TC"
	mount --bind "$(rustc --print sysroot)" "$TC"
	mount -o remount,bind,ro "$TC"
}

teardown_file() {
	[ -n "${TC:-}" ] && mountpoint -q "$TC" && umount "$TC"
	[ -n "${TC:-}" ] && rmdir "$TC"
	# a process of the user may outlive a failed test by a moment (a sleep)
	for _ in $(seq 100); do
		[ -n "${SEC_USER:-}" ] || break
		userdel "$SEC_USER" 2>/dev/null && break
		sleep 0.1
	done
	return 0
}

setup() {
	tracer_setup security
	[ -n "${SEC_USER:-}" ] || skip "no throwaway user"
	# W must be reachable by the user: its own directory under /tmp
	cd / && rm -rf "$W"
	W=$(mktemp -d /tmp/security.XXXXXX)
	chmod 755 "$W"
	R="$W/rootdir"			# root's, 0755: the user may not write here
	mkdir -m 755 "$R"
	echo precious > "$R/victim"
	U="$W/u"			# the user's own work directory
	mkdir -m 755 "$U"
	cp "$FIX/tiny.rs" "$FIX/geom.rs" "$U"
	chown -R "$SEC_UID:$SEC_GID" "$U"
	cd "$U"
}

teardown() {
	cd /
	[ -n "${BG:-}" ] && { kill "$BG" 2>/dev/null; wait "$BG" 2>/dev/null; }
	[ -n "${W:-}" ] || return 0
	mountpoint -q "$W/fs" && umount "$W/fs"
	rm -rf "$W"
}

# selfprof-bpf as `sudo` would start it for the throwaway user
as_sudo() {
	env SUDO_UID="$SEC_UID" SUDO_GID="$SEC_GID" SUDO_USER="$SEC_USER" \
		PATH="$TC/bin:$PATH" "$SELFPROF_BPF" "$@"
}

# a command run as the throwaway user itself
as_user() {
	setpriv --reuid="$SEC_UID" --regid="$SEC_GID" --init-groups env PATH="$TC/bin:$PATH" "$@"
}

victim_untouched() {
	[ "$(cat "$R/victim")" = precious ]
	[ "$(stat -c %u:%g "$R/victim")" = 0:0 ]
}

@test "a symlink planted at -o FILE: refused, its root-owned target untouched" {
	as_user ln -s "$R/victim" out.mm_profdata
	run as_sudo --summary=none -o out.mm_profdata -- sh -c 'touch ran; exec rustc --crate-type lib tiny.rs'
	echo "$output"
	[ "$status" -eq 70 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "selfprof-bpf: cannot write out.mm_profdata: is a symbolic link (not followed)" ]
	victim_untouched
	[ -L out.mm_profdata ]
	[ ! -e ran ]		# refused before the command ran
}

@test "a symlink the traced command plants at its default <crate>-<pid> name: refused" {
	# the script knows its pid, which rustc keeps through exec
	run as_sudo --summary=none -- sh -c \
		'ln -s "$1" "tiny-$(printf %07d $$).mm_profdata"; exec rustc --crate-type lib tiny.rs' \
		sh "$R/victim"
	echo "$output"
	[ "$status" -eq 70 ]	# the compile succeeded, the dump could not be written
	[ -e libtiny.rlib ]
	echo "$output" | grep -Eq '^selfprof-bpf: cannot create tiny-[0-9]{7}\.mm_profdata: is a symbolic link \(not followed\)$'
	victim_untouched
	run ! grep -q 'wrote tiny-' <<< "$output"
}

# -o OUT, which the user may not write: refused at startup with exactly
# one line ($2), status 70, the command never run.
refused_at_startup() { # OUT LINE
	run as_sudo --summary=none -o "$1" -- sh -c 'touch ran; exec rustc --crate-type lib tiny.rs'
	echo "$output"
	[ "$status" -eq 70 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "selfprof-bpf: $2" ]
	[ ! -e ran ]
}

@test "-o ROOTDIR/newfile: refused before the command runs, nothing created, status 70" {
	refused_at_startup "$R/newfile" "cannot write to $R: Permission denied"
	[ ! -e "$R/newfile" ]
}

@test "-o ROOTDIR/ (an existing directory the user cannot write): refused, status 70" {
	refused_at_startup "$R/" "cannot write to $R/: Permission denied"
	[ "$(ls "$R")" = victim ]
}

@test "-o ROOTDIR/newdir/ (the user cannot create it): refused, nothing created, status 70" {
	refused_at_startup "$R/newdir/" "cannot create $R/newdir/: Permission denied"
	[ ! -e "$R/newdir" ]
}

@test "-o FILE in a missing or read-only directory: refused before the command runs" {
	run as_sudo --summary=none -o missing/x.mm_profdata -- sh -c 'touch ran; exec rustc --crate-type lib tiny.rs'
	echo "$output"
	[ "$status" -eq 70 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "selfprof-bpf: cannot write to missing: No such file or directory" ]
	[ ! -e ran ]
	as_user mkdir -m 555 ro
	run as_sudo --summary=none -o ro/x.mm_profdata -- sh -c 'touch ran; exec rustc --crate-type lib tiny.rs'
	echo "$output"
	[ "$status" -eq 70 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "selfprof-bpf: cannot write to ro: Permission denied" ]
	[ ! -e ro/x.mm_profdata ]
	[ ! -e ran ]
}

@test "--crate-name ../../x: the dump stays inside -o DIR/" {
	# rustc refuses the name, but only after its first queries ran: the
	# dump is named from the command line before that
	as_user mkdir -p a/b
	run as_sudo --summary=none -o a/b/dumps/ -- rustc --crate-name ../../esc --crate-type lib tiny.rs
	echo "$output"
	[ "$status" -eq 1 ]	# rustc's own error
	run find "$W" -name '*esc*'
	echo "$output"
	[ -n "$output" ]
	run ! grep -v "^$U/a/b/dumps/______esc-[0-9]*\.mm_profdata$" <<< "$output"
}

@test "-p PID of a root process: refused, nothing attached, no dump" {
	# a root compile that starts after the tracer would have attached
	sh -c 'sleep 2; exec rustc --crate-type lib -o "$1" tiny.rs' sh "$W/libroot.rlib" &
	BG=$!
	run as_sudo --summary=none -o pd/ -p "$BG"
	echo "$output"
	[ "$status" -eq 64 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "selfprof-bpf: -p $BG: permission denied: you could not ptrace it" ]
	wait "$BG"
	BG=
	[ ! -e pd ]
	[ -z "$(find "$W" -name '*.mm_profdata')" ]
}

@test "-p PID of the user's own process: traced, the dump and its directory are the user's" {
	# not through as_user: a function sent to the background is a subshell, root's
	setpriv --reuid="$SEC_UID" --regid="$SEC_GID" --init-groups env PATH="$TC/bin:$PATH" \
		sh -c 'sleep 2; exec rustc --crate-type lib tiny.rs' &
	BG=$!
	# until setpriv has exec'd the shell (before that, having changed its
	# uid, the process is not dumpable: not even its user may ptrace it)
	for _ in $(seq 100); do [ "$(cat /proc/$BG/comm)" = sh ] && break; sleep 0.01; done
	run as_sudo --summary=none -o pd/ -p "$BG"
	echo "$output"
	BG=
	[ "$status" -eq 0 ]
	f=$(ls pd/tiny-*.mm_profdata)
	[ "$(stat -c %u:%g pd)" = "$SEC_UID:$SEC_GID" ]
	[ "$(stat -c %u:%g "$f")" = "$SEC_UID:$SEC_GID" ]
	"$SELFPROF" summarize "$f" > /dev/null
}

@test "dumps are the user's: -o DIR/ (created as the user), -o FILE, the default name" {
	run as_sudo --summary=none -o mine/ -- rustc --crate-type lib tiny.rs
	[ "$status" -eq 0 ]
	run as_sudo --summary=none -o one.mm_profdata -- rustc --crate-type lib tiny.rs
	[ "$status" -eq 0 ]
	run as_sudo --summary=none -- rustc --crate-type lib tiny.rs
	[ "$status" -eq 0 ]
	for f in mine mine/tiny-*.mm_profdata one.mm_profdata tiny-*.mm_profdata; do
		[ "$(stat -c %u:%g "$f")" = "$SEC_UID:$SEC_GID" ]
	done
}

@test "an output directory deleted while tracing: reported as a failure, not as written" {
	big_compile
	run as_sudo --summary=none -o del/ -- sh -c '
		rustc "$@" & r=$!
		for i in $(seq 3000); do ls del/*.mm_profdata >/dev/null 2>&1 && break; sleep 0.01; done
		rm -rf del
		wait $r' sh "${BIG[@]}"
	echo "$output"
	[ "$status" -eq 70 ]
	[ -e "$OUT" ]		# the compile itself succeeded
	echo "$output" | grep -Eq '^selfprof-bpf: dump deleted while tracing: del/.*-[0-9]{7}\.mm_profdata$'
	run ! grep -q '^selfprof-bpf: wrote del/' <<< "$output"
	[ ! -e del ]
}

@test "full disk with a .gz dump: one write error, and no claim of a readable prefix that is not" {
	big_compile
	mkdir "$W/fs"
	mount -t tmpfs -o size=256k tmpfs "$W/fs"
	run env -u SUDO_UID -u SUDO_GID "$SELFPROF_BPF" --summary=none -o "$W/fs/big.mm_profdata.gz" -- \
		rustc "${BIG[@]}"
	echo "$output" | grep selfprof-bpf
	[ "$status" -eq 70 ]
	[ "$(echo "$output" | grep -c 'write error, dump incomplete')" -eq 1 ]
	if "$SELFPROF" summarize "$W/fs/big.mm_profdata.gz" > /dev/null 2>&1; then
		echo "the cut .gz dump reads"
	else
		# it does not read: the report must say so, everywhere
		echo "$output" | grep -q "write error, dump incomplete (a .gz dump cut short is UNREADABLE)"
		echo "$output" | grep -q "wrote $W/fs/big.mm_profdata.gz (.*, 0 events) INCOMPLETE and UNREADABLE"
		run ! grep -Eq 'valid up to it|stays readable' <<< "$output"
	fi
}

@test "a traced process that execs a setuid program leaves the trace" {
	# passwd is setuid root: its image is not the user's to record, to stop
	# or to write into
	[ -u /usr/bin/passwd ] || skip "no setuid passwd"
	run as_sudo --summary=none -o out/ -- sh -c '/usr/bin/passwd --help > /dev/null 2>&1; true'
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 traced process(es) left the trace"* ]]
	run as_sudo --summary=none -o out2/ -- sh -c 'true'
	[ "$status" -eq 0 ]
	[[ "$output" != *"left the trace"* ]]
}

@test "-o through /proc/PID/cwd of a root process: refused, as the user could not go there" {
	# the user cannot search priv/, but root's ptrace capability could take
	# a path through a root process's /proc/PID/cwd into it
	mkdir -m 700 "$W/priv"
	mkdir -m 777 "$W/priv/pub"
	(cd "$W/priv/pub" && exec sleep 30) &
	sp=$!
	run as_sudo --summary=none -o "/proc/$sp/cwd/out/" -- true
	kill "$sp"
	[ "$status" -eq 70 ]
	[ ! -e "$W/priv/pub/out" ]
}
