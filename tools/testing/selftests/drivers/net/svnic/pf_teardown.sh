#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svnic-check: alone (it unloads the module)
#
# Teardown in every order: deleting the PF frees the uplink, deleting the
# uplink deletes the PF, deleting the namespace deletes both, carrier follows
# the uplink, and rmmod with live PFs removes them cleanly.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

test_del_pf_frees_uplink()
{
	RET=0
	ip -n "$NS_HOST" link del pf0
	check_err $? "ip link del pf0 failed"
	ip -n "$NS_HOST" link add pf0 link up0 type svnic
	check_err $? "the uplink was not released by the deleted PF"
	ip -n "$NS_HOST" link set pf0 up
	ip -n "$NS_HOST" addr add 192.0.2.1/24 dev pf0
	svnic_in "$NS_HOST" ping -c 2 -i 0.2 -W 2 192.0.2.2 >/dev/null
	check_err $? "a PF re-created on the same uplink does not pass traffic"
	log_test "delete PF, re-create on the same uplink"
}

test_carrier_follows_uplink()
{
	RET=0
	ip -n "$NS_PEER" link set peer0 down
	slowwait 5 bash -c "ip -n $NS_HOST link show pf0 | grep -q 'NO-CARRIER\|LOWERLAYERDOWN'"
	check_err $? "PF kept its carrier with the uplink's peer down"
	ip -n "$NS_PEER" link set peer0 up
	slowwait 5 bash -c "ip -n $NS_HOST link show pf0 | grep -q 'state UP'"
	check_err $? "PF carrier did not come back with the uplink"
	log_test "PF carrier follows the uplink"
}

test_del_uplink_deletes_pf()
{
	RET=0
	ip -n "$NS_HOST" link add up2 type veth peer name peer2
	ip -n "$NS_HOST" link add pf2 link up2 type svnic
	ip -n "$NS_HOST" link set pf2 up
	echo 2 >"$(svnic_sysfs pf2 sriov_numvfs)"
	check_err $? "cannot create VFs on pf2"
	ip -n "$NS_HOST" link set pf2v0 up
	ip -n "$NS_HOST" link del up2
	check_err $? "deleting the uplink failed"
	! ip -n "$NS_HOST" link show pf2 >/dev/null 2>&1
	check_err $? "the PF survived its uplink"
	! ip -n "$NS_HOST" link show pf2v0 >/dev/null 2>&1
	check_err $? "a VF survived its PF's uplink"
	log_test "delete uplink deletes the PF and its VFs"
}

test_del_netns()
{
	RET=0
	local ns
	setup_ns NS_TMP || exit "$ksft_skip"
	ns=$NS_TMP
	ip -n "$ns" link add up3 type veth peer name peer3
	ip -n "$ns" link add pf3 link up3 type svnic
	ip -n "$ns" link set up3 up
	ip -n "$ns" link set pf3 up
	ip netns exec "$ns" bash -c "echo 2 > /sys/class/net/pf3/device/sriov_numvfs"
	check_err $? "cannot create VFs on pf3"
	ip netns del "$ns"
	check_err $? "deleting a namespace with a PF failed"
	log_test "delete namespace holding PF and uplink"
}

test_rmmod_with_pfs()
{
	RET=0
	local ko=${SVNIC_KO:-}
	if [ -z "$ko" ]; then
		log_test_skip "rmmod with live PFs" "SVNIC_KO not set"
		return
	fi
	ip -n "$NS_HOST" link add up4 type veth peer name peer4
	ip -n "$NS_HOST" link add pf4 link up4 type svnic
	ip -n "$NS_HOST" link set pf4 up
	echo 3 >"$(svnic_sysfs pf4 sriov_numvfs)"
	check_err $? "cannot create VFs on pf4"
	ip -n "$NS_HOST" link set pf4v1 up
	# And a PF whose namespace goes as rmmod starts: the namespace's
	# cleanup deletes it, and frees its devlink, just before the module
	# goes.
	local ns=svnic-teardown-$$
	ip netns add "$ns"
	ip -n "$ns" link add up5 type veth peer name peer5
	ip -n "$ns" link add pf5 link up5 type svnic
	ip netns exec "$ns" bash -c "echo 2 > /sys/class/net/pf5/device/sriov_numvfs"
	check_err $? "cannot create VFs on pf5"
	ip netns del "$ns"
	rmmod svnic
	check_err $? "rmmod svnic failed with PFs present"
	# devlink lets go of a PF's device from a work item, after an RCU
	# grace period, and the device's release function is the module's:
	# rmmod must have waited for it. Give a late release time to run (and
	# oops) before anything else is loaded there.
	sleep 1
	! ip -n "$NS_HOST" link show pf0 >/dev/null 2>&1
	check_err $? "PFs survived rmmod"
	! ip -n "$NS_HOST" link show pf4v1 >/dev/null 2>&1
	check_err $? "VFs survived rmmod"
	ip -n "$NS_HOST" link show up0 >/dev/null 2>&1
	check_err $? "the uplink went away with the module"
	insmod "$ko" >/dev/null
	check_err $? "insmod after rmmod failed"
	ip -n "$NS_HOST" link add pf0 link up0 type svnic
	check_err $? "uplink still bound after rmmod"
	log_test "rmmod with live PFs and VFs, then reload"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
svnic_topo
test_del_pf_frees_uplink
test_carrier_follows_uplink
test_del_uplink_deletes_pf
test_del_netns
test_rmmod_with_pfs
exit "$EXIT_STATUS"
