#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two guests on one PF: two VFs, each in its own namespace (the "guests"),
# talk through the embedded switch without touching the uplink, and reach
# a peer behind the uplink.
#
#   guest0 ns: pf0v0 (10.0.0.10) --+
#   guest1 ns: pf0v1 (10.0.0.11) --+-- eswitch -- up0 ~~ peer0 (10.0.0.2, wire ns)
#   host ns:   pf0   (10.0.0.1)  --+
#
# Needs the svnic module loaded. Run as root; removes what it made on exit.
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
ip -n host addr add 10.0.0.1/24 dev pf0
ip -n wire link set peer0 up
ip -n wire addr add 10.0.0.2/24 dev peer0

echo "# sriov_totalvfs: $(ip netns exec host cat /sys/class/net/pf0/device/sriov_totalvfs)"
ip netns exec host sh -c 'echo 2 > /sys/class/net/pf0/device/sriov_numvfs'
for i in 0 1; do
	ip netns add "guest$i"
	ip -n host link set pf0 vf "$i" mac "02:00:00:00:00:1$i"
	ip -n host link set "pf0v$i" netns "guest$i"
	ip -n "guest$i" link set "pf0v$i" up
	ip -n "guest$i" addr add "10.0.0.1$i/24" dev "pf0v$i"
done

echo
echo "# ip link show pf0 (namespace host): the PF and its VFs"
ip -n host link show pf0
echo
echo "# guest0 -> guest1, switched inside the device"
wire_before=$(ip netns exec wire cat /sys/class/net/peer0/statistics/rx_packets)
ip netns exec guest0 ping -c 3 -i 0.2 10.0.0.11
wire_after=$(ip netns exec wire cat /sys/class/net/peer0/statistics/rx_packets)
echo "frames the uplink's peer saw meanwhile: $((wire_after - wire_before))"
echo
echo "# guest1 -> peer behind the uplink, guest0 -> host (PF)"
ip netns exec guest1 ping -c 2 -i 0.2 10.0.0.2
ip netns exec guest0 ping -c 2 -i 0.2 10.0.0.1
echo
echo "# per-VF counters (ip -s link show pf0)"
ip -n host -s link show pf0
