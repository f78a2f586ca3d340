#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make peer`: the kernel's own driver selftests against svnic's netdevs,
# as a NIC vendor runs them. Builds the plain test kernel (cached) and
# svnic.ko against it, copies the selftests and what they need out of that
# kernel's source tree into OUT/linux (the tree layout they expect: their
# libraries, tools/net/ynl, Documentation/netlink/specs), builds their C and
# BPF helpers, boots the VM and runs tools/peer/peer.sh there. OUT defaults
# to out/peer; the report is OUT/results.txt (one line a case: suite,
# device, case, result, reason).
#
# The plain kernel, not the debug one: under TCG a debug kernel takes
# seconds to start a process, beyond the tests' own deadlines (a listener
# must come up in 5 s).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${SVNIC_OUT:-$repo/out/peer}
say() { printf 'svnic-peer: %s\n' "$*" >&2; }

"$repo/tools/vm/setup.sh" >&2
kdir=$(SVNIC_KERNEL_FLAVOUR=plain "$repo/tools/vm/kernel.sh" | tail -n1)
ko=$("$repo/tools/vm/module.sh" "$kdir" "$out/src")

# The selftests, as the kernel tree holds them.
tree=$out/linux
st=tools/testing/selftests
rm -rf "$tree"
mkdir -p "$tree/$st/net" "$tree/$st/drivers" "$tree/tools/net" "$tree/Documentation/netlink"
cp -r "$kdir/$st/kselftest" "$kdir/$st/kselftest.h" "$kdir/$st/lib.mk" "$tree/$st/"
cp -r "$kdir/$st/net/lib.sh" "$kdir/$st/net/lib" "$kdir/$st/net/forwarding" \
	"$kdir/$st/net/netdevice.sh" "$tree/$st/net/"
cp -r "$kdir/$st/drivers/net" "$tree/$st/drivers/"
cp -r "$kdir/tools/net/ynl" "$tree/tools/net/"
cp -r "$kdir/Documentation/netlink/specs" "$tree/Documentation/netlink/"
# The kernel's UAPI headers for the helpers (the host's are older).
say "building the selftests' helpers"
make -s -C "$kdir" headers_install INSTALL_HDR_PATH="$out/usr" >/dev/null
cflags=(-O2 -Wall -I"$out/usr/include" -I"$tree/$st")
gcc "${cflags[@]}" -o "$tree/$st/drivers/net/napi_id_helper" \
	"$tree/$st/drivers/net/napi_id_helper.c"
gcc "${cflags[@]}" -o "$tree/$st/net/lib/xdp_helper" "$tree/$st/net/lib/xdp_helper.c"
clang-19 -O2 -g -target bpf -I"$out/usr/include" -c -o "$tree/$st/net/lib/xdp_dummy.bpf.o" \
	"$tree/$st/net/lib/xdp_dummy.bpf.c"

# ethtool 6.3 or later: the hw tests read statistics with --src (MAC
# merge); bookworm's is 6.1. Trixie's binary needs only bookworm's libc and
# libmnl: fetched with a private apt configuration and unpacked into the
# cache, on PATH for the tests only (the system's ethtool stays).
cache=${SVNIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/svnic}
eth=$cache/ethtool-trixie
if ! "$eth/usr/sbin/ethtool" --version >/dev/null 2>&1; then
	say "fetching trixie's ethtool into $eth"
	apt=$cache/apt-trixie
	mkdir -p "$apt/lists/partial" "$apt/sources"
	cat >"$apt/sources/trixie.sources" <<-EOF
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: trixie
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	o=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$apt/sources"
	   -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -q)
	apt-get "${o[@]}" update >&2
	rm -f "$apt"/ethtool_*.deb
	(cd "$apt" && apt-get "${o[@]}" download ethtool >&2)
	rm -rf "$eth"
	dpkg-deb -x "$apt"/ethtool_*.deb "$eth"
fi

say "running the selftests in the VM"
rc=0
SVNIC_VM_TIMEOUT=${SVNIC_VM_TIMEOUT:-3000} "$repo/tools/vm/run.sh" "$kdir" "$out" \
	"export PATH=$eth/usr/sbin:\$PATH; insmod $ko && tools/peer/peer.sh $tree/$st $out; rc=\$?; rmmod svnic; exit \$rc" || rc=$?
say "report: $out/results.txt (logs: $out/logs, guest kernel log: $out/console.log)"
exit $rc
