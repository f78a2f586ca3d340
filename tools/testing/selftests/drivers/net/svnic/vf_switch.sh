#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VFs and the embedded switch: sriov_numvfs semantics and sysfs links, VFs
# listed by `ip link`, VF-to-VF traffic switched inside the device (the
# uplink sees none of it), VF-to-uplink and VF-to-PF traffic, broadcast
# flooding, jumbo frames, per-VF counters, and numvfs changes while traffic
# runs.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

numvfs()
{
	svnic_read "$(svnic_sysfs pf0 sriov_numvfs)"
}

set_numvfs()
{
	echo "$1" 2>&1 >"$(svnic_sysfs pf0 sriov_numvfs)"
}

test_numvfs_semantics()
{
	RET=0
	local out
	[ "$(svnic_read "$(svnic_sysfs pf0 sriov_totalvfs)")" = 64 ]
	check_err $? "sriov_totalvfs is not 64"
	out=$(set_numvfs 65)
	echo "$out" | grep -q "Numerical result out of range"
	check_err $? "numvfs over total: expected ERANGE, got '$out'"
	set_numvfs 2 >/dev/null
	check_err $? "numvfs 0 -> 2 failed"
	[ "$(numvfs)" = 2 ]
	check_err $? "sriov_numvfs does not read back 2"
	out=$(set_numvfs 3)
	echo "$out" | grep -q "Device or resource busy"
	check_err $? "numvfs 2 -> 3: expected EBUSY, got '$out'"
	out=$(set_numvfs abc)
	echo "$out" | grep -q "Invalid argument"
	check_err $? "numvfs 'abc': expected EINVAL, got '$out'"
	test -L "$(svnic_sys "$NS_HOST" class/net/pf0/device/virtfn1)"
	check_err $? "no virtfn1 link on the PF device"
	test -L "$(svnic_sys "$NS_HOST" class/net/pf0v1/device/physfn)"
	check_err $? "no physfn link on the VF device"
	[ "$(ip -n "$NS_HOST" link show pf0 | grep -c '^    vf ')" = 2 ]
	check_err $? "ip link show pf0 does not list 2 VFs"
	set_numvfs 0 >/dev/null
	check_err $? "numvfs 2 -> 0 failed"
	! ip -n "$NS_HOST" link show pf0v0 >/dev/null 2>&1
	check_err $? "VF netdevs survived numvfs 0"
	log_test "sriov_numvfs: ERANGE, EBUSY, EINVAL, links, listing, removal"
}

test_vf_to_vf()
{
	RET=0
	local ns0 after
	ns0=$(svnic_vf_ns 0)
	svnic_in "$ns0" ping -c 1 -W 2 192.0.2.11 >/dev/null
	# The peer counts what arrives of the VFs' pings to each other: none
	# may (the VFs' own IPv6 multicast does, and is not counted).
	tc -n "$NS_PEER" qdisc add dev peer0 clsact
	tc -n "$NS_PEER" filter add dev peer0 ingress pref 1 protocol ip flower \
		ip_proto icmp src_ip 192.0.2.10/31 dst_ip 192.0.2.10/31 action pass
	svnic_in "$ns0" ping -c 5 -i 0.2 -W 2 192.0.2.11 >/dev/null
	check_err $? "VF0 cannot reach VF1"
	after=$(tc -n "$NS_PEER" -s -j filter show dev peer0 ingress pref 1 |
		jq '[.[] | select(.options.actions) | .options.actions[0].stats.packets] | add // 0')
	((after == 0))
	check_err $? "VF-to-VF unicast reached the uplink (${after:-?} of the VFs' pings at the peer)"
	tc -n "$NS_PEER" qdisc del dev peer0 clsact
	log_test "VF to VF switched inside the device (VEB)"
}

test_vf_to_uplink_and_pf()
{
	RET=0
	svnic_in "$(svnic_vf_ns 0)" ping -c 3 -i 0.2 -W 2 192.0.2.2 >/dev/null
	check_err $? "VF0 cannot reach the peer behind the uplink"
	svnic_in "$NS_PEER" ping -c 3 -i 0.2 -W 2 192.0.2.11 >/dev/null
	check_err $? "the uplink peer cannot reach VF1"
	svnic_in "$(svnic_vf_ns 1)" ping -c 3 -i 0.2 -W 2 192.0.2.1 >/dev/null
	check_err $? "VF1 cannot reach the PF"
	log_test "VF to uplink peer, uplink peer to VF, VF to PF"
}

