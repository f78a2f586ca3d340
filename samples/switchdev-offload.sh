#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Switchdev mode, as OVS hardware offload uses it: two guests behind VF
# representors. First the slow path, a bridge over the representors and
# the PF (the uplink representor); then the fast path, TC flower rules
# offloaded to the switch (skip_sw), which carry the guests' traffic with
# the bridge gone, and count it.
#
#   guest0 ns: pf0v0 (10.0.0.10)   host ns: pf0r0 (representor of VF 0)
#   guest1 ns: pf0v1 (10.0.0.11)            pf0r1 (representor of VF 1)
#                                           pf0   (uplink representor) -- up0 ~~ peer0 (wire ns)
#
# Needs the svnic module loaded, devlink and tc. Run as root; removes what
# it made on exit.
set -eu

cleanup()
{
	for ns in host wire guest0 guest1; do
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
ip -n wire addr add 10.0.0.2/24 dev peer0

dl=svnic/$(basename "$(ip netns exec host readlink -f /sys/class/net/pf0/device)")
echo "# devlink dev eswitch set $dl mode switchdev; 2 VFs"
devlink dev eswitch set "$dl" mode switchdev
ip netns exec host sh -c 'echo 2 > /sys/class/net/pf0/device/sriov_numvfs'
for i in 0 1; do
	ip netns add "guest$i"
	ip -n host link set "pf0v$i" netns "guest$i"
	ip -n "guest$i" link set "pf0v$i" up
	ip -n "guest$i" addr add "10.0.0.1$i/24" dev "pf0v$i"
	ip -n host link set "pf0r$i" up
done
devlink port show
ip -n host -d link show pf0r0 | grep -o 'portname [^ ]* switchid [^ ]*'

echo
echo "# slow path: a bridge over pf0, pf0r0, pf0r1"
ip -n host link add br0 type bridge
for d in pf0 pf0r0 pf0r1; do ip -n host link set "$d" master br0; done
ip -n host link set br0 up
ip netns exec guest0 ping -c 3 10.0.0.11
ip netns exec guest1 ping -c 3 10.0.0.2
ip -n host link del br0

echo
echo "# fast path: flower rules offloaded to the switch, no bridge"
mac() { ip netns exec "$1" cat "/sys/class/net/$2/address"; }
v0=$(mac guest0 pf0v0) v1=$(mac guest1 pf0v1)
for d in pf0r0 pf0r1; do tc -n host qdisc add dev "$d" ingress; done
tc -n host filter add dev pf0r0 ingress protocol all pref 1 flower skip_sw \
	dst_mac "$v1" action mirred egress redirect dev pf0r1
tc -n host filter add dev pf0r0 ingress protocol all pref 2 flower skip_sw \
	dst_mac ff:ff:ff:ff:ff:ff action mirred egress redirect dev pf0r1
tc -n host filter add dev pf0r1 ingress protocol all pref 1 flower skip_sw \
	dst_mac "$v0" action mirred egress redirect dev pf0r0
ip netns exec guest0 ping -c 3 10.0.0.11
tc -n host -s filter show dev pf0r0 ingress
