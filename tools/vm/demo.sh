#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: build everything (tools/vm/build.sh), boot the test VM, load
# svnic and run the sample topologies: samples/pf-over-veth.sh (a PF over a
# veth uplink) and samples/two-guests.sh (two VFs in namespaces talking
# through the embedded switch).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${SVNIC_OUT:-$repo/out/demo}
mkdir -p "$out"
kdir=$("$here/build.sh" | tail -n1)
"$here/run.sh" "$kdir" "$out" \
	"insmod $repo/svnic.ko && samples/pf-over-veth.sh && echo && samples/two-guests.sh && rmmod svnic"
echo "demo: done (guest kernel log: $out/console.log)"