test_broadcast_flood()
{
	RET=0
	local ns1 before after
	ns1=$(svnic_vf_ns 1)
	before=$(svnic_stat "$ns1" pf0v1 rx_packets)
	svnic_in "$(svnic_vf_ns 0)" ping -b -c 3 -i 0.2 -W 1 192.0.2.255 >/dev/null 2>&1
	after=$(svnic_stat "$ns1" pf0v1 rx_packets)
	(( after >= before + 3 ))
	check_err $? "broadcasts from VF0 did not reach VF1 ($before -> $after)"
	log_test "broadcast from a VF is flooded to the other VFs"
}

test_jumbo()
{
	RET=0
	local ns0 ns1 max before after
	ns0=$(svnic_vf_ns 0)
	ns1=$(svnic_vf_ns 1)
	max=$(ip -n "$ns0" -d -j link show pf0v0 | jq '.[0].max_mtu')
	[ "$max" = 9216 ]
	check_err $? "pf0v0's maximum MTU is '$max', not 9216"
	ip -n "$ns0" link set pf0v0 mtu 9000 && ip -n "$ns1" link set pf0v1 mtu 9000
	check_err $? "MTU 9000 refused"
	svnic_in "$ns0" ping -c 2 -i 0.2 -W 2 -M do -s 8972 192.0.2.11 >/dev/null
	check_err $? "9000-byte packets (DF set) did not cross the switch"
	# Over the receiver's MTU: dropped and counted there, as a NIC does.
	ip -n "$ns1" link set pf0v1 mtu 1500
	before=$(svnic_stat "$ns1" pf0v1 rx_dropped)
	svnic_in "$ns0" ping -c 2 -i 0.2 -W 1 -M do -s 4000 192.0.2.11 >/dev/null
	check_fail $? "4028-byte packets reached a VF whose MTU is 1500"
	after=$(svnic_stat "$ns1" pf0v1 rx_dropped)
	(( after >= before + 2 ))
	check_err $? "VF1 did not count the frames over its MTU as dropped ($before -> $after)"
	ip -n "$ns0" link set pf0v0 mtu 1500
	svnic_in "$ns0" ping -c 1 -W 2 192.0.2.11 >/dev/null
	check_err $? "VF0 cannot reach VF1 back at MTU 1500"
	log_test "jumbo frames: MTU up to 9216 across the switch; over the receiver's MTU dropped there"
}

test_vf_stats()
{
	RET=0
	local tx
	tx=$(ip -n "$NS_HOST" -s -j link show pf0 | jq '.[0].vfinfo_list[0].stats.tx.tx_packets')
	(( tx > 0 ))
	check_err $? "IFLA_VF_STATS of VF0 shows no transmitted packet ($tx)"
	log_test "per-VF counters in ip -s link show PF"
}

test_numvfs_under_traffic()
{
	RET=0
	local i pid
	svnic_in "$NS_PEER" ping -f -W 1 -w 8 192.0.2.1 >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 5; i++)); do
		set_numvfs 0 >/dev/null || check_err 1 "numvfs 0 failed under traffic"
		set_numvfs 4 >/dev/null || check_err 1 "numvfs 4 failed under traffic"
	done
	wait "$pid"
	set_numvfs 0 >/dev/null
	svnic_in "$NS_HOST" ping -c 2 -i 0.2 -W 2 192.0.2.2 >/dev/null
	check_err $? "the PF stopped passing traffic after numvfs churn"
	log_test "numvfs 0 <-> 4 while traffic runs"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command jq
svnic_topo
test_numvfs_semantics
svnic_vfs 2 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
test_vf_to_vf
test_vf_to_uplink_and_pf
test_broadcast_flood
test_jumbo
test_vf_stats
test_numvfs_under_traffic
exit "$EXIT_STATUS"
