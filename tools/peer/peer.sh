#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the VM (tools/peer/run.sh boots it): the kernel's own driver
# selftests, unchanged, against svnic's netdevs, with svnic.ko loaded.
#
#   tools/peer/peer.sh SELFTESTS OUT
#
# SELFTESTS is a copy of the kernel's tools/testing/selftests (with its
# helpers built), OUT a writable directory: OUT/logs/<suite>-<device>.log
# holds each run's output, OUT/results.txt one line a case:
#   suite|device|case|result|reason
# result is the test's own verdict (pass, fail, skip, xfail), reason its own
# message. Exits 1 if any case failed.
#
# Each device under test gets a topology of its own, torn down after it:
#   vf   VF 0 of a PF, with VF 1 in a namespace as the remote end
#   pf   the PF over a veth uplink, with the veth's peer in a namespace
#   rep  VF 0's representor (switchdev mode), with VF 0 in a namespace
set -uo pipefail

st=$(readlink -e "$1")
out=$2
logs=$out/logs
results=$out/results.txt
rm -rf "$logs"
mkdir -p "$logs"
: >"$results"
export PYTHONDONTWRITEBYTECODE=1
# The drivers/net tests' addresses: NETIF has LOCAL_*, the remote REMOTE_*.
export LOCAL_V4=192.0.2.1 REMOTE_V4=192.0.2.2
export LOCAL_V6=2001:db8:1::1 REMOTE_V6=2001:db8:1::2
export REMOTE_TYPE=netns REMOTE_ARGS=svnic-peer
RNS=svnic-peer
# Not xdp.py: its programs use CO-RE relocations, which need the kernel's
# BTF (CONFIG_DEBUG_INFO_BTF), and the test kernel has none.
DRV_TESTS=(ping.py stats.py queues.py ring_reconfig.py napi_id.py)
# A test that hangs is killed after this many seconds and counted failed.
TEST_TIMEOUT=${SVNIC_PEER_TIMEOUT:-900}

say() { printf 'svnic-peer: %s\n' "$*" >&2; }

# The devlink handle of pf0.
devlink_handle()
{
	local d
	d=$(readlink -f /sys/class/net/pf0/device) || return 1
	echo "$(basename "$(readlink -f "$d/subsystem")")/$(basename "$d")"
}

# up0 <-> peer0 (a veth pair, the "wire", up: a VF's link follows the
# PF's), PF pf0 on up0. The wire takes jumbo frames (up0 receives what
# peer0 sends; the tests set peer0's MTU and the PF's).
pf_create()
{
	ip -batch - <<-EOF
	netns add $RNS
	link add up0 type veth peer name peer0
	link set peer0 netns $RNS
	link add pf0 link up0 type svnic
	link set up0 mtu 9216
	link set up0 up
	EOF
	# The tests take links down and up: IPv6 addresses must stay.
	sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1
	ip netns exec "$RNS" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1
	ip -n "$RNS" -batch - <<-EOF
	link set lo up
	link set peer0 up
	EOF
}

teardown()
{
	ip netns del "$RNS" 2>/dev/null
	ip link del pf0 2>/dev/null
	ip link del up0 2>/dev/null
	ip netns del svnic-nd 2>/dev/null
	# the namespace's devices go back or away asynchronously
	for _ in $(seq 50); do
		[ -e /sys/class/net/pf0 ] || [ -e /sys/class/net/up0 ] || break
		sleep 0.1
	done
}

# addrs DEV [NS]: the local (no NS) or remote addresses on DEV, up.
addrs()
{
	local dev=$1 ns=${2:-} v4=$LOCAL_V4 v6=$LOCAL_V6
	if [ -n "$ns" ]; then
		v4=$REMOTE_V4 v6=$REMOTE_V6
	fi
	ip ${ns:+-n "$ns"} -batch - <<-EOF
	addr add $v4/24 dev $dev
	addr add $v6/64 dev $dev nodad
	link set $dev up
	EOF
}

