#!/usr/bin/env bash
# Installs (apt-get) whatever build and test dependency is missing. Idempotent.
set -eu
pkgs=(build-essential clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libiberty-dev
      pkg-config bats bats-assert bats-support python3 gzip chromium jq nodejs
      libcapstone-dev librust-regex-syntax-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run 'sudo make deps'" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
