#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# svnic benchmarks, run inside the VM on the plain kernel with svnic.ko
# loaded (tools/bench/run.sh does both; `make bench` calls that). Every path
# is measured in the same boot, in alternating order, so they compare; never
# compare numbers across boots or machines.
#
# Paths (each endpoint in its own namespace, same addresses and sink):
#   svnic      VF0 -> embedded switch -> VF1 (a PF over a veth uplink),
#              the VFs' interrupt vectors at their default affinity (every
#              CPU): each poll runs on the CPU that kicked it, the sender's
#   svnic_irq  the same with each VF's vector pinned as one places a NIC's
#              (/proc/irq/N/smp_affinity_list): the sender's on the
#              sender's CPU, the receiver's on the next CPU
#   veth       one veth pair
#   veth_gro   one veth pair, GRO on at the receiver and TSO off at the
#              sender: every frame through veth's NAPI mode
#   veth_rps   one veth pair, the receiver's RPS on CPU 1: the software
#              path given the second CPU that svnic's receiver has
#   bridge     veth -> bridge -> veth
#   macvlan    macvlan -> macvlan, bridge mode, on one veth end
#   netdevsim  two linked netdevsim ports
#
# Workloads:
#   W1  pktgen from the sender's CPU 0, 64 and 1500 bytes, clone_skb 0,
#       count at the receiver (its rx_packets; a tc drop is the sink):
#       kpps and CPU ns per delivered packet (busy time of all CPUs from
#       /proc/stat over the packets).
#   W4  ping RTT at idle, 200 probes 10 ms apart, SVNIC_BENCH_REPS rounds
#       (ABAB order): p50/p99/max of all the probes, twice: with the
#       kernel's receive timestamps (ping's default) and user to user
#       (ping -U, times read by ping itself). The first stops the clock
#       where the stack stamps the echo reply, and that point is not the
#       same on every path: a backlog device (veth, bridge, macvlan)
#       stamps as its xmit queues the reply to the backlog
#       (net.core.netdev_tstamp_prequeue), a NAPI driver (svnic, veth's
#       NAPI mode, netdevsim) as its poll hands it to the stack, after
#       the last hop's softirq pass; the second ends where ping has it.
#   W6  svnic only: RX coalescing of the receiving VF, or TX (doorbell)
#       coalescing of the sending one (ethtool -C): W1 at 64 bytes (medians
#       of SVNIC_BENCH_REPS rounds over the settings) and W4 for each
#       setting (each round's probes), with the receiver's packets per NAPI
#       poll.
#   W7  svnic only: 1, 2, 4 VF pairs sending at once: aggregate kpps and
#       Jain's fairness index over the pairs.
#   prof (not run by default): where W1's 64-byte flood spends its CPU
#       time on svnic and on veth: perf samples (cpu-clock, all CPUs) per
#       1000 delivered packets, by kernel function, the top of each path.
#   insns (not run by default; TCG only): the guest instructions, memory
#       accesses and simulated TLB misses per delivered packet of a
#       fixed-count 64-byte pktgen flood on each path, counted exactly by
#       a QEMU plugin (tools/bench/insns.c) between two runs of a marker
#       program; tools/bench/run.sh sets it up and tools/bench/insns.py
#       prints the table after the VM ends.
#
#   W8  svnic only: pktgen's burst (xmit_more) and clone_skb, which pktgen
#       allows only on a device with IFF_TX_SKB_SHARING: VFs made with
#       devlink's vf_tx_skb_sharing (each buffer pktgen holds is cloned
#       before the VF sends it). veth, macvlan and bridge clear the flag
#       (they forward the buffer pktgen would send again), as svnic's VFs
#       do by default: W1 runs all paths with pktgen's defaults.
#
# The end of the output has one line per target of issue 16, e.g.
# "svnic/veth 64B: 1.07 (target >= 1.00) ok", and every figure goes to
# SVNIC_BENCH_JSON (a file, if set) as JSON.
#
# Environment: SVNIC_BENCH_SECONDS (measured seconds per run, 5),
# SVNIC_BENCH_INSNS_PACKETS (frames per path of insns, 50000),
# SVNIC_BENCH_REPS (runs per path and size, 3), SVNIC_BENCH_PATHS (the list
# above), SVNIC_BENCH_WORKLOADS ("w1 w4 w6 w7 w8"), SVNIC_BENCH_JSON,
# SVNIC_BENCH_PKTGEN (pktgen commands for every flood, `;` between them,
# e.g. "flag !SHARED": pktgen then holds no reference to what it sends).
set -u

