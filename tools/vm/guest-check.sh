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
mount -t debugfs none /sys/kernel/debug 2>/dev/null
# virtme-ng starts systemd-udevd in the guest. Nothing here needs it, and
# it would handle every uevent the tests cause (each VF, namespace move and
# bus device), applying its .link policies to their netdevs, on the CPUs
# the tests need.
udevadm control --exit 2>/dev/null

echo "== KUnit (at insmod)"
if insmod "$ko"; then
	for r in /sys/kernel/debug/kunit/svnic_*/results; do
		[ -f "$r" ] || continue
		suite=$(basename "$(dirname "$r")")
		p=$(grep -cE '^\s+ok [0-9]+ ' "$r")
		f=$(grep -cE '^\s+not ok [0-9]+ ' "$r")
		echo "kunit: $suite: $p passed, $f failed"
		[ "$f" = 0 ] || grep -E '^\s+(not ok|#)' "$r"
		grep -E '^\s+not ok [0-9]+ ' "$r" | sed "s/^\s*/kunit: $suite: /" >>"$out/failures"
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

# run_one TEST: runs one kselftest, bounded in time, in a PID namespace of
# its own (PIDs there are given out in order, so the last one counts the
# processes the test started; whatever it leaves running ends with it) and
# a mount namespace of its own with its own /run/netns (its network
# namespaces' names are its own). Writes NAME.log and NAME.done ("NAME
# SECONDS PROCESSES EXIT") in $out. The longest, bad_input.sh and
# stress.sh, take 3 to 5 minutes under TCG with the debug kernel, so 20
# minutes catches a hang, not a slow run.
run_one()
{
	local t=$1 name=${1##*/} start rc n=3
	start=$EPOCHREALTIME
	# PID 1 is this wrapper, 2 mount, 3 the test.
	timeout 1200 unshare --pid --kill-child --mount-proc bash -c '
		mount -t tmpfs netns /run/netns || exit
		bash "$1"
		rc=$?
		echo $(($(echo $BASHPID) - 1)) >"$2"
		exit $rc' run_one "$t" "$out/$name.pids" >"$out/$name.log" 2>&1
	rc=$?
	read -r n <"$out/$name.pids" 2>/dev/null
	echo "$name $(((${EPOCHREALTIME/./} - ${start/./}) / 1000000)) $((n - 3)) $rc" >"$out/$name.done"
}

# report NAME: prints a finished test's log and counts its TEST lines.
report()
{
	local name=$1 secs nf rc p f
	read -r _ secs nf rc <"$out/$name.done"
	cat "$out/$name.log"
	echo "== $name: $secs s, $nf processes (finished $(date +%T))"
	echo "$name $secs $nf" >>"$out/durations.txt"
	p=$(grep -cE '^TEST: .*\[ OK \]$' "$out/$name.log")
	f=$(grep -cE '^TEST: .*\[(FAIL|SKIP|XFAIL)\]$' "$out/$name.log")
	# Each failure with its reason, for the summary at the end of the run.
	awk -v n="$name" '/^TEST: .*\[(FAIL|SKIP|XFAIL)\]$/ { print n ": " $0; t = 1; next }
		t && /^\t/ { print n ":    " $0; next } { t = 0 }' "$out/$name.log" >>"$out/failures"
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "$name: exited $rc without a failed TEST line; counted as one failure" |
			tee -a "$out/failures"
		f=1
	fi
	sp=$((sp + p)) sf=$((sf + f))
	# What has finished so far, for the host to count if the VM times out.
	echo "$kp $kf $sp $sf" >"$out/counts.partial"
}

# Up to $SVNIC_CHECK_LANES tests (default: one a CPU) run at once: a test
# spends most of its time starting processes one after another, so one
# lane leaves a CPU idle. A test whose header says "# svnic-check: alone"
# (it reloads the module, checks global state or measures rates) runs with
# no other; those run first, then the others in the order given (the host
# gives the longest first), each as soon as a lane is free.
lanes=${SVNIC_CHECK_LANES:-$(nproc)}
mkdir -p /run/netns
alone=() shared=()
for t in "${tests[@]}"; do
	a=0
	while read -r l; do
		[[ $l == "# svnic-check: alone"* ]] && a=1 && break
		[[ $l == "#"* || -z $l ]] || break
	done <"$t"
	if [ $a = 1 ]; then alone+=("$t"); else shared+=("$t"); fi
done
echo "== kselftests: ${#alone[@]} alone, then ${#shared[@]} in $lanes lanes ($(date +%T))"
for t in "${alone[@]}"; do
	echo "== kselftest ${t##*/} starts alone ($(date +%T))"
	run_one "$t"
	report "${t##*/}"
done
# The tests running in the lanes, by PID of their run_one.
declare -A lane=()
# reap: waits for a test in a lane to finish and reports it.
reap()
{
	local pid
	wait -n -p pid "${!lane[@]}"
	report "${lane[$pid]}"
	unset "lane[$pid]"
}
for t in "${shared[@]}"; do
	((${#lane[@]} < lanes)) || reap
	echo "== kselftest ${t##*/} starts ($(date +%T))"
	run_one "$t" &
	lane[$!]=${t##*/}
done
while ((${#lane[@]} > 0)); do
	reap
done

echo "== unload"
if [ -d /sys/module/svnic ] && ! rmmod svnic; then
	echo "rmmod svnic failed" | tee -a "$out/failures"
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
		echo "kmemleak: $(grep -c 'unreferenced object' "$leaks") unreferenced objects" |
			tee -a "$out/failures"
		sf=$((sf + 1))
	else
		echo "kmemleak: no leaks"
	fi
fi
echo "$kp $kf $sp $sf" >"$out/counts"
echo "kunit: $kp passed, $kf failed; selftests: $sp passed, $sf failed"
[ $((kf + sf)) = 0 ]
