#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every row of the "Bad input" table of Documentation/networking/svnic.rst,
# one TEST line per row, in the table's order: the request is refused with
# the row's errno (and extack message where it has one) and leaves
# everything as it was: the netdevs of the PF's namespace, their addresses,
# every VF's configuration, sriov_numvfs, the switch mode, the PF's and its
# VFs' devices on the svnic bus; a refused PF creation leaves no device on
# the bus that no PF owns. Requests iproute2 refuses before sending them are also
# made by hand (svnic_nl.py), so that the kernel's answer is checked too;
# so are the requests whose errno ip hides behind the extack message.
# ethtool prints both: the extack message ("netlink error: MESSAGE
# (offset N)"), then the errno ("netlink error: STRERROR").
#
# Privilege isolation: a process without CAP_NET_ADMIN over the PF's
# network namespace (capabilities dropped with setpriv, or root of a new
# user namespace) cannot configure VFs or the switch; a user other than
# root cannot write sriov_numvfs.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

VF0_MAC=02:00:00:00:aa:01

# The kernel's answer to a request made by hand, in NS_HOST.
svnic_nl()
{
	svnic_in "$NS_HOST" python3 -S "$svnic_dir/svnic_nl.py" "$@"
}

pf_mac()
{
	ip -n "$NS_HOST" -j link show pf0 | jq -r '.[0].address'
}

numvfs_write()
{
	echo "$1" >"$(svnic_sysfs pf0 sriov_numvfs)"
}

# What no refused request may change: the netdevs of NS_HOST with their
# addresses and VF configurations, the PF's sriov_numvfs, the PF's and its
# VFs' devices on the svnic bus; with STATE_VF=I also VF I's netdev (in its
# namespace), with STATE_HWMODE=1 the switch mode, with
# STATE_ETHTOOL="OPTION:DEV ..." what `ethtool OPTION DEV` shows (-g rings,
# -c coalescing, -l channels), with STATE_DEVLINK=1 the PF's eswitch mode,
# vf_tx_skb_sharing and tx health reporter. Only this test's devices: make check runs other
# tests beside it, whose devices come and go.
# Few processes: under emulation with a debug kernel each costs a second.
STATE_VF=
STATE_HWMODE=
STATE_ETHTOOL=
STATE_DEVLINK=
STATE_BUS=
state()
{
	local e n
	ip -n "$NS_HOST" -j link show
	echo "/sys/bus/svnic/devices/$PF_DEV" /sys/bus/svnic/devices/"$PF_DEV"vf*
	read -r n <"/sys/bus/svnic/devices/$PF_DEV/sriov_numvfs" && echo "sriov_numvfs: $n"
	if [ -n "$STATE_VF" ]; then
		ip -n "$(svnic_vf_ns "$STATE_VF")" -j link show "pf0v$STATE_VF"
	fi
	if [ -n "$STATE_HWMODE" ]; then
		bridge -n "$NS_HOST" -j -d link show dev pf0
	fi
	for e in $STATE_ETHTOOL; do
		svnic_ethtool "${e#*:}" "${e%%:*}"
	done
	if [ -n "$STATE_DEVLINK" ]; then
		# -b, not -batch: devlink reads "-batch" as "-b atch".
		devlink -j -b - <<-EOF
		dev eswitch show $DL
		dev param show $DL name vf_tx_skb_sharing
		health show $DL reporter tx
		EOF
	fi
}

