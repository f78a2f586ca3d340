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

# Under emulation with a debug kernel every process launch costs a large
# fraction of a second, `ip` more than most: the helpers batch ip commands,
# read files with bash builtins, and enter namespaces with nsenter.

# setup_ns and cleanup_ns of net/lib.sh, the same contract (random names
# set in the named variables and kept in NS_LIST, lo up, rp_filter 0; a
# cleanup kills what runs in the namespace, deletes it and checks that it is
# gone) in three launches a namespace instead of about seven, and two
# instead of about six.
setup_ns()
{
	local ns_name ns cmds= created=()
	for ns_name in "$@"; do
		if [ "$ns_name" = ns_name ]; then
			echo "Failed to setup namespace '$ns_name': invalid name"
			cleanup_ns "${created[@]}"
			exit "$ksft_fail"
		fi
		if [ -z "${!ns_name}" ]; then
			printf -v "$ns_name" '%s-%04x%04x' "${ns_name,,}" "$RANDOM" "$RANDOM"
		else
			cleanup_ns "${!ns_name}"
		fi
		cmds+="netns add ${!ns_name}"$'\n'
		created+=("${!ns_name}")
	done
	if ! ip -batch - <<<"$cmds"; then
		echo "Failed to create namespaces ${created[*]}"
		cleanup_ns "${created[@]}"
		return "$ksft_skip"
	fi
	for ns in "${created[@]}"; do
		ip -n "$ns" link set lo up
		svnic_in "$ns" sysctl -wq net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
	NS_LIST+=("${created[@]}")
}

cleanup_ns()
{
	local ns pids ret=0
	for ns in "$@"; do
		[ -z "$ns" ] && continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid a word
		[ -z "$pids" ] || kill $pids 2>/dev/null
		ip netns delete "$ns" &>/dev/null
		if [ -e "/run/netns/$ns" ]; then
			echo "Warn: Failed to remove namespace $ns"
			ret=1
		else
			remove_ns_list "$ns"
		fi
	done
	return $ret
}