topo_vf()
{
	pf_create
	ip link set pf0 up
	echo 2 >/sys/class/net/pf0/device/sriov_numvfs
	ip link set pf0v1 netns "$RNS"
	addrs pf0v0
	addrs pf0v1 "$RNS"
	echo pf0v0
}

topo_pf()
{
	pf_create
	addrs pf0
	addrs peer0 "$RNS"
	echo pf0
}

topo_rep()
{
	pf_create
	ip link set pf0 up
	devlink dev eswitch set "$(devlink_handle)" mode switchdev
	echo 1 >/sys/class/net/pf0/device/sriov_numvfs
	ip link set pf0v0 netns "$RNS"
	addrs pf0r0
	addrs pf0v0 "$RNS"
	echo pf0r0
}

# record SUITE DEV LOG: appends the cases of LOG to the results. Reads
# KTAP ("ok 3 name # SKIP why", "not ok ..."), the forwarding library's
# "TEST: name [ OK ]" with its tab-indented messages, and netdevice.sh's
# "PASS: ...", "FAIL: ...", "SKIP: ...", "XFAIL: ...".
record()
{
	awk -v suite="$1" -v dev="$2" '
	function emit(c, r, why) {
		gsub(/\|/, "/", c); gsub(/\|/, "/", why)
		gsub(/^[ \t]+|[ \t]+$/, "", c); gsub(/^[ \t]+|[ \t]+$/, "", why)
		print suite "|" dev "|" c "|" r "|" why
	}
	function flush() { if (pend != "") emit(pend, pres, pwhy); pend = "" }
	# why a KTAP case failed: the first failed check, else the exception
	# raised, else the last comment of the test
	/^# Check failed/ { if (chk == "") chk = substr($0, 3); next }
	/^# Exception\| [A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Failure|Ex): / { exc = substr($0, 14); next }
	/^# [^ ]/ && !/^# [A-Za-z ]*\|/ { cmt = substr($0, 3); next }
	/^(not )?ok [0-9]+ / {
		flush()
		r = ($1 == "not") ? "fail" : "pass"
		line = $0; sub(/^(not )?ok [0-9]+ /, "", line)
		why = ""
		if (match(line, / # (SKIP|XFAIL|TODO)/)) {
			d = substr(line, RSTART + 3); line = substr(line, 1, RSTART - 1)
			split(d, w, " "); r = tolower(w[1]); why = substr(d, length(w[1]) + 2)
		} else if (r == "fail") {
			why = chk != "" ? chk : exc != "" ? exc : cmt
		}
		# a KTAP run of one script repeats the forwarding TEST: lines
		if (!(line in seen)) emit(line, r, why)
		chk = exc = cmt = ""
		next
	}
	/^TEST: / {
		flush()
		res = $0; sub(/.*\[ */, "", res); sub(/ *\].*/, "", res)
		c = $0; sub(/^TEST: /, "", c); sub(/ *\[[^]]*\] *$/, "", c)
		pres = (res == "OK") ? "pass" : tolower(res)
		pend = c; pwhy = ""; seen[c] = 1
		next
	}
	# tc_flower.sh runs its cases again with offloaded filters only if
	# both ports have hw-tc-offload
	/^INFO: Could not test offloaded functionality/ {
		flush()
		emit("(the round with skip_sw filters)", "skip", "hw-tc-offload is not on on both ports")
		next
	}
	/^\t/ && pend != "" { m = $0; sub(/^\t/, "", m); pwhy = pwhy (pwhy == "" ? "" : "; ") m; next }
	/^(PASS|FAIL|SKIP|XFAIL): / {
		flush()
		r = $1; sub(/:$/, "", r); r = tolower(r); c = $0; sub(/^[A-Z]+: /, "", c)
		emit(c, r, "")
		next
	}
	{ flush() }
	END { flush() }
	' "$3" >>"$results"
}

