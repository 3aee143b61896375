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

# the large compile; REGEX_SRC=/none tries the geom.rs fallback
REGEX_SRC=${REGEX_SRC:-/usr/share/cargo/registry/regex-syntax-0.6.27/src/lib.rs}

# A compile of some seconds and a few MB of dump: regex-syntax (Debian's
# librust-regex-syntax-dev) if installed, else 40 copies of geom.rs,
# optimised, in the current directory. Sets BIG (rustc arguments) and OUT.
big_compile() {
	if [ -e "$REGEX_SRC" ]; then
		BIG=(--edition 2018 --crate-type lib --crate-name regex_syntax -o libbig.rlib "$REGEX_SRC")
	else
		cp "$FIX/geom.rs" .
		sed '/^#!\[/d; /^\/\/!/d' geom.rs > geom_body.rs	# no inner attributes
		for i in $(seq 40); do echo "pub mod m$i { include!(\"geom_body.rs\"); }"; done > big.rs
		BIG=(--edition 2021 --crate-type lib -C opt-level=2 -o libbig.rlib big.rs)
	fi
	OUT=libbig.rlib
}