# svnic_in NS CMD...: CMD in network namespace NS. Unlike `ip netns exec` it
# starts no ip and keeps this mount namespace, so /sys is not NS's: for
# commands that do not read /sys/class/net (ping, ethtool, devlink, sysctl,
# /proc/net). svnic_sysfs and svnic_stat read NS_HOST's and the VFs' sysfs.
svnic_in()
{
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# svnic_mount_sys NS: mounts a sysfs of namespace NS in this mount namespace
# at $SVNIC_SYS_DIR/NS, until the end of the test (it is unmounted before
# the namespace is deleted: a mounted sysfs holds its namespace).
declare -A SVNIC_SYS=()
svnic_mount_sys()
{
	local d=$SVNIC_SYS_DIR/$1
	mkdir "$d" || return 1
	defer rmdir "$d"
	svnic_in "$1" mount -t sysfs sysfs "$d" || return 1
	defer umount "$d"
	SVNIC_SYS[$1]=$d
}

# svnic_topo: a veth pair up0 <-> peer0; up0 in $NS_HOST with PF "pf0" on
# it, peer0 in $NS_PEER. PF 192.0.2.1/24, peer 192.0.2.2/24.
svnic_topo()
{
	setup_ns NS_HOST NS_PEER || exit "$ksft_skip"
	defer cleanup_ns "$NS_HOST" "$NS_PEER"
	SVNIC_SYS_DIR=$(mktemp -d)
	defer rmdir "$SVNIC_SYS_DIR"
	svnic_mount_sys "$NS_HOST" || exit "$ksft_fail"
	ip -n "$NS_HOST" -batch - <<-EOF
	link add up0 type veth peer name peer0 netns $NS_PEER
	link add pf0 link up0 type svnic
	link set up0 up
	link set pf0 up
	addr add 192.0.2.1/24 dev pf0
	EOF
	ip -n "$NS_PEER" -batch - <<-EOF
	link set peer0 up
	addr add 192.0.2.2/24 dev peer0
	EOF
}

# svnic_read FILE: prints the file's first line (cat without a process).
svnic_read()
{
	local v
	read -r v <"$1" || [ -n "$v" ] || return 1
	echo "$v"
}

# svnic_sys NS PATH: PATH under /sys of namespace NS (NS_HOST, or a
# namespace of svnic_mount_sys), from this mount namespace.
svnic_sys()
{
	echo "${SVNIC_SYS[$1]:?no sysfs mounted for namespace $1}/$2"
}

# Reads a netdev counter: svnic_stat NS DEV rx_packets
svnic_stat()
{
	if [ -n "${SVNIC_SYS[$1]:-}" ]; then
		svnic_read "${SVNIC_SYS[$1]}/class/net/$2/statistics/$3"
	else
		ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
	fi
}

# svnic_devlink_value KEY CMD...: the value of KEY in CMD's output, devlink's
# text: "HANDLE:" then "key value" pairs (a value may be a key's name too,
# as in "state error error 1"); parsed by bash, not jq (a jq launch costs
# more than devlink's).
svnic_devlink_value()
{
	local key=$1 out w i=0
	shift
	out=$("$@") || return 1
	read -ra w <<<"${out//$'\n'/ }"
	while ((i + 1 < ${#w[@]})); do
		if [[ ${w[i]} == *: ]]; then
			i=$((i + 1))
		elif [ "${w[i]}" = "$key" ]; then
			echo "${w[i + 1]}"
			return 0
		else
			i=$((i + 2))
		fi
	done
	return 1
}

# svnic_sysfs PF FILE: path of a device attribute of PF (in NS_HOST), from
# this mount namespace: read and write it with builtins.
svnic_sysfs()
{
	svnic_sys "$NS_HOST" "class/net/$1/device/$2"
}

# svnic_vfs N: makes N VFs on pf0 (in $NS_HOST) and moves VF i into its own
# namespace $NS_VFi with address 192.0.2.(10+i)/24, up.
svnic_vfs()
{
	local n=$1 i ns
	echo "$n" >"$(svnic_sysfs pf0 sriov_numvfs)" || return 1
	for ((i = 0; i < n; i++)); do
		setup_ns "NS_VF$i" || return 1
		ns=NS_VF$i
		defer cleanup_ns "${!ns}"
	done
	svnic_place_vfs "$n"
}

# svnic_place_vfs N: moves VFs 0 to N-1 from $NS_HOST into their namespaces
# (made by svnic_vfs) and brings them up with their addresses.
svnic_place_vfs()
{
	local n=$1 i ns moves=
	for ((i = 0; i < n; i++)); do
		ns=NS_VF$i
		moves+="link set pf0v$i netns ${!ns}"$'\n'
	done
	ip -n "$NS_HOST" -batch - <<<"$moves" || return 1
	for ((i = 0; i < n; i++)); do
		ns=NS_VF$i
		ip -n "${!ns}" -batch - <<-EOF || return 1
		link set pf0v$i up
		addr add 192.0.2.$((10 + i))/24 dev pf0v$i
		EOF
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
	# Case-insensitive, alternatives split by \| as grep would: matched
	# by bash, without a process.
	local rest=${msg,,} alt found=1
	while :; do
		alt=${rest%%\\|*}
		[[ ${out,,} == *"$alt"* ]] && found=0
		[[ $rest == *'\|'* ]] || break
		rest=${rest#*\\|}
	done
	check_err $found "'$*' said '$out', expected '$msg'"
}

# svnic_netdevs [own]: number of svnic netdevs (PFs and VFs) in every
# namespace, or with "own" in this test's namespaces (NS_LIST), where its
# devices live while it runs: tests that make check runs beside others
# count their own.
svnic_netdevs()
{
	local ns n=0 l nss=("" /run/netns/*)
	[ "${1:-}" = own ] && nss=("${NS_LIST[@]}")
	for ns in "${nss[@]}"; do
		ns=${ns##*/}
		[ "$ns" = "*" ] && continue
		while read -r l; do
			[[ $l == *svnic* || $l =~ :\ pf[0-9][vr][0-9]*[@:] ]] && n=$((n + 1))
		done < <(ip ${ns:+-n "$ns"} -d -o link show 2>/dev/null)
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
	svnic_in "$(svnic_dev_ns "$dev")" ethtool "$opt" "$dev" "$@"
}

# svnic_rings DEV: "RX-MAX TX-MAX RX TX" as `ethtool -g DEV` shows them; a
# ring the device does not have (n/a: its maximum is 0) reads 0.
svnic_rings()
{
	local k v _ s=0 r=(0 0 0 0)
	while read -r k v _; do
		case $k in
		Pre-set) s=0 ;;
		Current) s=2 ;;
		RX:) [[ $v =~ ^[0-9]+$ ]] && r[s]=$v ;;
		TX:) [[ $v =~ ^[0-9]+$ ]] && r[s + 1]=$v ;;
		esac
	done < <(svnic_ethtool "$1" -g)
	echo "${r[*]}"
}

# svnic_coalesce DEV: "RX-USECS RX-FRAMES TX-USECS TX-FRAMES" as
# `ethtool -c DEV` shows them (n/a: a parameter the device does not have).
svnic_coalesce()
{
	local k v _ c=()
	while read -r k v _; do
		case $k in
		rx-usecs:) c[0]=$v ;;
		rx-frames:) c[1]=$v ;;
		tx-usecs:) c[2]=$v ;;
		tx-frames:) c[3]=$v ;;
		esac
	done < <(svnic_ethtool "$1" -c)
	echo "${c[0]-} ${c[1]-} ${c[2]-} ${c[3]-}"
}

