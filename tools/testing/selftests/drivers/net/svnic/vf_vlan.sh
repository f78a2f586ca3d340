#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `ip link set PF vf N vlan V qos Q proto 802.1Q|802.1ad`, checked on
# traffic: the port VLAN's tag is pushed towards the uplink (with its
# priority) and popped towards the VF, VFs in different VLANs cannot reach
# each other, tagged frames from a VF with a port VLAN (802.1Q or 802.1ad
# double-tagging) are dropped and counted, `vlan 0` clears the port VLAN.
#
# Addresses: 10.10.0.0/24 is VLAN 10 (VF0, VF1, and VF2 as a would-be
# intruder), 10.20.0.0/24 VLAN 20 (VF2), 10.21.0.0/24 VLAN 20 with 802.1ad
# tags (VF2). The uplink peer has a VLAN device in each.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

# ping_ok NS ADDR / ping_fails NS ADDR
ping_ok()
{
	svnic_in "$1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null
}

ping_fails()
{
	! svnic_in "$1" ping -c 2 -i 0.2 -W 1 "$2" >/dev/null
}

# Hits of tc filter PREF on the ingress of peer0.
peer_hits()
{
	tc -n "$NS_PEER" -s -j filter show dev peer0 ingress pref "$1" |
		jq '[.[] | select(.options.actions) | .options.actions[0].stats.packets] | add // 0'
}

setup()
{
	local i
	for i in 0 1 2; do
		ip -n "$(svnic_vf_ns $i)" addr add "10.10.0.$((10 + i))/24" dev "pf0v$i"
	done
	ip -n "$(svnic_vf_ns 2)" addr add 10.20.0.12/24 dev pf0v2
	ip -n "$(svnic_vf_ns 2)" addr add 10.21.0.12/24 dev pf0v2
	ip -n "$NS_PEER" link add link peer0 name peer0.10 type vlan id 10
	ip -n "$NS_PEER" link add link peer0 name peer0.20 type vlan id 20
	ip -n "$NS_PEER" link add link peer0 name peer0.ad20 type vlan proto 802.1ad id 20
	ip -n "$NS_PEER" addr add 10.10.0.2/24 dev peer0.10
	ip -n "$NS_PEER" addr add 10.20.0.2/24 dev peer0.20
	ip -n "$NS_PEER" addr add 10.21.0.2/24 dev peer0.ad20
	for i in 10 20 ad20; do
		ip -n "$NS_PEER" link set "peer0.$i" up
	done
	# Count tagged frames arriving at the peer by VLAN and priority.
	tc -n "$NS_PEER" qdisc add dev peer0 clsact
	tc -n "$NS_PEER" filter add dev peer0 ingress pref 1 protocol 802.1Q \
		flower vlan_id 10 vlan_prio 5 action pass
	tc -n "$NS_PEER" filter add dev peer0 ingress pref 2 protocol 802.1ad \
		flower vlan_id 20 action pass
}

test_bad_input()
{
	RET=0
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 7 vlan 10
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 0 vlan 4095
	svnic_expect_fail "Invalid" ip -n "$NS_HOST" link set pf0 vf 0 vlan 4096
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 0 vlan 10 qos 8
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 0 vlan 0 qos 3
	[ "$(svnic_vf_info 0 vlan_list)" = null ] || [ "$(svnic_vf_info 0 'vlan_list[0].vlan // 0')" = 0 ]
	check_err $? "a refused request left a port VLAN behind"
	log_test "vf vlan: bad index, VID 4095/4096, qos 8, qos without VLAN refused"
}

test_isolation()
{
	RET=0
	local ns0 ns2 before after
	ns0=$(svnic_vf_ns 0)
	ns2=$(svnic_vf_ns 2)
	ip -n "$NS_HOST" link set pf0 vf 0 vlan 10
	check_err $? "vf 0 vlan 10 refused"
	ip -n "$NS_HOST" link set pf0 vf 1 vlan 10 qos 5
	check_err $? "vf 1 vlan 10 qos 5 refused"
	ip -n "$NS_HOST" link set pf0 vf 2 vlan 20
	check_err $? "vf 2 vlan 20 refused"
	[ "$(svnic_vf_info 1 'vlan_list[0].vlan')" = 10 ] &&
		[ "$(svnic_vf_info 1 'vlan_list[0].qos')" = 5 ]
	check_err $? "ip link show does not report vlan 10 qos 5 for VF1"

	ping_ok "$ns0" 10.10.0.11
	check_err $? "VF0 cannot reach VF1 in the same port VLAN"
	ping_ok "$ns0" 10.10.0.2
	check_err $? "VF0 cannot reach the uplink peer's VLAN 10 device"
	ping_ok "$ns2" 10.20.0.2
	check_err $? "VF2 cannot reach the uplink peer's VLAN 20 device"
	ping_fails "$ns0" 10.10.0.12
	check_err $? "VF0 (VLAN 10) reached VF2 (VLAN 20)"
	ping_fails "$ns0" 192.0.2.1
	check_err $? "VF0 in VLAN 10 reached the PF's untagged address"

	before=$(peer_hits 1)
	svnic_in "$(svnic_vf_ns 1)" ping -c 3 -i 0.2 -W 2 10.10.0.2 >/dev/null
	check_err $? "VF1 cannot reach the uplink peer's VLAN 10 device"
	after=$(peer_hits 1)
	(( after >= before + 3 ))
	check_err $? "VF1's frames did not leave with VLAN 10 priority 5 ($before -> $after)"
	log_test "vf vlan: pushed with qos to the uplink, popped to VFs, VLANs isolated"
}