secs=${SVNIC_BENCH_SECONDS:-5}
reps=${SVNIC_BENCH_REPS:-3}
paths=${SVNIC_BENCH_PATHS:-svnic svnic_irq veth veth_gro veth_rps bridge macvlan netdevsim}
workloads=${SVNIC_BENCH_WORKLOADS:-w1 w4 w6 w7 w8}
ip_a=198.51.100.1
ip_b=198.51.100.2

die() { echo "bench: error: $*" >&2; cleanup; exit 1; }
note() { echo "bench: $*" >&2; }

# --- topologies ---------------------------------------------------------------
# Each setup_<path> N makes N pairs of namespaces bench_aI/bench_bI (I from 0)
# holding a sender and a receiver, and sets TX[I], RX[I] (device names).
declare -a TX RX
nsim_ids=()

cleanup()
{
	local ns id
	ip netns exec bench_sw sh -c 'echo 0 >/sys/class/net/pf0/device/sriov_numvfs' 2>/dev/null
	for id in "${nsim_ids[@]}"; do
		echo "$id" >/sys/bus/netdevsim/del_device
	done
	nsim_ids=()
	for ns in $(ip netns list | awk '/^bench_/ {print $1}'); do
		ip netns del "$ns"
	done
	# Namespaces die asynchronously; let their devices go first.
	for _ in $(seq 50); do
		ip -o link show | grep -q 'bench\|pf0' || break
		sleep 0.1
	done
}

pair_ns()
{
	ip netns add "bench_a$1" && ip netns add "bench_b$1" || die "netns"
}

# svnic_sharing: true to make the VFs with devlink's vf_tx_skb_sharing (W8).
svnic_sharing=false

setup_svnic()
{
	local i vf dl
	ip netns add bench_sw
	ip -n bench_sw link add up0 type veth peer name peer0
	ip -n bench_sw link add pf0 link up0 type svnic || die "svnic PF"
	ip -n bench_sw link set up0 up
	ip -n bench_sw link set peer0 up
	ip -n bench_sw link set pf0 up
	if [ "$svnic_sharing" = true ]; then
		dl=svnic/$(basename "$(ip netns exec bench_sw readlink /sys/class/net/pf0/device)")
		devlink dev param set "$dl" name vf_tx_skb_sharing value true cmode runtime ||
			die "vf_tx_skb_sharing"
	fi
	ip netns exec bench_sw sh -c "echo $((2 * $1)) >/sys/class/net/pf0/device/sriov_numvfs" ||
		die "sriov_numvfs"
	for ((i = 0; i < $1; i++)); do
		pair_ns "$i"
		for vf in $((2 * i)) $((2 * i + 1)); do
			ip -n bench_sw link set pf0 vf "$vf" mac "02:00:00:00:$(printf %02x "$i"):$(printf %02x "$vf")"
		done
		ip -n bench_sw link set "pf0v$((2 * i))" netns "bench_a$i"
		ip -n bench_sw link set "pf0v$((2 * i + 1))" netns "bench_b$i"
		TX[i]=pf0v$((2 * i))
		RX[i]=pf0v$((2 * i + 1))
	done
}

setup_svnic_irq()
{
	setup_svnic "$@"
}

setup_veth()
{
	pair_ns 0
	ip link add snd netns bench_a0 type veth peer name rcv netns bench_b0
	TX[0]=snd RX[0]=rcv
}

setup_veth_gro()
{
	setup_veth
	ip netns exec bench_b0 ethtool -K rcv gro on >/dev/null || die "veth GRO"
	# veth hands a frame to the peer's NAPI only if the sender cannot
	# segment (no TSO) or the frame comes from a local socket
	# (veth_skb_is_eligible_for_gro); pktgen's frames would otherwise go
	# to the backlog, as plain veth's do.
	ip netns exec bench_a0 ethtool -K snd tso off >/dev/null || die "veth TSO"
}

# veth_napi_frames: frames the veth receiver took through its NAPI
# (veth's rx_queue_0_xdp_packets counts every frame of its NAPI mode).
veth_napi_frames()
{
	ip netns exec bench_b0 ethtool -S "${RX[0]}" | awk '$1 == "rx_queue_0_xdp_packets:" {print $2}'
}

