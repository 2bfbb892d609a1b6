#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install whatever Debian 12 packages tunlb needs that are missing (idempotent,
# no prompts), then configure and build with meson/ninja into build/.
#
#   app/setup.sh [--deps-only] [--release] [--builddir DIR]
#
# Needs root (or sudo) only when a package is missing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$top/build
buildtype=debugoptimized
deps_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--deps-only) deps_only=1 ;;
	--release) buildtype=release ;;
	--builddir) builddir=$2; shift ;;
	*) echo "usage: $0 [--deps-only] [--release] [--builddir DIR]" >&2; exit 2 ;;
	esac
	shift
done

# Build: compiler, meson, DPDK 22.11, libs. Tests: cmocka, scapy, tshark.
packages=(
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk dpdk-dev libnuma-dev libpcap-dev libyaml-dev
	libcmocka-dev python3 python3-scapy python3-yaml tshark
	iproute2 procps
	iperf3 socat curl ethtool tcpdump iputils-ping
)
packages+=(clang libclang-rt-14-dev)	# tests/fuzz: libFuzzer targets and their sanitizers
packages+=(valgrind linux-perf)	# tests/bench: exact instruction counts, per-thread counters
packages+=(bird2)	# announce: BGP through BIRD 2 (golden-announce, e2e-scaleout)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo_cmd[@]}" apt-get update -qq
	"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "$deps_only" -eq 1 ] && exit 0

if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" "$top" --buildtype="$buildtype" -Dwerror=true >/dev/null
else
	meson configure "$builddir" --buildtype="$buildtype" -Dwerror=true >/dev/null
fi
ninja -C "$builddir" >/dev/null
echo "setup: built $builddir/app/tunlb ($buildtype)"
