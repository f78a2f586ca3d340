#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ethtool on the PF and on VF netdevs, checked on traffic: driver info and
# channels; offloads on (their effect on traffic is in datapath.sh); the
# standard statistics groups (eth-mac, eth-ctrl, rmon) on MAC control
# frames from one VF to another; ring sizes (defaults, rounding up to a power of two, resizing
# both rings while up and flooded); interrupt coalescing holding a VF's RX
# and TX rings and the PF's RX ring for rx-usecs/tx-usecs, and rx-frames 1
# releasing them; adaptive mode applying DIM's profiles instead; `ethtool -S` counters against `ip -s link`; and a bounded
# stress in which ring sizes and coalescing flip on two VFs and the PF
# under floods. Refused requests are in bad_input.sh, a failing resize in
# faults.sh.
#
# Timing under emulation (TCG, debug kernel): a round trip through the
# switch takes a few ms, so a reply held 300 ms is told apart with wide
# margins (>= 280 ms held, < 250 ms not held), and two of three pings must
# agree: a stray frame (IPv6 neighbour discovery, an ARP probe) can open a
# coalescing window early, a busy emulated CPU can delay one reply.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

VF0=192.0.2.10
VF1=192.0.2.11
PF=192.0.2.1
PEER=192.0.2.2

STAT_NAMES="rx_packets rx_bytes rx_dropped rx_broadcast rx_multicast tx_packets tx_bytes tx_dropped tx_spoofed tx_vlan_dropped rx_polls tx_direct rx_moder_usecs rx_moder_frames tx_moder_usecs tx_moder_frames"