setup_veth_rps()
{
	setup_veth
}

setup_bridge()
{
	local p
	pair_ns 0
	ip netns add bench_sw
	ip -n bench_sw link add br0 type bridge
	ip -n bench_sw link set br0 up
	ip link add snd netns bench_a0 type veth peer name pa netns bench_sw
	ip link add rcv netns bench_b0 type veth peer name pb netns bench_sw
	for p in pa pb; do
		ip -n bench_sw link set "$p" master br0
		ip -n bench_sw link set "$p" up
	done
	TX[0]=snd RX[0]=rcv
}

setup_macvlan()
{
	pair_ns 0
	ip netns add bench_sw
	# The lower device is a veth end (the test kernel has no dummy):
	# bridge-mode macvlans on one lower forward to each other directly.
	ip -n bench_sw link add low0 type veth peer name low1
	ip -n bench_sw link set low0 up
	ip -n bench_sw link set low1 up
	ip -n bench_sw link add snd link low0 type macvlan mode bridge
	ip -n bench_sw link add rcv link low0 type macvlan mode bridge
	ip -n bench_sw link set snd netns bench_a0
	ip -n bench_sw link set rcv netns bench_b0
	TX[0]=snd RX[0]=rcv
}

setup_netdevsim()
{
	local id fa fb ia ib
	pair_ns 0
	for id in 71 72; do
		echo "$id 1" >/sys/bus/netdevsim/new_device || die "netdevsim $id"
		nsim_ids+=("$id")
	done
	# udev may rename the new ports; let it finish first.
	udevadm settle 2>/dev/null
	for _ in $(seq 50); do
		[ -d /sys/bus/netdevsim/devices/netdevsim72/net ] && break
		sleep 0.1
	done
	udevadm settle 2>/dev/null
	ip link set "$(ls /sys/bus/netdevsim/devices/netdevsim71/net)" netns bench_a0 name snd
	ip link set "$(ls /sys/bus/netdevsim/devices/netdevsim72/net)" netns bench_b0 name rcv
	exec {fa}</var/run/netns/bench_a0 {fb}</var/run/netns/bench_b0
	ia=$(ip netns exec bench_a0 cat /sys/class/net/snd/ifindex)
	ib=$(ip netns exec bench_b0 cat /sys/class/net/rcv/ifindex)
	echo "$fa:$ia $fb:$ib" >/sys/bus/netdevsim/link_device || die "netdevsim link"
	exec {fa}<&- {fb}<&-
	TX[0]=snd RX[0]=rcv
}

# vector_irq DEV: the interrupt number of svnic netdev DEV's vector
# (/proc/interrupts is not per namespace; the bench has one PF).
vector_irq()
{
	awk -v n="$1-TxRx-0@" 'index($NF, n) == 1 { sub(":", "", $1); print $1 }' /proc/interrupts
}

# pin_vectors N: pair I's sending VF's interrupt on CPU I, its receiving
# VF's on the next CPU (modulo the CPUs), as one places a NIC's interrupts:
# the receiving side of each flow runs on a CPU of its own.
pin_vectors()
{
	local i irq n
	n=$(nproc)
	for ((i = 0; i < $1; i++)); do
		irq=$(vector_irq "${TX[i]}")
		echo $((i % n)) >"/proc/irq/$irq/smp_affinity_list" || die "pin ${TX[i]}"
		irq=$(vector_irq "${RX[i]}")
		echo $(((i + 1) % n)) >"/proc/irq/$irq/smp_affinity_list" || die "pin ${RX[i]}"
	done
}

