#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection through debugfs (/sys/kernel/debug/svnic/DEVICE/): a VF
# creation that fails at index k and ring allocations that fail unwind to a
# clean state with ENOMEM; a ring resize (`ethtool -G`) whose allocation
# fails changes nothing; a lost uplink link notification is repaired by
# the PF's service task; a late one is delivered when due and never sets a
# stale carrier; a stalled TX queue is found by the TX watchdog and
# reset, and passes traffic again; VFs with a stalled, full queue are
# removed cleanly; a stalled TX ring shrunk keeps what fits and counts
# the rest dropped.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

DBG=/sys/kernel/debug/svnic

set_numvfs()
{
	echo $1 >"$(svnic_sysfs pf0 sriov_numvfs)"
}

get_numvfs()
{
	svnic_read "$(svnic_sysfs pf0 sriov_numvfs)"
}

# no_vf_left: nothing of any VF is left: count, netdevs, links, debugfs.
no_vf_left()
{
	[ "$(get_numvfs)" = 0 ] || { echo "sriov_numvfs is $(get_numvfs)"; return 1; }
	if ip -n "$NS_HOST" -o link show | grep -q ': pf0v'; then
		echo "VF netdevs left"
		return 1
	fi
	if compgen -G "$(svnic_sysfs pf0 "virtfn*")" >/dev/null; then
		echo "virtfn links left"
		return 1
	fi
	if ls "$DBG" | grep -q "^$(basename "$(svnic_pf_dbg)")vf"; then
		echo "VF debugfs directories left"
		return 1
	fi
	[ "$(svnic_vf_info 0 vf)" = null ] || { echo "ip link still lists VFs"; return 1; }
}

# vfs_pass N: makes N VFs in namespaces and checks VF0 <-> VF1 and VF0 ->
# uplink peer.
vfs_pass()
{
	svnic_vfs "$1" || return 1
	svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 192.0.2.11 >/dev/null || return 1
	svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 192.0.2.2 >/dev/null
}

test_debugfs()
{
	RET=0
	[ -d "$(svnic_pf_dbg)" ]
	check_err $? "no debugfs directory $(svnic_pf_dbg)"
	[ "$(<"$(svnic_pf_dbg)/fail_vf_create")" = -1 ] && [ "$(<"$(svnic_pf_dbg)/fail_ring_alloc")" = 0 ] &&
		[ "$(<"$(svnic_pf_dbg)/drop_uplink_events")" = 0 ] &&
		[ "$(<"$(svnic_pf_dbg)/delay_uplink_events")" = 0 ]
	check_err $? "the PF's fault knobs are not off by default"
	svnic_expect_fail "Invalid argument" bash -c "echo many > $(svnic_pf_dbg)/fail_ring_alloc"
	log_test "faults: debugfs knobs of the PF exist, default off, refuse junk"
}

test_fail_vf_create()
{
	RET=0
	echo 2 >"$(svnic_pf_dbg)/fail_vf_create"
	svnic_expect_fail "Cannot allocate memory" set_numvfs 4
	no_vf_left
	check_err $? "a failed sriov_numvfs write left VFs behind"
	# Stays set: fails again the same way.
	svnic_expect_fail "Cannot allocate memory" set_numvfs 3
	no_vf_left
	check_err $? "the second failed write left VFs behind"
	# VF 2 is not created when only two are asked for.
	set_numvfs 2
	check_err $? "2 VFs failed although only VF 2 fails"
	set_numvfs 0
	echo -1 >"$(svnic_pf_dbg)/fail_vf_create"
	log_test "faults: VF creation failing at VF 2 unwinds with ENOMEM"
}

test_fail_ring_alloc()
{
	RET=0
	echo 2 >"$(svnic_pf_dbg)/fail_ring_alloc"
	svnic_expect_fail "Cannot allocate memory" set_numvfs 2
	no_vf_left
	check_err $? "a failed ring allocation left VFs behind"
	svnic_expect_fail "Cannot allocate memory" set_numvfs 2
	no_vf_left
	check_err $? "the second failed ring allocation left VFs behind"
	[ "$(<"$(svnic_pf_dbg)/fail_ring_alloc")" = 0 ]
	check_err $? "fail_ring_alloc did not count down to 0"
	vfs_pass 2
	check_err $? "VFs made after the failures do not pass traffic"
	log_test "faults: ring allocation failures unwind with ENOMEM, then VFs work"
}

