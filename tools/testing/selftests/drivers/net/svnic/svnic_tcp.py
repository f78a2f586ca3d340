#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One TCP stream from one network namespace to another.

Usage: svnic_tcp.py ADDR TX_NETNS BYTES

Runs in the receiver's network namespace: listens on ADDR (an IPv4 address
of this namespace), connects to it from TX_NETNS (a /run/netns path), sends
BYTES bytes and prints how many arrived and the NAPI ID the receiving
socket saw last (SO_INCOMING_NAPI_ID; 0 if none).
"""

import socket
import sys
import threading

import svnic_netns

PORT = 5201
SO_INCOMING_NAPI_ID = 56


def main():
    addr, netns, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addr, PORT))
    listener.listen(1)
    listener.settimeout(30)
    svnic_netns.enter(netns)
    tx = socket.create_connection((addr, PORT), timeout=30)
    conn, _ = listener.accept()
    conn.settimeout(30)

    def send():
        chunk = bytes(65536)
        left = total
        while left > 0:
            left -= tx.send(chunk[: min(left, len(chunk))])
        tx.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    got = 0
    while True:
        data = conn.recv(1 << 20)
        if not data:
            break
        got += len(data)
    sender.join()
    print(got, conn.getsockopt(socket.SOL_SOCKET, SO_INCOMING_NAPI_ID))


if __name__ == "__main__":
    main()
