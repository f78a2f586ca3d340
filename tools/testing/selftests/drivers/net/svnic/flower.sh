#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TC flower offload on the representors (switchdev mode): rules on a
# representor's ingress apply to its VF's frames inside the switch (the
# fast path: the representor never sees them), rules on the PF's ingress to
# the uplink's frames. Offloaded rules (skip_sw) redirect VF-to-VF and
# VF-to-uplink traffic with no software on the representors, drop frames,
# and count what they matched; what svnic cannot offload is refused with
# EOPNOTSUPP and an extack message, and nothing is left in hardware.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

dl_handle()
{
	echo "svnic/$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")"
}

mac_of()
{
	ip -n "$1" -j link show "$2" | jq -r '.[0].address'
}

ping_vf()
{
	svnic_in "$(svnic_vf_ns "$1")" ping -c "${3:-2}" -W 2 "$2" >/dev/null 2>&1
}

# tcf DEV ARGS...: `tc filter add dev DEV ingress ARGS...` in NS_HOST.
tcf()
{
	local dev=$1
	shift
	tc -n "$NS_HOST" filter add dev "$dev" ingress "$@"
}

# hw_rules DEV: the number of DEV's ingress rules in hardware.
hw_rules()
{
	tc -n "$NS_HOST" -j filter show dev "$1" ingress |
		jq '[.[] | select(.options.in_hw == true)] | length'
}

# rule_packets DEV PREF: the packets tc counts for DEV's rule PREF.
rule_packets()
{
	tc -n "$NS_HOST" -s -j filter show dev "$1" ingress pref "$2" |
		jq '[.. | objects | .stats?.packets? // empty] | max // 0'
}

test_fast_path()
{
	RET=0
	local rx0 rx1
	ping_vf 0 192.0.2.11 1
	check_fail $? "VF0 reached VF1 with nothing on the representors"
	tcf pf0r0 protocol all pref 10 flower skip_sw dst_mac "$VF1_MAC" \
		action mirred egress redirect dev pf0r1 &&
		tcf pf0r0 protocol all pref 20 flower skip_sw dst_mac ff:ff:ff:ff:ff:ff \
			action mirred egress redirect dev pf0r1 &&
		tcf pf0r1 protocol all pref 10 flower skip_sw dst_mac "$VF0_MAC" \
			action mirred egress redirect dev pf0r0 &&
		tcf pf0r1 protocol all pref 20 flower skip_sw dst_mac ff:ff:ff:ff:ff:ff \
			action mirred egress redirect dev pf0r0
	check_err $? "offloading the redirect rules failed"
	[ "$(hw_rules pf0r0)" = 2 ] && [ "$(hw_rules pf0r1)" = 2 ]
	check_err $? "the rules are not all in hardware: $(hw_rules pf0r0) + $(hw_rules pf0r1)"
	rx0=$(svnic_stat "$NS_HOST" pf0r0 rx_packets)
	rx1=$(svnic_stat "$NS_HOST" pf0r1 rx_packets)
	ping_vf 0 192.0.2.11 3
	check_err $? "VF0 does not reach VF1 through the offloaded rules"
	# (Frames no rule matches still take the slow path: with IPv6 off on
	# the VFs there should be none, but allow for a stray one.)
	[ "$(svnic_stat "$NS_HOST" pf0r0 rx_packets)" -lt $((rx0 + 3)) ] &&
		[ "$(svnic_stat "$NS_HOST" pf0r1 rx_packets)" -lt $((rx1 + 3)) ]
	check_err $? "offloaded traffic reached the representors (the slow path): $rx0 -> $(svnic_stat "$NS_HOST" pf0r0 rx_packets), $rx1 -> $(svnic_stat "$NS_HOST" pf0r1 rx_packets)"
	[ "$(rule_packets pf0r0 10)" -ge 3 ] && [ "$(rule_packets pf0r1 10)" -ge 3 ]
	check_err $? "the rules' counters did not see the pings: $(rule_packets pf0r0 10), $(rule_packets pf0r1 10)"
	log_test "flower: skip_sw redirect rules carry VF-VF traffic without the representors, and count it"
}

test_drop()
{
	RET=0
	tcf pf0r0 protocol ip pref 5 flower skip_sw src_mac "$VF0_MAC" dst_mac "$VF1_MAC" action drop
	check_err $? "offloading the drop rule failed"
	ping_vf 0 192.0.2.11 1
	check_fail $? "VF0 reached VF1 through a drop rule"
	[ "$(rule_packets pf0r0 5)" -ge 1 ]
	check_err $? "the drop rule did not count the ping"
	tc -n "$NS_HOST" filter del dev pf0r0 ingress pref 5
	check_err $? "deleting the drop rule failed"
	ping_vf 0 192.0.2.11 2
	check_err $? "VF0 does not reach VF1 once the drop rule is gone"
	log_test "flower: an offloaded drop rule of higher priority drops, and goes"
}

test_vlan_key()
{
	RET=0
	# Both VFs in port VLAN 10: VF1's frames reach its representor's rules
	# tagged; a rule for VLAN 11 does not match them, one for VLAN 10 does.
	ip -n "$NS_HOST" link set pf0 vf 0 vlan 10
	ip -n "$NS_HOST" link set pf0 vf 1 vlan 10
	tcf pf0r1 protocol 802.1Q pref 3 flower skip_sw vlan_id 11 action drop
	check_err $? "offloading a vlan_id rule failed"
	ping_vf 1 192.0.2.10 2
	check_err $? "a rule for VLAN 11 dropped VLAN 10 frames"
	tcf pf0r1 protocol 802.1Q pref 4 flower skip_sw vlan_id 10 vlan_ethtype ip action drop
	check_err $? "offloading a vlan_id, vlan_ethtype rule failed"
	ping_vf 1 192.0.2.10 1
	check_fail $? "a rule for VLAN 10 IP did not drop VF1's pings"
	[ "$(rule_packets pf0r1 4)" -ge 1 ] && [ "$(rule_packets pf0r1 3)" = 0 ]
	check_err $? "the VLAN rules counted wrong: $(rule_packets pf0r1 4), $(rule_packets pf0r1 3)"
	tc -n "$NS_HOST" filter del dev pf0r1 ingress pref 3
	tc -n "$NS_HOST" filter del dev pf0r1 ingress pref 4
	ip -n "$NS_HOST" link set pf0 vf 0 vlan 0
	ip -n "$NS_HOST" link set pf0 vf 1 vlan 0
	log_test "flower: vlan_id and vlan_ethtype keys match the VF's port VLAN"
}

