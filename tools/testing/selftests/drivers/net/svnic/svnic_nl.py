#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Sends one rtnetlink request that iproute2 would not send (it refuses the
# values first, or hides the errno behind the extack message) and prints the
# kernel's answer the way ip does, plus the errno's name:
#
#   Error: <extack message>                      (if the kernel set one)
#   RTNETLINK answers: <strerror> (<ERRNO>)
#
# Exits 0 if the kernel accepted the request, 2 if it refused it, 1 on a
# usage error. Runs in the caller's network namespace (use ip netns exec).
# Imports only built-in modules (_socket, not socket): with `python3 -S` it
# starts in a second even in an emulated, debug-kernel VM.
#
#   svnic_nl.py newlink NAME [UPLINK]        type svnic; UPLINK: a name, or a
#                                            number taken as a raw ifindex
#   svnic_nl.py vf DEV VF vlan VID QOS PROTO IFLA_VF_VLAN_LIST (PROTO: 0x8100)
#   svnic_nl.py vf DEV VF rate MIN MAX       IFLA_VF_RATE
#   svnic_nl.py vf DEV VF state STATE        IFLA_VF_LINK_STATE (0 auto, ...)
#   svnic_nl.py hwmode DEV MODE              AF_BRIDGE IFLA_BRIDGE_MODE, self

import errno
import os
import _socket as socket
import struct
import sys

NLMSG_ERROR = 2
RTM_NEWLINK = 16
RTM_SETLINK = 19
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
AF_BRIDGE = 7

IFLA_IFNAME = 3
IFLA_LINK = 5
IFLA_LINKINFO = 18
IFLA_INFO_KIND = 1
IFLA_VFINFO_LIST = 22
IFLA_AF_SPEC = 26
IFLA_VF_INFO = 1
IFLA_VF_LINK_STATE = 5
IFLA_VF_RATE = 6
IFLA_VF_VLAN_LIST = 12
IFLA_VF_VLAN_INFO = 1
IFLA_BRIDGE_FLAGS = 0
IFLA_BRIDGE_MODE = 1
BRIDGE_FLAGS_SELF = 2


def attr(kind, payload):
    """One rtattr, padded to 4 bytes."""
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * (-n % 4)


def ifinfomsg(family=socket.AF_UNSPEC, index=0):
    return struct.pack("=BxHiII", family, 0, index, 0, 0)


def ifindex(name):
    try:
        return socket.if_nametoindex(name)
    except OSError:
        sys.exit(f"svnic_nl: no device {name}")


def vf_request(dev, vf, what, args):
    vf = int(vf, 0)
    if what == "vlan" and len(args) == 3:
        vid, qos, proto = (int(a, 0) for a in args)
        info = struct.pack("=III", vf, vid, qos) + struct.pack(">H", proto) + b"\0\0"
        body = attr(IFLA_VF_VLAN_LIST, attr(IFLA_VF_VLAN_INFO, info))
    elif what == "rate" and len(args) == 2:
        lo, hi = (int(a, 0) for a in args)
        body = attr(IFLA_VF_RATE, struct.pack("=III", vf, lo, hi))
    elif what == "state" and len(args) == 1:
        body = attr(IFLA_VF_LINK_STATE, struct.pack("=II", vf, int(args[0], 0)))
    else:
        sys.exit(f"svnic_nl: bad vf request: {what} {' '.join(args)}")
    vfinfo = attr(IFLA_VFINFO_LIST, attr(IFLA_VF_INFO, body))
    return RTM_SETLINK, 0, ifinfomsg(index=ifindex(dev)) + vfinfo


def request(argv):
    """(type, extra flags, payload) for the command line."""
    if len(argv) in (2, 3) and argv[0] == "newlink":
        body = attr(IFLA_IFNAME, argv[1].encode() + b"\0")
        body += attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"svnic\0"))
        if len(argv) == 3:
            up = argv[2]
            index = int(up) if up.isdigit() else ifindex(up)
            body += attr(IFLA_LINK, struct.pack("=I", index))
        return RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifinfomsg() + body
    if len(argv) >= 4 and argv[0] == "vf":
        return vf_request(argv[1], argv[2], argv[3], argv[4:])
    if len(argv) == 3 and argv[0] == "hwmode":
        spec = attr(IFLA_BRIDGE_FLAGS, struct.pack("=H", BRIDGE_FLAGS_SELF))
        spec += attr(IFLA_BRIDGE_MODE, struct.pack("=H", int(argv[2], 0)))
        msg = ifinfomsg(family=AF_BRIDGE, index=ifindex(argv[1]))
        return RTM_SETLINK, 0, msg + attr(IFLA_AF_SPEC, spec)
    sys.exit("usage: see the head of svnic_nl.py")


def main():
    kind, flags, payload = request(sys.argv[1:])
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sk.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sk.bind((0, 0))
    seq = 1
    hdr = struct.pack("=LHHLL", 16 + len(payload), kind,
                      NLM_F_REQUEST | NLM_F_ACK | flags, seq, 0)
    sk.send(hdr + payload)
    while True:
        data = sk.recv(65536)
        off = 0
        while off + 16 <= len(data):
            n, t, f, s, _ = struct.unpack_from("=LHHLL", data, off)
            if t == NLMSG_ERROR and s == seq:
                return answer(data[off + 16:off + n], f)
            off += (n + 3) & ~3


def answer(body, flags):
    (err,) = struct.unpack_from("=i", body)
    if err == 0:
        return 0
    err = -err
    # With NETLINK_CAP_ACK the request is echoed as its header only.
    off = 4 + 16
    while flags & NLM_F_ACK_TLVS and off + 4 <= len(body):
        n, t = struct.unpack_from("=HH", body, off)
        if n < 4:
            break
        if t == NLMSGERR_ATTR_MSG:
            msg = body[off + 4:off + n].split(b"\0")[0].decode()
            print(f"Error: {msg}")
        off += (n + 3) & ~3
    # Linux's ENOTSUP is EOPNOTSUPP; the table calls it that.
    name = "EOPNOTSUPP" if err == errno.EOPNOTSUPP else errno.errorcode.get(err, str(err))
    print(f"RTNETLINK answers: {os.strerror(err)} ({name})")
    return 2


if __name__ == "__main__":
    sys.exit(main())
