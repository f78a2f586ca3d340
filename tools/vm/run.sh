#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the svnic test kernel in a virtme-ng VM and run one command in it.
#
#   tools/vm/run.sh KDIR OUTDIR COMMAND...
#
# The host's file system is shared (system directories get throw-away
# overlays, OUTDIR is writable), the command runs as root in the repository's
# directory, its output is printed here, and this script exits with its exit
# code. The guest kernel's console is saved to OUTDIR/console.log; a WARNING,
# BUG, Oops, KASAN, UBSAN or lockdep report in it fails the run even when the
# command succeeded.
#
# Environment: SVNIC_VM_TIMEOUT (seconds, default 1200), SVNIC_VM_CPUS (2),
# SVNIC_VM_MEMORY (2G), SVNIC_VM_KVM (auto|yes|no; auto probes KVM once per
# machine and falls back to TCG), SVNIC_VM_QEMU_OPTS (more QEMU options, e.g.
# make bench's -plugin).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
kdir=$1 out=$2
shift 2
cache=${SVNIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/svnic}
vng=${SVNIC_VENV:-$cache/venv}/bin/vng
timeout_s=${SVNIC_VM_TIMEOUT:-1200}

say() { printf 'svnic-vm: %s\n' "$*" >&2; }
die() { printf 'svnic-vm: error: %s\n' "$*" >&2; exit 1; }

[ -x "$vng" ] || die "virtme-ng not found at $vng (run tools/vm/setup.sh)"
# vng runs its helpers (virtme-run, ...) from PATH.
export PATH=$(dirname "$vng"):$PATH
[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no kernel image in $kdir"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# KVM guests hang at boot on machines without nested virtualization: use
# KVM only if a short probe boots, and remember the answer.
kvm=${SVNIC_VM_KVM:-auto}
probe=$cache/kvm-probe
if [ "$kvm" = auto ]; then
	if [ -f "$probe" ]; then
		kvm=$(cat "$probe")
	elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		say "probing KVM (falls back to TCG if the guest does not come up in 45 s)"
		if timeout 45 "$vng" --run "$kdir" --user root --exec true </dev/null >/dev/null 2>&1; then
			kvm=yes
		else
			kvm=no
		fi
		echo "$kvm" >"$probe"
	else
		kvm=no
	fi
fi
accel=()
[ "$kvm" = yes ] || accel=(--disable-kvm)
[ -z "${SVNIC_VM_QEMU_OPTS:-}" ] || accel+=("--qemu-opts=$SVNIC_VM_QEMU_OPTS")
say "booting $(basename "$(dirname "$kdir")") ($([ "$kvm" = yes ] && echo KVM || echo TCG), timeout ${timeout_s}s)"

# The guest runs a small script that keeps the command's output and exit
# code apart from the kernel's console.
{
	echo "cd '$repo' || exit 1"
	echo "echo 'svnic-run: command starts' >/dev/kmsg"
	echo "( $* ) >'$out/guest.log' 2>&1"
	echo "echo \$? >'$out/guest.rc'"
} >"$out/guest.sh"
rm -f "$out/guest.log" "$out/guest.rc"

# no5lvl: the guest CPU (TCG's "max") offers LA57, and 5-level paging under
# TCG made KASAN report an early-boot access in the LA57 direct map; 4-level
# paging also makes each launch cheaper. cache=loose on the 9p root (it is
# read-only for the guest; nothing changes it on the host while a VM runs)
# keeps dentries and page cache, so each exec stops re-reading its binary
# and libraries from the host: measured with tools/vm/launch-cost.sh, both
# together halve what a launch costs in the debug guest. Later rootflags
# win over vng's own.
kargs="kunit.enable=1 no5lvl rootflags=version=9p2000.L,trans=virtio,access=any,msize=524288,cache=loose ${SVNIC_VM_APPEND:-}"

rc=0
timeout --kill-after=10 "$timeout_s" "$vng" --run "$kdir" --user root \
	--cpus "${SVNIC_VM_CPUS:-2}" --memory "${SVNIC_VM_MEMORY:-2G}" \
	--rwdir "$out" --cwd "$repo" --verbose --force-9p --append "$kargs" \
	"${accel[@]}" --exec "bash $out/guest.sh" </dev/null >"$out/console.log" 2>&1 || rc=$?

if [ -f "$out/guest.log" ]; then
	cat "$out/guest.log"
fi
if [ $rc = 124 ] || [ $rc = 137 ]; then
	say "the VM timed out after ${timeout_s}s; guest console: $out/console.log"
	tail -n 30 "$out/console.log" >&2
	exit 124
fi
if [ -f "$out/guest.rc" ]; then
	rc=$(cat "$out/guest.rc")
else
	say "the guest did not finish the command (vng exit $rc); console: $out/console.log"
	tail -n 30 "$out/console.log" >&2
	rc=1
fi

splat='WARNING:|BUG:|Oops|KASAN:|UBSAN:|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|kmemleak:.*unreferenced|Kernel panic|hung_task|soft lockup|refcount_t:|unregister_netdevice: waiting'
# A splat anywhere in the console fails the run, during boot as well.
if grep -qE "$splat" "$out/console.log"; then
	say "the guest kernel log has a splat; failing the run (console: $out/console.log):"
	grep -nE -A25 "$splat" "$out/console.log" | head -n 100 >&2
	grep -m1 -E "$splat" "$out/console.log" | sed 's/^/kernel splat: /' >>"$out/failures"
	exit 1
fi
exit "$rc"
