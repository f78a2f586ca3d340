#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: build everything (tools/vm/build.sh), then run every KUnit
# suite and kselftest of svnic in test VMs (tools/vm/guest-check.sh), and end
# with one line "N passed, N failed" counting KUnit cases and kselftest cases.
# A build failure, a VM timeout or a kernel splat in a guest log counts as one
# more failure. Exits non-zero if anything failed.
#
# The kselftests are split over SVNIC_CHECK_VMS VMs that run at the same
# time, balanced by how long each test took in the last run. Every VM loads
# the module, so KUnit runs in each; its cases are counted once. A VM under
# TCG takes more than one host core even when the guest is half idle
# (measured: a second VM on 2 cores doubled what a launch costs in both), so
# the default is one VM per 2 host cores; inside a VM, guest-check.sh runs
# the tests in lanes, one per vCPU.
#
# Extra arguments name kselftest scripts (paths or names, vf_vlan.sh) to run
# instead of all of them: `make check TESTS="vf_vlan.sh ethtool.sh"`.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${SVNIC_OUT:-$repo/out/check}
tdir=$repo/tools/testing/selftests/drivers/net/svnic
vms=${SVNIC_CHECK_VMS:-$(($(nproc) / 2))}
start=$(date +%s)

prev=$(mktemp)
cat "$out/durations.txt" >"$prev" 2>/dev/null
rm -rf "$out"
mkdir -p "$out"
if ! kdir=$("$here/build.sh" | tail -n1) || [ -z "$kdir" ]; then
	echo "check: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

# Seconds each test took in the last run (durations.txt: "NAME SECONDS
# PROCESSES" per test), kept from the previous output directory; a test
# not measured yet (a new clone has no last run) counts 0.3 s a line of
# its script: the long scripts are the long tests, so the lanes still start
# with them.
declare -A weight=()
if [ -f "$prev" ]; then
	while read -r t w _; do weight[$t]=$w; done <"$prev"
fi
tests=()
for t in "$@"; do
	# A name (vf_vlan.sh, vf_vlan) or a path.
	[ -f "$t" ] || t=$tdir/${t%.sh}.sh
	[ -f "$t" ] || { echo "check: no such test: $t"; echo "0 passed, 1 failed"; exit 1; }
	tests+=("$(readlink -f "$t")")
done
if [ ${#tests[@]} = 0 ]; then
	for t in "$tdir"/*.sh; do
		[ "$(basename "$t")" = svnic_lib.sh ] || tests+=("$t")
	done
fi
[ "${#tests[@]}" -ge "$vms" ] || vms=${#tests[@]}
[ "$vms" -ge 1 ] || vms=1

# Longest first, each to the VM with the least work so far.
declare -a load shard
for ((i = 0; i < vms; i++)); do load[i]=0 shard[i]=; done
while read -r w t; do
	min=0
	for ((i = 1; i < vms; i++)); do
		[ "${load[i]}" -lt "${load[min]}" ] && min=$i
	done
	load[min]=$((load[min] + w))
	shard[min]="${shard[min]} $t"
done < <(for t in "${tests[@]}"; do
	w=${weight[$(basename "$t")]:-}
	if [ -z "$w" ]; then
		mapfile -t lines <"$t"
		w=$((${#lines[@]} * 3 / 10))
	fi
	echo "$w $t"
done | sort -rn)

# The whole suite takes about 15 minutes in one VM under TCG with the debug
# kernel on 2 cores (out/check/durations.txt has each test's share, as
# measured beside the test in the other lane); the CI budget is 90 minutes.
pids=()
for ((i = 0; i < vms; i++)); do
	echo "check: VM $i runs$(for t in ${shard[i]}; do printf ' %s' "$(basename "$t")"; done) (~${load[i]} s of test time)"
	SVNIC_VM_TIMEOUT=${SVNIC_VM_TIMEOUT:-5100} "$here/run.sh" "$kdir" "$out/vm$i" \
		"tools/vm/guest-check.sh $repo/svnic.ko $kdir $out/vm$i ${shard[i]}" \
		>"$out/vm$i.log" 2>&1 &
	pids[i]=$!
done

kp=0 kf=0 sp=0 sf=0 extra=0
for ((i = 0; i < vms; i++)); do
	vm_rc=0
	wait "${pids[i]}" || vm_rc=$?
	echo "===== VM $i"
	cat "$out/vm$i.log"
	p=0 f=0 q=0 g=0
	if [ -f "$out/vm$i/counts" ]; then
		read -r p f q g <"$out/vm$i/counts"
	elif [ -f "$out/vm$i/counts.partial" ]; then
		read -r p f q g <"$out/vm$i/counts.partial"
		echo "check: VM $i did not finish (exit $vm_rc; log: $out/vm$i/console.log); counting the tests that did" |
			tee -a "$out/failures"
	else
		echo "check: VM $i wrote no results (exit $vm_rc; log: $out/vm$i/console.log)" | tee -a "$out/failures"
	fi
	# KUnit ran in every VM: count its cases once, and a failure seen in
	# any of them.
	if [ "$i" = 0 ]; then
		kp=$p
	fi
	[ "$f" -le "$kf" ] || kf=$f
	sp=$((sp + q)) sf=$((sf + g))
	if [ $vm_rc != 0 ] && [ $((f + g)) = 0 ]; then
		echo "check: VM $i failed (exit $vm_rc) with no failed test: counted as one failure" |
			tee -a "$out/failures"
		extra=$((extra + 1))
	fi
done
# Per-test durations, this run's, then the previous run's for the tests not
# run this time: the next run's sharding reads them.
cat "$out"/vm*/durations.txt >"$out/durations.txt" 2>/dev/null
echo "check: seconds and processes per test:"
sort -k2 -rn "$out/durations.txt" | while read -r t w f; do
	printf 'check:   %-18s %5s s %7s processes\n' "$t" "$w" "$f"
done
while read -r t w f; do
	grep -q "^$t " "$out/durations.txt" || echo "$t $w $f"
done <"$prev" >>"$out/durations.txt"
rm -f "$prev"
# What failed, last, where a CI excerpt of the run's tail shows it.
cat "$out"/vm*/failures "$out/failures" 2>/dev/null | sed 's/^/check: failed: /'
echo "check: KUnit $kp passed, $kf failed; kselftests $sp passed, $sf failed; $(( $(date +%s) - start )) s"
passed=$((kp + sp))
failed=$((kf + sf + extra))
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $passed -gt 0 ]
