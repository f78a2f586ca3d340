#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Numbered frames from one VF to another, checked for order at the receiver.

Usage: svnic_order.py RX_DEV TX_NETNS TX_DEV DST_MAC SRC_MAC READY STOP

Runs in the receiver's network namespace and opens its sending socket in
TX_NETNS (a /run/netns path). Creates the file READY once it sends, sends
frames of EtherType 0x88b5 carrying a sequence number until the file STOP
exists, and prints "sent received reordered": a frame whose number is not
above every number received before it is reordered (lost frames are not).
"""

import os
import socket
import struct
import sys
import threading
import time

import svnic_netns

ETH_P = 0x88B5
SO_SNDBUFFORCE = 32
SO_RCVBUFFORCE = 33


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def main():
    rx_dev, netns, tx_dev, dst, src, ready, stop = sys.argv[1:8]
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P))
    rx.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    rx.bind((rx_dev, 0))
    rx.settimeout(0.5)
    svnic_netns.enter(netns)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20)
    tx.bind((tx_dev, 0))
    head = mac(dst) + mac(src) + struct.pack("!H", ETH_P)
    pad = bytes(42)
    seen = {"received": 0, "reordered": 0, "last": -1}
    done = threading.Event()

    def receive():
        while True:
            try:
                data = rx.recv(128)
            except socket.timeout:
                if done.is_set():
                    return
                continue
            if len(data) < 18:
                continue
            (seq,) = struct.unpack_from("!I", data, 14)
            if seq <= seen["last"]:
                seen["reordered"] += 1
            else:
                seen["last"] = seq
            seen["received"] += 1

    receiver = threading.Thread(target=receive)
    receiver.start()
    open(ready, "w").close()
    seq = 0
    while not os.path.exists(stop):
        for _ in range(32):
            try:
                tx.send(head + struct.pack("!I", seq) + pad)
                seq += 1
            except OSError:
                # The qdisc is full (the queue is stopped): try again.
                time.sleep(0.001)
    done.set()
    receiver.join()
    print(seq, seen["received"], seen["reordered"])


if __name__ == "__main__":
    main()
