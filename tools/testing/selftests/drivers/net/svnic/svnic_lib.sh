#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Common setup for the svnic selftests. Sources the kernel's
# selftests/net/lib.sh: from $NET_LIB if set (the VM runner points it into
# the kernel tree), else from where it sits when these tests are copied into
# a kernel tree at tools/testing/selftests/drivers/net/svnic/.

svnic_dir=$(dirname "$(readlink -e "${BASH_SOURCE[0]}")")
# shellcheck source=/dev/null
source "${NET_LIB:-$svnic_dir/../../../net/lib.sh}"

# The module must be loaded (the runner does it; so does `modprobe svnic`).
svnic_require_module()
{
	if [ ! -d /sys/module/svnic ]; then
		modprobe -q svnic 2>/dev/null || {
			echo "SKIP: svnic module not loaded"
			exit "$ksft_skip"
		}
	fi
}

# svnic_topo: a veth pair up0 <-> peer0; up0 in $NS_HOST with PF "pf0" on
# it, peer0 in $NS_PEER. PF 192.0.2.1/24, peer 192.0.2.2/24.
svnic_topo()
{
	setup_ns NS_HOST NS_PEER || exit "$ksft_skip"
	defer cleanup_ns "$NS_HOST" "$NS_PEER"
	ip -n "$NS_HOST" link add up0 type veth peer name peer0 netns "$NS_PEER"
	ip -n "$NS_HOST" link add pf0 link up0 type svnic
	ip -n "$NS_HOST" link set up0 up
	ip -n "$NS_HOST" link set pf0 up
	ip -n "$NS_HOST" addr add 192.0.2.1/24 dev pf0
	ip -n "$NS_PEER" link set peer0 up
	ip -n "$NS_PEER" addr add 192.0.2.2/24 dev peer0
}

# Reads a netdev counter: svnic_stat NS DEV rx_packets
svnic_stat()
{
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# svnic_sysfs PF FILE: path of a PF device attribute (host namespace).
svnic_sysfs()
{
	echo "/sys/class/net/$1/device/$2"
}

# svnic_vfs N: makes N VFs on pf0 (in $NS_HOST) and moves VF i into its own
# namespace $NS_VFi with address 192.0.2.(10+i)/24, up.
svnic_vfs()
{
	local n=$1 i ns
	ip netns exec "$NS_HOST" bash -c "echo $n > $(svnic_sysfs pf0 sriov_numvfs)" || return 1
	for ((i = 0; i < n; i++)); do
		setup_ns "NS_VF$i" || return 1
		ns=NS_VF$i
		defer cleanup_ns "${!ns}"
		ip -n "$NS_HOST" link set "pf0v$i" netns "${!ns}" || return 1
		ip -n "${!ns}" link set "pf0v$i" up
		ip -n "${!ns}" addr add "192.0.2.$((10 + i))/24" dev "pf0v$i"
	done
}

# svnic_vf_ns I: the namespace of VF I.
svnic_vf_ns()
{
	local ns=NS_VF$1
	echo "${!ns}"
}

# svnic_vf_info VF FIELD: a field of VF's entry in `ip -j link show pf0`
# (host namespace).
svnic_vf_info()
{
	ip -n "$NS_HOST" -j link show pf0 | jq -r ".[0].vfinfo_list[$1].$2"
}

# svnic_expect_fail "text" CMD...: CMD fails and its output says the text
# (case-insensitive); sets RET through check_err otherwise.
svnic_expect_fail()
{
	local msg=$1 out
	shift
	out=$("$@" 2>&1)
	if [ $? -eq 0 ]; then
		check_err 1 "'$*' was accepted"
		return
	fi
	echo "$out" | grep -qi "$msg"
	check_err $? "'$*' said '$out', expected '$msg'"
}

# svnic_netdevs: number of svnic netdevs (PFs and VFs) in every namespace.
svnic_netdevs()
{
	local ns n=0
	for ns in "" $(ip netns list | cut -d' ' -f1); do
		n=$((n + $(ip ${ns:+-n "$ns"} -d -o link show 2>/dev/null |
			grep -c -e 'svnic' -e ': pf[0-9][vr][0-9]*[@:]')))
	done
	echo "$n"
}

# svnic_dev_ns DEV: the namespace of pf0 or of VF netdev pf0vI, where
# svnic_topo and svnic_vfs put them.
svnic_dev_ns()
{
	case $1 in
	pf0v*) svnic_vf_ns "${1#pf0v}" ;;
	*) echo "$NS_HOST" ;;
	esac
}

# svnic_ethtool DEV OPTION [ARG...]: `ethtool OPTION DEV ARG...` in DEV's
# namespace, e.g. `svnic_ethtool pf0v0 -G rx 1024`.
svnic_ethtool()
{
	local dev=$1 opt=$2
	shift 2
	ip netns exec "$(svnic_dev_ns "$dev")" ethtool "$opt" "$dev" "$@"
}

