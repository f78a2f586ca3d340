#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `ip link set PF vf N ...` knobs, each checked on traffic: mac, spoofchk,
# trust, state auto/enable/disable; bad input refused with an errno.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

test_bad_input()
{
	RET=0
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 7 spoofchk off
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 0 mac 01:00:5e:00:00:01
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 0 mac 00:00:00:00:00:00
	svnic_expect_fail "not supported" ip -n "$NS_HOST" link set pf0 vf 0 query_rss on
	svnic_expect_fail "not supported" ip -n "$NS_HOST" link set pf0 vf 0 node_guid 00:11:22:33:44:55:66:77
	log_test "bad VF index, multicast/zero MAC, query_rss, node_guid: refused"
}

test_mac()
{
	RET=0
	local ns0
	ns0=$(svnic_vf_ns 0)
	ip -n "$NS_HOST" link set pf0 vf 0 mac 02:00:00:00:aa:01
	check_err $? "assigning a MAC to VF0 failed"
	[ "$(svnic_vf_info 0 address)" = 02:00:00:00:aa:01 ]
	check_err $? "ip link show pf0 does not report the assigned MAC"
	ip -n "$ns0" link show pf0v0 | grep -q 02:00:00:00:aa:01
	check_err $? "the VF netdev did not take the assigned MAC"
	svnic_in "$ns0" ping -c 3 -i 0.2 -W 2 192.0.2.11 >/dev/null
	check_err $? "VF0 cannot reach VF1 with its assigned MAC"
	svnic_expect_fail "in use" ip -n "$NS_HOST" link set pf0 vf 1 mac 02:00:00:00:aa:01
	log_test "vf mac: assigned, reported, used on traffic, duplicates refused"
}

test_trust()
{
	RET=0
	local ns0
	ns0=$(svnic_vf_ns 0)
	ip -n "$NS_HOST" link set pf0 vf 0 trust off
	svnic_expect_fail "not permitted" ip -n "$ns0" link set pf0v0 address 02:00:00:00:aa:99
	[ "$(svnic_vf_info 0 trust)" = false ]
	check_err $? "trust not reported off"
	ip -n "$NS_HOST" link set pf0 vf 0 trust on
	ip -n "$ns0" link set pf0v0 address 02:00:00:00:aa:02
	check_err $? "a trusted VF cannot change its MAC"
	svnic_in "$ns0" ping -c 2 -i 0.2 -W 2 192.0.2.11 >/dev/null
	check_err $? "VF0 unreachable after changing its own MAC"
	ip -n "$NS_HOST" link set pf0 vf 0 trust off
	log_test "vf trust: untrusted VF cannot override the PF's MAC, trusted can"
}

test_spoofchk()
{
	RET=0
	local ns0 before after
	ns0=$(svnic_vf_ns 0)
	ip -n "$ns0" link add mv0 link pf0v0 type macvlan mode bridge
	ip -n "$ns0" link set mv0 up
	ip -n "$ns0" addr add 198.51.100.10/24 dev mv0
	# A static neighbour: each ping is one frame, no ARP timing involved.
	ip -n "$ns0" neigh add 198.51.100.99 lladdr 02:00:00:00:00:99 dev mv0
	ip -n "$NS_HOST" link set pf0 vf 0 spoofchk on
	[ "$(svnic_vf_info 0 spoofchk)" = true ]
	check_err $? "spoofchk not reported on"
	before=$(svnic_stat "$ns0" pf0v0 tx_dropped)
	svnic_in "$ns0" ping -I mv0 -c 3 -i 0.2 -W 1 198.51.100.99 >/dev/null 2>&1
	after=$(svnic_stat "$ns0" pf0v0 tx_dropped)
	(( after >= before + 3 ))
	check_err $? "frames with a foreign source MAC were not dropped ($before -> $after)"
	ip -n "$NS_HOST" link set pf0 vf 0 spoofchk off
	before=$(svnic_stat "$ns0" pf0v0 tx_dropped)
	svnic_in "$ns0" ping -I mv0 -c 3 -i 0.2 -W 1 198.51.100.99 >/dev/null 2>&1
	after=$(svnic_stat "$ns0" pf0v0 tx_dropped)
	(( after < before + 3 ))
	check_err $? "spoofchk off still drops ($before -> $after)"
	ip -n "$NS_HOST" link set pf0 vf 0 spoofchk on
	ip -n "$ns0" link del mv0
	log_test "vf spoofchk: foreign source MACs dropped and counted, off passes"
}

test_link_state()
{
	RET=0
	local ns0 ns1
	ns0=$(svnic_vf_ns 0)
	ns1=$(svnic_vf_ns 1)
	# As a NIC's: no carrier until the link is up, then operationally UP
	# (not UNKNOWN, which tools waiting for "state UP" never leave).
	ip -n "$ns1" link show pf0v1 | grep -q 'LOWER_UP.*state UP'
	check_err $? "VF1, up with the uplink up, is not operationally UP"
	ip -n "$NS_HOST" link show pf0 | grep -q 'LOWER_UP.*state UP'
	check_err $? "the PF, up with the uplink up, is not operationally UP"
	ip -n "$NS_HOST" link set pf0 vf 1 state disable
	slowwait 5 bash -c "ip -n $ns1 link show pf0v1 | grep -q NO-CARRIER"
	check_err $? "state disable: VF1 kept its carrier"
	! svnic_in "$ns0" ping -c 2 -i 0.2 -W 1 192.0.2.11 >/dev/null
	check_err $? "state disable: VF1 still passes traffic"
	[ "$(svnic_vf_info 1 link_state)" = disable ]
	check_err $? "state disable not reported"

	ip -n "$NS_PEER" link set peer0 down
	ip -n "$NS_HOST" link set pf0 vf 1 state auto
	slowwait 5 bash -c "ip -n $ns1 link show pf0v1 | grep -q NO-CARRIER"
	check_err $? "state auto: VF1 has carrier with the uplink down"
	ip -n "$NS_HOST" link set pf0 vf 0 state enable
	ip -n "$NS_HOST" link set pf0 vf 1 state enable
	slowwait 5 bash -c "ip -n $ns1 link show pf0v1 | grep -q LOWER_UP"
	check_err $? "state enable: VF1 has no carrier"
	svnic_in "$ns0" ping -c 2 -i 0.2 -W 2 192.0.2.11 >/dev/null
	check_err $? "state enable: VF-to-VF traffic stops with the uplink down"

	ip -n "$NS_PEER" link set peer0 up
	ip -n "$NS_HOST" link set pf0 vf 0 state auto
	ip -n "$NS_HOST" link set pf0 vf 1 state auto
	slowwait 5 bash -c "ip -n $ns1 link show pf0v1 | grep -q LOWER_UP"
	check_err $? "state auto: VF1 did not follow the uplink back up"
	log_test "vf state: UP with a link, disable drops, auto follows the uplink, enable survives it"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command jq
svnic_topo
svnic_vfs 2 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
test_bad_input
test_mac
test_trust
test_spoofchk
test_link_state
exit "$EXIT_STATUS"
