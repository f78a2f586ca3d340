#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# svnic-check: alone (it unloads the module)
#
# Stress, bounded in time: traffic floods through the eswitch while, in
# loops, sriov_numvfs goes 0 <-> N (while devlink health diagnoses and
# recovers the VFs' TX queues and the eswitch mode is set), VFs move
# between namespaces and the namespaces are deleted, several processes set
# VF knobs at once, the switch flips between VEB and VEPA, the eswitch
# mode flips between legacy and switchdev (VFs and their representors,
# bridged, made and removed under traffic), the uplink is deleted and
# re-created,
# the PF is deleted, and the module is unloaded with everything live. After
# each loop: no svnic netdev is left behind, and every queue still passes
# traffic. (Memory is checked by the runner's kmemleak scan; splats fail
# the run.)

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

NVF=4
ROUNDS=${SVNIC_STRESS_ROUNDS:-2}

set_numvfs()
{
	echo $1 >"$(svnic_sysfs pf0 sriov_numvfs)"
}

# flood SECONDS: ping floods from the peer to the PF and, from every VF
# namespace, to the peer and to VF0, in the background.
flood()
{
	local i
	svnic_in "$NS_PEER" ping -q -f -W 1 -w "$1" 192.0.2.1 >/dev/null 2>&1 &
	for ((i = 0; i < NVF; i++)); do
		svnic_in "$(svnic_vf_ns $i)" ping -q -f -W 1 -w "$1" 192.0.2.2 >/dev/null 2>&1 &
		svnic_in "$(svnic_vf_ns $i)" ping -q -f -W 1 -w "$1" 192.0.2.10 >/dev/null 2>&1 &
	done
}

# all_queues_pass: every VF reaches the peer and the PF reaches the peer.
all_queues_pass()
{
	local i
	svnic_in "$NS_HOST" ping -c 1 -W 3 192.0.2.2 >/dev/null || return 1
	for ((i = 0; i < NVF; i++)); do
		svnic_in "$(svnic_vf_ns $i)" ping -c 1 -W 3 192.0.2.2 >/dev/null || return 1
	done
}

# devlink_loop SECONDS: devlink requests on the PF's instance that walk
# the VFs (diagnose, recover) or touch the eswitch, in the background.
devlink_loop()
{
	local dl end=$((SECONDS + $1))
	dl=svnic/$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")
	while ((SECONDS < end)); do
		devlink health diagnose "$dl" reporter tx
		devlink health recover "$dl" reporter tx
		devlink dev eswitch set "$dl" mode legacy
		devlink dev eswitch show "$dl"
	done >/dev/null 2>&1 &
}

test_numvfs_churn()
{
	RET=0
	local r
	flood 20
	devlink_loop 20
	for ((r = 0; r < ROUNDS; r++)); do
		set_numvfs 0 || check_err 1 "numvfs 0 failed in round $r"
		set_numvfs "$NVF" || check_err 1 "numvfs $NVF failed in round $r"
		svnic_place_vfs "$NVF" || check_err 1 "placing the VFs failed in round $r"
		flood 3
	done
	wait
	all_queues_pass
	check_err $? "a queue stopped passing traffic after numvfs churn"
	log_test "stress: sriov_numvfs 0 <-> $NVF $ROUNDS times under traffic and devlink requests"
}

test_concurrent_knobs()
{
	RET=0
	local p pids=()
	flood 10
	# `ip -batch`: one process per writer, many requests, so that the
	# writers really race (an exec per request is slow under emulation).
	for p in 0 1 2; do
		for ((k = 0; k < 10; k++)); do
			vf=$(((p + k) % NVF))
			echo "link set pf0 vf $vf spoofchk off trust on"
			echo "link set pf0 vf $vf vlan $((100 + p)) qos 1"
			echo "link set pf0 vf $vf max_tx_rate 1000 state enable"
			echo "link set pf0 vf $vf vlan 0 max_tx_rate 0 state auto"
			echo "link set pf0 vf $vf spoofchk on trust off"
		done >"$STRESS_DIR/knobs$p"
		ip -n "$NS_HOST" -batch "$STRESS_DIR/knobs$p" >/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	check_err $? "a knob writer failed"
	# Leave every VF in its default configuration, then check traffic.
	for ((vf = 0; vf < NVF; vf++)); do
		ip -n "$NS_HOST" link set pf0 vf "$vf" vlan 0 max_tx_rate 0 state auto spoofchk on trust off
	done
	wait
	all_queues_pass
	check_err $? "a queue stopped passing traffic after concurrent knob changes"
	log_test "stress: 3 processes setting VF knobs at once under traffic"
}

