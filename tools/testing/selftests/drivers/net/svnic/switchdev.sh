#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# switchdev mode: `devlink dev eswitch set ... mode switchdev` with no VF;
# VFs made then get representors pf0rN (phys_port_name pf0vfN, the PF's
# phys_switch_id, devlink port svnic/svnicN/(N+1) of flavour pcivf whose
# function shows the VF's MAC; the PF is the uplink representor, p0). The
# switch then
# forwards nothing by itself: VF-to-VF and VF-to-uplink traffic flows only
# through software on the representors (here a bridge, as OVS would be),
# whose counters see it. The mode cannot change while VFs exist; back in
# legacy mode the representors are gone and the switch forwards again.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

dl_handle()
{
	echo "svnic/$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")"
}

mode()
{
	svnic_devlink_value mode devlink dev eswitch show "$DL"
}

# host_attr DEV ATTR: a sysfs attribute of DEV in the host namespace.
host_attr()
{
	svnic_read "$(svnic_sys "$NS_HOST" "class/net/$1/$2")" 2>/dev/null
}

# port_count: the number of devlink ports of $DL.
port_count()
{
	devlink -j port show | jq "[.port // {} | keys[] | select(startswith(\"$DL/\"))] | length"
}

ping_vf()
{
	svnic_in "$(svnic_vf_ns "$1")" ping -c "${3:-2}" -W 2 "$2" >/dev/null 2>&1
}

test_to_switchdev()
{
	RET=0
	[ "$(mode)" = legacy ]
	check_err $? "the eswitch does not start in legacy mode"
	host_attr pf0 phys_port_name >/dev/null
	check_fail $? "the PF has a port name in legacy mode"
	devlink dev eswitch set "$DL" mode switchdev
	check_err $? "switching to switchdev mode without VFs failed"
	[ "$(mode)" = switchdev ]
	check_err $? "the mode is $(mode), not switchdev"
	[ "$(host_attr pf0 phys_port_name)" = p0 ]
	check_err $? "the PF's port name is '$(host_attr pf0 phys_port_name)', not p0"
	SWID=$(host_attr pf0 phys_switch_id)
	[ -n "$SWID" ]
	check_err $? "the PF has no phys_switch_id in switchdev mode"
	log_test "switchdev: mode set with no VF; the PF is the uplink representor p0"
}

test_representors()
{
	RET=0
	local i ports mac
	svnic_vfs 2
	check_err $? "making 2 VFs in switchdev mode failed"
	ports=$(devlink -j port show)
	for i in 0 1; do
		mac=$(ip -n "$(svnic_vf_ns "$i")" -j link show "pf0v$i" | jq -r '.[0].address')
		echo "$ports" | jq -e ".port[\"$DL/$((i + 1))\"] | .flavour == \"pcivf\" and
			.pfnum == 0 and .vfnum == $i and .type == \"eth\" and
			.function.hw_addr == \"$mac\"" >/dev/null
		# (type eth: linked to its netdev, pf0r$i, which iproute2 names
		# only in the netdev's namespace, not devlink's.)
		check_err $? "devlink port $DL/$((i + 1)) is not VF $i's (pf0r$i, $mac): $ports"
		[ "$(host_attr "pf0r$i" phys_port_name)" = "pf0vf$i" ]
		check_err $? "pf0r$i's port name is '$(host_attr "pf0r$i" phys_port_name)', not pf0vf$i"
		[ "$(host_attr "pf0r$i" phys_switch_id)" = "$SWID" ]
		check_err $? "pf0r$i is not on the PF's switch"
		[ "$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0r$i/device")")" = \
			"$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")" ]
		check_err $? "pf0r$i does not sit on the PF's device"
		ip netns exec "$(svnic_vf_ns "$i")" cat "/sys/class/net/pf0v$i/phys_port_name" >/dev/null 2>&1
		check_fail $? "VF $i's netdev claims to be a switch port"
	done
	svnic_expect_fail "sriov_numvfs to 0" devlink dev eswitch set "$DL" mode legacy
	[ "$(mode)" = switchdev ]
	check_err $? "a refused mode change changed the mode"
	svnic_expect_fail "not supported" bridge -n "$NS_HOST" link set dev pf0 hwmode vepa
	log_test "switchdev: VFs get representors pf0vfN and devlink ports on the switch; the mode is fixed while VFs exist"
}

