#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build the plain (non-debug) test kernel (cached like the
# debug one), build svnic.ko against it in OUT/src, boot the VM and run
# tools/bench/bench.sh there. Results go to stdout, OUT/results.txt and
# OUT/results.json, figures to OUT/*.png (drawn with Debian's
# python3-matplotlib, installed if missing); OUT defaults to out/bench.
# SVNIC_BENCH_* variables pass through to the guest; see bench.sh. With
# the insns workload (SVNIC_BENCH_WORKLOADS), the QEMU plugin insns.c and
# the marker mark.c are built into OUT/insns, QEMU loads the plugin (TCG
# only), and insns.py prints the counts after the VM ends.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${SVNIC_OUT:-$repo/out/bench}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}

"$repo/tools/vm/setup.sh" >&2
kdir=$(SVNIC_KERNEL_FLAVOUR=plain "$repo/tools/vm/kernel.sh" | tail -n1)

ko=$("$repo/tools/vm/module.sh" "$kdir" "$out/src")

export SVNIC_BENCH_JSON=$out/results.json
rm -f "$SVNIC_BENCH_JSON"
insns=
if [[ " ${SVNIC_BENCH_WORKLOADS:-} " == *" insns "* ]]; then
	insns=$out/insns
	mkdir -p "$insns"
	rm -f "$insns/insns.out" "$insns/runs"
	gcc -O2 -Wall -shared -fPIC -fvisibility=hidden -o "$insns/insns.so" "$here/insns.c"
	gcc -O2 -static -nostdlib -fno-pie -no-pie -Wl,--section-start=.svnic_mark=0x70000000 \
		-o "$insns/mark" "$here/mark.c"
	export SVNIC_BENCH_MARK=$insns/mark SVNIC_BENCH_INSNS_DIR=$insns
	export SVNIC_VM_QEMU_OPTS="-plugin $insns/insns.so,mark=0x70000000,out=$insns/insns.out,tlb=1"
fi
env=$(env | grep '^SVNIC_BENCH_' | sed "s/^/export '/; s/\$/';/" | tr '\n' ' ' || true)
SVNIC_VM_TIMEOUT=${SVNIC_VM_TIMEOUT:-3000} "$repo/tools/vm/run.sh" "$kdir" "$out" \
	"$env insmod $ko && tools/bench/bench.sh >$out/results.txt; rc=\$?; cat $out/results.txt; rmmod svnic; exit \$rc"
if [ -n "$insns" ] && [ -s "$insns/runs" ]; then
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
