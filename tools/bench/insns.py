#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of `make bench`'s insns workload.

    insns.py DIR [JSON]

DIR holds what the workload left: `runs` ("PATH PACKETS" a line, in the
order the paths ran), `kallsyms` (the guest's, modules included) and
`insns.out` (the plugin's dumps: for path i, dump 2i ends the setup and
dump 2i+1 the flood). Prints, per path, the guest instructions, memory
accesses and simulated TLB misses per delivered packet, then the kernel
functions (with what the compiler inlined into them) where svnic's and
veth's paths differ most. With JSON (make bench's results.json), adds the
figures to it as insns.PATH.{instructions,accesses,tlb64,tlb256,tlb1024}.
"""

import bisect
import collections
import json
import os
import re
import subprocess
import sys

KERNEL = 0xFFFF800000000000


def read_dumps(path):
    dumps, cur = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("dump"):
                cur = []
            elif line.startswith("end"):
                dumps.append(cur)
                cur = None
            elif cur is not None:
                v = line.split()
                cur.append((int(v[0], 16),) + tuple(int(x) for x in v[1:]))
    return dumps


def read_symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            v = line.split()
            if len(v) >= 3 and v[1] in "tTwW" and int(v[0], 16):
                syms.append((int(v[0], 16), v[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def demangle(names):
    try:
        out = subprocess.run(["llvm-cxxfilt-19"], input="\n".join(names),
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return names
    # Generic arguments make the Rust names long; drop them.
    shorten = lambda s: re.sub(r"<[^<>]*>", "", s) if len(s) > 80 else s
    return [shorten(shorten(s)) for s in out.split("\n")[:len(names)]]


def main():
    d = sys.argv[1]
    runs = [l.split() for l in open(os.path.join(d, "runs")) if l.strip()]
    dumps = read_dumps(os.path.join(d, "insns.out"))
    addrs, names = read_symbols(os.path.join(d, "kallsyms"))
    fig, funcs = {}, {}
    if not dumps:
        print("insns: the plugin counted nothing (QEMU runs plugins under TCG only, not KVM)")
        return
    print("## insns: per delivered packet: guest instructions, memory accesses,")
    print("## misses of a simulated direct-mapped TLB of 64/256/1024 entries (+8 victims)")
    for i, (path, packets) in enumerate(runs):
        packets = int(packets)
        if packets == 0 or 2 * i + 1 >= len(dumps):
            print(f"insns {path:10s} no packets counted")
            continue
        tot = [0] * 5
        by = collections.Counter()
        for vaddr, insns, execs, mem, m64, m256, m1024 in dumps[2 * i + 1]:
            n = insns * execs
            for j, v in enumerate((n, mem, m64, m256, m1024)):
                tot[j] += v
            if vaddr < KERNEL:
                key = "[user space]"
            else:
                k = bisect.bisect_right(addrs, vaddr) - 1
                key = names[k] if k >= 0 else "[unknown]"
            by[key] += n
        per = [t / packets for t in tot]
        fig[path] = dict(zip(("instructions", "accesses", "tlb64", "tlb256", "tlb1024"),
                             (round(x, 1) for x in per)))
        funcs[path] = {k: v / packets for k, v in by.items()}
        print(f"insns {path:10s} instructions {per[0]:7.0f}  accesses {per[1]:7.0f}  "
              f"tlb misses {per[2]:6.1f} {per[3]:6.1f} {per[4]:6.1f}")
    if "svnic" in fig and "veth" in fig:
        ratio = fig["svnic"]["instructions"] / fig["veth"]["instructions"]
        print(f"svnic/veth instructions per packet: {ratio:.2f}")
        a, b = funcs["svnic"], funcs["veth"]
        keys = sorted(set(a) | set(b), key=lambda k: -abs(a.get(k, 0) - b.get(k, 0)))
        keys = [k for k in keys if abs(a.get(k, 0) - b.get(k, 0)) >= 3][:40]
        print("## instructions per packet by function, svnic against veth "
              "(where they differ by 3 or more)")
        for k, name in zip(keys, demangle(keys)):
            print(f"insns-fn {a.get(k, 0):7.1f} {b.get(k, 0):7.1f}  {name[:100]}")
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        with open(sys.argv[2]) as f:
            results = json.load(f)
        for path, v in fig.items():
            for k, x in v.items():
                results["figures"][f"insns.{path}.{k}"] = x
        with open(sys.argv[2], "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