# run SUITE DEV DIR CMD...: runs CMD in DIR with a timeout, logs and
# records it.
run()
{
	local suite=$1 dev=$2 dir=$3 log rc
	shift 3
	log=$logs/${suite//\//_}-$dev.log
	say "$suite on $dev"
	(cd "$dir" && timeout -k 10 "$TEST_TIMEOUT" "$@") >"$log" 2>&1
	rc=$?
	record "$suite" "$dev" "$log"
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "$suite|$dev|(whole script)|fail|killed after ${TEST_TIMEOUT}s" >>"$results"
	elif ! grep -q "^$suite|$dev|" "$results"; then
		echo "$suite|$dev|(whole script)|$([ $rc = 4 ] && echo skip || echo fail)|exit $rc: $(tail -n1 "$log")" >>"$results"
	fi
}

# net/netdevice.sh tests every eth<N> of its namespace: VF 0 as eth0, alone
# in one.
topo_netdevice()
{
	pf_create
	ip link set pf0 up
	echo 1 >/sys/class/net/pf0/device/sriov_numvfs
	# Without IPv6, eth0 has no link-local address, which the test
	# would take for an address someone set ("already have an IP").
	ip netns add svnic-nd
	ip netns exec svnic-nd sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link set pf0v0 netns svnic-nd
	ip -n svnic-nd -batch - <<-EOF
	link set pf0v0 name eth0
	link set lo up
	EOF
}

# net/forwarding/tc_flower.sh: h1 VF 0, h2 its representor (where the
# filters go), as a switch port's far end is a host.
topo_flower()
{
	pf_create
	ip link set pf0 up
	devlink dev eswitch set "$(devlink_handle)" mode switchdev
	echo 1 >/sys/class/net/pf0/device/sriov_numvfs
	[ -e /sys/class/net/pf0r0 ]
}

# setup NAME: builds topology NAME, stopping at the first failure; prints
# the device under test.
setup()
{
	local dev rc
	# (outside a condition, where bash would ignore -e)
	dev=$(set -e; "topo_$1")
	rc=$?
	if [ $rc != 0 ]; then
		say "setting up $1 failed"
		teardown
		exit 1
	fi
	echo "$dev"
}

for target in vf pf rep; do
	dev=$(setup "$target") || exit 1
	for t in "${DRV_TESTS[@]}"; do
		NETIF=$dev run "drivers/net/$t" "$target" "$st/drivers/net" "./$t"
	done
	for t in ethtool_std_stats.sh ethtool_rmon.sh; do
		DRIVER_TEST_CONFORMANT=yes NETIF=$dev run "drivers/net/hw/$t" "$target" \
			"$st/drivers/net/hw" "./$t"
	done
	teardown
done

setup netdevice >/dev/null || exit 1
run net/netdevice.sh vf "$st/net" ip netns exec svnic-nd ./netdevice.sh
teardown

setup flower >/dev/null || exit 1
run net/forwarding/tc_flower.sh rep "$st/net/forwarding" ./tc_flower.sh pf0v0 pf0r0
teardown

# One line a suite and device, then the cases that did not pass.
awk -F'|' '
{ k = $1 " (" $2 ")"; keys[k] = 1; n[k, $4]++; t[$4]++ }
END {
	for (k in keys)
		printf "%-45s pass %3d  skip %2d  xfail %2d  fail %2d\n", k,
			n[k, "pass"], n[k, "skip"], n[k, "xfail"], n[k, "fail"] | "sort"
	close("sort")
	printf "total: pass %d, skip %d, xfail %d, fail %d\n", t["pass"], t["skip"], t["xfail"], t["fail"]
}' "$results"
awk -F'|' '$4 != "pass" { printf "%s (%s) %s: %s%s\n", $1, $2, $3, $4, $5 == "" ? "" : " (" $5 ")" }' "$results"
! grep -q '|fail|' "$results"
