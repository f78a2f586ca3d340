#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) the svnic test kernel and print its build
# directory on the last line of stdout.
#
# The source is Debian's linux-source-7.3. It comes from, in order:
#   $SVNIC_LINUX_SOURCE   a linux-source-7.3 .deb or a linux-*.tar.xz
#   apt-get download linux-source-7.3 (trixie-backports)
#   ../shared/cache/linux-source-7.3_*.deb beside the repository
#
# The built tree is cached in $SVNIC_CACHE (default ~/.cache/svnic) under a
# key made of the source's sha256, the config fragment, this script and the
# toolchain versions, so only a new machine or a changed input pays for a
# build. SVNIC_KERNEL_FLAVOUR picks the fragments: debug (default: svnic.config
# plus svnic-debug.config, for tests and the demo) or plain (svnic.config
# only, for benchmarks).
set -euo pipefail

# Bump when the way the tree is configured or built changes (it is part of
# the cache key; messages and comments in this file are not).
RECIPE=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${SVNIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/svnic}
flavour=${SVNIC_KERNEL_FLAVOUR:-debug}
jobs=${SVNIC_JOBS:-$(nproc)}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}

say() { printf 'svnic-kernel: %s\n' "$*" >&2; }
die() { printf 'svnic-kernel: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$cache/src"

# --- find the source package ----------------------------------------------
src=${SVNIC_LINUX_SOURCE:-}
if [ -n "$src" ]; then
	[ -f "$src" ] || die "SVNIC_LINUX_SOURCE=$src does not exist"
else
	src=$(ls "$cache"/src/linux-source-7.3_*.deb 2>/dev/null | tail -n1 || true)
	if [ -z "$src" ]; then
		say "downloading linux-source-7.3 with apt"
		if (cd "$cache/src" && apt-get download -q -o APT::Sandbox::User=root -t trixie-backports linux-source-7.3 >&2); then
			src=$(ls "$cache"/src/linux-source-7.3_*.deb | tail -n1)
		else
			src=$(ls "$repo"/../shared/cache/linux-source-7.3_*.deb 2>/dev/null | tail -n1 || true)
			[ -n "$src" ] || die "apt cannot provide linux-source-7.3; set SVNIC_LINUX_SOURCE to its .deb or tarball"
			say "apt failed; using $src"
		fi
	fi
fi
src_sum=$(sha256sum "$src" | cut -d' ' -f1)
sums=$(dirname "$src")/SHA256SUMS
if [ -f "$sums" ] && grep -q "$(basename "$src")" "$sums"; then
	grep "$(basename "$src")" "$sums" | grep -q "^$src_sum" ||
		die "$src does not match $sums"
fi

# --- cache key --------------------------------------------------------------
fragments=("$here/svnic.config")
[ "$flavour" = plain ] || fragments+=("$here/svnic-$flavour.config")
for f in "${fragments[@]}"; do [ -f "$f" ] || die "missing config fragment $f"; done
key=$( {
	echo "$src_sum"
	echo "recipe $RECIPE"
	cat "${fragments[@]}"
	rustc -V; clang-19 --version | head -n1; ld.lld-19 --version; bindgen --version
} | sha256sum | cut -c1-16)
kdir=$cache/kernel-$flavour-$key/linux
stamp=$cache/kernel-$flavour-$key/built

if [ -f "$stamp" ]; then
	say "cached kernel: $kdir"
	echo "$kdir"
	exit 0
fi

# --- unpack -----------------------------------------------------------------
work=$cache/kernel-$flavour-$key
rm -rf "$work"
mkdir -p "$work"
say "unpacking $(basename "$src")"
case "$src" in
*.deb)
	dpkg-deb --fsys-tarfile "$src" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$work"
	;;
*.tar.*) tar -xf "$src" -C "$work" ;;
*) die "unknown source format: $src" ;;
esac
mv "$work"/linux-* "$kdir"

# --- configure ----------------------------------------------------------------
cd "$kdir"
mk() { make -s LLVM=-19 "$@"; }
mk rustavailable >&2 || die "the Rust toolchain is not usable for this kernel (see above)"
mk allnoconfig >&2
for f in "${fragments[@]}"; do
	scripts/kconfig/merge_config.sh -m -O . .config "$f" >/dev/null
done
mk olddefconfig >&2
bad=0
for f in "${fragments[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=y | CONFIG_*=m)
			grep -qx "$line" .config || { say "config: $line did not stick"; bad=1; }
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			! grep -q "^$sym=[ym]" .config || { say "config: $sym is still on"; bad=1; }
			;;
		esac
	done <"$f"
done
grep -qx 'CONFIG_RUST=y' .config || die "CONFIG_RUST=y was dropped by olddefconfig (check 'make LLVM=-19 rustavailable')"
[ $bad = 0 ] || die "the config fragment did not apply; see the lines above"

# --- build --------------------------------------------------------------------
say "building Linux $(make -s kernelversion) ($flavour) with $jobs jobs; log: $work/build.log"
start=$(date +%s)
make LLVM=-19 -j"$jobs" >"$work/build.log" 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
	sleep 60
	kill -0 $pid 2>/dev/null || break
	say "  $(( ($(date +%s) - start) / 60 )) min: $(grep -c '^  [A-Z]' "$work/build.log" || true) steps, last: $(tail -n1 "$work/build.log" | cut -c1-80)"
done
if ! wait $pid; then
	tail -n 40 "$work/build.log" >&2
	die "kernel build failed (full log: $work/build.log)"
fi
say "kernel built in $(( $(date +%s) - start )) s"
date -u +%FT%TZ >"$stamp"
echo "$kdir"