# rtts NS ADDR: three pings from NS to ADDR, 0.5 s apart; the round trip
# of each reply, in whole ms, one a line.
rtts()
{
	local l
	while read -r l; do
		[[ $l =~ \ time=([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
	done < <(svnic_in "$1" ping -c 3 -i 0.5 -W 3 "$2" 2>/dev/null)
}

# held RTTS: every ping was answered, at least two of them after >= 280 ms.
held()
{
	local t n=0 slow=0
	for t in $1; do
		n=$((n + 1))
		((t >= 280)) && slow=$((slow + 1))
	done
	((n == 3 && slow >= 2))
}

# prompt RTTS: every ping was answered, at least two of them within 250 ms.
prompt()
{
	local t n=0 fast=0
	for t in $1; do
		n=$((n + 1))
		((t < 250)) && fast=$((fast + 1))
	done
	((n == 3 && fast >= 2))
}

# has_line TEXT LINE: TEXT has a line that is exactly LINE.
has_line()
{
	[[ $'\n'$1$'\n' == *$'\n'$2$'\n'* ]]
}

# bus_dev DEV: the name of DEV's device on the svnic bus, from sysfs.
bus_dev()
{
	case $1 in
	pf0v*) svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device/virtfn${1#pf0v}")" ;;
	*) svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")" ;;
	esac
}

# flood SECONDS NS ADDR: a ping flood from NS to ADDR in the background.
flood()
{
	svnic_in "$2" ping -q -f -W 1 -w "$1" "$3" >/dev/null 2>&1 &
}

# all_pass: every ring of both VFs and the PF's RX ring pass traffic: VF0
# to VF1, VF1 to the peer, the peer to the PF.
all_pass()
{
	svnic_in "$(svnic_vf_ns 0)" ping -c 2 -i 0.2 -W 3 "$VF1" >/dev/null &&
		svnic_in "$(svnic_vf_ns 1)" ping -c 2 -i 0.2 -W 3 "$PEER" >/dev/null &&
		svnic_in "$NS_PEER" ping -c 2 -i 0.2 -W 3 "$PF" >/dev/null
}

# defaults: 512-slot rings, no coalescing, on both VFs and the PF.
defaults()
{
	svnic_ethtool pf0v0 -G rx 512 tx 512
	svnic_ethtool pf0v1 -G rx 512 tx 512
	svnic_ethtool pf0 -G rx 512
	svnic_ethtool pf0v0 -C rx-usecs 0 rx-frames 1 tx-usecs 0 tx-frames 1
	svnic_ethtool pf0v1 -C rx-usecs 0 rx-frames 1 tx-usecs 0 tx-frames 1
	svnic_ethtool pf0 -C rx-usecs 0 rx-frames 1
}

test_drvinfo_channels()
{
	RET=0
	local dev info bus ch
	for dev in pf0 pf0v0; do
		info=$(svnic_ethtool "$dev" -i)
		check_err $? "ethtool -i $dev failed"
		bus=$(bus_dev "$dev")
		[[ $bus =~ ^svnic[0-9]+(vf0)?$ ]] && [[ $dev != pf0v0 || $bus == *vf0 ]]
		check_err $? "$dev's bus device is '$bus'"
		has_line "$info" "driver: svnic"
		check_err $? "$dev: driver is not svnic: $info"
		has_line "$info" "bus-info: $bus"
		check_err $? "$dev: bus-info is not its bus device $bus: $info"
		# One combined queue pair, and nothing else.
		ch=$(svnic_ethtool "$dev" -l | awk '$1 ~ /^(RX|TX|Other|Combined):$/ { printf "%s ", $2 }')
		[ "$ch" = "n/a n/a n/a 1 n/a n/a n/a 1 " ]
		check_err $? "$dev: channels (max RX TX other combined, then current) are '$ch'"
		# Setting the one it has is accepted.
		svnic_ethtool "$dev" -L combined 1
		check_err $? "ethtool -L $dev combined 1 failed"
	done
	log_test "ethtool -i, -l, -L: driver svnic, bus-info, one combined channel"
}

test_offloads()
{
	RET=0
	local dev k f
	for dev in pf0 pf0v0; do
		k=$(svnic_ethtool "$dev" -k)
		check_err $? "ethtool -k $dev failed"
		k=${k//$'\t'/}
		# On, and not [fixed]: a NIC's offloads, which the user may turn off.
		for f in scatter-gather tx-checksum-ip-generic rx-checksumming \
			tcp-segmentation-offload tx-tcp6-segmentation generic-segmentation-offload; do
			has_line "$k" "$f: on"
			check_err $? "$dev: $f is not on (or is fixed)"
		done
	done
	# Flower offload is the PF's (and the representors'), not a VF's.
	has_line "$(svnic_ethtool pf0 -k)" "hw-tc-offload: on"
	check_err $? "pf0: hw-tc-offload is not on"
	log_test "ethtool -k: scatter-gather, checksum and segmentation offloads on"
}

# std_stats DEV KEY...: values of DEV's standard statistics groups
# (`ethtool -S DEV --all-groups`), by the names ethtool prints them under.
std_stats()
{
	local dev=$1 k v n out=()
	local -A c=()
	shift
	while read -r k v; do
		c[${k%:}]=$v
	done < <(svnic_ethtool "$dev" -S --all-groups)
	for n; do
		out+=("${c[$n]-?}")
	done
	echo "${out[*]}"
}

test_std_stats()
{
	RET=0
	local n=20 len=200 tx rx a0 b0 c0 d0 e0 a1 b1 c1 d1 e1 before after
	# Frames of 200 bytes are 204 with the FCS: the 128-255 bucket.
	tx="eth-mac-FramesTransmittedOK eth-mac-OctetsTransmittedOK"
	tx+=" eth-mac-BroadcastFramesXmittedOK eth-ctrl-MACControlFramesTransmitted"
	tx+=" tx-rmon-etherStatsPkts128to255Octets"
	rx="eth-mac-FramesReceivedOK eth-mac-OctetsReceivedOK"
	rx+=" eth-mac-BroadcastFramesReceivedOK eth-ctrl-MACControlFramesReceived"
	rx+=" rx-rmon-etherStatsPkts128to255Octets"
	read -r a0 b0 c0 d0 e0 < <(std_stats pf0v0 $tx)
	read -r -a before < <(std_stats pf0v1 $rx)
	# MAC control frames (EtherType 0x8808), broadcast: the switch
	# forwards them as data, and both ends count them.
	svnic_tx_frames 0 "$n" ff:ff:ff:ff:ff:ff "$len" 8808
	# Counted when switched (TX) and queued at VF1 (RX): done by the time
	# the sender exits, or within a poll of VF0 if they took its ring.
	read -r a1 b1 c1 d1 e1 < <(std_stats pf0v0 $tx)
	echo "    VF0 sent $((a1 - a0)) frames, $((b1 - b0)) octets, $((c1 - c0)) broadcast, $((d1 - d0)) MAC control, $((e1 - e0)) of 128-255 bytes"
	((a1 - a0 >= n && b1 - b0 >= n * (len + 4) && c1 - c0 >= n && d1 - d0 == n && e1 - e0 >= n))
	check_err $? "VF0's eth-mac, eth-ctrl or rmon counters did not count $n frames of $((len + 4)) bytes"
	read -r -a after < <(std_stats pf0v1 $rx)
	echo "    VF1 received $((after[0] - before[0])) frames, $((after[1] - before[1])) octets, $((after[2] - before[2])) broadcast, $((after[3] - before[3])) MAC control, $((after[4] - before[4])) of 128-255 bytes"
	((after[0] - before[0] >= n && after[1] - before[1] >= n * (len + 4) &&
		after[2] - before[2] >= n && after[3] - before[3] == n && after[4] - before[4] >= n))
	check_err $? "VF1's eth-mac, eth-ctrl or rmon counters did not count $n frames of $((len + 4)) bytes"
	log_test "ethtool -S --all-groups: eth-mac, eth-ctrl and rmon count frames as a wire would"
}

test_rings()
{
	RET=0
	local r p pids=()
	r=$(svnic_rings pf0v0)
	[ "$r" = "4096 4096 512 512" ]
	check_err $? "VF0 rings (max RX TX, current RX TX): $r, expected 4096 4096 512 512"
	# The PF has no TX ring: the core leaves it out (n/a).
	r=$(svnic_rings pf0)
	[ "$r" = "4096 0 512 0" ]
	check_err $? "PF rings (max RX TX, current RX TX): $r, expected 4096 0 512 0"
	# Floods through both rings of both VFs and the PF's RX ring; long
	# enough to outlast the resizes under emulation.
	flood 20 "$(svnic_vf_ns 0)" "$VF1"
	pids+=($!)
	flood 20 "$(svnic_vf_ns 1)" "$PEER"
	pids+=($!)
	flood 20 "$NS_PEER" "$PF"
	pids+=($!)
	sleep 1
	svnic_ethtool pf0v0 -G rx 100 tx 1000
	check_err $? "VF0: -G rx 100 tx 1000 refused"
	svnic_ethtool pf0v1 -G rx 4096 tx 64
	check_err $? "VF1: -G rx 4096 tx 64 refused"
	svnic_ethtool pf0 -G rx 65
	check_err $? "PF: -G rx 65 refused"
	r=$(svnic_rings pf0v0)
	[ "$r" = "4096 4096 128 1024" ]
	check_err $? "VF0 rx 100 tx 1000 gave $r, expected 128 1024 (rounded up)"
	r=$(svnic_rings pf0v1)
	[ "$r" = "4096 4096 4096 64" ]
	check_err $? "VF1 rx 4096 tx 64 gave $r"
	r=$(svnic_rings pf0)
	[ "$r" = "4096 0 128 0" ]
	check_err $? "PF rx 65 gave $r, expected 128 (rounded up)"
	kill -0 "${pids[@]}" 2>/dev/null || echo "    (a flood ended before the resizes did)"
	for p in "${pids[@]}"; do
		wait "$p"
		check_err $? "a ping flood got no reply while the rings were resized"
	done
	all_pass
	check_err $? "traffic does not pass through the resized rings"
	defaults
	[ "$(svnic_rings pf0v0) $(svnic_rings pf0)" = "4096 4096 512 512 4096 0 512 0" ]
	check_err $? "rings not back to 512 slots"
	all_pass
	check_err $? "traffic does not pass after the rings went back to 512 slots"
	log_test "ethtool -g, -G: defaults, rounding up, resizing while flooded"
}

# hold_release DEV DIR NS ADDR SHOWN: with DIR-usecs 300000 DIR-frames 64
# on DEV (`ethtool -c DEV` then shows SHOWN), NS's pings to ADDR are held;
# DIR-frames 1 on top releases them. Leaves DIR-usecs 300000 DIR-frames 1.
hold_release()
{
	local dev=$1 dir=$2 ns=$3 addr=$4 shown=$5 c t
	svnic_ethtool "$dev" -C "$dir-usecs" 300000 "$dir-frames" 64
	check_err $? "$dev: -C $dir-usecs 300000 $dir-frames 64 refused"
	c=$(svnic_coalesce "$dev")
	[ "$c" = "$shown" ]
	check_err $? "$dev coalescing is '$c', expected $shown"
	t=$(rtts "$ns" "$addr")
	held "$t"
	check_err $? "$dev $dir-usecs 300000 $dir-frames 64: round trips to $addr ${t//$'\n'/ } ms, expected >= 280"
	# One frame is enough now: released at once.
	svnic_ethtool "$dev" -C "$dir-frames" 1
	check_err $? "$dev: -C $dir-frames 1 refused"
	t=$(rtts "$ns" "$addr")
	prompt "$t"
	check_err $? "$dev $dir-usecs 300000 $dir-frames 1: round trips to $addr ${t//$'\n'/ } ms, expected < 250"
}

test_rx_coalesce()
{
	RET=0
	local ns0 c t
	ns0=$(svnic_vf_ns 0)
	c=$(svnic_coalesce pf0v0)
	[ "$c" = "0 1 0 1" ]
	check_err $? "VF0 coalescing (rx-usecs rx-frames tx-usecs tx-frames) is '$c', expected 0 1 0 1"
	# The extremes are accepted.
	svnic_ethtool pf0v0 -C rx-usecs 1000000 rx-frames 4096
	check_err $? "VF0: -C rx-usecs 1000000 rx-frames 4096 refused"
	# The reply from VF1 waits in VF0's RX ring for rx-usecs.
	hold_release pf0v0 rx "$ns0" "$VF1" "300000 64 0 1"
	# rx-usecs 0 means at once, whatever rx-frames says.
	svnic_ethtool pf0v0 -C rx-usecs 0 rx-frames 64
	check_err $? "VF0: -C rx-usecs 0 rx-frames 64 refused"
	t=$(rtts "$ns0" "$VF1")
	prompt "$t"
	check_err $? "rx-usecs 0 rx-frames 64: round trips ${t//$'\n'/ } ms, expected < 250"
	svnic_ethtool pf0v0 -C rx-usecs 0 rx-frames 1
	log_test "ethtool -C rx-usecs holds a VF's RX ring, rx-frames 1 releases it"
}

test_tx_coalesce()
{
	RET=0
	# The request waits in VF0's TX ring for tx-usecs before the doorbell
	# hands it to the switch.
	hold_release pf0v0 tx "$(svnic_vf_ns 0)" "$VF1" "0 1 300000 64"
	svnic_ethtool pf0v0 -C tx-usecs 0 tx-frames 1
	[ "$(svnic_coalesce pf0v0)" = "0 1 0 1" ]
	check_err $? "VF0 coalescing not back to 0 1 0 1"
	log_test "ethtool -C tx-usecs holds a VF's TX ring, tx-frames 1 releases it"
}

test_pf_rx_coalesce()
{
	RET=0
	local c
	c=$(svnic_coalesce pf0)
	[ "$c" = "0 1 n/a n/a" ]
	check_err $? "PF coalescing (rx-usecs rx-frames tx-usecs tx-frames) is '$c', expected 0 1 n/a n/a"
	# The peer's request waits in the PF's RX ring.
	hold_release pf0 rx "$NS_PEER" "$PF" "300000 64 n/a n/a"
	svnic_ethtool pf0 -C rx-usecs 0 rx-frames 1
	[ "$(svnic_coalesce pf0)" = "0 1 n/a n/a" ]
	check_err $? "PF coalescing not back to 0 1 n/a n/a"
	log_test "ethtool -C rx-usecs holds the PF's RX ring from the uplink"
}

# dim_profile DEV: "RX-USECS RX-FRAMES TX-USECS TX-FRAMES" the port applies
# now (ethtool -S), checked against DIM's EQE profile tables (lib/dim):
# RX usecs 1, 8, 64, 128 or 256 with 256 frames, TX usecs 1, 8, 32, 64 or
# 128 with 128 frames.
dim_profile()
{
	local m ru rf tu tf
	m=$(svnic_ethtool_stats "$1" rx_moder_usecs rx_moder_frames tx_moder_usecs tx_moder_frames)
	read -r ru rf tu tf <<<"$m"
	[[ " 1 8 64 128 256 " == *" $ru "* && $rf == 256 &&
		" 1 8 32 64 128 " == *" $tu "* && $tf == 128 ]] || {
		echo "$1 applies $m, not a DIM profile"
		return 1
	}
}

test_adaptive()
{
	RET=0
	local ns0 t msg
	ns0=$(svnic_vf_ns 0)
	# Static values that would hold the reply; adaptive mode overrides them
	# with DIM's profile (at most 256 us), starting from its default.
	svnic_ethtool pf0v0 -C rx-usecs 300000 rx-frames 64 adaptive-rx on adaptive-tx on
	check_err $? "VF0: -C adaptive-rx on adaptive-tx on refused"
	svnic_ethtool pf0v0 -c | grep -q "^Adaptive RX: on  TX: on"
	check_err $? "VF0: ethtool -c does not show adaptive RX and TX on"
	[ "$(svnic_ethtool_stats pf0v0 rx_moder_usecs rx_moder_frames tx_moder_usecs tx_moder_frames)" = \
		"8 256 8 128" ]
	check_err $? "VF0 does not start at DIM's default profile (8 256 8 128)"
	svnic_ethtool pf0 -C adaptive-rx on
	check_err $? "PF: -C adaptive-rx on refused"
	# DIM measures the floods and moves between its profiles.
	flood 10 "$ns0" "$VF1"
	flood 10 "$NS_PEER" "$PF"
	wait
	msg=$(dim_profile pf0v0)
	check_err $? "$msg"
	t=$(rtts "$ns0" "$VF1")
	prompt "$t"
	check_err $? "adaptive: round trips ${t//$'\n'/ } ms, expected < 250 (DIM, not rx-usecs 300000)"
	all_pass
	check_err $? "traffic does not pass in adaptive mode"
	# Off again: the static values apply.
	svnic_ethtool pf0v0 -C adaptive-rx off adaptive-tx off
	check_err $? "VF0: -C adaptive-rx off refused"
	t=$(rtts "$ns0" "$VF1")
	held "$t"
	check_err $? "adaptive off, rx-usecs 300000: round trips ${t//$'\n'/ } ms, expected >= 280"
	svnic_ethtool pf0 -C adaptive-rx off
	defaults
	log_test "ethtool -C adaptive-rx/tx: DIM's profiles apply, off restores rx-usecs"
}

# stats_agree DEV: DEV's rx_packets and tx_packets in `ip -s link` lie
# between two readings of `ethtool -S` (taken before and after it).
stats_agree()
{
	local dev=$1 ns e1 e2 ip_s q a1 b1 a b qa qb a2 b2
	ns=$(svnic_dev_ns "$dev")
	e1=$(svnic_ethtool_stats "$dev" rx_packets tx_packets)
	ip_s=$(ip -n "$ns" -s -j link show dev "$dev" |
		jq -r '.[0].stats64 | "\(.rx.packets) \(.tx.packets)"')
	q=$(svnic_in "$ns" python3 -S "$svnic_dir/svnic_nl.py" qstats "$dev")
	e2=$(svnic_ethtool_stats "$dev" rx_packets tx_packets)
	read -r a1 b1 <<<"$e1"
	read -r a b <<<"$ip_s"
	read -r qa qb <<<"$q"
	read -r a2 b2 <<<"$e2"
	((a1 <= a && a <= qa && qa <= a2 && b1 <= b && b <= qb && qb <= b2)) || {
		echo "$dev: ethtool -S rx/tx packets $e1 then $e2, ip -s link $ip_s, qstats $q"
		return 1
	}
}

test_stats()
{
	RET=0
	local dev names n s0 s1 msg a0 b0 c0 a1 b1 c1
	for dev in pf0 pf0v0; do
		names=$(svnic_ethtool "$dev" -S | awk 'NR > 1 { sub(/:$/, "", $1); print $1 }')
		for n in $STAT_NAMES; do
			has_line "$names" "$n"
			check_err $? "$dev: ethtool -S has no $n"
		done
	done
	s0=$(svnic_ethtool_stats pf0v0 rx_packets tx_packets rx_polls)
	svnic_in "$(svnic_vf_ns 0)" ping -c 5 -i 0.2 -W 3 "$PEER" >/dev/null
	check_err $? "VF0 cannot reach the peer"
	s1=$(svnic_ethtool_stats pf0v0 rx_packets tx_packets rx_polls)
	read -r a0 b0 c0 <<<"$s0"
	read -r a1 b1 c1 <<<"$s1"
	((a1 >= a0 + 5 && b1 >= b0 + 5 && c1 > c0))
	check_err $? "5 pings moved VF0's rx_packets tx_packets rx_polls from $s0 to $s1 only"
	svnic_in "$NS_PEER" ping -c 5 -i 0.2 -W 3 "$PF" >/dev/null
	check_err $? "the peer cannot reach the PF"
	for dev in pf0 pf0v0; do
		msg=$(stats_agree "$dev")
		check_err $? "$msg"
	done
	log_test "ethtool -S: every counter named, packets as ip -s link and the queues' qstats count them"
}

# The loop each stressing process runs, in the namespace of DEV: ring sizes
# and coalescing flip each round (never both usecs and frames 0), for at
# least 2 rounds and SECONDS s; prints how many rounds.
# shellcheck disable=SC2016 # expanded by the bash that runs it
FLIP='
dev=$1 secs=$2 n=0
sizes=(64 4096 100 512 1024)
usecs=(0 1000 50 2000)
frames=(1 64 0 8)
while ((n < 2 || SECONDS < secs)); do
	i=$((n % 4)) j=$(((n + 1) % 4))
	if [ "$dev" = pf0 ]; then
		ethtool -G "$dev" rx "${sizes[n % 5]}" &&
			ethtool -C "$dev" rx-usecs "${usecs[i]}" rx-frames "${frames[i]}"
	else
		ethtool -G "$dev" rx "${sizes[n % 5]}" tx "${sizes[(n + 2) % 5]}" &&
			ethtool -C "$dev" rx-usecs "${usecs[i]}" rx-frames "${frames[i]}" \
				tx-usecs "${usecs[j]}" tx-frames "${frames[j]}"
	fi || { echo "$dev: round $n failed"; exit 1; }
	n=$((n + 1))
done
echo "$dev: $n rounds"
'

test_stress()
{
	RET=0
	local before dev p pids=() out
	before=$(svnic_netdevs own)
	flood 30 "$(svnic_vf_ns 0)" "$VF1"
	flood 30 "$(svnic_vf_ns 1)" "$PEER"
	flood 30 "$NS_PEER" "$PF"
	# One process per port flips its rings and coalescing, so that three
	# ports change at once without an exec per request from here.
	for dev in pf0v0 pf0v1 pf0; do
		ip netns exec "$(svnic_dev_ns "$dev")" bash -c "$FLIP" flip "$dev" 25 \
			>"$STRESS_DIR/$dev" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
		check_err $? "a flipping loop failed"
	done
	for dev in pf0v0 pf0v1 pf0; do
		out=$(tail -n 3 "$STRESS_DIR/$dev")
		echo "    $out"
	done
	wait
	defaults
	[ "$(svnic_rings pf0v0) $(svnic_rings pf0v1) $(svnic_rings pf0)" = \
		"4096 4096 512 512 4096 4096 512 512 4096 0 512 0" ]
	check_err $? "rings not back to 512 slots after the stress"
	[ "$(svnic_coalesce pf0v0) $(svnic_coalesce pf0v1) $(svnic_coalesce pf0)" = \
		"0 1 0 1 0 1 0 1 0 1 n/a n/a" ]
	check_err $? "coalescing not back to the defaults after the stress"
	all_pass
	check_err $? "a port stopped passing traffic after the stress"
	svnic_in "$NS_HOST" ping -c 1 -W 3 "$VF0" >/dev/null
	check_err $? "the PF cannot reach VF0 after the stress"
	(($(svnic_netdevs own) == before))
	check_err $? "svnic netdevs leaked: $before before, $(svnic_netdevs own) after"
	log_test "stress: ring sizes and coalescing flipped on 2 VFs and the PF under floods"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command ethtool
require_command jq
STRESS_DIR=$(mktemp -d)
defer rm -rf "$STRESS_DIR"
svnic_topo
svnic_vfs 2 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
# Neighbours resolved: no ARP in the timed round trips.
svnic_in "$(svnic_vf_ns 0)" ping -c 1 -W 3 "$VF1" >/dev/null
svnic_in "$(svnic_vf_ns 1)" ping -c 1 -W 3 "$PEER" >/dev/null
svnic_in "$NS_PEER" ping -c 1 -W 3 "$PF" >/dev/null
test_drvinfo_channels
test_offloads
test_std_stats
test_rings
test_rx_coalesce
test_tx_coalesce
test_pf_rx_coalesce
test_adaptive
test_stats
test_stress
exit "$EXIT_STATUS"
