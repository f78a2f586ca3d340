#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: build everything (tools/vm/build.sh), boot the test VM, run
# every KUnit suite and kselftest of svnic in it (tools/vm/guest-check.sh),
# and end with one line "N passed, N failed" counting KUnit cases and
# kselftest cases. A build failure, a VM timeout or a kernel splat in the
# guest log counts as one more failure. Exits non-zero if anything failed.
#
# Extra arguments name kselftest scripts to run instead of all of them.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${SVNIC_OUT:-$repo/out/check}
start=$(date +%s)

rm -rf "$out"
mkdir -p "$out"
if ! kdir=$("$here/build.sh" | tail -n1) || [ -z "$kdir" ]; then
	echo "check: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

vm_rc=0
# The whole suite takes 60 to 75 minutes under TCG with the debug kernel.
SVNIC_VM_TIMEOUT=${SVNIC_VM_TIMEOUT:-5100} "$here/run.sh" "$kdir" "$out" \
	"tools/vm/guest-check.sh $repo/svnic.ko $kdir $out $*" || vm_rc=$?

kp=0 kf=0 sp=0 sf=0
if [ -f "$out/counts" ]; then
	read -r kp kf sp sf <"$out/counts"
else
	echo "check: the guest wrote no results (VM exit $vm_rc; log: $out/console.log)"
fi
extra=0
if [ $vm_rc != 0 ] && [ $((kf + sf)) = 0 ]; then
	echo "check: VM run failed (exit $vm_rc) with no failed test: counted as one failure"
	extra=1
fi
echo "check: KUnit $kp passed, $kf failed; kselftests $sp passed, $sf failed; $(( $(date +%s) - start )) s"
passed=$((kp + sp))
failed=$((kf + sf + extra))
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $passed -gt 0 ]