# resize_fails KNOB DEV ARG...: with the fail_ring_alloc file KNOB at 1,
# `ethtool -G DEV ARG...` fails with ENOMEM and svnic's extack message,
# uses up the fault and leaves the ring sizes as they were.
resize_fails()
{
	local knob=$1 dev=$2 before out
	shift 2
	before=$(svnic_rings "$dev")
	echo 1 >"$knob"
	if out=$(svnic_ethtool "$dev" -G "$@" 2>&1); then
		check_err 1 "ethtool -G $dev $* was accepted with $knob at 1"
	else
		grep -q "svnic: cannot allocate the ring" <<<"$out" &&
			grep -q "Cannot allocate memory" <<<"$out"
		check_err $? "ethtool -G $dev $* said '$out', expected ENOMEM and the extack"
	fi
	[ "$(<"$knob")" = 0 ]
	check_err $? "$knob did not count down to 0"
	echo 0 >"$knob"
	[ "$(svnic_rings "$dev")" = "$before" ]
	check_err $? "the failed resize changed $dev's rings: $before -> $(svnic_rings "$dev")"
}

test_fail_ring_resize()
{
	RET=0
	local knob
	knob=$(svnic_vf_dbg 0)/fail_ring_alloc
	[ "$(<"$knob")" = 0 ]
	check_err $? "the VF's fail_ring_alloc is not 0 by default"
	# Both rings (the RX allocation fails), then the TX ring alone.
	resize_fails "$knob" pf0v0 rx 1024 tx 1024
	resize_fails "$knob" pf0v0 tx 2048
	# The PF's own knob fails the PF's resize.
	resize_fails "$(svnic_pf_dbg)/fail_ring_alloc" pf0 rx 1024
	svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 192.0.2.11 >/dev/null &&
		svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 192.0.2.2 >/dev/null &&
		svnic_in "$NS_PEER" ping -c 1 -W 3 192.0.2.1 >/dev/null
	check_err $? "traffic does not pass after the failed resizes"
	# Disarmed, the same resizes work.
	svnic_ethtool pf0v0 -G rx 1024 tx 2048 && svnic_ethtool pf0 -G rx 1024
	check_err $? "a resize failed with the fault disarmed"
	[ "$(svnic_rings pf0v0) $(svnic_rings pf0)" = "4096 4096 1024 2048 4096 0 1024 0" ]
	check_err $? "rings after the resizes: $(svnic_rings pf0v0), $(svnic_rings pf0)"
	svnic_ethtool pf0v0 -G rx 512 tx 512
	svnic_ethtool pf0 -G rx 512
	svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 192.0.2.11 >/dev/null
	check_err $? "VF0 cannot reach VF1 after the resizes"
	log_test "faults: a ring resize failing with ENOMEM changes nothing"
}

# tx_timeout_count VF-INDEX: the core's count of TX watchdog timeouts.
tx_timeout_count()
{
	ip netns exec "$(svnic_vf_ns "$1")" cat "/sys/class/net/pf0v$1/queues/tx-0/tx_timeout"
}

