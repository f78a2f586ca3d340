#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The two ways a VF's frame takes through the switch. The direct path: a
# VF whose TX ring is idle, with no shaper and no TX coalescing, switches
# a frame for another function from ndo_start_xmit into the receiver's RX
# ring (counted in `ethtool -S` tx_direct). Everything else takes the TX
# ring and the VF's poll. Checked: unicast to a VF or the PF goes direct,
# to the uplink it does not; a shaped or TX-coalesced VF never goes
# direct (adaptive-tx coalesces nothing on an idle queue, so it is not
# among them); numbered frames stay in order while TX coalescing flips the
# sender between the two paths; a full RX ring (stall_rx) drops and
# counts at the receiver, and passes traffic once the stall ends; a
# sender whose ring fills behind a 1 Mbit/s shaper stops and wakes its
# queue without a TX timeout, and every frame arrives. Byte queue limits:
# behind the shaper the backlog waits in the qdisc, not on the ring, and
# every byte counted in flight is completed; the backlog, released in
# bursts (xmit_more) once the shaper lets go, goes direct with one
# receiver kick a burst and reaches the receiver's stack whole. Offloads:
# a TCP stream crosses the switch in TSO segments larger than the MTU, its
# checksums left to offload, and arrives whole; with TSO off the stack
# segments it first. XDP in driver mode: a program's drop, tx (back out of
# the port, through its spoof check) and pass (a TSO buffer as the wire
# frames it stands for) verdicts, and its detach. Interrupt vectors: each
# VF's is in /proc/interrupts as <ifname>-TxRx-0@<bus device>; raised from a CPU
# outside its affinity, it runs on the CPU its affinity names (counted
# there); it refuses an offline CPU and keeps its affinity across down and
# up; with the sender's and the receiver's vectors on other CPUs than the
# traffic's, order and stop/wake hold.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

MAC0=02:00:00:00:d0:00
MAC1=02:00:00:00:d0:01

# stats DEV NAME...: counters of `ethtool -S DEV`.
stats() { svnic_ethtool_stats "$@"; }

# pings NS ADDR [N]: N (3) pings that must all be answered.
pings() { svnic_in "$1" ping -q -c "${3:-3}" -i 0.2 -W 3 "$2" >/dev/null; }

test_direct()
{
	local d0 p0 d1 p1
	RET=0
	# Resolve the neighbours first: a frame the ARP reply releases is sent
	# from VF0's own poll, which takes the ring.
	pings "$NS_VF0" 192.0.2.11 1
	pings "$NS_VF0" 192.0.2.1 1
	read -r d0 p0 < <(stats pf0v0 tx_direct tx_packets)
	pings "$NS_VF0" 192.0.2.11
	check_err $? "VF0 cannot reach VF1"
	pings "$NS_VF0" 192.0.2.1
	check_err $? "VF0 cannot reach the PF"
	read -r d1 p1 < <(stats pf0v0 tx_direct tx_packets)
	((d1 - d0 >= 6))
	check_err $? "6 echo requests to VF1 and the PF, $((d1 - d0)) went direct"
	read -r d0 p0 < <(stats pf0v0 tx_direct tx_packets)
	pings "$NS_VF0" 192.0.2.2
	check_err $? "VF0 cannot reach the uplink's peer"
	read -r d1 p1 < <(stats pf0v0 tx_direct tx_packets)
	# Neighbour probes between VF0 and the PF may go direct meanwhile.
	((p1 - p0 - (d1 - d0) >= 3))
	check_err $? "frames for the uplink: $((d1 - d0)) direct of $((p1 - p0)) sent"
	log_test "datapath: frames for a VF or the PF go direct, for the uplink by the ring"
}

