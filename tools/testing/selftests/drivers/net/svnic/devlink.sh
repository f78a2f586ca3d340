#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# devlink of the PF: the instance on the PF's device on the svnic bus, its
# eswitch mode (legacy; switchdev is refused while VFs exist, see
# switchdev.sh), and the "tx" health
# reporter: a stalled VF TX queue is found by the TX watchdog, reported,
# dumped and recovered automatically, or left hung with auto_recover off
# until `devlink health recover`; the parameter vf_tx_skb_sharing (off:
# pktgen's burst is refused on a VF; changed only without VFs, EBUSY with
# an extack message otherwise; on: pktgen's burst 8 and clone_skb send one
# buffer several times and every frame reaches the receiving VF intact);
# the instance goes with the PF.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

# The devlink handle of pf0 (devlink instances live in init_net).
dl_handle()
{
	echo "svnic/$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")"
}

# tx_health FIELD: a field of the tx reporter's entry in `devlink health show`.
tx_health()
{
	svnic_devlink_value "$1" devlink health show "$DL" reporter tx
}

# stall VF-INDEX: stalls the VF's TX queue and fills it: the queue stops
# and the TX watchdog fires after 5 s without progress.
stall()
{
	svnic_bql_floor "$1"
	echo 1 >"$(svnic_vf_dbg "$1")/stall_tx"
	svnic_fill_tx "$1"
}

errors_at_least()
{
	[ "$(tx_health error)" -ge "$1" ]
}

hung_is()
{
	[ "$(<"$(svnic_vf_dbg "$1")/tx_hung")" = "$2" ]
}

test_instance()
{
	RET=0
	devlink -j dev show | jq -e ".dev[\"$DL\"]" >/dev/null
	check_err $? "devlink dev show does not list $DL"
	[ "$(svnic_devlink_value mode devlink dev eswitch show "$DL")" = legacy ]
	check_err $? "the eswitch mode is not legacy"
	devlink dev eswitch set "$DL" mode legacy
	check_err $? "setting the legacy mode failed"
	svnic_expect_fail "sriov_numvfs to 0" \
		devlink dev eswitch set "$DL" mode switchdev
	[ "$(svnic_devlink_value mode devlink dev eswitch show "$DL")" = legacy ]
	check_err $? "a refused switchdev changed the mode"
	[ "$(tx_health state)" = healthy ] && [ "$(tx_health error)" = 0 ] &&
		[ "$(tx_health recover)" = 0 ] && [ "$(tx_health auto_recover)" = true ] &&
		[ "$(tx_health auto_dump)" = true ]
	check_err $? "the tx reporter is not healthy with auto recovery and dump: $(devlink health show "$DL" reporter tx)"
	log_test "devlink: instance $DL, legacy eswitch, tx health reporter"
}

test_auto_recover()
{
	RET=0
	local dump
	stall 0
	svnic_wait_for 30 errors_at_least 1
	check_err $? "the stalled queue of VF0 was not reported"
	svnic_wait_for 10 hung_is 0 0
	check_err $? "the stalled queue of VF0 was not recovered"
	[ "$(tx_health recover)" -ge 1 ]
	check_err $? "the recovery was not counted: $(devlink health show "$DL" reporter tx)"
	[ "$(<"$(svnic_vf_dbg 0)/stall_tx")" = 0 ]
	check_err $? "the recovery did not clear the stall"
	dump=$(devlink -j health dump show "$DL" reporter tx)
	echo "$dump" | jq -e '[.. | objects | select(.vf == 0 and .hung == true and .stopped == true)] | length == 1' >/dev/null
	check_err $? "the automatic dump does not show VF0 hung and stopped: $dump"
	devlink health dump clear "$DL" reporter tx
	check_err $? "clearing the dump failed"
	svnic_in "$(svnic_vf_ns 0)" ping -c 2 -W 3 192.0.2.11 >/dev/null
	check_err $? "VF0 does not pass traffic after the recovery"
	log_test "devlink: a TX timeout is reported, dumped and recovered"
}

test_manual_recover()
{
	RET=0
	local errors recovers out
	devlink health set "$DL" reporter tx auto_recover false
	check_err $? "turning auto_recover off failed"
	defer devlink health set "$DL" reporter tx auto_recover true
	errors=$(tx_health error) recovers=$(tx_health recover)
	stall 1
	svnic_wait_for 30 errors_at_least $((errors + 1))
	check_err $? "the stalled queue of VF1 was not reported"
	sleep 2
	hung_is 1 1
	check_err $? "VF1's queue was reset with auto_recover off"
	[ "$(tx_health state)" = error ]
	check_err $? "the reporter is not in the error state: $(tx_health state)"
	out=$(devlink -j health diagnose "$DL" reporter tx)
	echo "$out" | jq -e '[.. | objects | select(.vf == 1 and .hung == true)] | length == 1' >/dev/null &&
		echo "$out" | jq -e '[.. | objects | select(.vf == 0 and .hung == false)] | length == 1' >/dev/null
	check_err $? "diagnose does not show VF1 hung and VF0 healthy: $out"
	svnic_in "$(svnic_vf_ns 1)" ping -c 1 -W 2 192.0.2.10 >/dev/null
	check_fail $? "VF1 passes traffic while hung"
	devlink health recover "$DL" reporter tx
	check_err $? "devlink health recover failed"
	hung_is 1 0
	check_err $? "devlink health recover did not reset VF1's queue"
	[ "$(tx_health state)" = healthy ] && [ "$(tx_health recover)" = $((recovers + 1)) ]
	check_err $? "the recovery was not counted: $(devlink health show "$DL" reporter tx)"
	svnic_in "$(svnic_vf_ns 1)" ping -c 2 -W 3 192.0.2.10 >/dev/null
	check_err $? "VF1 does not pass traffic after the recovery"
	log_test "devlink: with auto_recover off a hung queue waits for devlink health recover"
}