# svnic_rings DEV: "RX-MAX TX-MAX RX TX" as `ethtool -g DEV` shows them; a
# ring the device does not have (n/a: its maximum is 0) reads 0.
svnic_rings()
{
	svnic_ethtool "$1" -g | awk '
		/^Pre-set maximums:/ { s = 0 }
		/^Current hardware settings:/ { s = 2 }
		$1 == "RX:" { v[s] = $2 }
		$1 == "TX:" { v[s + 1] = $2 }
		END {
			for (i = 0; i < 4; i++)
				printf "%s%s", (i ? " " : ""), (v[i] ~ /^[0-9]+$/ ? v[i] : 0)
			print ""
		}'
}

# svnic_coalesce DEV: "RX-USECS RX-FRAMES TX-USECS TX-FRAMES" as
# `ethtool -c DEV` shows them (n/a: a parameter the device does not have).
svnic_coalesce()
{
	svnic_ethtool "$1" -c | awk '
		$1 == "rx-usecs:" { v[0] = $2 }
		$1 == "rx-frames:" { v[1] = $2 }
		$1 == "tx-usecs:" { v[2] = $2 }
		$1 == "tx-frames:" { v[3] = $2 }
		END { print v[0], v[1], v[2], v[3] }'
}

# svnic_ethtool_stats DEV NAME...: the values of counters NAME of
# `ethtool -S DEV`, in the order asked ("?" for a missing one).
svnic_ethtool_stats()
{
	local dev=$1
	shift
	svnic_ethtool "$dev" -S | awk -v names="$*" '
		BEGIN { n = split(names, want, " ") }
		{ sub(/:$/, "", $1); v[$1] = $2 }
		END {
			for (i = 1; i <= n; i++)
				printf "%s%s", (i > 1 ? " " : ""), ((want[i] in v) ? v[want[i]] : "?")
			print ""
		}'
}

# svnic_pf_dbg: the debugfs directory of pf0's fault knobs.
svnic_pf_dbg()
{
	echo "/sys/kernel/debug/svnic/$(basename "$(ip netns exec "$NS_HOST" readlink -f /sys/class/net/pf0/device)")"
}

# svnic_vf_dbg I: the debugfs directory of VF I's fault knobs.
svnic_vf_dbg()
{
	echo "/sys/kernel/debug/svnic/$(basename "$(ip netns exec "$NS_HOST" readlink -f "/sys/class/net/pf0/device/virtfn$1")")"
}

# svnic_wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
svnic_wait_for()
{
	local n=$(($1 * 5))
	shift
	while ((n-- > 0)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# svnic_fill_tx VF-INDEX [N]: sends N (default 700, more than a TX ring
# holds) broadcast frames from the VF through a packet socket, as fast as
# the qdisc takes them.
svnic_fill_tx()
{
	ip netns exec "$(svnic_vf_ns "$1")" python3 - "pf0v$1" "${2:-700}" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	# Frames held by a stalled ring count against the socket: room for
	# all of them, and never block.
	s.setsockopt(socket.SOL_SOCKET, 32, 8 << 20)  # SO_SNDBUFFORCE
	s.setblocking(False)
	s.bind((sys.argv[1], 0))
	frame = b"\xff" * 6 + s.getsockname()[4] + b"\x88\xb5" + bytes(46)
	for _ in range(int(sys.argv[2])):
	    try:
	        s.send(frame)
	    except OSError:
	        pass
	EOF
}

# svnic_pg NS FILE CMD: one pktgen command in namespace NS.
svnic_pg()
{
	ip netns exec "$1" bash -c "echo '$3' > /proc/net/pktgen/$2"
}

# svnic_pktgen_setup VF COUNT: VF's namespace sends COUNT 1000-byte frames to an
# address behind the uplink, from the pktgen thread of CPU (VF mod CPUs).
svnic_pktgen_setup()
{
	local ns dev=pf0v$1 t
	ns=$(svnic_vf_ns "$1")
	t=kpktgend_$(($1 % $(nproc)))
	svnic_pg "$ns" "$t" rem_device_all
	svnic_pg "$ns" "$t" "add_device $dev"
	svnic_pg "$ns" "$dev" "count $2"
	svnic_pg "$ns" "$dev" "pkt_size 1000"
	svnic_pg "$ns" "$dev" "delay 0"
	svnic_pg "$ns" "$dev" "dst 192.0.2.2"
	svnic_pg "$ns" "$dev" "dst_mac 02:00:00:00:00:99"
}

# svnic_pktgen_run VF: runs it (blocks until done).
svnic_pktgen_run()
{
	svnic_pg "$(svnic_vf_ns "$1")" pgctrl start
}

# svnic_pktgen_mbps VF: the rate pktgen measured for its last run, Mbit/s.
svnic_pktgen_mbps()
{
	ip netns exec "$(svnic_vf_ns "$1")" cat "/proc/net/pktgen/pf0v$1" |
		sed -n 's/.* \([0-9]*\)Mb\/sec.*/\1/p'
}
