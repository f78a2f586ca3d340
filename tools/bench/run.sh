#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build the plain (non-debug) test kernel (cached like the
# debug one), build svnic.ko against it in OUT/src, boot the VM and run
# tools/bench/bench.sh there. Results go to stdout, OUT/results.txt and
# OUT/results.json, figures to OUT/*.png (drawn with Debian's
# python3-matplotlib, installed if missing); OUT defaults to out/bench.
# SVNIC_BENCH_* variables pass through to the guest; see bench.sh. With
# the insns workload (SVNIC_BENCH_WORKLOADS), a second boot, after the
# timed workloads' own, runs it alone: the QEMU plugin insns.c and the
# marker mark.c are built into OUT/insns, QEMU loads the plugin (TCG
# only), and insns.py prints the counts after the VM ends.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${SVNIC_OUT:-$repo/out/bench}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}

"$repo/tools/vm/setup.sh" >&2
kdir=$(SVNIC_KERNEL_FLAVOUR=plain "$repo/tools/vm/kernel.sh" | tail -n1)

ko=$("$repo/tools/vm/module.sh" "$kdir" "$out/src")

# The timed workloads and insns run in separate boots: the plugin slows
# the emulated CPU several times over, and would skew every timed figure.
timed= insns=
for w in ${SVNIC_BENCH_WORKLOADS:-w1 w4 w6 w7 w8}; do
	if [ "$w" = insns ]; then insns=$out/insns; else timed+=" $w"; fi
done
export SVNIC_BENCH_JSON=$out/results.json
rm -f "$SVNIC_BENCH_JSON"
: >"$out/results.txt"

# boot WORKLOADS RESULTS: one VM running bench.sh with WORKLOADS, its
# output to RESULTS.
boot()
{
	local env
	env=$(SVNIC_BENCH_WORKLOADS=$1 env | grep '^SVNIC_BENCH_' |
		sed "s/^/export '/; s/\$/';/" | tr '\n' ' ' || true)
	SVNIC_VM_TIMEOUT=${SVNIC_VM_TIMEOUT:-3000} "$repo/tools/vm/run.sh" "$kdir" "$out" \
		"$env insmod $ko && tools/bench/bench.sh >$2; rc=\$?; cat $2; rmmod svnic; exit \$rc"
}

[ -z "$timed" ] || boot "${timed# }" "$out/results.txt"
if [ -n "$insns" ]; then
	mkdir -p "$insns"
	rm -f "$insns/insns.out" "$insns/runs"
	gcc -O2 -Wall -shared -fPIC -fvisibility=hidden -o "$insns/insns.so" "$here/insns.c"
	gcc -O2 -static -nostdlib -fno-pie -no-pie -Wl,--section-start=.svnic_mark=0x70000000 \
		-o "$insns/mark" "$here/mark.c"
	[ -s "$SVNIC_BENCH_JSON" ] || echo '{"figures": {}}' >"$SVNIC_BENCH_JSON"
	# The guest's own output of this boot (its targets: none measured)
	# stays in OUT/insns; the table comes from the plugin's counts.
	SVNIC_BENCH_JSON=$insns/guest.json SVNIC_BENCH_MARK=$insns/mark SVNIC_BENCH_INSNS_DIR=$insns \
		SVNIC_VM_QEMU_OPTS="-plugin $insns/insns.so,mark=0x70000000,out=$insns/insns.out,tlb=1" \
		boot insns "$insns/guest.txt" >/dev/null
	/usr/bin/python3 "$here/insns.py" "$insns" "$SVNIC_BENCH_JSON" | tee -a "$out/results.txt"
fi
echo "svnic-bench: results in $out/results.txt (guest kernel log: $out/console.log)" >&2
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	echo "svnic-bench: installing python3-matplotlib for the figures" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-matplotlib >&2 ||
		echo "svnic-bench: no matplotlib: no figures" >&2
fi
if [ -s "$SVNIC_BENCH_JSON" ] && /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	/usr/bin/python3 "$here/plot.py" "$SVNIC_BENCH_JSON" "$out" &&
		echo "svnic-bench: figures in $out/*.png" >&2
fi