test_tx_stall()
{
	RET=0
	local dbg drops0 t
	dbg=$(svnic_vf_dbg 0)
	[ "$(<"$dbg/stall_tx")" = 0 ] && [ "$(<"$dbg/tx_timeouts")" = 0 ]
	check_err $? "the VF's fault knobs are not off by default"
	svnic_bql_floor 0
	drops0=$(svnic_stat "$(svnic_vf_ns 0)" pf0v0 tx_dropped)
	echo 1 >"$dbg/stall_tx"
	svnic_fill_tx 0
	# The watchdog looks every 5 s and fires once the queue has been
	# stopped without progress for 5 s.
	for ((t = 0; t < 60; t++)); do
		[ "$(<"$dbg/tx_timeouts")" -ge 1 ] && break
		sleep 0.5
	done
	# The PF's service task reports it to devlink health within a
	# second, and the tx reporter's recovery resets the queue.
	for ((t = 0; t < 50; t++)); do
		[ "$(<"$dbg/tx_hung")" = 0 ] && break
		sleep 0.2
	done
	[ "$(<"$dbg/tx_timeouts")" = 1 ] && [ "$(<"$dbg/tx_hung")" = 0 ]
	check_err $? "the stalled queue was not reset once (tx_timeouts $(<"$dbg/tx_timeouts"), tx_hung $(<"$dbg/tx_hung"))"
	[ "$(tx_timeout_count 0)" -ge 1 ]
	check_err $? "the core's tx_timeout counter did not move"
	[ "$(<"$dbg/stall_tx")" = 0 ]
	check_err $? "the reset did not clear the stall"
	[ "$(svnic_stat "$(svnic_vf_ns 0)" pf0v0 tx_dropped)" -ge $((drops0 + 500)) ]
	check_err $? "the frames of the reset ring were not counted as dropped"
	svnic_in "$(svnic_vf_ns 0)" ping -c 2 -W 3 192.0.2.2 >/dev/null
	check_err $? "the VF does not pass traffic after the reset"
	svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 192.0.2.11 >/dev/null
	check_err $? "VF0 cannot reach VF1 after the reset"
	log_test "faults: stalled TX queue found by the watchdog, reset, passes traffic"
}

vf0_carrier_is()
{
	[ "$(ip netns exec "$(svnic_vf_ns 0)" cat /sys/class/net/pf0v0/carrier)" = "$1" ]
}

events_dropped_is()
{
	[ "$(<"$(svnic_pf_dbg)/uplink_events_dropped")" = "$1" ]
}

test_dropped_uplink_event()
{
	RET=0
	vf0_carrier_is 1
	check_err $? "VF0 (state auto) has no carrier to begin with"
	echo 1 >"$(svnic_pf_dbg)/drop_uplink_events"
	ip -n "$NS_PEER" link set peer0 down
	# Link changes reach notifiers through linkwatch (up to a second).
	svnic_wait_for 5 events_dropped_is 1
	check_err $? "the uplink's carrier loss was not dropped"
	# Lost notification: the service task (every second) repairs it.
	svnic_wait_for 5 vf0_carrier_is 0
	check_err $? "VF0 kept its carrier after the uplink lost its own"
	[ "$(<"$(svnic_pf_dbg)/drop_uplink_events")" = 0 ]
	check_err $? "drop_uplink_events did not count down"
	ip -n "$NS_PEER" link set peer0 up
	svnic_wait_for 5 vf0_carrier_is 1
	check_err $? "VF0 did not get its carrier back"
	events_dropped_is 1
	check_err $? "a notification was dropped that should not have been"
	svnic_wait_for 10 svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 1 192.0.2.2 >/dev/null
	check_err $? "VF0 cannot reach the peer after the uplink came back"
	log_test "faults: a lost uplink notification is repaired by the service task"
}

events_delayed_is()
{
	[ "$(<"$(svnic_pf_dbg)/uplink_events_delayed")" -ge "$1" ]
}

now_ms()
{
	echo $((${EPOCHREALTIME/./} / 1000))
}

# carrier_after_ms START CARRIER: waits for VF0's carrier to become CARRIER
# and prints how many ms after START (a now_ms value) it was seen.
carrier_after_ms()
{
	local i
	for ((i = 0; i < 60; i++)); do
		if vf0_carrier_is "$2"; then
			echo $(($(now_ms) - $1))
			return 0
		fi
		sleep 0.2
	done
	return 1
}