# bus_orphans: the devices on the svnic bus that no PF owns: a PF device
# without its PF (no devlink instance: the PF registers it last and
# unregisters it first), a VF device without its PF device. Prints them;
# true if there are none.
bus_orphans()
{
	local d l orphans=()
	local -A pf=()
	while read -r l; do
		pf[$l]=1
	done < <(devlink dev show)
	for d in /sys/bus/svnic/devices/svnic*; do
		d=${d##*/}
		case $d in
		\*) ;;
		*vf*) [ -e "/sys/bus/svnic/devices/${d%vf*}" ] || orphans+=("$d") ;;
		*) [ -n "${pf[svnic/$d]:-}" ] || orphans+=("$d") ;;
		esac
	done
	echo "${orphans[*]}"
	[ ${#orphans[@]} = 0 ]
}

# baseline: what refused() compares with (the state at the start of a test).
baseline()
{
	BASE=$(state)
}

# refused "text"... -- CMD...: CMD fails, its output says every text (case
# insensitive; errno texts as strerror prints them, errno names as
# svnic_nl.py prints them), and state() is still the baseline; with
# STATE_BUS=1, no device on the svnic bus is left without a PF.
refused()
{
	local want=() after out t
	while [ "$1" != -- ]; do
		want+=("$1")
		shift
	done
	shift
	if out=$("$@" 2>&1); then
		check_err 1 "'$*' was accepted"
	else
		# Matched by bash, not grep: one process less per text.
		for t in "${want[@]}"; do
			[[ ${out,,} == *"${t,,}"* ]]
			check_err $? "'$*' said '$out', expected '$t'"
		done
	fi
	after=$(state)
	[ "$BASE" = "$after" ]
	check_err $? "'$*' changed: $(diff <(echo "$BASE") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"
	if [ -n "$STATE_BUS" ]; then
		# A device another test's PF is adding or removing has no owner
		# for a moment; one left behind by the refusal stays.
		out=$(slowwait 10 bus_orphans)
		check_err $? "'$*' left devices on the svnic bus that no PF owns: $out"
	fi
}

# The speed of the link VFs share, as svnic takes it.
link_mbps()
{
	local p=/sys/module/svnic/parameters/link_mbps
	if [ -r "$p" ] && [ "$(<"$p")" != 0 ]; then
		svnic_read "$p"
	else
		svnic_read "$(svnic_sys "$NS_HOST" class/net/up0/speed)"
	fi
}

setup()
{
	ip -n "$NS_HOST" link set pf0 vf 0 mac "$VF0_MAC" &&
		ip -n "$NS_HOST" link set pf0 vf 0 trust off
}

## PF creation: ip link add NAME link UPLINK type svnic

test_no_uplink()
{
	RET=0
	baseline
	refused "(EINVAL)" "svnic: an uplink is required" -- svnic_nl newlink bad0
	log_test "no uplink: EINVAL, extack"
}

test_uplink_not_found()
{
	RET=0
	baseline
	refused "(ENODEV)" "svnic: uplink not found" -- svnic_nl newlink bad0 99999
	# iproute2 resolves the name itself and refuses first.
	refused "Cannot find device" -- ip -n "$NS_HOST" link add bad0 link nosuch type svnic
	log_test "uplink ifindex not found: ENODEV, extack"
}

test_uplink_is_pf()
{
	RET=0
	baseline
	refused "(ELOOP)" "svnic: the uplink cannot be an svnic device" -- svnic_nl newlink bad0 pf0
	log_test "uplink is an svnic PF: ELOOP, extack"
}

test_uplink_not_ethernet()
{
	RET=0
	baseline
	refused "(EINVAL)" "svnic: the uplink must be an Ethernet device" -- svnic_nl newlink bad0 lo
	log_test "uplink not Ethernet (loopback): EINVAL, extack"
}

test_uplink_of_pf()
{
	RET=0
	baseline
	refused "(EBUSY)" "svnic: uplink is already in use" -- svnic_nl newlink bad0 up0
	log_test "uplink already the uplink of a PF: EBUSY, extack"
}

test_uplink_bridge_port()
{
	RET=0
	ip -n "$NS_HOST" link add br1 type bridge
	ip -n "$NS_HOST" link add up1 type veth peer name peer1
	ip -n "$NS_HOST" link set up1 master br1
	baseline
	refused "(EBUSY)" "svnic: uplink is already in use" -- svnic_nl newlink bad0 up1
	ip -n "$NS_HOST" link del up1
	ip -n "$NS_HOST" link del br1
	log_test "uplink is a bridge port: EBUSY, extack"
}

test_uplink_macvlan_lower()
{
	RET=0
	ip -n "$NS_HOST" link add up2 type veth peer name peer2
	ip -n "$NS_HOST" link add mv2 link up2 type macvlan
	baseline
	refused "(EBUSY)" "svnic: uplink is already in use" -- svnic_nl newlink bad0 up2
	ip -n "$NS_HOST" link del up2
	log_test "uplink is the lower device of a macvlan: EBUSY, extack"
}

test_pf_mtu_over_uplink()
{
	RET=0
	ip -n "$NS_HOST" link add up3 type veth peer name peer3
	baseline
	refused "(EINVAL)" "svnic: the PF's MTU cannot exceed its uplink's" -- svnic_nl newlink bad0 up3 1501
	ip -n "$NS_HOST" link del up3
	log_test "PF MTU above its uplink's: EINVAL, extack"
}

## MAC addresses of the PF and VF netdevs

test_pf_mac()
{
	RET=0
	baseline
	refused "Cannot assign requested address" -- \
		ip -n "$NS_HOST" link set pf0 address 01:00:5e:00:00:01
	refused "Cannot assign requested address" -- \
		ip -n "$NS_HOST" link set pf0 address 00:00:00:00:00:00
	log_test "PF address multicast or zero: EADDRNOTAVAIL"
}

test_pf_mac_in_use()
{
	RET=0
	baseline
	refused "Address already in use" -- ip -n "$NS_HOST" link set pf0 address "$VF0_MAC"
	log_test "PF address owned by a VF: EADDRINUSE"
}

test_vf_netdev_mac()
{
	RET=0
	local ns1
	ns1=$(svnic_vf_ns 1)
	STATE_VF=1
	baseline
	refused "Cannot assign requested address" -- \
		ip -n "$ns1" link set pf0v1 address 01:00:5e:00:00:01
	refused "Cannot assign requested address" -- \
		ip -n "$ns1" link set pf0v1 address 00:00:00:00:00:00
	STATE_VF=
	log_test "VF netdev address multicast or zero: EADDRNOTAVAIL"
}

test_vf_netdev_mac_in_use()
{
	RET=0
	local ns1 mac
	ns1=$(svnic_vf_ns 1)
	mac=$(pf_mac)
	STATE_VF=1
	baseline
	refused "Address already in use" -- ip -n "$ns1" link set pf0v1 address "$mac"
	refused "Address already in use" -- ip -n "$ns1" link set pf0v1 address "$VF0_MAC"
	STATE_VF=
	log_test "VF netdev address owned by another port: EADDRINUSE"
}

test_mtu_over_max()
{
	RET=0
	local ns1
	ns1=$(svnic_vf_ns 1)
	STATE_VF=1
	baseline
	# ip prints the core's extack (EINVAL), not strerror.
	refused "mtu greater than device maximum" -- \
		ip -n "$ns1" link set pf0v1 mtu 9217
	# The PF's maximum is its uplink's MTU (up0: 1500).
	refused "mtu greater than device maximum" -- \
		ip -n "$NS_HOST" link set pf0 mtu 1501
	STATE_VF=
	log_test "MTU over the maximum (VF 9216, PF its uplink's): EINVAL"
}

test_untrusted_vf_mac()
{
	RET=0
	STATE_VF=0
	baseline
	refused "Operation not permitted" -- \
		ip -n "$(svnic_vf_ns 0)" link set pf0v0 address 02:00:00:00:aa:99
	STATE_VF=
	log_test "untrusted VF changing an assigned MAC: EPERM"
}

## sriov_numvfs (2 VFs exist)

test_numvfs_range()
{
	RET=0
	baseline
	refused "Numerical result out of range" -- numvfs_write 65
	refused "Numerical result out of range" -- numvfs_write 70000
	log_test "sriov_numvfs over sriov_totalvfs (64): ERANGE"
}

test_numvfs_busy()
{
	RET=0
	baseline
	refused "Device or resource busy" -- numvfs_write 3
	refused "Device or resource busy" -- numvfs_write 1
	log_test "sriov_numvfs N to M, both non-zero: EBUSY"
}

test_numvfs_nan()
{
	RET=0
	local v
	baseline
	for v in abc -1 123456; do
		refused "Invalid argument" -- numvfs_write "$v"
	done
	log_test "sriov_numvfs not a decimal number: EINVAL"
}

test_numvfs_not_root()
{
	RET=0
	baseline
	refused "Permission denied" -- ip netns exec "$NS_HOST" \
		setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		bash -c "echo 0 > /sys/class/net/pf0/device/sriov_numvfs"
	log_test "sriov_numvfs written by a user other than root: EACCES"
}

## VF knobs: ip link set PF vf N ...

test_vf_index()
{
	RET=0
	local cmds=(
		"link set pf0 vf 2 mac 02:00:00:00:bb:01"
		"link set pf0 vf 2 vlan 10"
		"link set pf0 vf 2 spoofchk off"
		"link set pf0 vf 2 trust on"
		"link set pf0 vf 2 state enable"
		"link set pf0 vf 2 min_tx_rate 0 max_tx_rate 10"
		"link set pf0 vf 2 rate 10"
	)
	local out
	baseline
	# One ip for every knob: each command's error, then "Command failed".
	out=$(printf '%s\n' "${cmds[@]}" | ip -n "$NS_HOST" -force -batch - 2>&1)
	[ "$(grep -c "Invalid argument" <<<"$out")" = ${#cmds[@]} ] &&
		[ "$(grep -c "Command failed" <<<"$out")" = ${#cmds[@]} ]
	check_err $? "not every knob of VF 2 was refused with EINVAL: $out"
	[ "$BASE" = "$(state)" ]
	check_err $? "knobs of VF 2 changed something"
	log_test "vf N with N >= numvfs (every knob): EINVAL"
}

test_vf_mac_invalid()
{
	RET=0
	baseline
	refused "Invalid argument" -- ip -n "$NS_HOST" link set pf0 vf 1 mac 01:00:5e:00:00:01
	refused "Invalid argument" -- ip -n "$NS_HOST" link set pf0 vf 1 mac 00:00:00:00:00:00
	log_test "vf N mac multicast or zero: EINVAL"
}

test_vf_mac_in_use()
{
	RET=0
	local mac
	mac=$(pf_mac)
	baseline
	refused "Address already in use" -- ip -n "$NS_HOST" link set pf0 vf 1 mac "$VF0_MAC"
	refused "Address already in use" -- ip -n "$NS_HOST" link set pf0 vf 1 mac "$mac"
	log_test "vf N mac owned by the PF or another VF: EADDRINUSE"
}

test_vf_vlan_reserved()
{
	RET=0
	baseline
	refused "Invalid argument" -- ip -n "$NS_HOST" link set pf0 vf 0 vlan 4095
	refused "Invalid argument" -- ip -n "$NS_HOST" link set pf0 vf 0 vlan 0 qos 3
	log_test "vf N vlan 4095, or qos without a VLAN: EINVAL"
}

test_vf_vlan_over()
{
	RET=0
	baseline
	refused "Invalid \"vlan\" value" -- ip -n "$NS_HOST" link set pf0 vf 0 vlan 4096
	refused "(EINVAL)" -- svnic_nl vf pf0 0 vlan 4096 0 0x8100
	log_test "vf N vlan over 4095: EINVAL (iproute2 refuses first)"
}

test_vf_qos_over()
{
	RET=0
	baseline
	refused "Invalid argument" -- ip -n "$NS_HOST" link set pf0 vf 0 vlan 10 qos 8
	log_test "vf N vlan V qos over 7: EINVAL"
}

test_vf_vlan_proto()
{
	RET=0
	baseline
	refused "Invalid \"vlan protocol\" value" -- \
		ip -n "$NS_HOST" link set pf0 vf 0 vlan 10 proto 0x9100
	refused "(EPROTONOSUPPORT)" -- svnic_nl vf pf0 0 vlan 10 0 0x9100
	log_test "vf N vlan proto other than 802.1Q, 802.1ad: EPROTONOSUPPORT"
}

test_vf_state()
{
	RET=0
	baseline
	refused "Invalid \"state\" value" -- ip -n "$NS_HOST" link set pf0 vf 0 state foo
	refused "(EINVAL)" -- svnic_nl vf pf0 0 state 3
	log_test "vf N state other than auto, enable, disable: EINVAL"
}

test_vf_min_over_max()
{
	RET=0
	baseline
	refused "Invalid min_tx_rate" -- \
		ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 20 max_tx_rate 10
	refused "(EINVAL)" -- svnic_nl vf pf0 0 rate 20 10
	# The legacy `rate` keeps the minimum; ip does not check it.
	ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 30
	check_err $? "min_tx_rate 30 refused"
	baseline
	refused "Invalid argument" -- ip -n "$NS_HOST" link set pf0 vf 0 rate 20
	ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 0
	log_test "vf N min_tx_rate over max_tx_rate: EINVAL"
}

test_vf_rate_over_link()
{
	RET=0
	local link
	link=$(link_mbps)
	baseline
	refused "Invalid argument" -- \
		ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate $((link + 1))
	refused "Invalid argument" -- \
		ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate $((link + 1))
	log_test "vf N rate over the link speed ($link Mbit/s): EINVAL"
}

test_vf_min_sum()
{
	RET=0
	local link
	link=$(link_mbps)
	ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate $((link * 6 / 10))
	check_err $? "min_tx_rate $((link * 6 / 10)) refused"
	baseline
	refused "Invalid argument" -- \
		ip -n "$NS_HOST" link set pf0 vf 1 min_tx_rate $((link / 2))
	ip -n "$NS_HOST" link set pf0 vf 0 min_tx_rate 0
	log_test "vf N minimums over the link speed: EINVAL"
}

test_vf_min_unknown_speed()
{
	RET=0
	# A bridge without ports reports no speed.
	ip -n "$NS_HOST" link add br9 type bridge
	ip -n "$NS_HOST" link add pf9 link br9 type svnic
	echo 1 >"$(svnic_sysfs pf9 sriov_numvfs)"
	check_err $? "no VF on a PF over a bridge"
	baseline
	refused "Invalid argument" -- ip -n "$NS_HOST" link set pf9 vf 0 min_tx_rate 5
	ip -n "$NS_HOST" link set pf9 vf 0 max_tx_rate 5
	check_err $? "max_tx_rate refused with the link speed unknown"
	ip -n "$NS_HOST" link del pf9
	ip -n "$NS_HOST" link del br9
	log_test "vf N min_tx_rate with the link speed unknown: EINVAL"
}

test_vf_frozen()
{
	RET=0
	baseline
	refused "Operation not supported" -- ip -n "$NS_HOST" link set pf0 vf 0 query_rss on
	refused "Operation not supported" -- \
		ip -n "$NS_HOST" link set pf0 vf 0 node_guid 00:11:22:33:44:55:66:77
	refused "Operation not supported" -- \
		ip -n "$NS_HOST" link set pf0 vf 0 port_guid 00:11:22:33:44:55:66:77
	log_test "vf N query_rss, node_guid, port_guid: EOPNOTSUPP"
}

test_vf_knob_on_vf()
{
	RET=0
	STATE_VF=0
	baseline
	refused "Operation not supported" -- \
		ip -n "$(svnic_vf_ns 0)" link set pf0v0 vf 0 spoofchk off
	STATE_VF=
	log_test "vf knobs of a VF netdev: EOPNOTSUPP"
}

test_hwmode()
{
	RET=0
	STATE_HWMODE=1
	baseline
	refused "Mode argument must be" -- bridge -n "$NS_HOST" link set dev pf0 hwmode foo
	refused "(EOPNOTSUPP)" "svnic: the embedded switch supports hwmode veb and vepa only" -- \
		svnic_nl hwmode pf0 2
	STATE_HWMODE=
	log_test "hwmode other than veb, vepa: EOPNOTSUPP, extack"
}

## ethtool on the PF and VF netdevs. svnic refuses with an extack message
## of its own; the ethtool core refuses some requests before svnic sees
## them, with its own message.

test_ring_below_min()
{
	RET=0
	STATE_ETHTOOL="-g:pf0v0 -g:pf0"
	baseline
	refused "Invalid argument" "svnic: ring size below 64" -- svnic_ethtool pf0v0 -G rx 63
	# A valid RX size with it is not applied either.
	refused "Invalid argument" "svnic: ring size below 64" -- svnic_ethtool pf0v0 -G rx 1024 tx 32
	refused "Invalid argument" "svnic: ring size below 64" -- svnic_ethtool pf0 -G rx 1
	STATE_ETHTOOL=
	log_test "ethtool -G ring size below 64: EINVAL, extack"
}

test_ring_over_max()
{
	RET=0
	STATE_ETHTOOL="-g:pf0v0"
	baseline
	refused "Invalid argument" "requested ring size exceeds maximum" -- \
		svnic_ethtool pf0v0 -G rx 4097
	refused "Invalid argument" "requested ring size exceeds maximum" -- \
		svnic_ethtool pf0v0 -G rx 1024 tx 8192
	STATE_ETHTOOL=
	log_test "ethtool -G ring size over 4096: EINVAL (the core refuses)"
}

test_pf_tx_ring()
{
	RET=0
	STATE_ETHTOOL="-g:pf0"
	baseline
	refused "Invalid argument" "requested ring size exceeds maximum" -- svnic_ethtool pf0 -G tx 64
	refused "Invalid argument" "requested ring size exceeds maximum" -- \
		svnic_ethtool pf0 -G rx 1024 tx 1
	STATE_ETHTOOL=
	log_test "ethtool -G tx on the PF (TX maximum 0): EINVAL (the core refuses)"
}

test_coalesce_usecs_over()
{
	RET=0
	STATE_ETHTOOL="-c:pf0v0"
	baseline
	refused "Invalid argument" "svnic: rx-usecs above 1000000" -- \
		svnic_ethtool pf0v0 -C rx-usecs 1000001
	# The valid RX values with it are not applied either.
	refused "Invalid argument" "svnic: tx-usecs above 1000000" -- \
		svnic_ethtool pf0v0 -C rx-usecs 10 tx-usecs 2000000
	STATE_ETHTOOL=
	log_test "ethtool -C rx-usecs, tx-usecs over 1000000: EINVAL, extack"
}

test_coalesce_frames_over()
{
	RET=0
	STATE_ETHTOOL="-c:pf0v0"
	baseline
	refused "Invalid argument" "svnic: rx-frames above 4096" -- \
		svnic_ethtool pf0v0 -C rx-frames 4097
	refused "Invalid argument" "svnic: tx-frames above 4096" -- \
		svnic_ethtool pf0v0 -C rx-frames 8 tx-frames 4097
	STATE_ETHTOOL=
	log_test "ethtool -C rx-frames, tx-frames over 4096: EINVAL, extack"
}

test_coalesce_both_zero()
{
	RET=0
	STATE_ETHTOOL="-c:pf0v0 -c:pf0"
	baseline
	# rx-usecs and tx-usecs are 0 by default.
	refused "Invalid argument" "svnic: rx-usecs and rx-frames cannot both be 0" -- \
		svnic_ethtool pf0v0 -C rx-frames 0
	refused "Invalid argument" "svnic: tx-usecs and tx-frames cannot both be 0" -- \
		svnic_ethtool pf0v0 -C tx-frames 0
	refused "Invalid argument" "svnic: rx-usecs and rx-frames cannot both be 0" -- \
		svnic_ethtool pf0 -C rx-frames 0
	STATE_ETHTOOL=
	log_test "ethtool -C usecs and frames both 0: EINVAL, extack"
}

test_coalesce_unsupported()
{
	RET=0
	STATE_ETHTOOL="-c:pf0v0 -c:pf0"
	baseline
	refused "Invalid argument" "cannot modify an unsupported parameter" -- \
		svnic_ethtool pf0v0 -C rx-usecs-irq 10
	# The PF has no TX ring, so no TX coalescing.
	refused "Invalid argument" "cannot modify an unsupported parameter" -- \
		svnic_ethtool pf0 -C tx-usecs 10
	refused "Invalid argument" "cannot modify an unsupported parameter" -- \
		svnic_ethtool pf0 -C adaptive-tx on
	STATE_ETHTOOL=
	log_test "ethtool -C rx-usecs-irq, PF tx-usecs, adaptive-tx: EINVAL (the core refuses)"
}

test_channels()
{
	RET=0
	STATE_ETHTOOL="-l:pf0v0 -l:pf0"
	baseline
	refused "Invalid argument" "exceeds maximum" -- svnic_ethtool pf0v0 -L combined 2
	refused "Invalid argument" "exceeds maximum" -- svnic_ethtool pf0 -L combined 2
	refused "Invalid argument" "exceeds maximum" -- svnic_ethtool pf0v0 -L rx 1
	refused "Invalid argument" "no RX or TX channel" -- svnic_ethtool pf0v0 -L combined 0
	STATE_ETHTOOL=
	log_test "ethtool -L beyond one combined channel: EINVAL (the core refuses)"
}

## devlink of the PF: the eswitch mode and vf_tx_skb_sharing change only
## without VFs; the devlink core refuses what svnic has no operation or
## object for, with no extack.

test_eswitch_switchdev()
{
	RET=0
	STATE_DEVLINK=1
	baseline
	refused "Device or resource busy" "svnic: set sriov_numvfs to 0 before changing the eswitch mode" -- \
		devlink dev eswitch set "$DL" mode switchdev
	STATE_DEVLINK=
	log_test "devlink eswitch mode switchdev while VFs exist: EBUSY, extack"
}

test_tx_skb_sharing_with_vfs()
{
	RET=0
	STATE_DEVLINK=1
	baseline
	refused "Device or resource busy" "svnic: set sriov_numvfs to 0 before changing vf_tx_skb_sharing" -- \
		devlink dev param set "$DL" name vf_tx_skb_sharing value true cmode runtime
	STATE_DEVLINK=
	log_test "devlink param vf_tx_skb_sharing while VFs exist: EBUSY, extack"
}

test_eswitch_inline_encap()
{
	RET=0
	STATE_DEVLINK=1
	baseline
	refused "Operation not supported" -- devlink dev eswitch set "$DL" inline-mode link
	refused "Operation not supported" -- devlink dev eswitch set "$DL" encap-mode basic
	STATE_DEVLINK=
	log_test "devlink eswitch inline-mode, encap-mode: EOPNOTSUPP (the core refuses)"
}

test_devlink_param()
{
	RET=0
	STATE_DEVLINK=1
	baseline
	refused "Invalid argument" -- devlink dev param show "$DL" name max_macs
	refused "Invalid argument" -- devlink dev param set "$DL" name max_macs value 8 cmode driverinit
	# devlink (iproute2) refuses a mode the parameter does not list.
	refused "Configuration mode not supported" -- \
		devlink dev param set "$DL" name vf_tx_skb_sharing value true cmode driverinit
	refused "(EOPNOTSUPP)" -- \
		python3 -S "$svnic_dir/svnic_nl.py" devlink-param "$DL" vf_tx_skb_sharing true 1
	STATE_DEVLINK=
	log_test "devlink dev param of an unknown parameter: EINVAL; vf_tx_skb_sharing other than runtime: EOPNOTSUPP (the core refuses)"
}

test_health_reporter()
{
	RET=0
	STATE_DEVLINK=1
	baseline
	refused "Invalid argument" -- devlink health recover "$DL" reporter rx
	refused "Invalid argument" -- devlink health set "$DL" reporter fw auto_recover false
	refused "Operation not supported" -- devlink health test "$DL" reporter tx
	STATE_DEVLINK=
	log_test "devlink health of an unknown reporter: EINVAL; test of tx: EOPNOTSUPP (the core refuses)"
}

## Privilege isolation

# Runs a command in NS_HOST without CAP_NET_ADMIN (gone from the bounding
# and inheritable sets, so the command's execve does not get it back).
no_net_admin()
{
	svnic_in "$NS_HOST" setpriv --inh-caps=-net_admin --bounding-set=-net_admin -- "$@"
}

test_no_cap_net_admin()
{
	RET=0
	STATE_HWMODE=1
	baseline
	refused "Operation not permitted" -- no_net_admin ip link set pf0 vf 0 mac 02:00:00:00:aa:42
	refused "Operation not permitted" -- no_net_admin ip link set pf0 vf 1 max_tx_rate 5
	refused "Operation not permitted" -- no_net_admin bridge link set dev pf0 hwmode vepa
	STATE_HWMODE=
	# Reading is allowed, and the same request with the capability works.
	no_net_admin ip link show pf0 | grep -q "vf 0 .*$VF0_MAC"
	check_err $? "ip link show pf0 without CAP_NET_ADMIN does not list VF0"
	ip -n "$NS_HOST" link set pf0 vf 0 mac 02:00:00:00:aa:42
	check_err $? "vf 0 mac refused with CAP_NET_ADMIN"
	ip -n "$NS_HOST" link set pf0 vf 0 mac "$VF0_MAC"
	log_test "VF knobs, hwmode without CAP_NET_ADMIN: EPERM"
}

test_user_namespace()
{
	RET=0
	baseline
	refused "Operation not permitted" -- \
		svnic_in "$NS_HOST" unshare -Ur ip link set pf0 vf 0 mac 02:00:00:00:aa:42
	refused "Operation not permitted" -- \
		svnic_in "$NS_HOST" unshare -Ur ip link set pf0 vf 1 spoofchk off
	# Its root has every capability, over its own namespaces only.
	[ "$(svnic_in "$NS_HOST" unshare -Ur id -u)" = 0 ]
	check_err $? "unshare -Ur did not give a root user"
	log_test "VF knobs from root of a new user namespace: EPERM"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command jq
require_command python3
require_command setpriv
require_command unshare
require_command ethtool
require_command devlink
svnic_topo
PF_DEV=$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")
DL=svnic/$PF_DEV
svnic_vfs 2 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
setup || { log_test_skip "VF setup" "cannot assign VF0's MAC"; exit "$ksft_fail"; }
STATE_BUS=1
test_no_uplink
test_uplink_not_found
test_uplink_is_pf
test_uplink_not_ethernet
test_uplink_of_pf
test_uplink_bridge_port
test_uplink_macvlan_lower
test_pf_mtu_over_uplink
STATE_BUS=
test_pf_mac
test_pf_mac_in_use
test_vf_netdev_mac
test_vf_netdev_mac_in_use
test_mtu_over_max
test_untrusted_vf_mac
test_numvfs_range
test_numvfs_busy
test_numvfs_nan
test_numvfs_not_root
test_vf_index
test_vf_mac_invalid
test_vf_mac_in_use
test_vf_vlan_reserved
test_vf_vlan_over
test_vf_qos_over
test_vf_vlan_proto
test_vf_state
test_vf_min_over_max
test_vf_rate_over_link
test_vf_min_sum
test_vf_min_unknown_speed
test_vf_frozen
test_vf_knob_on_vf
test_hwmode
test_ring_below_min
test_ring_over_max
test_pf_tx_ring
test_coalesce_usecs_over
test_coalesce_frames_over
test_coalesce_both_zero
test_coalesce_unsupported
test_channels
test_eswitch_switchdev
test_tx_skb_sharing_with_vfs
test_eswitch_inline_encap
test_devlink_param
test_health_reporter
test_no_cap_net_admin
test_user_namespace
exit "$EXIT_STATUS"