# ring_only WHAT: pings from VF0 to VF1 are answered, none went direct.
ring_only()
{
	local d0 p0 d1 p1
	read -r d0 p0 < <(stats pf0v0 tx_direct tx_packets)
	pings "$NS_VF0" 192.0.2.11
	check_err $? "$1: VF0 cannot reach VF1"
	read -r d1 p1 < <(stats pf0v0 tx_direct tx_packets)
	((d1 == d0 && p1 - p0 >= 3))
	check_err $? "$1: $((d1 - d0)) of $((p1 - p0)) frames went direct"
}

test_held_take_the_ring()
{
	RET=0
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 100
	ring_only "max_tx_rate 100"
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 0
	svnic_ethtool pf0v0 -C tx-usecs 20 tx-frames 0
	ring_only "tx-usecs 20"
	svnic_ethtool pf0v0 -C tx-usecs 0 tx-frames 1
	log_test "datapath: a shaped or TX-coalesced VF never goes direct"
}

# Appended to the names of the tests that run again with the VFs' vectors
# pinned to other CPUs.
LABEL=

test_order()
{
	local dir out sent got bad d0 p0 d1 p1 i
	RET=0
	dir=$(mktemp -d)
	defer rm -rf "$dir"
	read -r d0 p0 < <(stats pf0v0 tx_direct tx_packets)
	svnic_in "$NS_VF1" python3 "$(dirname "$(readlink -e "$0")")/svnic_order.py" \
		pf0v1 "/run/netns/$NS_VF0" pf0v0 "$MAC1" "$MAC0" "$dir/ready" "$dir/stop" \
		>"$dir/out" &
	slowwait 30 test -e "$dir/ready"
	check_err $? "the sender did not start"
	# Each flip leaves frames on the ring (held for 500 us) that the
	# direct frames after them must not overtake.
	for i in 1 2 3 4 5 6; do
		svnic_ethtool pf0v0 -C tx-usecs 500 tx-frames 16
		sleep 0.2
		svnic_ethtool pf0v0 -C tx-usecs 0 tx-frames 1
		sleep 0.2
	done
	: >"$dir/stop"
	wait
	read -r sent got bad <"$dir/out"
	read -r d1 p1 < <(stats pf0v0 tx_direct tx_packets)
	echo "    sent ${sent:-?}, received ${got:-?}, out of order ${bad:-?}; $((d1 - d0)) direct, $((p1 - p0 - d1 + d0)) by the ring"
	[ "${bad:-x}" = 0 ] && ((got > 0))
	check_err $? "frames out of order at the receiver"
	((d1 - d0 > 0 && p1 - p0 - (d1 - d0) > 0))
	check_err $? "the run did not take both paths"
	log_test "datapath: one flow keeps its order across the direct path and the ring$LABEL"
}

test_rx_full()
{
	local dbg r0 x0 r1 x1 n=150
	RET=0
	dbg=$(svnic_vf_dbg 1)
	svnic_ethtool pf0v1 -G rx 64
	svnic_bql_floor 0
	read -r r0 x0 < <(stats pf0v1 rx_packets rx_dropped)
	echo 1 >"$dbg/stall_rx"
	svnic_fill_tx 0 "$n"
	read -r r1 x1 < <(stats pf0v1 rx_packets rx_dropped)
	echo "    $n broadcasts into a stalled 64-slot ring: $((r1 - r0)) queued, $((x1 - x0)) dropped"
	((r1 - r0 <= 64 && x1 - x0 >= n - 64 && r1 - r0 + x1 - x0 >= n))
	check_err $? "expected at most 64 queued and the rest dropped at the receiver"
	echo 0 >"$dbg/stall_rx"
	slowwait 10 pings "$NS_VF0" 192.0.2.11 1
	check_err $? "VF1 does not receive after the stall"
	svnic_ethtool pf0v1 -G rx 512
	log_test "datapath: a full RX ring drops and counts at the receiver"
}

