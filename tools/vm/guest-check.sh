#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (see run.sh): loads svnic.ko, which runs its KUnit
# suites at load time, counts their cases, runs every svnic kselftest and
# counts their TEST lines, unloads the module, and writes the counts to
# $OUT/counts ("kunit_pass kunit_fail ksft_pass ksft_fail").
#
#   guest-check.sh KO KDIR OUT [TEST...]
set -u

ko=$1 kdir=$2 out=$3
shift 3
repo=$(cd "$(dirname "$0")/../.." && pwd)
tdir=$repo/tools/testing/selftests/drivers/net/svnic
export NET_LIB=$kdir/tools/testing/selftests/net/lib.sh
export SVNIC_KO=$ko
export PATH=/usr/sbin:/sbin:$PATH

kp=0 kf=0 sp=0 sf=0
rm -f "$out/durations.txt"

# Processes started since boot (forks and clones, /proc/stat), read with
# builtins so that reading it starts none.
forks()
{
	local k v
	while read -r k v; do
		[ "$k" = processes ] && echo "$v" && return
	done </proc/stat
}
mount -t debugfs none /sys/kernel/debug 2>/dev/null

echo "== KUnit (at insmod)"
if insmod "$ko"; then
	for r in /sys/kernel/debug/kunit/svnic_*/results; do
		[ -f "$r" ] || continue
		suite=$(basename "$(dirname "$r")")
		p=$(grep -cE '^\s+ok [0-9]+ ' "$r")
		f=$(grep -cE '^\s+not ok [0-9]+ ' "$r")
		echo "kunit: $suite: $p passed, $f failed"
		[ "$f" = 0 ] || grep -E '^\s+(not ok|#)' "$r"
		kp=$((kp + p)) kf=$((kf + f))
	done
	if [ $((kp + kf)) = 0 ]; then
		echo "kunit: no svnic suite ran (is CONFIG_KUNIT=y?)"
		kf=1
	fi
else
	echo "kunit: insmod $ko failed"
	kf=1
fi

tests=("$@")
if [ ${#tests[@]} = 0 ]; then
	for t in "$tdir"/*.sh; do
		[ "$(basename "$t")" = svnic_lib.sh ] || tests+=("$t")
	done
fi
for t in "${tests[@]}"; do
	name=$(basename "$t")
	echo "== kselftest $name ($(date +%T))"
	log=$out/$name.log
	# Each test is bounded: stress.sh and bad_input.sh, the longest, take
	# about 3 minutes under TCG with the debug kernel, so 20 minutes
	# catches a hang, not a slow run.
	start=$EPOCHREALTIME
	forks0=$(forks)
	timeout 1200 bash "$t" >"$log" 2>&1
	rc=$?
	secs=$(((${EPOCHREALTIME/./} - ${start/./}) / 1000000))
	nf=$(($(forks) - forks0 - 1))
	cat "$log"
	echo "$name: $secs s, $nf processes"
	echo "$name $secs $nf" >>"$out/durations.txt"
	p=$(grep -cE '^TEST: .*\[ OK \]$' "$log")
	f=$(grep -cE '^TEST: .*\[(FAIL|SKIP|XFAIL)\]$' "$log")
	if [ $rc != 0 ] && [ "$f" = 0 ]; then
		echo "$name: exited $rc without a failed TEST line; counted as one failure"
		f=1
	fi
	sp=$((sp + p)) sf=$((sf + f))
	# What has finished so far, for the host to count if the VM times out.
	echo "$kp $kf $sp $sf" >"$out/counts.partial"
done

echo "== unload"
if [ -d /sys/module/svnic ] && ! rmmod svnic; then
	echo "rmmod svnic failed"
	sf=$((sf + 1))
fi
# Memory leaks: kmemleak (debug kernel) scans after everything is unloaded.
leaks=/sys/kernel/debug/kmemleak
if [ -w "$leaks" ]; then
	echo "== kmemleak"
	sleep 6
	echo scan >"$leaks"
	echo scan >"$leaks"
	if grep -q "unreferenced object" "$leaks"; then
		cat "$leaks"
		echo "kmemleak: $(grep -c 'unreferenced object' "$leaks") unreferenced objects"
		sf=$((sf + 1))
	else
		echo "kmemleak: no leaks"
	fi
fi
echo "$kp $kf $sp $sf" >"$out/counts"
echo "kunit: $kp passed, $kf failed; selftests: $sp passed, $sf failed"
[ $((kf + sf)) = 0 ]
