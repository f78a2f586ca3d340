#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared first steps of `make demo` and `make check`: install what is
# missing, get the test kernel (cached), build svnic.ko with clippy, check
# rustfmt; build it again as without CONFIG_KUNIT (no warning allowed).
# Prints the kernel build directory on the last line of stdout.
# With SVNIC_STRICT=1, any compiler or clippy warning fails the build.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}

"$here/setup.sh" >&2
kdir=$("$here/kernel.sh")

echo "svnic-build: building svnic.ko (clippy on)" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make -C "$kdir" M="$repo" LLVM=-19 CLIPPY=1 modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "svnic-build: error: the module does not build" >&2
	exit 1
fi
grep -E 'warning|error' -A8 "$log" >&2 || true
if [ "${SVNIC_STRICT:-0}" = 1 ] && grep -q '^warning' "$log"; then
	echo "svnic-build: error: the build has warnings (SVNIC_STRICT=1)" >&2
	exit 1
fi
# Again as a kernel without CONFIG_KUNIT builds it (Kbuild's SVNIC_KUNIT=n),
# in a copy of the sources: no code may be used by the KUnit suites only,
# so any warning here fails.
echo "svnic-build: building svnic.ko without the KUnit suites (CONFIG_KUNIT=n)" >&2
nokunit=$(mktemp -d)
trap 'rm -rf "$log" "$nokunit"' EXIT
(cd "$repo" && find Kbuild rust -type f \( -name Kbuild -o -name '*.rs' -o -name '*.c' \
	-o -name '*.h' -o -name bindgen_parameters \) ! -name bindings_generated.rs -print0 |
	xargs -0 cp --parents -t "$nokunit")
if ! make -C "$kdir" M="$nokunit" LLVM=-19 CLIPPY=1 SVNIC_KUNIT=n modules >"$log" 2>&1 ||
	grep -q '^warning' "$log"; then
	grep -E 'warning|error' -A8 "$log" >&2 || cat "$log" >&2
	echo "svnic-build: error: the module does not build cleanly without CONFIG_KUNIT" >&2
	exit 1
fi
if ! rustfmt --edition 2021 --check "$repo"/rust/svnic_main.rs >&2; then
	echo "svnic-build: error: rustfmt wants changes (run: rustfmt --edition 2021 rust/svnic_main.rs)" >&2
	exit 1
fi
echo "$kdir"
