#!/usr/bin/env bats
# The library probed is the one each traced process runs: found at its
# exec (rustup's proxy, `rustup run`, RUSTUP_TOOLCHAIN, wrappers), several
# toolchains in one trace, and --lib opened once and checked. Needs root,
# rustup's stable toolchain, and for some tests its nightly one.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load tracer_helper

setup() {
	tracer_setup toolchains
	cp "$FIX/hello.rs" .
}

teardown() {
	[ -n "${W:-}" ] && cd / && rm -rf "$W"
	return 0
}

need_nightly() {
	NIGHTLY=$(rustup run nightly rustc --print sysroot 2>/dev/null) || skip "no nightly toolchain"
	[ -x "$NIGHTLY/bin/rustc" ] || skip "no nightly rustc"
}

# "label count" lines of a dump's Query rows, sorted.
query_counts() {
	"$SELFPROF" summarize --tsv "$1" | awk -F'\t' '!/^#/ { print $1, $4 }' | sort
}

@test "rustup run nightly records the same query counts as the nightly rustc run directly" {
	need_nightly
	run "$SELFPROF_BPF" --summary=none -o via-rustup.mm_profdata -- rustup run nightly rustc hello.rs
	assert_success
	run "$SELFPROF_BPF" --summary=none -o direct.mm_profdata -- "$NIGHTLY/bin/rustc" hello.rs
	assert_success
	query_counts via-rustup.mm_profdata > a
	query_counts direct.mm_profdata > b
	[ "$(wc -l < a)" -gt 100 ]
	run diff a b
	assert_success
}

@test "RUSTUP_TOOLCHAIN=nightly through the rustup proxy is traced" {
	need_nightly
	RUSTUP_TOOLCHAIN=nightly run "$SELFPROF_BPF" --summary=none -o env.mm_profdata -- rustc hello.rs
	assert_success
	refute_output --partial "no rustc query ran"
	[ "$(query_counts env.mm_profdata | wc -l)" -gt 100 ]
	run grep -a "nightly" env.mm_profdata
	assert_success
}

@test "two toolchains in one trace: each compile gets its own library's probes" {
	need_nightly
	printf '#!/bin/sh\nrustc hello.rs -o h1 && rustup run nightly rustc hello.rs -o h2\n' > both.sh
	chmod +x both.sh
	run "$SELFPROF_BPF" --summary=none -v -o out/ -- ./both.sh
	assert_success
	assert_output --partial "in 2 librustc_driver(s)"
	[ "$(ls out/*.mm_profdata | wc -l)" -eq 2 ]
	for f in out/*.mm_profdata; do
		[ "$(query_counts "$f" | wc -l)" -gt 100 ]
	done
}

@test "a wrapper script around rustc is traced" {
	printf '#!/bin/sh\nexec rustc "$@"\n' > wrap.sh
	chmod +x wrap.sh
	run "$SELFPROF_BPF" --summary=none -o wrapped.mm_profdata -- ./wrap.sh hello.rs
	assert_success
	[ "$(query_counts wrapped.mm_profdata | wc -l)" -gt 100 ]
}

@test "--lib writable by others is refused before anything runs" {
	cp /bin/true fake-librustc_driver-0.so
	chmod 0666 fake-librustc_driver-0.so
	run "$SELFPROF_BPF" --summary=none --lib fake-librustc_driver-0.so -- touch ran
	assert_equal "$status" 67
	assert_output --partial "refused"
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e ran ]
}

@test "--lib is read through the file opened first: a symlink swapped afterwards changes nothing" {
	lib=$(ls "$(rustc --print sysroot)"/lib/librustc_driver-*.so | head -1)
	ln -s "$lib" current.so
	# The traced command swaps the link before it compiles: what is probed
	# stays the library that was checked.
	printf '#!/bin/sh\nln -sfn /bin/true current.so\nexec rustc hello.rs\n' > swap.sh
	chmod +x swap.sh
	run "$SELFPROF_BPF" --summary=none --lib current.so -o swapped.mm_profdata -- ./swap.sh
	assert_success
	[ "$(readlink current.so)" = /bin/true ]
	[ "$(query_counts swapped.mm_profdata | wc -l)" -gt 100 ]
}