# settled [STAT]: VF0's tx_packets and VF1's STAT (rx_broadcast) are equal
# to what they were 0.3 s ago (the ring and the qdisc are empty).
settled()
{
	local a b c d
	read -r a < <(stats pf0v0 tx_packets)
	read -r b < <(stats pf0v1 "${1:-rx_broadcast}")
	sleep 0.3
	read -r c < <(stats pf0v0 tx_packets)
	read -r d < <(stats pf0v1 "${1:-rx_broadcast}")
	[ "$a $b" = "$c $d" ]
}

# qdisc_backlog NS DEV: how many frames DEV's qdisc holds.
qdisc_backlog()
{
	local q
	q=$(tc -n "$1" -s qdisc show dev "$2")
	# "backlog 12000b 12p" (tc may print the bytes as 117Kb).
	[[ $q =~ backlog\ [^\ ]+\ ([0-9]+)p ]] && echo "${BASH_REMATCH[1]}"
}

test_bql()
{
	local b0 b1 in q n=600 len=1514
	RET=0
	# The kernel's default floor (fill_tx raises it).
	svnic_bql 0 limit_min 0
	read -r b0 < <(stats pf0v1 rx_broadcast)
	# Full-size frames at 1 Mbit/s: 83 a second, 7 s for all of them. The
	# sender (one send a frame, a debug kernel under TCG, another test
	# beside it) must outpace the shaper for a backlog to build: about
	# 200 frames a second when the guest is busy.
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 1
	svnic_tx_frames 0 "$n" ff:ff:ff:ff:ff:ff "$len"
	in=$(svnic_bql 0 inflight)
	q=$(qdisc_backlog "$NS_VF0" pf0v0)
	echo "    $n frames behind 1 Mbit/s: $in bytes on the TX ring, ${q:-?} frames in the qdisc"
	((in > 0 && in < n * len / 4 && ${q:-0} > 0))
	check_err $? "expected the backlog in the qdisc and the ring within byte queue limits"
	slowwait 30 settled
	check_err $? "VF0's frames did not drain"
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 0
	in=$(svnic_bql 0 inflight)
	read -r b1 < <(stats pf0v1 rx_broadcast)
	((in == 0 && b1 - b0 >= n))
	check_err $? "after the drain: $in bytes in flight, $((b1 - b0)) of $n frames received"
	log_test "datapath: byte queue limits keep a backlog in the qdisc, not on the ring"
}

# A backlog the qdisc releases in bursts (bulk dequeue under byte queue
# limits, the core's xmit_more) once the shaper lets go: the ring drains,
# then the frames go direct, the receiver kicked once a burst. Every frame
# reaches VF1's stack (counted by a tc filter there): no kick is lost.
test_bursts()
{
	local d0 d1 x0 x1 q f got n=500
	RET=0
	tc -n "$NS_VF1" -batch - <<-EOF
	qdisc add dev pf0v1 clsact
	filter add dev pf0v1 ingress pref 1 protocol 0x88b5 flower skip_hw action drop
	EOF
	read -r d0 < <(stats pf0v0 tx_direct)
	read -r x0 < <(stats pf0v1 rx_dropped)
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 1
	# Full-size frames, as in test_bql: the backlog builds while the
	# sender outpaces the shaper's 83 frames a second.
	svnic_tx_frames 0 "$n" "$MAC1" 1514
	q=$(qdisc_backlog "$NS_VF0" pf0v0)
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 0
	slowwait 30 settled rx_packets
	check_err $? "VF0's frames did not drain"
	read -r d1 < <(stats pf0v0 tx_direct)
	read -r x1 < <(stats pf0v1 rx_dropped)
	f=$(tc -n "$NS_VF1" -s filter show dev pf0v1 ingress)
	[[ $f =~ Sent\ [0-9]+\ bytes\ ([0-9]+)\ pkt ]] && got=${BASH_REMATCH[1]}
	echo "    $n frames, ${q:-?} held in the qdisc: ${got:-?} reached VF1's stack, $((x1 - x0)) dropped by its full ring, $((d1 - d0)) went direct"
	# A burst may overflow VF1's ring (dropped and counted, as a NIC
	# does); every frame the ring took must reach the stack.
	((${got:-0} > 0 && got <= n && got >= n - (x1 - x0)))
	check_err $? "frames were lost or are stuck in VF1's ring"
	((${q:-0} > 0 && d1 > d0))
	check_err $? "the backlog did not build up in the qdisc, or nothing went direct"
	# The sink goes now: the order test, run again below, counts the
	# same EtherType at a socket.
	tc -n "$NS_VF1" qdisc del dev pf0v1 clsact
	log_test "datapath: a backlog released in bursts goes direct, every kick paid"
}

