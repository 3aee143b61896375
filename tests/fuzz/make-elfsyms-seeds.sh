#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate the seeds of tests/fuzz/fuzz_elfsyms.c in tests/fuzz/corpus-elfsyms/
# (run from the repository root; needs cc, binutils, and gcc's -m32 support).
# Small real ELF files, no debug info: the symlib library of the unit tests
# (rustc 1.95 symbol names) in the forms probe discovery meets, plus a tiny
# unrelated library. The debuglinks name fuzz.debug: the fuzzer puts a copy
# of the input under that name, so the debug-file search finds a candidate.
set -eu
out=tests/fuzz/corpus-elfsyms
src=tests/fixtures/symlib/symlib.c
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$out"
lib="-shared -fPIC -O2"
compact="-Wl,-z,noseparate-code -Wl,-z,max-page-size=64 -Wl,-z,norelro"

cc $lib -Wl,-Ttext-segment=0x10000000 -o "$t/symlib.so" "$src"
cc $lib $compact -Wl,-Ttext-segment=0x10000000 -o "$t/symlib-compact.so" "$src"
cc $lib -Wl,--build-id=none -o "$t/nobid.so" "$src"
cc -c -fPIC -O2 -o "$t/symlib-reloc.o" "$src"
cc -m32 -fPIC -O2 -c -o "$t/i386.o" "$src"
ld -m elf_i386 -shared --build-id -o "$t/symlib-i386.so" "$t/i386.o"
echo 'int tiny(int x) { return x + 1; }' > "$t/tiny.c"
cc -shared -fPIC -Os -o "$t/tiny.so" "$t/tiny.c"

# The unverified generation's provider instances (v0-mangled closures).
dq() {
	echo "_RINvNtCs1234_16rustc_query_impl8plumbing28___rust_begin_short_backtraceNCNCNvNtNtCs1234_16rustc_query_impl10query_impl$1${2}13dynamic_querys0_00E"
}
cat > "$t/dq.c" <<EOF
int dq1(void) __asm__("$(dq 6 typeck)");
int dq1(void) { return 0x5eed0101; }
int dq2(void) __asm__("$(dq 7 type_of)");
int dq2(void) { return 0x5eed0102; }
EOF
cc $lib $compact -o "$t/dynamic-query-compact.so" "$t/dq.c"

cd "$t"
objcopy --only-keep-debug symlib.so fuzz.debug
cp fuzz.debug symlib-only-keep-debug.debug
strip -o symlib-stripped.so symlib.so
cp symlib-stripped.so symlib-debuglink.so
objcopy --add-gnu-debuglink=fuzz.debug symlib-debuglink.so
cp symlib.so symlib-unstripped-debuglink.so
objcopy --add-gnu-debuglink=fuzz.debug symlib-unstripped-debuglink.so
cp nobid.so symlib-nobuildid-debuglink.so
objcopy --add-gnu-debuglink=fuzz.debug symlib-nobuildid-debuglink.so
cd - >/dev/null

for f in symlib.so symlib-compact.so symlib-stripped.so symlib-debuglink.so \
	 symlib-unstripped-debuglink.so symlib-nobuildid-debuglink.so \
	 symlib-only-keep-debug.debug symlib-reloc.o symlib-i386.so tiny.so \
	 dynamic-query-compact.so; do
	strip --strip-debug -o "$out/$f" "$t/$f"
done
ls -l "$out"
