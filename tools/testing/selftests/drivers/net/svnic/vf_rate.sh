#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svnic-check: alone (it reloads the module, and its rates need the CPU)
#
# `ip link set PF vf N min_tx_rate A max_tx_rate B`, checked on traffic with
# pktgen: max_tx_rate caps a VF (within 30 %); under contention for a link
# of `link_mbps` Mbit/s (module parameter) a VF with a min_tx_rate gets at
# least about its minimum while another VF competes; bad requests refused.
#
# The min_tx_rate case reloads the module with link_mbps=10 (needs
# $SVNIC_KO, which the runner sets) and restores the default at the end.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

LINK_MBPS=10

reload_module()
{
	rmmod svnic 2>/dev/null
	insmod "$SVNIC_KO" "$@"
}

test_bad_input()
{
	RET=0
	svnic_expect_fail "Cannot find VF" ip -n "$NS_HOST" link set pf0 vf 7 max_tx_rate 10
	svnic_expect_fail "Invalid" ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 20 max_tx_rate 10
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate $((LINK_MBPS + 1))
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate $((LINK_MBPS + 1))
	ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 8
	check_err $? "min_tx_rate 8 on a $LINK_MBPS Mbit/s link refused"
	svnic_expect_fail "Invalid argument" ip -n "$NS_HOST" link set pf0 vf 1 min_tx_rate 3
	ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 0
	[ "$(svnic_vf_info 0 rate.min_tx)" = 0 ] && [ "$(svnic_vf_info 1 rate.min_tx)" = 0 ]
	check_err $? "a refused request left a rate behind"
	log_test "vf rate: bad index, min > max, over the link, minimums over the link refused"
}

test_max_rate()
{
	RET=0
	local mbps
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 8
	check_err $? "max_tx_rate 8 refused"
	[ "$(svnic_vf_info 0 rate.max_tx)" = 8 ]
	check_err $? "max_tx_rate not reported"
	svnic_pktgen_setup 0 1200
	svnic_pktgen_run 0
	mbps=$(svnic_pktgen_mbps 0)
	echo "    VF0 capped at 8 Mbit/s sent at ${mbps:-?} Mbit/s"
	[ -n "$mbps" ] && (( mbps >= 6 && mbps <= 10 ))
	check_err $? "max_tx_rate 8: VF0 sent at ${mbps:-?} Mbit/s"
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 0
	log_test "vf max_tx_rate: a VF is capped at its rate"
}

test_min_rate()
{
	RET=0
	local a b
	ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 8
	check_err $? "min_tx_rate 8 refused"
	svnic_pktgen_setup 0 1500
	svnic_pktgen_setup 1 3000
	svnic_pktgen_run 1 &
	sleep 0.3
	svnic_pktgen_run 0
	a=$(svnic_pktgen_mbps 0)
	wait
	b=$(svnic_pktgen_mbps 1)
	# Without the guarantee VF0 would get half the link, 5 Mbit/s.
	echo "    link $LINK_MBPS Mbit/s: VF0 (min 8) ${a:-?} Mbit/s, VF1 (min 0) ${b:-?} Mbit/s"
	[ -n "$a" ] && (( a >= 6 ))
	check_err $? "VF0 got ${a:-?} Mbit/s of its 8 Mbit/s minimum"
	[ -n "$b" ] && (( b <= LINK_MBPS * 12 / 10 ))
	check_err $? "VF1 got ${b:-?} Mbit/s, more than the $LINK_MBPS Mbit/s link"
	ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 0
	log_test "vf min_tx_rate: a VF gets its minimum while another competes"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command jq
if [ -z "${SVNIC_KO:-}" ] || [ ! -d /proc/net/pktgen ]; then
	log_test_skip "vf rate" "needs \$SVNIC_KO (module reload) and pktgen"
	exit "$ksft_fail"
fi
reload_module "link_mbps=$LINK_MBPS" || exit "$ksft_fail"
# Runs last, after the namespaces (and the PF) are gone.
defer reload_module
svnic_topo
svnic_vfs 2 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
test_bad_input
test_max_rate
test_min_rate
exit "$EXIT_STATUS"
