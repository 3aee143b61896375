# Shared setup of the selfprof CLI bats tests (tests/bats/tools*.bats).
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

SELFPROF_ROOT=${SELFPROF_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
SELFPROF=${SELFPROF:-$SELFPROF_ROOT/build/bin/selfprof}
DATA=$SELFPROF_ROOT/tests/data
VECTORS="geom-incr2 geom-threads8 hello-1.63-debian hello-1.95-args hello-1.95-default hello-1.96-debian tiny-all"

# A fresh profile of tests/fixtures/tiny.rs made by rustc; skips without rustc.
make_rustc_profile() {
	local rustc
	rustc=$(command -v rustc || echo "$HOME/.cargo/bin/rustc")
	[ -x "$rustc" ] || skip "rustc not found"
	mkdir -p "$BATS_TEST_TMPDIR/rs/out"
	cp "$SELFPROF_ROOT/tests/fixtures/tiny.rs" "$BATS_TEST_TMPDIR/rs/"
	(cd "$BATS_TEST_TMPDIR/rs" && RUSTC_BOOTSTRAP=1 "$rustc" --edition 2021 --crate-type lib \
		--crate-name tiny -Z self-profile=out tiny.rs -o libtiny.rlib) ||
		skip "rustc cannot write a self-profile here"
	FRESH=$(ls "$BATS_TEST_TMPDIR"/rs/out/*.mm_profdata | head -1)
	[ -n "$FRESH" ]
}

# Number of interval events of a profile, from its dump.
count_intervals() {
	"$SELFPROF" dump "$1" | awk -F'\t' '!/^#/ && $6 != ""' | wc -l
}

json_ok() {
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"
}