test_uplink()
{
	RET=0
	local peer
	peer=$(mac_of "$NS_PEER" peer0)
	tcf pf0 protocol all pref 10 flower skip_sw dst_mac "$VF0_MAC" \
		action mirred egress redirect dev pf0r0 &&
		tcf pf0 protocol all pref 20 flower skip_sw dst_mac ff:ff:ff:ff:ff:ff \
			action mirred egress redirect dev pf0r0 &&
		tcf pf0r0 protocol all pref 30 flower skip_sw dst_mac "$peer" \
			action mirred egress redirect dev pf0
	check_err $? "offloading the uplink rules failed"
	svnic_in "$NS_PEER" ping -c 2 -W 2 192.0.2.10 >/dev/null
	check_err $? "the uplink's peer does not reach VF0 through the offloaded rules"
	[ "$(rule_packets pf0 10)" -ge 2 ] && [ "$(rule_packets pf0r0 30)" -ge 2 ]
	check_err $? "the uplink rules did not count the pings"
	log_test "flower: rules on the PF (uplink representor) and a representor connect a VF to the uplink"
}

test_refused()
{
	RET=0
	local before
	before=$(hw_rules pf0r0)
	svnic_expect_fail "svnic: unsupported flower match key" \
		tcf pf0r0 protocol ip pref 50 flower skip_sw dst_ip 192.0.2.11 action drop
	svnic_expect_fail "svnic: unsupported flower match key" \
		tcf pf0r0 protocol ip pref 51 flower skip_sw ip_proto icmp action drop
	svnic_expect_fail "svnic: unsupported flower action" \
		tcf pf0r0 protocol all pref 52 flower skip_sw dst_mac "$VF1_MAC" action pass
	svnic_expect_fail "svnic: unsupported flower action" \
		tcf pf0r0 protocol all pref 53 flower skip_sw dst_mac "$VF1_MAC" \
		action mirred egress mirror dev pf0r1
	svnic_expect_fail "exactly one action" \
		tcf pf0r0 protocol all pref 54 flower skip_sw dst_mac "$VF1_MAC" \
		action vlan push id 5 action mirred egress redirect dev pf0r1
	svnic_expect_fail "can only redirect to a representor or the PF" \
		tcf pf0r0 protocol all pref 55 flower skip_sw dst_mac "$VF1_MAC" \
		action mirred egress redirect dev up0
	svnic_expect_fail "only chain 0" \
		tcf pf0r0 protocol all chain 1 pref 56 flower skip_sw dst_mac "$VF1_MAC" action drop
	[ "$(hw_rules pf0r0)" = "$before" ]
	check_err $? "a refused rule is in hardware"
	# Without skip_sw a rule svnic refuses stays in software only.
	tcf pf0r0 protocol ip pref 57 flower dst_ip 192.0.2.99 action drop
	check_err $? "a software-only rule was refused"
	[ "$(hw_rules pf0r0)" = "$before" ]
	check_err $? "a rule svnic cannot offload is marked in_hw"
	tc -n "$NS_HOST" filter del dev pf0r0 ingress pref 57
	log_test "flower: unsupported keys, actions, targets and chains: EOPNOTSUPP, extack"
}

test_legacy_refused()
{
	RET=0
	local dl
	echo 0 >"$(svnic_sysfs pf0 sriov_numvfs)"
	dl=$(dl_handle)
	devlink dev eswitch set "$dl" mode legacy
	check_err $? "back to legacy failed"
	tc -n "$NS_HOST" filter del dev pf0 ingress
	svnic_expect_fail "needs the switchdev eswitch mode" \
		tcf pf0 protocol all pref 10 flower skip_sw dst_mac "$VF0_MAC" action drop
	[ "$(hw_rules pf0)" = 0 ]
	check_err $? "a rule was offloaded in legacy mode"
	log_test "flower: offload in legacy mode: EOPNOTSUPP, extack"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command devlink
require_command jq
require_command tc
svnic_topo
devlink dev eswitch set "$(dl_handle)" mode switchdev || exit "$ksft_fail"
svnic_vfs 2 || exit "$ksft_fail"
# No IPv6 on the VFs: its multicast (DAD, router solicitations), which no
# rule here matches, would take the slow path and blur the counters.
for i in 0 1; do
	svnic_in "$(svnic_vf_ns "$i")" sysctl -qw "net.ipv6.conf.pf0v$i.disable_ipv6=1"
done
for d in pf0r0 pf0r1; do
	ip -n "$NS_HOST" link set "$d" up
	tc -n "$NS_HOST" qdisc add dev "$d" ingress
done
tc -n "$NS_HOST" qdisc add dev pf0 ingress
VF0_MAC=$(mac_of "$(svnic_vf_ns 0)" pf0v0)
VF1_MAC=$(mac_of "$(svnic_vf_ns 1)" pf0v1)
test_fast_path
test_drop
test_vlan_key
test_uplink
test_refused
test_legacy_refused
exit "$EXIT_STATUS"
