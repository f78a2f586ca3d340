#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Traffic across the PF: the PF reaches a peer behind its uplink, the peer
# reaches the PF (its ARP broadcast must be copied to the PF), the uplink's
# own traffic still flows beside the PF, counters move, and a PF moved to
# another namespace keeps working.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

test_pf_to_peer()
{
	RET=0
	local tx0 rx0
	tx0=$(svnic_stat "$NS_HOST" pf0 tx_packets)
	rx0=$(svnic_stat "$NS_HOST" pf0 rx_packets)
	svnic_in "$NS_HOST" ping -c 5 -i 0.2 -W 2 192.0.2.2 >/dev/null
	check_err $? "ping from the PF to the peer failed"
	(( $(svnic_stat "$NS_HOST" pf0 tx_packets) >= tx0 + 5 ))
	check_err $? "PF tx_packets did not grow by 5"
	(( $(svnic_stat "$NS_HOST" pf0 rx_packets) >= rx0 + 5 ))
	check_err $? "PF rx_packets did not grow by 5"
	log_test "PF to peer through the uplink"
}

test_peer_to_pf()
{
	RET=0
	ip -n "$NS_HOST" neigh flush dev pf0
	ip -n "$NS_PEER" neigh flush dev peer0
	svnic_in "$NS_PEER" ping -c 3 -i 0.2 -W 2 192.0.2.1 >/dev/null
	check_err $? "ping from the peer to the PF failed (ARP broadcast not delivered?)"
	log_test "peer to PF (broadcast ARP reaches the PF)"
}

test_uplink_own_traffic()
{
	RET=0
	ip -n "$NS_HOST" addr add 198.51.100.1/24 dev up0
	ip -n "$NS_PEER" addr add 198.51.100.2/24 dev peer0
	svnic_in "$NS_PEER" ping -c 3 -i 0.2 -W 2 198.51.100.1 >/dev/null
	check_err $? "the uplink's own address is unreachable with a PF on it"
	log_test "uplink keeps its own traffic"
}

test_large_frames()
{
	RET=0
	svnic_in "$NS_HOST" ping -c 3 -i 0.2 -W 2 -s 1472 -M do 192.0.2.2 >/dev/null
	check_err $? "full-MTU frames do not cross the PF"
	log_test "full-MTU frames"
}

test_pf_in_other_netns()
{
	RET=0
	setup_ns NS_GUEST || exit "$ksft_skip"
	defer cleanup_ns "$NS_GUEST"
	ip -n "$NS_HOST" link set pf0 netns "$NS_GUEST"
	check_err $? "moving the PF to another namespace failed"
	ip -n "$NS_GUEST" link set pf0 up
	ip -n "$NS_GUEST" addr add 192.0.2.1/24 dev pf0
	svnic_in "$NS_GUEST" ping -c 3 -i 0.2 -W 2 192.0.2.2 >/dev/null
	check_err $? "the PF stopped passing traffic after a namespace move"
	ip -n "$NS_GUEST" link set pf0 netns "$NS_HOST"
	log_test "PF in another network namespace"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
svnic_topo
test_pf_to_peer
test_peer_to_pf
test_uplink_own_traffic
test_large_frames
test_pf_in_other_netns
exit "$EXIT_STATUS"