test_stop_wake()
{
	local dbg t0 p0 d0 b0 x0 t1 p1 d1 b1 x1 h n=3000
	RET=0
	dbg=$(svnic_vf_dbg 0)
	svnic_bql_floor 0
	t0=$(svnic_read "$dbg/tx_timeouts")
	read -r p0 d0 < <(stats pf0v0 tx_packets tx_dropped)
	read -r b0 x0 < <(stats pf0v1 rx_broadcast rx_dropped)
	# 60-byte frames at 1 Mbit/s: 2000 a second; the 512-slot ring fills
	# at once and the queue stops and wakes as the shaper lets frames go.
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 1
	svnic_fill_tx 0 "$n"
	slowwait 30 settled
	check_err $? "VF0's frames did not drain"
	ip -n "$NS_HOST" link set pf0 vf 0 max_tx_rate 0
	t1=$(svnic_read "$dbg/tx_timeouts")
	h=$(svnic_read "$dbg/tx_hung")
	read -r p1 d1 < <(stats pf0v0 tx_packets tx_dropped)
	read -r b1 x1 < <(stats pf0v1 rx_broadcast rx_dropped)
	echo "    VF0 sent $((p1 - p0)) (dropped $((d1 - d0))), VF1 received $((b1 - b0)) broadcasts (dropped $((x1 - x0))); TX timeouts $((t1 - t0))"
	((t1 == t0 && h == 0))
	check_err $? "the TX watchdog fired"
	((b1 - b0 > 512 && d1 == d0 && x1 == x0))
	check_err $? "expected more than a ring's worth through, nothing dropped"
	pings "$NS_VF0" 192.0.2.11 1
	check_err $? "VF0 does not pass traffic after the flood"
	log_test "datapath: a queue stopped behind a full ring wakes; no TX timeout$LABEL"
}

# vector DEV: "IRQ COUNT..." of DEV's interrupt vector (named in
# VNAME), the counts per online CPU, read from /proc/interrupts with
# builtins. (Tests beside this one have netdevs of the same names; their
# bus devices differ.)
declare -A VNAME
vector()
{
	local line w
	while read -r line; do
		[[ $line == *" ${VNAME[$1]}" ]] || continue
		read -ra w <<<"$line"
		echo "${w[0]%:} ${w[*]:1:NCPU}"
		return 0
	done </proc/interrupts
	return 1
}

# pin DEV CPU: sets the affinity of DEV's vector.
pin() { echo "$2" >"/proc/irq/${IRQ[$1]}/smp_affinity_list"; }

# on_cpu DEV CPU FROM: pings VF0 -> VF1 sent from CPU FROM run DEV's
# interrupt on CPU only.
on_cpu()
{
	local a b i moved=0 others=0
	read -ra a < <(vector "$1")
	svnic_in "$NS_VF0" taskset -c "$3" ping -q -c 3 -i 0.2 -W 3 192.0.2.11 >/dev/null
	check_err $? "VF0 cannot reach VF1 with $1's vector on CPU $2"
	read -ra b < <(vector "$1")
	for ((i = 1; i <= NCPU; i++)); do
		if ((i - 1 == $2)); then
			moved=$((b[i] - a[i]))
		else
			others=$((others + b[i] - a[i]))
		fi
	done
	echo "    $1's vector on CPU $2: $moved interrupts there, $others elsewhere"
	((moved >= 3 && others == 0))
	check_err $? "$1's interrupts did not all run on CPU $2"
}

