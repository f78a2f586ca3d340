#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What one process launch costs in this kernel, in milliseconds: run in the
# test VM (tools/vm/run.sh KDIR OUT tools/vm/launch-cost.sh [N]) to compare
# kernel builds, boot options or file system settings. Each line is the mean
# of N (default 20) launches of one command.
set -u
n=${1:-20}
export PATH=/usr/sbin:/sbin:$PATH

ms()
{
	local what=$1 t0 t1 i
	shift
	t0=$EPOCHREALTIME
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1
	done
	t1=$EPOCHREALTIME
	printf '%-28s %8.1f ms\n' "$what" "$(((${t1/./} - ${t0/./}) / n / 100))e-1"
}

sub() { (:); }
batch() { for ((j = 0; j < 100; j++)); do echo "link show lo"; done | ip -batch -; }

ms "fork (bash subshell)" sub
ms "/bin/true" /bin/true
ms "ip link show lo" ip link show lo
ms "ip -batch, 100 commands" batch
ms "ethtool -i lo" ethtool -i lo
ms "devlink dev show" devlink dev show
ms "jq -n 1" jq -n 1
ms "python3 -S -c pass" python3 -S -c pass
ms "python3 -c pass" python3 -c pass
ms "ip netns add+del" bash -c 'ip netns add lc0 && ip netns del lc0'
ip netns add lc1
ms "ip netns exec NS true" ip netns exec lc1 true
ms "nsenter --net=NS true" nsenter --net=/run/netns/lc1 true
ms "ip -n NS link show lo" ip -n lc1 link show lo
ms "cat FILE" cat /sys/class/net/lo/mtu
ms "\$(<FILE)" eval 'x=$(</sys/class/net/lo/mtu)'
ms "read -r x <FILE" eval 'read -r x </sys/class/net/lo/mtu'
ms "date +%s%3N" date +%s%3N
ip netns del lc1