test_hwmode_flips()
{
	RET=0
	local r
	flood 6
	for ((r = 0; r < 10; r++)); do
		bridge -n "$NS_HOST" link set dev pf0 hwmode vepa || check_err 1 "hwmode vepa in flip $r"
		bridge -n "$NS_HOST" link set dev pf0 hwmode veb || check_err 1 "hwmode veb in flip $r"
	done
	wait
	all_queues_pass
	check_err $? "a queue stopped passing traffic after the hwmode flips"
	svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 192.0.2.11 >/dev/null
	check_err $? "VF0 cannot reach VF1 inside the device after the flips"
	log_test "stress: hwmode veb <-> vepa flipped 10 times under traffic"
}

# bridge_reps: a bridge br0 in NS_HOST over the representors, the slow
# path of switchdev mode between the VFs.
bridge_reps()
{
	local i cmds="link add br0 type bridge"$'\n'
	for ((i = 0; i < NVF; i++)); do
		cmds+="link set pf0r$i master br0 up"$'\n'
	done
	ip -n "$NS_HOST" -batch - <<<"${cmds}link set br0 up"
}

test_eswitch_flips()
{
	RET=0
	local r dl
	dl=svnic/$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")
	for ((r = 0; r < ROUNDS; r++)); do
		set_numvfs 0 || check_err 1 "numvfs 0 failed in round $r"
		devlink dev eswitch set "$dl" mode switchdev || check_err 1 "switchdev failed in round $r"
		set_numvfs "$NVF" || check_err 1 "numvfs $NVF in switchdev mode failed in round $r"
		svnic_place_vfs "$NVF" && bridge_reps || check_err 1 "placing the VFs, bridging the representors failed in round $r"
		flood 4
		sleep 2
		svnic_in "$(svnic_vf_ns 1)" ping -c 1 -W 3 192.0.2.10 >/dev/null ||
			check_err 1 "VF1 cannot reach VF0 through the representors in round $r"
		# The VFs and representors go with traffic in flight.
		set_numvfs 0 || check_err 1 "numvfs 0 in switchdev mode failed in round $r"
		ip -n "$NS_HOST" link del br0
		devlink dev eswitch set "$dl" mode legacy || check_err 1 "legacy failed in round $r"
		set_numvfs "$NVF" || check_err 1 "numvfs $NVF in legacy mode failed in round $r"
		svnic_place_vfs "$NVF" || check_err 1 "placing the VFs failed in round $r"
		wait
	done
	all_queues_pass
	check_err $? "a queue stopped passing traffic after the eswitch mode flips"
	svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 192.0.2.11 >/dev/null
	check_err $? "VF0 cannot reach VF1 inside the device after the flips"
	log_test "stress: eswitch legacy <-> switchdev $ROUNDS times, representors bridged under traffic"
}

test_netns_churn()
{
	RET=0
	local r ns
	for ((r = 0; r < ROUNDS; r++)); do
		flood 2
		setup_ns NS_TMP || exit "$ksft_skip"
		ns=$NS_TMP
		# VF3 goes to a namespace that is then deleted: it falls back to
		# the initial namespace, and from there back home.
		ip -n "$(svnic_vf_ns 3)" link set pf0v3 netns "$ns" || check_err 1 "move to $ns"
		ip -n "$ns" link set pf0v3 up
		ip netns del "$ns"
		slowwait 5 ip link show pf0v3 >/dev/null 2>&1 || check_err 1 "pf0v3 lost with $ns"
		ip link set pf0v3 netns "$(svnic_vf_ns 3)" || check_err 1 "move pf0v3 home"
		ip -n "$(svnic_vf_ns 3)" link set pf0v3 up
		ip -n "$(svnic_vf_ns 3)" addr add 192.0.2.13/24 dev pf0v3 2>/dev/null
		wait
	done
	all_queues_pass
	check_err $? "a queue stopped passing traffic after namespace churn"
	log_test "stress: a VF moved to namespaces that are deleted, $ROUNDS times"
}