declare -A IRQ
test_vectors()
{
	local dev v hdr aff bus
	RET=0
	read -ra hdr </proc/interrupts
	NCPU=${#hdr[@]}
	bus=$(cd -P "$(svnic_sys "$NS_HOST" class/net/pf0/device)" && echo "${PWD##*/}")
	VNAME=([pf0]=pf0-TxRx-0@$bus [pf0v0]=pf0v0-TxRx-0@${bus}vf0 [pf0v1]=pf0v1-TxRx-0@${bus}vf1)
	for dev in pf0 pf0v0 pf0v1; do
		read -r v _ < <(vector "$dev")
		check_err $? "no interrupt ${VNAME[$dev]} in /proc/interrupts"
		IRQ[$dev]=$v
	done
	if ((RET != 0 || NCPU < 2)); then
		((RET != 0)) || log_test_skip "datapath: interrupt vectors" "one CPU"
		((RET == 0)) || log_test "datapath: interrupt vectors"
		return
	fi
	pin pf0v1 1
	on_cpu pf0v1 1 0
	pin pf0v1 0
	on_cpu pf0v1 0 1
	svnic_expect_fail "out of range\|invalid argument" pin pf0v1 "$NCPU"
	aff=$(svnic_read "/proc/irq/${IRQ[pf0v1]}/smp_affinity_list")
	[ "$aff" = 0 ]
	check_err $? "the refused affinity changed it to $aff"
	ip -n "$NS_VF1" -batch - <<-EOF
	link set pf0v1 down
	link set pf0v1 up
	EOF
	read -r v _ < <(vector pf0v1)
	aff=$(svnic_read "/proc/irq/${IRQ[pf0v1]}/smp_affinity_list")
	[ "$v" = "${IRQ[pf0v1]}" ] && [ "$aff" = 0 ]
	check_err $? "down and up: interrupt $v, affinity $aff (was ${IRQ[pf0v1]}, 0)"
	slowwait 10 pings "$NS_VF0" 192.0.2.11 1
	on_cpu pf0v1 0 1
	pin pf0v1 "0-$((NCPU - 1))"
	log_test "datapath: interrupt vectors: named, run where their affinity says, kept across down and up"
}

# tcp_stream: sends 4 MB from VF0 to VF1 over TCP; prints "bytes napi_id
# frames frame_bytes": what arrived at VF1's socket and the NAPI ID it saw,
# and the frames and bytes VF1's RX ring took meanwhile.
tcp_stream()
{
	local p0 b0 p1 b1 got
	read -r p0 b0 < <(stats pf0v1 rx_packets rx_bytes)
	got=$(svnic_in "$NS_VF1" python3 "$(dirname "$(readlink -e "$0")")/svnic_tcp.py" \
		192.0.2.11 "/run/netns/$NS_VF0" 4000000)
	read -r p1 b1 < <(stats pf0v1 rx_packets rx_bytes)
	echo "${got:-0 0} $((p1 - p0)) $((b1 - b0))"
}

test_offloads()
{
	local got napi frames bytes
	RET=0
	read -r got napi frames bytes < <(tcp_stream)
	echo "    TSO on: $got bytes in $frames frames, $((bytes / (frames ? frames : 1))) bytes a frame, NAPI ID $napi"
	[ "$got" = 4000000 ]
	check_err $? "the stream did not arrive whole"
	# Busy polling and SO_INCOMING_NAPI_ID need the ID of VF1's poll on
	# what it delivers (IDs start above NR_CPUS, never 0).
	((napi > 0))
	check_err $? "the received segments carry no NAPI ID"
	((bytes / (frames ? frames : 1) > 1500))
	check_err $? "segments larger than the MTU did not cross the switch"
	svnic_ethtool pf0v0 -K tso off
	check_err $? "ethtool -K tso off refused"
	read -r got napi frames bytes < <(tcp_stream)
	echo "    TSO off: $got bytes in $frames frames"
	svnic_ethtool pf0v0 -K tso on
	[ "$got" = 4000000 ]
	check_err $? "the stream did not arrive whole with TSO off"
	((bytes / (frames ? frames : 1) <= 1514))
	check_err $? "with TSO off frames larger than the MTU crossed"
	log_test "datapath: TCP segments cross the switch unsegmented, checksums pending, with the receiver's NAPI ID"
}

# xdp_attach NS DEV VERDICT: attaches an XDP program returning VERDICT (pass,
# drop, tx) to DEV in driver mode, or detaches it (off).
xdp_attach()
{
	svnic_in "$1" python3 -S "$(dirname "$(readlink -e "$0")")/svnic_nl.py" xdp "$2" "$3"
}

test_xdp()
{
	local r0 r1 s0 s1 got napi frames bytes
	RET=0
	ip -n "$NS_HOST" link set pf0 vf 1 spoofchk on
	xdp_attach "$NS_VF1" pf0v1 drop
	check_err $? "a driver-mode XDP program was refused"
	[[ $(ip -n "$NS_VF1" link show pf0v1) == *" xdp qdisc"* ]]
	check_err $? "VF1 does not show a driver-mode program (xdp)"
	read -r r0 < <(stats pf0v1 rx_packets)
	pings "$NS_VF0" 192.0.2.11 1
	check_fail $? "VF1 answered through an XDP_DROP program"
	read -r r1 < <(stats pf0v1 rx_packets)
	((r1 > r0))
	check_err $? "VF1 did not count the frames its program dropped"
	# XDP_TX: back out of VF1 as it came, with VF0's source address,
	# which VF1's spoof check drops.
	xdp_attach "$NS_VF1" pf0v1 tx
	check_err $? "replacing the program failed"
	read -r s0 < <(stats pf0v1 tx_spoofed)
	pings "$NS_VF0" 192.0.2.11 1
	read -r s1 < <(stats pf0v1 tx_spoofed)
	((s1 > s0))
	check_err $? "XDP_TX did not send the frame back out of VF1 (tx_spoofed $s0 -> $s1)"
	# XDP_PASS: the program sees a TSO buffer as the wire frames it stands
	# for, checksummed; the stream arrives whole.
	xdp_attach "$NS_VF1" pf0v1 pass
	read -r got napi frames bytes < <(tcp_stream)
	echo "    XDP_PASS: $got bytes, NAPI ID $napi"
	[ "$got" = 4000000 ]
	check_err $? "the TCP stream did not arrive whole through XDP_PASS"
	xdp_attach "$NS_VF1" pf0v1 off
	check_err $? "detaching the program failed"
	[[ $(ip -n "$NS_VF1" link show pf0v1) != *" xdp "* ]]
	check_err $? "VF1 still shows a program"
	pings "$NS_VF0" 192.0.2.11
	check_err $? "VF0 does not reach VF1 after the program is gone"
	log_test "datapath: XDP in driver mode: drop, tx (through the spoof check), pass (TSO buffers as wire frames), detach"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
svnic_topo
svnic_vfs 2 || { log_test_skip "VF setup" "cannot create VFs"; exit "$ksft_fail"; }
ip -n "$NS_HOST" -batch - <<-EOF
link set pf0 vf 0 mac $MAC0
link set pf0 vf 1 mac $MAC1
EOF
test_direct
test_held_take_the_ring
test_order
test_bql
test_bursts
test_rx_full
test_stop_wake
test_offloads
test_xdp
test_vectors
if ((NCPU >= 2)); then
	# The sender's poll (its TX ring) and the receiver's on other CPUs
	# than the frames' xmit.
	pin pf0v0 1
	pin pf0v1 0
	LABEL=" (vectors on CPUs 1 and 0)"
	test_order
	test_stop_wake
	pin pf0v0 "0-$((NCPU - 1))"
	pin pf0v1 "0-$((NCPU - 1))"
fi
exit "$EXIT_STATUS"
