#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad `ip link add ... type svnic` requests are refused with an errno and an
# extack message, and leave nothing behind; a PF's MTU stays within its
# uplink's (bad_input.sh has the refusal of a larger one).

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

# expect_refusal NS "message" ip-link-add-args...
expect_refusal()
{
	local ns=$1 msg=$2
	shift 2
	local out
	out=$(ip -n "$ns" link add "$@" 2>&1)
	if [ $? -eq 0 ]; then
		check_err 1 "'ip link add $*' was accepted"
		return
	fi
	echo "$out" | grep -qF "$msg"
	check_err $? "'ip link add $*' said '$out', expected '$msg'"
}

svnic_count()
{
	ip -n "$1" -d link show | grep -c "svnic" || true
}

test_no_uplink()
{
	RET=0
	expect_refusal "$NS_HOST" "an uplink is required" bad0 type svnic
	log_test "no uplink: refused with a message"
}

test_uplink_in_use()
{
	RET=0
	expect_refusal "$NS_HOST" "uplink is already in use" pf1 link up0 type svnic
	ip -n "$NS_HOST" link add br0 type bridge
	ip -n "$NS_HOST" link add up1 type veth peer name peer1
	ip -n "$NS_HOST" link set up1 master br0
	expect_refusal "$NS_HOST" "uplink is already in use" pf2 link up1 type svnic
	ip -n "$NS_HOST" link del up1
	ip -n "$NS_HOST" link del br0
	log_test "uplink already bound (PF, bridge port): refused"
}

test_stacked_loop()
{
	RET=0
	expect_refusal "$NS_HOST" "cannot be an svnic device" pf3 link pf0 type svnic
	log_test "svnic on svnic: refused"
}

test_not_ethernet()
{
	RET=0
	expect_refusal "$NS_HOST" "must be an Ethernet device" pf4 link lo type svnic
	log_test "loopback uplink: refused"
}

# pf_mtu: pf5's MTU, read from sysfs (no process).
pf_mtu()
{
	svnic_read "$(svnic_sys "$NS_HOST" class/net/pf5/mtu)"
}

test_mtu_within_uplink()
{
	RET=0
	ip -n "$NS_HOST" link add up5 mtu 1400 type veth peer name peer5
	# Without an MTU, a smaller uplink's is the PF's.
	ip -n "$NS_HOST" link add pf5 link up5 type svnic
	check_err $? "a PF on an uplink of MTU 1400 was refused"
	[ "$(pf_mtu)" = 1400 ]
	check_err $? "PF MTU $(pf_mtu) on an uplink of 1400, expected 1400"
	svnic_expect_fail "mtu greater than device maximum" \
		ip -n "$NS_HOST" link set pf5 mtu 1401
	# Up to the uplink's, once the uplink's is larger; down with it.
	ip -n "$NS_HOST" link set up5 mtu 9000
	ip -n "$NS_HOST" link set pf5 mtu 9000
	check_err $? "PF MTU 9000 refused on an uplink of 9000"
	ip -n "$NS_HOST" link set up5 mtu 1500
	[ "$(pf_mtu)" = 1500 ]
	check_err $? "PF MTU $(pf_mtu) after its uplink went to 1500, expected 1500"
	ip -n "$NS_HOST" link del pf5
	ip -n "$NS_HOST" link del up5
	log_test "PF MTU: within its uplink's, follows it down"
}

test_nothing_left()
{
	RET=0
	[ "$(svnic_count "$NS_HOST")" -eq 1 ]
	check_err $? "refused requests left svnic devices behind"
	svnic_in "$NS_HOST" ping -c 2 -i 0.2 -W 2 192.0.2.2 >/dev/null
	check_err $? "the existing PF broke after the refusals"
	log_test "refusals leave no device behind and the PF works"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
svnic_topo
test_no_uplink
test_uplink_in_use
test_stacked_loop
test_not_ethernet
test_mtu_within_uplink
test_nothing_left
exit "$EXIT_STATUS"