# sharing VALUE: vf_tx_skb_sharing's value.
sharing()
{
	svnic_devlink_value value devlink dev param show "$DL" name vf_tx_skb_sharing
}

# set_sharing VALUE: sets vf_tx_skb_sharing; stderr to $ERR.
set_sharing()
{
	devlink dev param set "$DL" name vf_tx_skb_sharing value "$1" cmode runtime 2>"$ERR"
}

test_tx_skb_sharing()
{
	local mac f got p0 p1 x0 x1 n=800
	RET=0
	[ "$(sharing)" = false ]
	check_err $? "vf_tx_skb_sharing is not false by default"
	# pktgen asks the device (IFF_TX_SKB_SHARING) before it sends one
	# buffer more than once.
	svnic_pg "$NS_VF0" kpktgend_0 rem_device_all "add_device pf0v0"
	! svnic_pg "$NS_VF0" pf0v0 "burst 8" 2>/dev/null
	check_err $? "pktgen's burst was taken by a VF without vf_tx_skb_sharing"
	svnic_pg "$NS_VF0" kpktgend_0 rem_device_all
	! set_sharing true
	check_err $? "vf_tx_skb_sharing changed while VFs exist"
	grep -q "set sriov_numvfs to 0 before changing vf_tx_skb_sharing" "$ERR"
	check_err $? "no extack message: $(cat "$ERR")"
	[ "$(sharing)" = false ]
	check_err $? "a refused change changed vf_tx_skb_sharing"

	echo 0 >"$(svnic_sysfs pf0 sriov_numvfs)"
	set_sharing true
	check_err $? "vf_tx_skb_sharing not set without VFs: $(cat "$ERR")"
	echo 2 >"$(svnic_sysfs pf0 sriov_numvfs)" && svnic_place_vfs 2
	check_err $? "VFs not made again"
	[ "$(sharing)" = true ]
	check_err $? "vf_tx_skb_sharing does not read true"

	# Each buffer pktgen makes is sent 4 times (clone_skb 3), in bursts
	# of 8 (xmit_more): VF1's tc counts the frames that arrive as sent.
	read -r _ _ mac _ < <(ip -n "$NS_VF1" -br link show pf0v1)
	tc -n "$NS_VF1" -batch - <<-EOF
	qdisc add dev pf0v1 clsact
	filter add dev pf0v1 ingress pref 1 protocol ip flower skip_hw dst_ip 192.0.2.11 ip_proto udp dst_port 9 action drop
	EOF
	p0=$(svnic_stat "$NS_VF0" pf0v0 tx_packets)
	x0=$(svnic_stat "$NS_VF0" pf0v0 tx_dropped)
	svnic_pg "$NS_VF0" kpktgend_0 rem_device_all "add_device pf0v0"
	svnic_pg "$NS_VF0" pf0v0 "count $n" "clone_skb 3" "burst 8" "pkt_size 60" "delay 0" \
		"dst 192.0.2.11" "dst_mac $mac" "udp_dst_min 9" "udp_dst_max 9"
	check_err $? "pktgen's burst and clone_skb refused with vf_tx_skb_sharing"
	svnic_pg "$NS_VF0" pgctrl start
	p1=$(svnic_stat "$NS_VF0" pf0v0 tx_packets)
	x1=$(svnic_stat "$NS_VF0" pf0v0 tx_dropped)
	f=$(tc -n "$NS_VF1" -s filter show dev pf0v1 ingress)
	[[ $f =~ Sent\ [0-9]+\ bytes\ ([0-9]+)\ pkt ]] && got=${BASH_REMATCH[1]}
	echo "    pktgen sent $((p1 - p0)) frames ($((x1 - x0)) dropped), ${got:-?} reached VF1 intact"
	# (The VF's own neighbour and multicast frames may go out meanwhile.)
	((p1 - p0 >= n && x1 == x0 && ${got:-0} == n))
	check_err $? "frames lost or changed on the way"
	svnic_pg "$NS_VF0" kpktgend_0 rem_device_all
	tc -n "$NS_VF1" qdisc del dev pf0v1 clsact
	log_test "devlink: vf_tx_skb_sharing: refused while VFs exist; VFs made with it take pktgen's burst and clone_skb intact"
}

test_gone_with_pf()
{
	RET=0
	echo 0 >"$(svnic_sysfs pf0 sriov_numvfs)"
	check_err $? "removing the VFs failed"
	devlink health diagnose "$DL" reporter tx >/dev/null
	check_err $? "diagnose without VFs failed"
	ip -n "$NS_HOST" link del pf0
	check_err $? "deleting the PF failed"
	svnic_wait_for 5 bash -c "! devlink dev show $DL >/dev/null 2>&1"
	check_err $? "$DL outlived its PF"
	log_test "devlink: the instance goes with its PF"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command devlink
require_command jq
svnic_topo
svnic_vfs 2 || exit "$ksft_skip"
DL=$(dl_handle)
test_instance
test_auto_recover
in_defer_scope test_manual_recover
ERR=$(mktemp)
defer rm -f "$ERR"
test_tx_skb_sharing
test_gone_with_pf
exit "$EXIT_STATUS"
