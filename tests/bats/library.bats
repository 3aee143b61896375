#!/usr/bin/env bats
# The format library as out-of-tree programs consume it: make install,
# pkg-config, the shared library's SONAME and exported symbols.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup_file() {
	export ROOT=${SELFPROF_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export DEST="$BATS_FILE_TMPDIR/dest"
	# The installed library is the normal build, whatever tree the tests run from.
	make -C "$ROOT" --no-print-directory -s install BUILD=build DESTDIR="$DEST" PREFIX=/usr >/dev/null
}

@test "make install puts header, libraries and selfprof.pc under DESTDIR" {
	for f in usr/include/selfprof.h usr/lib/libselfprof.a usr/lib/libselfprof.so \
		 usr/lib/libselfprof.so.1 usr/lib/pkgconfig/selfprof.pc usr/bin/selfprof; do
		[ -e "$DEST/$f" ] || fail "missing $f"
	done
	run grep -E '^Version: [0-9]+\.[0-9]+$' "$DEST/usr/lib/pkgconfig/selfprof.pc"
	assert_success
}

@test "the shared library has a versioned SONAME" {
	run readelf -d "$DEST/usr/lib/libselfprof.so"
	assert_output --partial 'Library soname: [libselfprof.so.1]'
}

@test "every function the header declares is exported, and nothing else" {
	declared=$(grep -oE '\bsp_[a-z_0-9]+\(' "$ROOT/tools/lib/selfprof/selfprof.h" | tr -d '(' | sort -u)
	exported=$(nm -D --defined-only "$DEST/usr/lib/libselfprof.so" | awk '$2 == "T" {print $3}' | sort -u)
	run diff <(echo "$declared") <(echo "$exported")
	assert_success
}

@test "an out-of-tree program builds with pkg-config and runs (shared and static)" {
	export PKG_CONFIG_PATH="$DEST/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEST"
	flags=$(pkg-config --cflags --libs selfprof)
	cc -Wall -Werror -o "$BATS_TEST_TMPDIR/consumer" "$ROOT/tests/fixtures/consumer/consumer.c" $flags
	run env LD_LIBRARY_PATH="$DEST/usr/lib" "$BATS_TEST_TMPDIR/consumer" "$ROOT/tests/data/hello-1.95-default.mm_profdata"
	assert_success
	assert_output 'libselfprof 1.1 v9 38602 events top=run_linker'
	cc -Wall -Werror -o "$BATS_TEST_TMPDIR/consumer-static" "$ROOT/tests/fixtures/consumer/consumer.c" \
		$(pkg-config --cflags selfprof) "$DEST/usr/lib/libselfprof.a" $(pkg-config --libs-only-other --static selfprof) -lz
	run "$BATS_TEST_TMPDIR/consumer-static" "$ROOT/tests/data/hello-1.63-debian.mm_profdata"
	assert_success
	assert_output --regexp '^libselfprof 1.1 v8 [0-9]+ events top=run_linker$'
	run "$BATS_TEST_TMPDIR/consumer-static" "$ROOT/tests/corpus/bad-version10.mm_profdata"
	assert_failure 1
	assert_output --partial 'unsupported file format version 10'
}
