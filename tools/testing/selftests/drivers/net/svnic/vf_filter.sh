#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Receive filters of VFs and what `trust` grants, checked on traffic: a VF
# gets the multicast groups it subscribed to and no others; all-multicast
# and promiscuous mode take effect only on a trusted VF (`ip link set PF
# vf N trust on`); a promiscuous trusted VF sees unicast between others.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

GROUP_IP=239.1.1.1
GROUP_MAC=01:00:5e:01:01:01

# vf_rx VF FIELD: a receive counter of VF as the PF reports it.
vf_rx()
{
	ip -n "$NS_HOST" -s -j link show pf0 | jq -r ".[0].vfinfo_list[$1].stats.rx.$2"
}

# send_group N: VF0 sends N frames to the group.
send_group()
{
	svnic_in "$(svnic_vf_ns 0)" ping -c "$1" -i 0.2 -W 1 -I pf0v0 "$GROUP_IP" >/dev/null 2>&1
}

# send_unicast N: VF0 sends N frames to VF1.
send_unicast()
{
	svnic_in "$(svnic_vf_ns 0)" ping -c "$1" -i 0.2 -W 1 192.0.2.11 >/dev/null 2>&1
}

# grew BEFORE AFTER N: AFTER is at least BEFORE + N.
grew()
{
	(( $2 >= $1 + $3 ))
}

test_multicast_filter()
{
	RET=0
	local b1 b2 a1 a2
	ip -n "$(svnic_vf_ns 1)" maddr add "$GROUP_MAC" dev pf0v1
	check_err $? "VF1 could not join $GROUP_MAC"
	b1=$(vf_rx 1 multicast) b2=$(vf_rx 2 multicast)
	send_group 5
	a1=$(vf_rx 1 multicast) a2=$(vf_rx 2 multicast)
	grew "$b1" "$a1" 5
	check_err $? "the subscribed VF1 did not get the group frames ($b1 -> $a1)"
	! grew "$b2" "$a2" 3
	check_err $? "VF2, not subscribed, got the group frames ($b2 -> $a2)"
	log_test "vf multicast filter: subscribed groups only"
}

test_allmulti_needs_trust()
{
	RET=0
	local ns2 b a
	ns2=$(svnic_vf_ns 2)
	ip -n "$NS_HOST" link set pf0 vf 2 trust off
	ip -n "$ns2" link set pf0v2 allmulticast on
	b=$(vf_rx 2 multicast)
	send_group 5
	a=$(vf_rx 2 multicast)
	! grew "$b" "$a" 3
	check_err $? "untrusted VF2 got all-multicast delivery ($b -> $a)"
	ip -n "$NS_HOST" link set pf0 vf 2 trust on
	b=$(vf_rx 2 multicast)
	send_group 5
	a=$(vf_rx 2 multicast)
	grew "$b" "$a" 5
	check_err $? "trusted VF2 in all-multicast mode missed group frames ($b -> $a)"
	ip -n "$ns2" link set pf0v2 allmulticast off
	ip -n "$NS_HOST" link set pf0 vf 2 trust off
	log_test "vf allmulticast: only with trust on"
}

test_promisc_needs_trust()
{
	RET=0
	local ns2 b a
	ns2=$(svnic_vf_ns 2)
	send_unicast 1
	ip -n "$ns2" link set pf0v2 promisc on
	b=$(vf_rx 2 packets)
	send_unicast 5
	a=$(vf_rx 2 packets)
	! grew "$b" "$a" 5
	check_err $? "untrusted promiscuous VF2 saw VF0-to-VF1 unicast ($b -> $a)"
	ip -n "$NS_HOST" link set pf0 vf 2 trust on
	b=$(vf_rx 2 packets)
	send_unicast 5
	a=$(vf_rx 2 packets)
	# Requests and replies.
	grew "$b" "$a" 10
	check_err $? "trusted promiscuous VF2 missed VF0-to-VF1 unicast ($b -> $a)"
	ip -n "$ns2" link set pf0v2 promisc off
	b=$(vf_rx 2 packets)
	send_unicast 5
	a=$(vf_rx 2 packets)
	! grew "$b" "$a" 5
	check_err $? "VF2 still sees others' unicast after promisc off ($b -> $a)"
	ip -n "$NS_HOST" link set pf0 vf 2 trust off
	log_test "vf promisc: others' unicast only with trust on"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command jq
svnic_topo
svnic_vfs 3 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
ip -n "$(svnic_vf_ns 0)" route add 239.0.0.0/8 dev pf0v0
test_multicast_filter
test_allmulti_needs_trust
test_promisc_needs_trust
exit "$EXIT_STATUS"
