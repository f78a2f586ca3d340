#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build svnic.ko against another kernel than the repository's own build
# (which stays that of the debug kernel): copies the module's sources into
# SRC and builds there.
#
#   tools/vm/module.sh KDIR SRC     prints SRC/svnic.ko's path
#
# The build log is SRC/build.log; on failure it is printed and this exits 1.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kdir=$1 src=$2
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
mkdir -p "$src"
src=$(cd "$src" && pwd)
rm -rf "$src/rust"
cp -r "$repo/Kbuild" "$repo/rust" "$src/"
find "$src/rust" -name '*.o' -o -name '*.cmd' -o -name 'bindings_generated.rs' | xargs rm -f
echo "svnic-module: building svnic.ko against $kdir" >&2
if ! make -C "$kdir" M="$src" LLVM=-19 modules >"$src/build.log" 2>&1; then
	cat "$src/build.log" >&2
	echo "svnic-module: error: the module does not build" >&2
	exit 1
fi
echo "$src/svnic.ko"
