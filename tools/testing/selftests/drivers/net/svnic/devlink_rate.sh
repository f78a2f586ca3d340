#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svnic-check: alone (pktgen's threads are shared, and its rates need the CPU)
#
# devlink rate objects (switchdev mode): every VF's devlink port has a rate
# leaf; its tx_max caps the VF's traffic (measured with pktgen, within
# 30 %) and its tx_share is the VF's guaranteed rate, both the same shaper
# as `ip link set PF vf N max_tx_rate/min_tx_rate`, which shows them.
# Rates are whole Mbit/s; what the link or the other VFs refuse, and what
# svnic has no operation for (priorities, weights, nodes), is refused.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

dl_handle()
{
	echo "svnic/$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")"
}

# run_pktgen VF COUNT: VF sends COUNT 1000-byte frames as fast as it
# may; prints the rate pktgen measured, Mbit/s.
run_pktgen()
{
	svnic_pktgen_setup "$1" "$2"
	svnic_pktgen_run "$1"
	svnic_pktgen_mbps "$1"
}

# leaf FIELD: a field of VF0's rate leaf in `devlink port function rate show`.
leaf()
{
	devlink -j port function rate show "$DL/1" | jq -r ".rate[\"$DL/1\"].$1"
}

test_leaves()
{
	RET=0
	local out
	out=$(devlink -j port function rate show)
	echo "$out" | jq -e ".rate[\"$DL/1\"].type == \"leaf\" and .rate[\"$DL/2\"].type == \"leaf\"" >/dev/null
	check_err $? "the VFs' ports have no rate leaves: $out"
	log_test "devlink rate: a leaf per VF port"
}

test_tx_max()
{
	RET=0
	local mbps
	devlink port function rate set "$DL/1" tx_max 8mbit
	check_err $? "tx_max 8mbit refused"
	[ "$(svnic_vf_info 0 rate.max_tx)" = 8 ]
	check_err $? "ip link does not show max_tx_rate 8: $(svnic_vf_info 0 rate.max_tx)"
	mbps=$(run_pktgen 0 3000)
	[ -n "$mbps" ] && [ "$mbps" -le 11 ]
	check_err $? "VF0 sent at ${mbps:-?} Mbit/s with tx_max 8mbit"
	devlink port function rate set "$DL/1" tx_max 0
	check_err $? "tx_max 0 refused"
	[ "$(svnic_vf_info 0 rate.max_tx)" = 0 ]
	check_err $? "tx_max 0 did not lift the cap"
	mbps=$(run_pktgen 0 3000)
	[ -n "$mbps" ] && [ "$mbps" -gt 11 ]
	check_err $? "VF0 is still capped (${mbps:-?} Mbit/s) after tx_max 0"
	log_test "devlink rate: tx_max caps the VF on traffic, 0 lifts it"
}

test_tx_share()
{
	RET=0
	devlink port function rate set "$DL/2" tx_share 100mbit
	check_err $? "tx_share 100mbit refused"
	[ "$(svnic_vf_info 1 rate.min_tx)" = 100 ]
	check_err $? "ip link does not show min_tx_rate 100: $(svnic_vf_info 1 rate.min_tx)"
	devlink port function rate set "$DL/2" tx_share 0
	check_err $? "tx_share 0 refused"
	[ "$(svnic_vf_info 1 rate.min_tx)" = 0 ]
	check_err $? "tx_share 0 left min_tx_rate $(svnic_vf_info 1 rate.min_tx)"
	log_test "devlink rate: tx_share sets the VF's guaranteed rate"
}

test_refused()
{
	RET=0
	local speed
	speed=$(svnic_read "$(svnic_sys "$NS_HOST" class/net/up0/speed)")
	svnic_expect_fail "whole Mbit/s" devlink port function rate set "$DL/1" tx_max 1500kbit
	devlink port function rate set "$DL/1" tx_max 10mbit
	# The devlink core checks this one before svnic sees it.
	svnic_expect_fail "Expected tx_share <= tx_max" devlink port function rate set "$DL/1" tx_share 20mbit
	svnic_expect_fail "over the link speed" \
		devlink port function rate set "$DL/2" tx_max "$((speed + 1))mbit"
	svnic_expect_fail "over the link" \
		devlink port function rate set "$DL/2" tx_share "$((speed + 1))mbit"
	[ "$(svnic_vf_info 0 rate.min_tx)" = 0 ] && [ "$(svnic_vf_info 1 rate.max_tx)" = 0 ]
	check_err $? "a refused rate was applied"
	devlink port function rate set "$DL/1" tx_max 0
	# The devlink core refuses what svnic has no operation for.
	svnic_expect_fail "not supported\|isn't supported" \
		devlink port function rate set "$DL/1" tx_priority 2
	svnic_expect_fail "not supported\|isn't supported" \
		devlink port function rate add "$DL/group1"
	log_test "devlink rate: not whole Mbit/s, share over max, over the link, priorities, nodes: refused"
}

test_gone_with_vfs()
{
	RET=0
	echo 0 >"$(svnic_sysfs pf0 sriov_numvfs)"
	check_err $? "removing the VFs failed"
	devlink -j port function rate show | jq -e "[.rate // {} | keys[] | select(startswith(\"$DL/\"))] | length == 0" >/dev/null
	check_err $? "rate leaves outlived their VFs"
	log_test "devlink rate: the leaves go with the VFs"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command devlink
require_command jq
if ! modprobe -q pktgen 2>/dev/null && [ ! -d /proc/net/pktgen ]; then
	echo "pktgen is missing"
	exit "$ksft_fail"
fi
svnic_topo
DL=$(dl_handle)
devlink dev eswitch set "$DL" mode switchdev || exit "$ksft_fail"
svnic_vfs 2 || exit "$ksft_fail"
test_leaves
test_tx_max
test_tx_share
test_refused
test_gone_with_vfs
exit "$EXIT_STATUS"