# setup PATH N: the topology, addresses, a drop sink on each receiver, and
# one ping through each pair (which also fills the neighbour tables).
setup()
{
	local i a b
	TX=() RX=()
	"setup_$1" "$2"
	for ((i = 0; i < $2; i++)); do
		a=bench_a$i b=bench_b$i
		ip -n "$a" link set "${TX[i]}" up
		ip -n "$b" link set "${RX[i]}" up
		ip -n "$a" addr add "$ip_a/24" dev "${TX[i]}"
		ip -n "$b" addr add "$ip_b/24" dev "${RX[i]}"
		for ns in "$a" "$b"; do
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		done
	done
	case $1 in
	svnic_irq) pin_vectors "$2" ;;
	veth_rps)
		ip netns exec bench_b0 sh -c \
			"echo $(printf %x $((1 << (1 % $(nproc))))) >/sys/class/net/${RX[0]}/queues/rx-0/rps_cpus" ||
			die "veth RPS"
		;;
	esac
	for ((i = 0; i < $2; i++)); do
		ip netns exec "bench_a$i" ping -q -c 1 -W 5 "$ip_b" >/dev/null ||
			die "$1: pair $i does not pass traffic"
		if [ "$1" = veth_gro ] && [ "$(veth_napi_frames)" = 0 ]; then
			die "veth_gro: the ping did not take veth's NAPI"
		fi
		tc -n "bench_b$i" qdisc add dev "${RX[i]}" clsact
		tc -n "bench_b$i" filter add dev "${RX[i]}" ingress pref 1 \
			protocol ip flower skip_hw ip_proto udp action drop
	done
}

# --- measurements -------------------------------------------------------------
pg() { ip netns exec "$1" sh -c "echo '$3' >/proc/net/pktgen/$2"; }

# pktgen_setup I SIZE: pair I's sender floods its receiver from CPU (I mod CPUs).
pktgen_setup()
{
	local a=bench_a$1 dev=${TX[$1]} t mac c extra
	t=kpktgend_$(($1 % $(nproc)))
	mac=$(ip netns exec "bench_b$1" cat "/sys/class/net/${RX[$1]}/address")
	pg "$a" "$t" rem_device_all
	pg "$a" "$t" "add_device $dev"
	pg "$a" "$dev" "count 0"
	pg "$a" "$dev" "clone_skb 0"
	pg "$a" "$dev" "pkt_size $2"
	pg "$a" "$dev" "delay 0"
	pg "$a" "$dev" "dst $ip_b"
	pg "$a" "$dev" "dst_mac $mac"
	IFS=';' read -ra extra <<<"${SVNIC_BENCH_PKTGEN:-};${pg_extra:-}"
	for c in "${extra[@]}"; do
		[ -z "$c" ] || pg "$a" "$dev" "$c" || die "pktgen refused: $c"
	done
}

# busy: CPU time of all CPUs, in 10 ms ticks, that was not idle or iowait.
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
rx_count() { ip netns exec "bench_b$1" cat "/sys/class/net/${RX[$1]}/statistics/rx_packets"; }

# flood N SIZE: N pairs send SIZE-byte frames for $secs seconds after one
# second of warm-up. Prints per pair "kpps" and last "total_kpps ns_per_pkt".
flood()
{
	local n=$1 i t0 t1 b0 b1 total=0 pids=()
	local -a r0 r1
	for ((i = 0; i < n; i++)); do
		pktgen_setup "$i" "$2"
	done
	for ((i = 0; i < n; i++)); do
		ip netns exec "bench_a$i" sh -c 'echo start >/proc/net/pktgen/pgctrl' 2>/dev/null &
		pids+=($!)
	done
	sleep 1
	for ((i = 0; i < n; i++)); do r0[i]=$(rx_count "$i"); done
	b0=$(busy) t0=$(date +%s%N)
	sleep "$secs"
	for ((i = 0; i < n; i++)); do r1[i]=$(rx_count "$i"); done
	b1=$(busy) t1=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		ip netns exec "bench_a$i" sh -c 'echo stop >/proc/net/pktgen/pgctrl'
	done
	wait "${pids[@]}"
	for ((i = 0; i < n; i++)); do
		echo "$(( (r1[i] - r0[i]) * 1000000 / (t1 - t0) ))"
		total=$((total + r1[i] - r0[i]))
	done
	# ticks are 10 ms: ns = ticks * 1e7
	if [ "$total" -gt 0 ]; then
		echo "$((total * 1000000 / (t1 - t0))) $(( (b1 - b0) * 10000000 / total ))"
	else
		echo "0 0"
	fi
}

# rtt_samples: 200 pings at idle through pair 0; prints each RTT in
# microseconds, one a line.
# rtt_samples [PING OPTIONS]: 200 idle RTTs from pair 0, in microseconds.
rtt_samples()
{
	ip netns exec bench_a0 ping "$@" -c 200 -i 0.01 -W 2 "$ip_b" |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | awk '{printf "%d\n", $1 * 1000}'
}

