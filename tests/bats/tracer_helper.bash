# Shared setup of the tracer's bats tests (tracer*.bats): paths, and the
# preconditions every end-to-end test needs (root, rustc, the program).
# Then a fresh work directory W named after the file ($1), made current.
tracer_setup() {
	: "${SELFPROF_ROOT:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
	: "${SELFPROF:=$SELFPROF_ROOT/build/bin/selfprof}"
	: "${SELFPROF_BPF:=$SELFPROF_ROOT/build/bin/selfprof-bpf}"
	FIX="$SELFPROF_ROOT/tests/fixtures"
	[ "$(id -u)" -eq 0 ] || skip "selfprof-bpf needs root"
	export PATH="$HOME/.cargo/bin:$PATH"
	command -v rustc >/dev/null || skip "rustc not installed"
	[ -x "$SELFPROF_BPF" ] || skip "selfprof-bpf not built"
	W=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	cd "$W"
}