# svnic_ethtool_stats DEV NAME...: the values of counters NAME of
# `ethtool -S DEV`, in the order asked ("?" for a missing one).
svnic_ethtool_stats()
{
	local dev=$1 k v _ n out=()
	local -A c=()
	shift
	while read -r k v _; do
		c[${k%:}]=$v
	done < <(svnic_ethtool "$dev" -S)
	for n; do
		out+=("${c[$n]-?}")
	done
	echo "${out[*]}"
}

# svnic_dev_name LINK: the name of the device a sysfs symlink points to
# (resolved by cd, a builtin).
svnic_dev_name()
{
	(cd -P "$1" && echo "${PWD##*/}")
}

# svnic_pf_dbg: the debugfs directory of pf0's fault knobs.
svnic_pf_dbg()
{
	echo "/sys/kernel/debug/svnic/$(svnic_dev_name "$(svnic_sys "$NS_HOST" class/net/pf0/device)")"
}

# svnic_vf_dbg I: the debugfs directory of VF I's fault knobs.
svnic_vf_dbg()
{
	echo "/sys/kernel/debug/svnic/$(svnic_dev_name "$(svnic_sysfs pf0 "virtfn$1")")"
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

# svnic_bql VF-INDEX FILE [VALUE]: reads, or writes VALUE to, a byte queue
# limits FILE (limit_min, inflight, ...) of the VF's TX queue. The VF
# namespace's sysfs is mounted on first use (again if a defer scope
# unmounted it, or the namespace was made anew under its name): make that
# use outside $(...), which would lose it.
svnic_bql()
{
	local ns d
	ns=$(svnic_vf_ns "$1")
	d=${SVNIC_SYS[$ns]:-}
	if [ -z "$d" ] || [ ! -e "$d/class" ]; then
		svnic_mount_sys "$ns" || return 1
		d=${SVNIC_SYS[$ns]}
	elif [ ! -e "$d/class/net/pf0v$1" ]; then
		umount "$d" && svnic_in "$ns" mount -t sysfs sysfs "$d" || return 1
	fi
	d+=/class/net/pf0v$1/queues/tx-0/byte_queue_limits/$2
	if [ $# -gt 2 ]; then
		echo "$3" >"$d"
	else
		svnic_read "$d"
	fi
}

# svnic_bql_floor VF-INDEX: raises the floor of the VF's byte queue limits
# to 1 MB, for a test that fills its TX ring (BQL would stop the queue
# after a few frames and keep the rest in the qdisc). The limit follows at
# the next completion: a frame through the ring (to the uplink's peer)
# before the test stalls the queue.
svnic_bql_floor()
{
	svnic_bql "$1" limit_min 1000000 || return 1
	svnic_in "$(svnic_vf_ns "$1")" ping -c 1 -W 2 192.0.2.2 >/dev/null
	return 0
}

# svnic_tx_frames VF-INDEX N DST [LEN [TYPE]]: sends N frames of LEN (60)
# bytes and EtherType TYPE (88b5, hex) to MAC address DST from the VF
# through a packet socket, as fast as the qdisc takes them (what it
# refuses is lost).
svnic_tx_frames()
{
	svnic_in "$(svnic_vf_ns "$1")" python3 - "pf0v$1" "$2" "$3" "${4:-60}" "${5:-88b5}" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	# Frames held by a stalled ring count against the socket: room for
	# all of them, and never block.
	s.setsockopt(socket.SOL_SOCKET, 32, 8 << 20)  # SO_SNDBUFFORCE
	s.setblocking(False)
	s.bind((sys.argv[1], 0))
	dst = bytes.fromhex(sys.argv[3].replace(":", ""))
	frame = dst + s.getsockname()[4] + bytes.fromhex(sys.argv[5]) + bytes(int(sys.argv[4]) - 14)
	for _ in range(int(sys.argv[2])):
	    try:
	        s.send(frame)
	    except OSError:
	        pass
	EOF
}

# svnic_fill_tx VF-INDEX [N]: sends N (default 700, more than a TX ring
# holds) broadcast frames from the VF (svnic_tx_frames). For the ring to
# take as many as it holds, raise the floor of byte queue limits first
# (svnic_bql_floor).
svnic_fill_tx()
{
	svnic_tx_frames "$1" "${2:-700}" ff:ff:ff:ff:ff:ff
}

# svnic_pg NS FILE CMD...: pktgen commands, one a line, in namespace NS.
svnic_pg()
{
	local ns=$1 f=$2
	shift 2
	svnic_in "$ns" bash -c 'f=$1; shift; for c; do echo "$c" >"/proc/net/pktgen/$f" || exit; done' \
		pg "$f" "$@"
}

# svnic_pktgen_setup VF COUNT: VF's namespace sends COUNT 1000-byte frames to an
# address behind the uplink, from the pktgen thread of CPU (VF mod CPUs).
svnic_pktgen_setup()
{
	local ns dev=pf0v$1 t
	ns=$(svnic_vf_ns "$1")
	t=kpktgend_$(($1 % $(nproc)))
	svnic_pg "$ns" "$t" rem_device_all "add_device $dev"
	svnic_pg "$ns" "$dev" "count $2" "pkt_size 1000" "delay 0" "dst 192.0.2.2" \
		"dst_mac 02:00:00:00:00:99"
}

# svnic_pktgen_run VF: runs it (blocks until done).
svnic_pktgen_run()
{
	svnic_pg "$(svnic_vf_ns "$1")" pgctrl start
}

# svnic_pktgen_mbps VF: the rate pktgen measured for its last run, Mbit/s.
svnic_pktgen_mbps()
{
	local l
	while read -r l; do
		[[ $l =~ \ ([0-9]+)Mb/sec ]] && echo "${BASH_REMATCH[1]}"
	done < <(svnic_in "$(svnic_vf_ns "$1")" cat "/proc/net/pktgen/pf0v$1")
}
