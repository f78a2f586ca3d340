#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draws `make bench`'s figures from its results.json.

Usage: plot.py RESULTS.json OUTDIR

Writes OUTDIR/throughput.png (W1: packets/s by path, 64 and 1500 bytes),
OUTDIR/coalescing.png (W6: throughput, receiver polls per second and idle
RTT for each coalescing setting) and OUTDIR/scaling.png (W7: aggregate
packets/s for 1, 2 and 4 VF pairs). Figures missing from the run are left
out.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PATHS = ["svnic", "svnic_irq", "veth", "veth_gro", "veth_rps", "bridge", "macvlan",
         "netdevsim"]


def throughput(f, out):
    paths = [p for p in PATHS if f"w1.{p}.64.kpps" in f]
    if not paths:
        return
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.4
    for i, size in enumerate((64, 1500)):
        xs = [j + (i - 0.5) * width for j in range(len(paths))]
        ys = [f.get(f"w1.{p}.{size}.kpps", 0) for p in paths]
        ax.bar(xs, ys, width, label=f"{size} B")
    ax.set_xticks(range(len(paths)), paths)
    ax.set_ylabel("kpps at the receiver (median)")
    ax.set_title("W1: pktgen, one sender, by path")
    ax.legend()
    fig.tight_layout()
    fig.savefig(f"{out}/throughput.png")


def coalescing(f, out):
    keys = sorted({k.split(".")[1] for k in f if k.startswith("w6.")})
    if not keys:
        return
    kpps = [f.get(f"w6.{k}.kpps", 0) for k in keys]
    ppp = [f.get(f"w6.{k}.pkts_per_poll", 0) for k in keys]
    polls = [k_ * 1000 / p if p else 0 for k_, p in zip(kpps, ppp)]
    rtt = [f.get(f"w6.{k}.p50", 0) for k in keys]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, ys, label in zip(
        axes, (kpps, polls, rtt), ("kpps at saturation", "receiver polls/s", "idle RTT p50 (us)")
    ):
        ax.barh(range(len(keys)), ys)
        ax.set_yticks(range(len(keys)), keys if ax is axes[0] else [""] * len(keys))
        ax.set_xlabel(label)
    fig.suptitle("W6: svnic coalescing trade-off")
    fig.tight_layout()
    fig.savefig(f"{out}/coalescing.png")


def scaling(f, out):
    ns = [n for n in (1, 2, 4) if f"w7.{n}.kpps" in f]
    if not ns:
        return
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(ns, [f[f"w7.{n}.kpps"] for n in ns], marker="o")
    ax.set_xticks(ns)
    ax.set_xlabel("VF pairs flooding at once")
    ax.set_ylabel("aggregate kpps")
    ax.set_title("W7: svnic scaling")
    fig.tight_layout()
    fig.savefig(f"{out}/scaling.png")


def main():
    with open(sys.argv[1]) as fh:
        figures = json.load(fh)["figures"]
    for draw in (throughput, coalescing, scaling):
        draw(figures, sys.argv[2])


if __name__ == "__main__":
    main()