vf_carrier()
{
	ip netns exec "$(svnic_vf_ns "$1")" cat "/sys/class/net/pf0v$1/carrier"
}

fn_state()
{
	devlink -j port show "$DL/$(($1 + 1))" | jq -r ".port[\"$DL/$(($1 + 1))\"].function | \"\(.state) \(.opstate)\""
}

test_port_function_state()
{
	RET=0
	[ "$(fn_state 0)" = "active attached" ]
	check_err $? "VF0's function is '$(fn_state 0)', not active and attached"
	devlink port function set "$DL/1" state inactive
	check_err $? "state inactive refused"
	[ "$(fn_state 0)" = "inactive attached" ] && [ "$(vf_carrier 0)" = 0 ]
	check_err $? "an inactive VF0 is '$(fn_state 0)' with carrier $(vf_carrier 0)"
	[ "$(svnic_vf_info 0 link_state)" = auto ]
	check_err $? "the function state changed VF0's link state"
	[ "$(vf_carrier 1)" = 1 ]
	check_err $? "VF1 lost its carrier"
	devlink port function set "$DL/1" state active
	check_err $? "state active refused"
	[ "$(fn_state 0)" = "active attached" ] && [ "$(vf_carrier 0)" = 1 ]
	check_err $? "VF0 is '$(fn_state 0)' with carrier $(vf_carrier 0) once active again"
	svnic_expect_fail "not supported\|isn't supported" \
		devlink port function set "$DL/1" hw_addr 02:00:00:00:00:42
	log_test "switchdev: port function state inactive drops VF0's carrier, active restores it; hw_addr is read-only"
}

test_slow_path()
{
	RET=0
	local rx0 tx1
	ping_vf 0 192.0.2.11 1
	check_fail $? "VF0 reached VF1 with nothing on the representors"
	ping_vf 0 192.0.2.2 1
	check_fail $? "VF0 reached the uplink with nothing on the representors"
	ip -n "$NS_HOST" link add br0 type bridge
	ip -n "$NS_HOST" addr del 192.0.2.1/24 dev pf0
	for dev in pf0 pf0r0 pf0r1; do
		ip -n "$NS_HOST" link set "$dev" master br0 up
		check_err $? "adding $dev to the bridge failed"
	done
	ip -n "$NS_HOST" addr add 192.0.2.1/24 dev br0
	ip -n "$NS_HOST" link set br0 up
	rx0=$(svnic_stat "$NS_HOST" pf0r0 rx_packets)
	tx1=$(svnic_stat "$NS_HOST" pf0r1 tx_packets)
	svnic_wait_for 10 ping_vf 0 192.0.2.11 1
	check_err $? "VF0 does not reach VF1 through the bridged representors"
	ping_vf 0 192.0.2.11 3
	check_err $? "VF0 to VF1 through the representors is lossy"
	[ "$(svnic_stat "$NS_HOST" pf0r0 rx_packets)" -ge $((rx0 + 3)) ] &&
		[ "$(svnic_stat "$NS_HOST" pf0r1 tx_packets)" -ge $((tx1 + 3)) ]
	check_err $? "the representors' counters did not see VF0's traffic"
	ping_vf 1 192.0.2.2 2
	check_err $? "VF1 does not reach the uplink's peer through the bridge and p0"
	ping_vf 1 192.0.2.1 2
	check_err $? "VF1 does not reach the host's bridge"
	svnic_in "$NS_PEER" ping -c 2 -W 2 192.0.2.10 >/dev/null
	check_err $? "the uplink's peer does not reach VF0"
	log_test "switchdev: the slow path through bridged representors carries VF-VF and VF-uplink traffic"
}

