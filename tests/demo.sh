#!/usr/bin/env bash
# `make demo`: trace the compile of a bundled Rust program with selfprof-bpf
# and print the summary. Needs root (sudo make demo) and a rustup toolchain.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BPF="$PWD/$BUILD/bin/selfprof-bpf"
SELFPROF="$PWD/$BUILD/bin/selfprof"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: selfprof-bpf loads BPF programs: run 'sudo make demo'" >&2
	exit 1
fi
# rustup's rustc of the invoking user (sudo keeps neither PATH nor HOME).
home=$(getent passwd "${SUDO_USER:-root}" | cut -d: -f6)
export PATH="$home/.cargo/bin:$PATH"
if ! command -v rustc >/dev/null; then
	echo "demo: no rustc found; install Rust with rustup (https://rustup.rs): Debian's rustc is stripped" >&2
	exit 1
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/selfprof-demo.XXXXXX")
cp tests/fixtures/geom.rs tests/fixtures/hello.rs "$out/"
[ -n "${SUDO_UID:-}" ] && chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$out"
cd "$out"
echo "demo: tracing 'rustc --edition 2021 hello.rs' (dumps in $out)" >&2
"$BPF" -o "$out/" -- rustc --edition 2021 hello.rs -o hello
dump=$(ls "$out"/hello-*.mm_profdata | head -1)
echo >&2
echo "demo: the same dump read back by 'selfprof summarize --top 10':" >&2
"$SELFPROF" summarize --top 10 "$dump"