# percentiles LIST: "p50 p99 max" of a list of integers ("- - -" if empty).
percentiles()
{
	tr ' ' '\n' <<<"$*" | grep . | sort -n |
		awk '{v[NR] = $1} END {
			if (NR == 0) { print "- - -"; exit }
			printf "%d %d %d\n", v[int((NR + 1) * 0.5)], v[int(NR * 0.99 + 0.5)], v[NR] }'
}

# stats LIST: "median min max" of a list of integers.
stats()
{
	tr ' ' '\n' <<<"$*" | grep . | sort -n |
		awk '{v[NR] = $1} END { printf "%d %d %d\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

polls() { ip netns exec bench_b0 ethtool -S "${RX[0]}" | awk '$1 == "rx_polls:" {print $2}'; }

# Every figure, by key (w1.PATH.SIZE.kpps, w4.PATH.p50, ...), for the
# targets and the JSON.
declare -A R

# --- workloads ----------------------------------------------------------------
prof()
{
	local p pid r0 r1 n data
	command -v perf >/dev/null || { note "no perf: prof skipped"; return; }
	echo "## prof: 64B flood, CPU time per delivered packet by kernel function, us (perf, cpu-clock 499 Hz, all CPUs)"
	sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
	for p in svnic veth; do
		setup "$p" 1
		pktgen_setup 0 64
		ip netns exec bench_a0 sh -c 'echo start >/proc/net/pktgen/pgctrl' 2>/dev/null &
		pid=$!
		sleep 1
		data=$(mktemp)
		r0=$(rx_count 0)
		perf record -q -a -e cpu-clock -F 499 -o "$data" -- sleep "$secs" 2>/dev/null
		r1=$(rx_count 0)
		ip netns exec bench_a0 sh -c 'echo stop >/proc/net/pktgen/pgctrl'
		wait "$pid"
		n=$((r1 - r0))
		R[prof.$p.packets]=$n
		# "  12.34%  656  [k] name": a sample is 1/499 s of one CPU.
		perf report -i "$data" --kallsyms=/proc/kallsyms --stdio -n --sort sym 2>/dev/null |
			awk -v n="$n" -v p="$p" '$3 == "[k]" && n > 0 {
				printf "prof %-6s %8.3f  %s\n", p, $2 * 1e6 / (499 * n), $4 }' | head -n 25
		rm -f "$data"
		cleanup
	done
}

insns()
{
	local p n=${SVNIC_BENCH_INSNS_PACKETS:-50000} dir=${SVNIC_BENCH_INSNS_DIR:-} r0 r1
	if [ -z "${SVNIC_BENCH_MARK:-}" ] || [ -z "$dir" ]; then
		note "insns: needs tools/bench/run.sh's QEMU plugin: skipped"
		return
	fi
	echo "## insns: $n 64B frames a path, counted by the QEMU plugin (table below, after the VM)"
	sysctl -qw kernel.kptr_restrict=0
	: >"$dir/runs"
	for p in $paths; do
		setup "$p" 1
		pktgen_setup 0 64
		pg bench_a0 "${TX[0]}" "count $n"
		# Let the setup's stragglers (neighbour timers, udev) settle.
		sleep 2
		r0=$(rx_count 0)
		# The plugin's window: from one run of the marker to the next.
		"$SVNIC_BENCH_MARK"
		ip netns exec bench_a0 sh -c 'echo start >/proc/net/pktgen/pgctrl'
		"$SVNIC_BENCH_MARK"
		r1=$(rx_count 0)
		echo "$p $((r1 - r0))" >>"$dir/runs"
		cleanup
	done
	cat /proc/kallsyms >"$dir/kallsyms"
}

w1()
{
	local size p r out
	declare -A kpps nspp
	echo "## W1: pktgen flood, one sender, ${secs} s runs, $reps runs each (ABAB order)"
	echo "## kpps at the receiver (median min max), CPU ns per delivered packet (median)"
	for size in 64 1500; do
		for ((r = 0; r < reps; r++)); do
			for p in $paths; do
				setup "$p" 1
				out=$(flood 1 "$size" | tail -n1)
				kpps[$p]+=" ${out% *}" nspp[$p]+=" ${out#* }"
				cleanup
			done
		done
		for p in $paths; do
			out=$(stats ${kpps[$p]})
			R[w1.$p.$size.kpps]=${out%% *}
			R[w1.$p.$size.nspp]=$(stats ${nspp[$p]} | cut -d' ' -f1)
			printf "w1 %-10s %4dB  kpps %s  ns/pkt %s\n" "$p" "$size" \
				"$out" "${R[w1.$p.$size.nspp]}"
		done
		unset kpps nspp
		declare -A kpps nspp
	done
}

