#!/usr/bin/env bats
# selfprof-bpf --list-hooks (no tracing, no root): the GenericActivity labels
# rustc's own profile records for a small compile are among the static
# labels found at the hook sites in the code.
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

SELFPROF_ROOT=${SELFPROF_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
SELFPROF=${SELFPROF:-$SELFPROF_ROOT/build/bin/selfprof}
SELFPROF_BPF=${SELFPROF_BPF:-$SELFPROF_ROOT/build/bin/selfprof-bpf}

setup() {
	RUSTC=$(command -v rustc || echo "$HOME/.cargo/bin/rustc")
	[ -x "$RUSTC" ] || skip "rustc not found"
}

# Labels rustc builds at run time, which no static label can name:
#   mir_pass_*      rustc_mir_transform's pass names (pass.profiler_name(),
#                   through a vtable) given to generic_activity_with_arg
#   codegen_module  recorded through generic_activity_with_arg_recorder,
#                   a kind not looked for
runtime_label() {
	case $1 in mir_pass_* | codegen_module) return 0 ;; esac
	return 1
}

@test "--list-hooks runs without root and lists every kind" {
	run "$SELFPROF_BPF" --list-hooks
	assert_success
	for k in generic_activity generic_activity_with_arg incr_cache_loading \
		incr_result_hashing query_provider query_blocked verbose_generic_activity; do
		assert_output --regexp "(^|$(printf '\n'))$k	"
	done
}

@test "every GenericActivity label of rustc's own profile is a static label found" {
	cd "$BATS_TEST_TMPDIR"
	RUSTC_BOOTSTRAP=1 "$RUSTC" -Z self-profile=prof "$SELFPROF_ROOT/tests/fixtures/hello.rs" \
		-o hello || skip "rustc cannot write a self-profile here"
	"$SELFPROF_BPF" --list-hooks > hooks.txt
	awk -F'\t' '!/^#/ && $2 != "-" { print $2 }' hooks.txt | sort -u > found.txt
	"$SELFPROF" dump prof/*.mm_profdata |
		awk -F'\t' '!/^#/ && $2 == "GenericActivity" { print $3 }' | sort -u > recorded.txt
	[ -s recorded.txt ]
	missing=""
	while read -r l; do
		runtime_label "$l" || missing="$missing $l"
	done < <(comm -23 recorded.txt found.txt)
	[ -z "$missing" ] || fail "recorded by rustc, not found:$missing"
}
