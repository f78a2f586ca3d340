#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A PF over a veth uplink: the host's PF in namespace "host" pings a peer on
# the far end of the uplink in namespace "wire".
#
#   host ns:  pf0 (svnic PF, 192.0.2.1) --> up0 (veth)
#   wire ns:                                peer0 (veth, 192.0.2.2)
#
# Needs the svnic module loaded. Run as root; removes what it made on exit.
set -eu

cleanup() { ip netns del host 2>/dev/null || true; ip netns del wire 2>/dev/null || true; }
trap cleanup EXIT
cleanup

ip netns add host
ip netns add wire
ip -n host link add up0 type veth peer name peer0 netns wire
ip -n host link add pf0 link up0 type svnic
ip -n host link set up0 up
ip -n host link set pf0 up
ip -n host addr add 192.0.2.1/24 dev pf0
ip -n wire link set peer0 up
ip -n wire addr add 192.0.2.2/24 dev peer0

echo "# ip -d link show pf0 (namespace host)"
ip -n host -d link show pf0
echo
echo "# ping from the PF to the peer behind the uplink"
ip netns exec host ping -c 3 -i 0.2 192.0.2.2
echo
echo "# ping from the peer to the PF"
ip netns exec wire ping -c 3 -i 0.2 192.0.2.1
echo
echo "# PF counters"
ip -n host -s link show pf0