w4()
{
	local p out user r
	local -A samples users
	echo "## W4: ping RTT at idle, $reps rounds of 200 probes a path (ABAB order), microseconds"
	echo "## (p50 p99 max of all the rounds' probes; kernel receive timestamps, then user to user)"
	for ((r = 0; r < reps; r++)); do
		for p in $paths; do
			setup "$p" 1
			samples[$p]+=" $(rtt_samples | tr '\n' ' ')"
			users[$p]+=" $(rtt_samples -U | tr '\n' ' ')"
			cleanup
		done
	done
	for p in $paths; do
		out=$(percentiles "${samples[$p]}")
		user=$(percentiles "${users[$p]}")
		R[w4.$p.p50]=${out%% *}
		R[w4.$p.user_p50]=${user%% *}
		printf "w4 %-10s rtt %-14s user-to-user %s\n" "$p" "$out" "$user"
	done
}

w6()
{
	local s out p0 p1 r0 r1 ns dev ppp key r rtt
	local -A kp polls_d rx_d rtts
	local settings=("rx-usecs 0 rx-frames 1" "rx-usecs 16 rx-frames 16" \
		"rx-usecs 64 rx-frames 64" "rx-usecs 256 rx-frames 256" "adaptive-rx on" \
		"tx: tx-usecs 64 tx-frames 32" "tx: adaptive-tx on")
	echo "## W6: svnic coalescing, of the receiving VF's RX or (tx:) the sending VF's TX doorbell,"
	echo "## $reps rounds over the settings (ABAB order): 64B flood kpps (median min max),"
	echo "## receiver packets per NAPI poll (all rounds), idle RTT p50 p99 max (us, all rounds' probes)"
	for ((r = 0; r < reps; r++)); do
		for s in "${settings[@]}"; do
			setup svnic 1
			ns=bench_b0 dev=${RX[0]}
			case "$s" in tx:*) ns=bench_a0 dev=${TX[0]} ;; esac
			ip netns exec "$ns" ethtool -C "$dev" ${s#tx: } || die "ethtool -C $s"
			p0=$(polls) r0=$(rx_count 0)
			out=$(flood 1 64 | tail -n1)
			p1=$(polls) r1=$(rx_count 0)
			kp[$s]+=" ${out% *}"
			polls_d[$s]=$((${polls_d[$s]:-0} + p1 - p0))
			rx_d[$s]=$((${rx_d[$s]:-0} + r1 - r0))
			rtts[$s]+=" $(rtt_samples | tr '\n' ' ')"
			cleanup
		done
	done
	for s in "${settings[@]}"; do
		out=$(stats ${kp[$s]})
		ppp=$(awk -v p="${polls_d[$s]}" -v r="${rx_d[$s]}" 'BEGIN { printf "%.2f", (p > 0 ? r / p : 0) }')
		rtt=$(percentiles "${rtts[$s]}")
		key=${s// /_}
		key=${key//:/}
		R[w6.$key.kpps]=${out%% *}
		R[w6.$key.pkts_per_poll]=$ppp
		R[w6.$key.p50]=${rtt%% *}
		printf "w6 %-30s kpps %-12s  pkts/poll %6s  rtt %s\n" "$s" "$out" "$ppp" "$rtt"
	done
}

w7()
{
	local n out total fair
	echo "## W7: svnic, N VF pairs flooding at once (64B): aggregate kpps, Jain fairness"
	for n in 1 2 4; do
		setup svnic "$n"
		out=$(flood "$n" 64)
		total=$(tail -n1 <<<"$out" | cut -d' ' -f1)
		fair=$(head -n "$n" <<<"$out" |
			awk '{s += $1; q += $1 * $1} END { if (q > 0) printf "%.3f", s * s / (NR * q); else print "-" }')
		R[w7.$n.kpps]=$total
		R[w7.$n.fairness]=$fair
		printf "w7 %d pairs  kpps %s  per pair %s  fairness %s\n" "$n" "$total" \
			"$(head -n "$n" <<<"$out" | tr '\n' ' ')" "$fair"
		cleanup
	done
}

# target NAME VALUE OP LIMIT: one line "NAME: VALUE (target OP LIMIT) ok|missed",
# or "n/a" when a figure is missing.
target()
{
	local verdict
	if [ -z "$2" ]; then
		printf "%s: n/a (target %s %s) not measured\n" "$1" "$3" "$4"
		return
	fi
	verdict=$(awk -v v="$2" -v l="$4" -v op="$3" \
		'BEGIN { ok = (op == ">=") ? (v >= l) : (v <= l); print ok ? "ok" : "missed" }')
	printf "%s: %.2f (target %s %.2f) %s\n" "$1" "$2" "$3" "$4" "$verdict"
}

# ratio A B: A / B with two decimals, empty if either is missing or B is 0.
ratio()
{
	[ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ] && [ "$2" != - ] && [ "$1" != - ] || return 0
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'
}

# polls_per_sec W6KEY: the receiver's polls per second in that W6 run.
polls_per_sec()
{
	local k=${R[w6.$1.kpps]:-} p=${R[w6.$1.pkts_per_poll]:-}
	[ -n "$k" ] && [ -n "$p" ] && awk -v k="$k" -v p="$p" 'BEGIN { if (p > 0) printf "%.1f", k * 1000 / p }'
}

# W8: pktgen's xmit_more. VFs made with vf_tx_skb_sharing take what
# pktgen sends more than once (clone_skb, burst), each such buffer as a
# clone of its own. burst 1: a new buffer a frame, as W1 (on such a VF
# each is cloned: pktgen holds a reference); clone_skb 7: each buffer
# sent 8 times, a call each; burst 8: each buffer sent 8 times in one
# call, the core's xmit_more set on the first 7 (svnic kicks the
# receiver once a burst).
w8()
{
	local s r out p0 p1 r0 r1 ppp key
	local -A kp polls_d rx_d
	local settings=("burst 1" "clone_skb 7" "burst 8")
	echo "## W8: svnic, pktgen's burst (xmit_more), VFs made with vf_tx_skb_sharing, $reps rounds"
	echo "## (ABAB order): 64B flood kpps (median min max), receiver packets per NAPI poll"
	svnic_sharing=true
	for ((r = 0; r < reps; r++)); do
		for s in "${settings[@]}"; do
			setup svnic 1
			p0=$(polls) r0=$(rx_count 0)
			out=$(pg_extra=$s flood 1 64 | tail -n1)
			p1=$(polls) r1=$(rx_count 0)
			kp[$s]+=" ${out% *}"
			polls_d[$s]=$((${polls_d[$s]:-0} + p1 - p0))
			rx_d[$s]=$((${rx_d[$s]:-0} + r1 - r0))
			cleanup
		done
	done
	svnic_sharing=false
	for s in "${settings[@]}"; do
		out=$(stats ${kp[$s]})
		ppp=$(awk -v p="${polls_d[$s]}" -v r="${rx_d[$s]}" 'BEGIN { printf "%.2f", (p > 0 ? r / p : 0) }')
		key=${s// /_}
		R[w8.$key.kpps]=${out%% *}
		R[w8.$key.pkts_per_poll]=$ppp
		printf "w8 %-12s kpps %-12s  pkts/poll %6s\n" "$s" "$out" "$ppp"
	done
}

targets()
{
	local p size base off c
	echo "## Targets (issue 16): ratios within this boot"
	# Both of svnic's configurations; svnic_irq's against the software
	# path given the same second CPU (veth_rps) is for reference.
	for p in svnic svnic_irq; do
		for size in 64 1500; do
			for base in veth macvlan; do
				target "$p/$base ${size}B" "$(ratio "${R[w1.$p.$size.kpps]:-}" "${R[w1.$base.$size.kpps]:-}")" ">=" 1.00
			done
			target "$p/bridge ${size}B" "$(ratio "${R[w1.$p.$size.kpps]:-}" "${R[w1.bridge.$size.kpps]:-}")" ">=" 1.30
		done
		target "$p/veth ping p50" "$(ratio "${R[w4.$p.p50]:-}" "${R[w4.veth.p50]:-}")" "<=" 1.00
		target "$p/veth ping p50 user to user" \
			"$(ratio "${R[w4.$p.user_p50]:-}" "${R[w4.veth.user_p50]:-}")" "<=" 1.00
	done
	for size in 64 1500; do
		c=$(ratio "${R[w1.svnic_irq.$size.kpps]:-}" "${R[w1.veth_rps.$size.kpps]:-}")
		[ -z "$c" ] || printf "svnic_irq/veth_rps %sB: %.2f (for reference)\n" "$size" "$c"
	done
	# What the one-CPU targets ask of a NAPI driver: veth's own NAPI mode
	# (a ring per receiver, a schedule, a poll and a completion a frame:
	# svnic's shape) against its backlog mode, and svnic against it.
	for size in 64 1500; do
		for p in veth_gro/veth svnic/veth_gro; do
			c=$(ratio "${R[w1.${p%/*}.$size.kpps]:-}" "${R[w1.${p#*/}.$size.kpps]:-}")
			[ -z "$c" ] || printf "%s %sB: %.2f (NAPI's shape, for reference)\n" "$p" "$size" "$c"
		done
	done
	for p in veth_gro/veth svnic/veth_gro; do
		c=$(ratio "${R[w4.${p%/*}.user_p50]:-}" "${R[w4.${p#*/}.user_p50]:-}")
		[ -z "$c" ] || printf "%s ping p50 user to user: %.2f (NAPI's shape, for reference)\n" "$p" "$c"
	done
	# Coalescing at saturation: rx-frames 64 or adaptive-rx must save 3x
	# the polls for at most 5% of the throughput; either setting will do.
	off=rx-usecs_0_rx-frames_1
	local line either=missed
	for c in rx-usecs_64_rx-frames_64 adaptive-rx_on; do
		line=$(target "polls off/$c at saturation" \
			"$(ratio "$(polls_per_sec "$off")" "$(polls_per_sec "$c")")" ">=" 3.00)
		echo "$line"
		line+=$'\n'$(target "kpps $c/off" "$(ratio "${R[w6.$c.kpps]:-}" "${R[w6.$off.kpps]:-}")" ">=" 0.95)
		echo "${line#*$'\n'}"
		[[ $line == *" ok"$'\n'*" ok" ]] && either=ok
	done
	echo "coalescing (rx-frames 64 or adaptive-rx): 3x fewer polls for >= 0.95 of the kpps: $either"
	target "idle rtt adaptive-rx/off" "$(ratio "${R[w6.adaptive-rx_on.p50]:-}" "${R[w6.$off.p50]:-}")" "<=" 1.10
	target "4 pairs/1 pair kpps" "$(ratio "${R[w7.4.kpps]:-}" "${R[w7.1.kpps]:-}")" ">=" 1.00
	for p in clone_skb_7 burst_1; do
		c=$(ratio "${R[w8.burst_8.kpps]:-}" "${R[w8.$p.kpps]:-}")
		[ -z "$c" ] || printf "svnic burst 8/%s kpps: %.2f (xmit_more, for reference)\n" "${p//_/ }" "$c"
	done
}

# json: every figure as one JSON object (numbers where they are numbers).
json()
{
	local k sep=
	printf '{\n  "kernel": "%s",\n  "cpus": %d,\n  "seconds": %d,\n  "reps": %d,\n  "figures": {' \
		"$(uname -r)" "$(nproc)" "$secs" "$reps"
	for k in $(printf '%s\n' "${!R[@]}" | sort); do
		if [[ ${R[$k]} =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
			printf '%s\n    "%s": %s' "$sep" "$k" "${R[$k]}"
		else
			printf '%s\n    "%s": "%s"' "$sep" "$k" "${R[$k]}"
		fi
		sep=,
	done
	printf '\n  }\n}\n'
}

[ -d /sys/module/svnic ] || die "svnic is not loaded"
[ -d /proc/net/pktgen ] || modprobe pktgen 2>/dev/null
[ -d /proc/net/pktgen ] || die "no pktgen (CONFIG_NET_PKTGEN)"
cleanup
echo "# svnic bench: $(uname -r), $(nproc) CPUs, $(date -u +%FT%TZ)"
for w in $workloads; do
	"$w"
done
cleanup
targets
[ -n "${SVNIC_BENCH_JSON:-}" ] && json >"$SVNIC_BENCH_JSON"
exit 0
