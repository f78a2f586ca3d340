#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `bridge link set dev PF hwmode vepa|veb`: in VEPA mode VF-to-VF traffic
# leaves through the uplink and comes back only if the external switch
# hairpins it (a bridge with `hairpin on` on the uplink peer); in VEB mode
# it is switched inside the device. `bridge link show` reports the mode.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

hwmode()
{
	bridge -n "$NS_HOST" -j -d link show dev pf0 | jq -r '.[0].hwmode // empty | ascii_downcase'
}

ping_vf0_vf1()
{
	svnic_in "$(svnic_vf_ns 0)" ping -c "$1" -i 0.2 -W "$2" 192.0.2.11 >/dev/null
}

test_vepa()
{
	RET=0
	local before after
	[ "$(hwmode)" = veb ]
	check_err $? "default mode is not reported as veb (got '$(hwmode)')"
	bridge -n "$NS_HOST" link set dev pf0 hwmode vepa
	check_err $? "hwmode vepa refused"
	[ "$(hwmode)" = vepa ]
	check_err $? "hwmode vepa not reported (got '$(hwmode)')"

	# The peer is an end host: nothing comes back, VF0 cannot reach VF1.
	ip netns exec "$(svnic_vf_ns 0)" ip neigh flush dev pf0v0
	! ping_vf0_vf1 2 1
	check_err $? "VF0 reached VF1 in VEPA mode without a hairpinning switch"

	# The peer becomes a bridge port with hairpin: traffic goes out and back.
	ip -n "$NS_PEER" link add br0 type bridge
	ip -n "$NS_PEER" link set peer0 master br0
	bridge -n "$NS_PEER" link set dev peer0 hairpin on
	ip -n "$NS_PEER" link set br0 up
	# The failed probe above left VF1's neighbour entry resolving; if it
	# ran out of ARP probes during the ping below, it would drop the
	# echoes queued on it. Start the resolution afresh, through the
	# hairpin.
	ip netns exec "$(svnic_vf_ns 0)" ip neigh flush dev pf0v0
	before=$(svnic_stat "$NS_PEER" peer0 rx_packets)
	ping_vf0_vf1 5 2
	check_err $? "VF0 cannot reach VF1 through the hairpin"
	after=$(svnic_stat "$NS_PEER" peer0 rx_packets)
	(( after >= before + 10 ))
	check_err $? "VF-to-VF traffic did not cross the uplink ($before -> $after)"
	log_test "hwmode vepa: VF-to-VF traffic hairpinned by the external switch"
}

test_veb()
{
	RET=0
	local before after
	bridge -n "$NS_HOST" link set dev pf0 hwmode veb
	check_err $? "hwmode veb refused"
	[ "$(hwmode)" = veb ]
	check_err $? "hwmode veb not reported"
	# Warm the neighbour caches, then count.
	ping_vf0_vf1 1 2
	before=$(svnic_stat "$NS_PEER" peer0 rx_packets)
	ping_vf0_vf1 5 2
	check_err $? "VF0 cannot reach VF1 in VEB mode"
	after=$(svnic_stat "$NS_PEER" peer0 rx_packets)
	(( after < before + 5 ))
	check_err $? "VEB traffic reached the uplink ($before -> $after)"
	log_test "hwmode veb: VF-to-VF traffic switched inside the device again"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command jq
svnic_topo
svnic_vfs 2 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
test_vepa
test_veb
exit "$EXIT_STATUS"