test_back_to_legacy()
{
	RET=0
	local n
	ip -n "$NS_HOST" link del br0
	echo 0 >"$(svnic_sysfs pf0 sriov_numvfs)"
	check_err $? "removing the VFs failed"
	n=$(ip -n "$NS_HOST" -o link show | grep -c ': pf0r[0-9]*[@:]')
	[ "$n" = 0 ]
	check_err $? "$n representors outlived their VFs"
	[ "$(port_count)" = 0 ]
	check_err $? "$(port_count) devlink ports outlived their VFs"
	devlink dev eswitch set "$DL" mode legacy
	check_err $? "switching back to legacy without VFs failed"
	[ "$(mode)" = legacy ]
	check_err $? "the mode is $(mode), not legacy"
	host_attr pf0 phys_switch_id >/dev/null
	check_fail $? "the PF still has a switch ID in legacy mode"
	echo 2 >"$(svnic_sysfs pf0 sriov_numvfs)"
	check_err $? "making VFs in legacy mode failed"
	n=$(ip -n "$NS_HOST" -o link show | grep -c ': pf0r[0-9]*[@:]')
	[ "$n" = 0 ]
	check_err $? "legacy VFs got $n representors"
	[ "$(port_count)" = 0 ]
	check_err $? "legacy VFs got $(port_count) devlink ports"
	# pf0 has no address now (it was the bridge's): only the VF answers.
	ip -n "$NS_HOST" link set pf0v0 up
	ip -n "$NS_HOST" addr add 192.0.2.20/24 dev pf0v0
	svnic_in "$NS_PEER" ping -c 2 -W 2 192.0.2.20 >/dev/null
	check_err $? "a legacy VF is not switched to the uplink again"
	log_test "switchdev: back to legacy, the representors are gone and the switch forwards again"
}

test_pf_deleted_in_switchdev()
{
	RET=0
	echo 0 >"$(svnic_sysfs pf0 sriov_numvfs)"
	devlink dev eswitch set "$DL" mode switchdev
	check_err $? "switching to switchdev mode again failed"
	echo 3 >"$(svnic_sysfs pf0 sriov_numvfs)"
	check_err $? "making 3 VFs in switchdev mode failed"
	[ "$(port_count)" = 3 ]
	check_err $? "3 VFs in switchdev mode have $(port_count) devlink ports"
	ip -n "$NS_HOST" link del pf0
	check_err $? "deleting the PF in switchdev mode failed"
	# In this test's namespaces: a VF of a test running beside this one
	# may be in the initial namespace (its namespace deleted, it went
	# there, as a NIC's VF does).
	[ "$(svnic_netdevs own)" = 0 ]
	check_err $? "$(svnic_netdevs own) svnic netdevs outlived their PF"
	log_test "switchdev: deleting the PF takes its VFs and representors"
}

# The namespace of a PF in switchdev mode deleted: the core moves the VFs
# and representors (netdevs with no link type) to the initial namespace,
# where the devlink instance lives, then deletes the PF, which takes them.
test_netns_deleted_in_switchdev()
{
	RET=0
	local dl
	setup_ns NS_X || { check_err 1 "no namespace"; return; }
	ip -n "$NS_X" link add up1 type veth peer name peer1
	ip -n "$NS_X" link add pf1 link up1 type svnic
	ip -n "$NS_X" link set up1 up
	ip -n "$NS_X" link set pf1 up
	dl=svnic/$(basename "$(ip netns exec "$NS_X" readlink -f /sys/class/net/pf1/device)")
	devlink dev eswitch set "$dl" mode switchdev
	check_err $? "switchdev mode on pf1 failed"
	ip netns exec "$NS_X" bash -c "echo 2 > /sys/class/net/pf1/device/sriov_numvfs"
	check_err $? "making VFs on pf1 failed"
	ip -n "$NS_X" link set pf1r0 up
	ip netns del "$NS_X"
	svnic_wait_for 20 bash -c "! devlink dev show $dl >/dev/null 2>&1"
	check_err $? "$dl outlived its namespace"
	svnic_wait_for 10 bash -c "[ \"\$(ip -o link show | grep -c ': pf1[vr]')\" = 0 ]"
	check_err $? "VFs or representors of pf1 are left in the initial namespace"
	log_test "switchdev: the PF's namespace deleted with VFs and representors live"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command devlink
require_command jq
svnic_topo
DL=$(dl_handle)
test_to_switchdev
test_representors
test_port_function_state
test_slow_path
test_back_to_legacy
test_pf_deleted_in_switchdev
test_netns_deleted_in_switchdev
exit "$EXIT_STATUS"
