#!/usr/bin/env bats
# Per-query time, against rustc's own profile of the same compile (both
# RUSTC_BOOTSTRAP=1, separate runs): an accuracy check, not a timing test. A probe hit costs the traced thread time, which the
# correction subtracts; a probe the kernel single-steps costs ~10x an
# emulated one, and charging it an emulated probe's cost left short
# queries behind such probes 7x-90x too long.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load tracer_helper

setup() {
	tracer_setup accuracy
	[ -e "$REGEX_SRC" ] || skip "regex-syntax's source not installed (librust-regex-syntax-dev)"
	rustc -V | grep -q '^rustc 1\.95\.' || skip "the single-stepped queries named are rustc 1.95's"
	RS=(--edition 2018 --crate-type lib --crate-name regex_syntax --cap-lints allow -o rs.rlib "$REGEX_SRC")
}

teardown() {
	[ -n "${W:-}" ] && cd / && rm -rf "$W"
	return 0
}

# label<TAB>summed self ns<TAB>calls, from a dump
self_times() {
	"$SELFPROF" summarize --tsv "$1" | awk -F'\t' '!/^#/ { print $1 "\t" $2 "\t" $4 }' | sort
}

# Queries of rustc 1.95 whose provider thunk begins with an instruction the
# kernel single-steps (`jmp *off(%rdi)`, `mov off(%rdi),%rax; jmp *%rax`,
# `test; je`), each called >= 100 times compiling regex-syntax.
STEPPED="coroutine_kind upstream_drop_glue_for erase_and_anonymize_regions_ty check_transmutes
	size_estimate impl_super_outlives param_env try_normalize_generic_arg_after_erasing_regions
	dropck_outlives implied_outlives_bounds adt_drop_tys"

# Before the correction charged single-stepped entries their own cost,
# each of these was 7-10 us a call too long (coroutine_kind 0.11 us a call
# in rustc's profile, 10.3 in ours); after it, 0.1-2.6 us. The check is the
# rule of issue 10 (within 10% or 2 us a call) with room for the machine:
# at most one of them more than 4 us a call off (one preemption inside a
# short query adds milliseconds), and at least eight checked.
@test "queries behind single-stepped probes: time within 10% or 4 us a call of rustc's own" {
	mkdir own
	RUSTC_BOOTSTRAP=1 rustc -Z self-profile=own "${RS[@]}"
	run env RUSTC_BOOTSTRAP=1 "$SELFPROF_BPF" --summary=none -o ours.mm_profdata -- rustc "${RS[@]}"
	assert_success
	self_times ours.mm_profdata > ours.txt
	self_times own/*.mm_profdata > theirs.txt
	checked=0 bad=""
	for q in $STEPPED; do
		read -r ours calls < <(awk -F'\t' -v q="$q" '$1 == q { print $2, $3 }' ours.txt) || continue
		read -r theirs tcalls < <(awk -F'\t' -v q="$q" '$1 == q { print $2, $3 }' theirs.txt) ||
			continue
		[ "${tcalls:-0}" -ge 100 ] && [ "${calls:-0}" = "$tcalls" ] || continue
		checked=$((checked + 1))
		d=$((ours > theirs ? ours - theirs : theirs - ours))
		[ "$d" -le $((theirs / 10)) ] || [ "$d" -le $((4000 * calls)) ] ||
			bad="$bad $q:$((ours / calls))ns/call-vs-$((theirs / calls))"
	done
	echo "checked $checked queries; off:$bad" >&2
	[ "$checked" -ge 8 ]
	[ "$(wc -w <<< "$bad")" -le 1 ] || fail "off by more than 10% and 4 us a call:$bad"
}