test_delayed_uplink_events()
{
	RET=0
	local dbg ms n start
	dbg=$(svnic_pf_dbg)
	vf0_carrier_is 1
	check_err $? "VF0 (state auto) has no carrier to begin with"
	echo 4000 >"$dbg/delay_uplink_events"
	# The change cannot be queued before the uplink goes down, so neither
	# the notification nor the service task's poll may pass it on, and it
	# cannot be seen here, less than 4 s after start (less 100 ms for the
	# clocks' rounding). The service task (every second) delivers it then.
	start=$(now_ms)
	ip -n "$NS_PEER" link set peer0 down
	svnic_wait_for 5 events_delayed_is 1
	check_err $? "the uplink's carrier loss was not delayed"
	ms=$(carrier_after_ms "$start" 0)
	check_err $? "a delayed notification was never delivered"
	[ -z "$ms" ] || ((ms >= 3900 && ms <= 30000))
	check_err $? "a notification delayed by 4000 ms reached VF0 $ms ms after the uplink went down"
	# Up then down within the delay (10 s, ample for the two commands):
	# the events join, and what is delivered is the uplink's state then,
	# never the stale "up". It is due at most 10 s after it was seen
	# queued, and delivered within the service task's next second.
	echo 10000 >"$dbg/delay_uplink_events"
	n=$(<"$dbg/uplink_events_delayed")
	ip -n "$NS_PEER" link set peer0 up
	svnic_wait_for 5 events_delayed_is $((n + 1))
	check_err $? "the uplink's carrier gain was not delayed"
	start=$(now_ms)
	ip -n "$NS_PEER" link set peer0 down
	while (($(now_ms) < start + 11500)) && vf0_carrier_is 0; do
		sleep 0.5
	done
	vf0_carrier_is 0
	check_err $? "a stale carrier was delivered after the uplink went down again"
	echo 0 >"$dbg/delay_uplink_events"
	ip -n "$NS_PEER" link set peer0 up
	svnic_wait_for 5 vf0_carrier_is 1
	check_err $? "VF0 did not get its carrier back with the delay off"
	svnic_wait_for 10 svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 1 192.0.2.2 >/dev/null
	check_err $? "VF0 cannot reach the peer after the uplink came back"
	log_test "faults: late uplink notifications are delivered when due, never stale"
}

test_stalled_teardown()
{
	RET=0
	svnic_bql_floor 1
	echo 1 >"$(svnic_vf_dbg 1)/stall_tx"
	svnic_fill_tx 1
	# Removed while stalled: before the watchdog resets the queue.
	[ "$(<"$(svnic_vf_dbg 1)/tx_timeouts")" = 0 ]
	check_err $? "the watchdog fired before the removal; the test raced"
	set_numvfs 0
	check_err $? "removing VFs with a stalled, full queue failed"
	no_vf_left
	check_err $? "VFs left behind"
	vfs_pass 2
	check_err $? "new VFs do not pass traffic"
	log_test "faults: VFs with a stalled, full TX queue are removed cleanly"
}

test_shrink_stalled_ring()
{
	RET=0
	local dbg ns d0 d1 n
	dbg=$(svnic_vf_dbg 0)
	ns=$(svnic_vf_ns 0)
	svnic_bql_floor 0
	echo 1 >"$dbg/stall_tx"
	# 200 frames wait on the 512-slot ring: it is not full, so the queue
	# runs and the TX watchdog stays quiet (a reset would drop them all).
	svnic_fill_tx 0 200
	d0=$(svnic_ethtool_stats pf0v0 tx_dropped)
	svnic_ethtool pf0v0 -G tx 64
	check_err $? "ethtool -G tx 64 refused with frames on the TX ring"
	d1=$(svnic_ethtool_stats pf0v0 tx_dropped)
	# 64 are kept, the rest dropped; a stray frame of the VF's own (IPv6
	# neighbour discovery) may have joined the 200.
	n=$((d1 - d0))
	((n >= 136 && n <= 146))
	check_err $? "shrinking a ring holding 200 frames to 64 dropped $n frames, not 136"
	[ "$(svnic_rings pf0v0)" = "4096 4096 512 64" ]
	check_err $? "VF0's rings are $(svnic_rings pf0v0)"
	# The stall ends: the 64 kept go out, the queue passes traffic.
	echo 0 >"$dbg/stall_tx"
	svnic_in "$ns" ping -c 3 -i 0.3 -W 3 192.0.2.11 >/dev/null
	check_err $? "VF0 does not pass traffic through its 64-slot TX ring after the stall"
	svnic_ethtool pf0v0 -G tx 512
	svnic_in "$ns" ping -c 1 -W 3 192.0.2.2 >/dev/null
	check_err $? "VF0 does not pass traffic after its TX ring went back to 512 slots"
	log_test "faults: a stalled TX ring of 200 frames shrunk to 64 keeps 64, drops 136"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command ethtool
svnic_topo
test_debugfs
test_fail_vf_create
test_fail_ring_alloc
test_fail_ring_resize
test_dropped_uplink_event
test_delayed_uplink_events
test_tx_stall
test_stalled_teardown
test_shrink_stalled_ring
exit "$EXIT_STATUS"