test_uplink_and_pf_churn()
{
	RET=0
	local r before
	before=$(svnic_netdevs)
	for ((r = 0; r < ROUNDS; r++)); do
		flood 2
		if ((r % 2)); then
			ip -n "$NS_HOST" link del pf0 || check_err 1 "del pf0 in round $r"
		else
			ip -n "$NS_HOST" link del up0 || check_err 1 "del up0 in round $r"
			ip -n "$NS_HOST" link add up0 type veth peer name peer0 netns "$NS_PEER"
			ip -n "$NS_HOST" link set up0 up
			ip -n "$NS_PEER" link set peer0 up
			ip -n "$NS_PEER" addr add 192.0.2.2/24 dev peer0
		fi
		log_step "deletion $r"
		wait
		ip -n "$NS_HOST" link show pf0 >/dev/null 2>&1 && check_err 1 "pf0 survived round $r"
		ip -n "$NS_HOST" link add pf0 link up0 type svnic || check_err 1 "re-create pf0 in round $r"
		ip -n "$NS_HOST" link set pf0 up
		ip -n "$NS_HOST" addr add 192.0.2.1/24 dev pf0
		set_numvfs "$NVF" || check_err 1 "numvfs in round $r"
		svnic_place_vfs "$NVF" || check_err 1 "placing the VFs in round $r"
		log_step "uplink/PF round $r"
	done
	(( $(svnic_netdevs) == before ))
	check_err $? "svnic netdevs leaked: $before before, $(svnic_netdevs) after"
	slowwait 10 all_queues_pass
	check_err $? "a queue stopped passing traffic after uplink/PF churn"
	log_test "stress: uplink or PF deleted with VFs under traffic, $ROUNDS times"
}

test_rmmod_under_traffic()
{
	RET=0
	if [ -z "${SVNIC_KO:-}" ]; then
		log_test_skip "stress: rmmod under traffic" "SVNIC_KO not set"
		return
	fi
	flood 4
	sleep 1
	rmmod svnic
	check_err $? "rmmod svnic under traffic failed"
	wait
	(( $(svnic_netdevs) == 0 ))
	check_err $? "svnic netdevs left after rmmod: $(svnic_netdevs)"
	insmod "$SVNIC_KO"
	check_err $? "insmod after rmmod failed"
	ip -n "$NS_HOST" link add pf0 link up0 type svnic
	check_err $? "the uplink stayed bound after rmmod"
	ip -n "$NS_HOST" link set pf0 up
	ip -n "$NS_HOST" addr add 192.0.2.1/24 dev pf0
	set_numvfs "$NVF" && svnic_place_vfs "$NVF"
	check_err $? "VFs after reload"
	slowwait 10 all_queues_pass
	check_err $? "traffic does not pass after reload"
	log_test "stress: rmmod with PF, VFs and traffic live, then reload"
}

# log_step NAME: when each step ends, for the log.
log_step()
{
	printf '    %(%T)T %s done\n' -1 "$1"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
STRESS_DIR=$(mktemp -d)
defer rm -rf "$STRESS_DIR"
svnic_topo
svnic_vfs "$NVF" || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
log_step setup
test_numvfs_churn
log_step "numvfs churn"
test_concurrent_knobs
log_step "concurrent knobs"
test_hwmode_flips
log_step "hwmode flips"
test_eswitch_flips
log_step "eswitch mode flips"
test_netns_churn
log_step "netns churn"
test_uplink_and_pf_churn
log_step "uplink/PF churn"
test_rmmod_under_traffic
exit "$EXIT_STATUS"
