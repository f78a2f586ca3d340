#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guests in two VLANs on one PF: four VFs in their own namespaces, two with
# port VLAN 10 and two with port VLAN 20 (the guests send untagged frames;
# the embedded switch tags and untags them). Guests of one VLAN reach each
# other and their VLAN behind the uplink; guests of different VLANs do not
# reach each other, even with addresses in one subnet.
#
#   guest0 (vlan 10) 10.0.0.10 --+
#   guest1 (vlan 10) 10.0.0.11 --+-- eswitch -- up0 ~~ peer0.10 10.0.0.2  (wire ns)
#   guest2 (vlan 20) 10.0.0.12 --+                  ~~ peer0.20 10.0.20.2
#   guest3 (vlan 20) 10.0.0.13 --+
#   (guest2 and guest3 also have 10.0.20.1x/24)
#
# Needs the svnic module loaded. Run as root; removes what it made on exit.
set -eu

cleanup()
{
	for ns in host wire guest0 guest1 guest2 guest3; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT
cleanup

ip netns add host
ip netns add wire
ip -n host link add up0 type veth peer name peer0 netns wire
ip -n host link add pf0 link up0 type svnic
ip -n host link set up0 up
ip -n host link set pf0 up
ip -n wire link set peer0 up
for v in 10 20; do
	ip -n wire link add link peer0 name "peer0.$v" type vlan id "$v"
	ip -n wire link set "peer0.$v" up
done
ip -n wire addr add 10.0.0.2/24 dev peer0.10
ip -n wire addr add 10.0.20.2/24 dev peer0.20

ip netns exec host bash -c 'echo 4 > /sys/class/net/pf0/device/sriov_numvfs'
for i in 0 1 2 3; do
	vlan=$((i < 2 ? 10 : 20))
	ip netns add "guest$i"
	ip -n host link set pf0 vf "$i" vlan "$vlan"
	ip -n host link set "pf0v$i" netns "guest$i"
	ip -n "guest$i" link set "pf0v$i" up
	ip -n "guest$i" addr add "10.0.0.1$i/24" dev "pf0v$i"
	[ "$vlan" = 20 ] && ip -n "guest$i" addr add "10.0.20.1$i/24" dev "pf0v$i"
done

echo "# ip link show pf0 (namespace host): each VF's port VLAN"
ip -n host link show pf0
echo
echo "# guest0 -> guest1 (both VLAN 10)"
ip netns exec guest0 ping -c 2 -i 0.2 10.0.0.11
echo
echo "# guest2 -> guest3 (both VLAN 20)"
ip netns exec guest2 ping -c 2 -i 0.2 10.0.0.13
echo
echo "# guest0 -> the VLAN 10 device behind the uplink; guest3 -> the VLAN 20 one"
ip netns exec guest0 ping -c 2 -i 0.2 10.0.0.2
ip netns exec guest3 ping -c 2 -i 0.2 10.0.20.2
echo
echo "# guest0 (VLAN 10) -> guest2 (VLAN 20), same subnet: must fail"
if ip netns exec guest0 ping -c 2 -i 0.2 -W 1 10.0.0.12; then
	echo "ERROR: VLAN 10 reached VLAN 20" >&2
	exit 1
fi
echo "isolated, as configured"