test_tagged_from_access_port()
{
	RET=0
	local ns0 before after
	ns0=$(svnic_vf_ns 0)
	# The guest tags its own frames: 802.1Q into VLAN 20, and an 802.1ad
	# outer tag (the double-tagging trick) into VLAN 20.
	ip -n "$ns0" link add link pf0v0 name q20 type vlan id 20
	ip -n "$ns0" link add link pf0v0 name ad20 type vlan proto 802.1ad id 20
	ip -n "$ns0" addr add 10.20.0.10/24 dev q20
	ip -n "$ns0" addr add 10.21.0.10/24 dev ad20
	ip -n "$ns0" link set q20 up
	ip -n "$ns0" link set ad20 up
	# Static neighbours: each ping is one frame, no ARP timing involved.
	ip -n "$ns0" neigh add 10.20.0.12 lladdr 02:00:00:00:00:99 dev q20
	ip -n "$ns0" neigh add 10.21.0.2 lladdr 02:00:00:00:00:99 dev ad20
	before=$(svnic_stat "$ns0" pf0v0 tx_dropped)
	ping_fails "$ns0" 10.20.0.12
	check_err $? "VF0 reached VLAN 20 by tagging its frames (802.1Q)"
	ping_fails "$ns0" 10.21.0.2
	check_err $? "VF0 reached VLAN 20 with an 802.1ad outer tag"
	after=$(svnic_stat "$ns0" pf0v0 tx_dropped)
	(( after >= before + 4 ))
	check_err $? "tagged frames from VF0 were not dropped and counted ($before -> $after)"
	ip -n "$ns0" link del q20
	ip -n "$ns0" link del ad20
	log_test "vf vlan: tagged frames from a VF with a port VLAN dropped and counted"
}

test_8021ad()
{
	RET=0
	local ns2 before after
	ns2=$(svnic_vf_ns 2)
	ip -n "$NS_HOST" link set pf0 vf 2 vlan 20 proto 802.1ad
	check_err $? "vf 2 vlan 20 proto 802.1ad refused"
	[ "$(svnic_vf_info 2 'vlan_list[0].protocol')" = 802.1ad ]
	check_err $? "ip link show does not report proto 802.1ad"
	before=$(peer_hits 2)
	ping_ok "$ns2" 10.21.0.2
	check_err $? "VF2 cannot reach the peer's 802.1ad VLAN 20 device"
	after=$(peer_hits 2)
	(( after >= before + 2 ))
	check_err $? "VF2's frames did not leave with an 802.1ad tag ($before -> $after)"
	ping_fails "$ns2" 10.20.0.2
	check_err $? "VF2 with an 802.1ad port VLAN reached the 802.1Q VLAN 20"
	log_test "vf vlan proto 802.1ad: S-tag pushed and popped, 802.1Q VLAN 20 separate"
}

test_clear()
{
	RET=0
	local ns0
	ns0=$(svnic_vf_ns 0)
	ip -n "$NS_HOST" link set pf0 vf 0 vlan 0
	check_err $? "vf 0 vlan 0 refused"
	ping_ok "$ns0" 192.0.2.1
	check_err $? "VF0 cannot reach the PF untagged after vlan 0"
	ping_fails "$ns0" 10.10.0.11
	check_err $? "VF0 still reaches VLAN 10 after vlan 0"
	log_test "vf vlan 0: port VLAN cleared, VF untagged again"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command jq
svnic_topo
svnic_vfs 3 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
setup
test_bad_input
test_isolation
test_tagged_from_access_port
test_8021ad
test_clear
exit "$EXIT_STATUS"
