#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Sends one rtnetlink (or devlink) request that iproute2 would not send (it
# refuses the values first, or hides the errno behind the extack message) and
# prints the kernel's answer the way ip does, plus the errno's name:
#
#   Error: <extack message>                      (if the kernel set one)
#   RTNETLINK answers: <strerror> (<ERRNO>)
#
# Exits 0 if the kernel accepted the request, 2 if it refused it, 1 on a
# usage error. Runs in the caller's network namespace (use ip netns exec).
# Imports only built-in modules (_socket, not socket): with `python3 -S` it
# starts in a second even in an emulated, debug-kernel VM.
#
#   svnic_nl.py newlink NAME [UPLINK [MTU]]  type svnic; UPLINK: a name, or a
#                                            number taken as a raw ifindex
#   svnic_nl.py vf DEV VF vlan VID QOS PROTO IFLA_VF_VLAN_LIST (PROTO: 0x8100)
#   svnic_nl.py vf DEV VF rate MIN MAX       IFLA_VF_RATE
#   svnic_nl.py vf DEV VF state STATE        IFLA_VF_LINK_STATE (0 auto, ...)
#   svnic_nl.py hwmode DEV MODE              AF_BRIDGE IFLA_BRIDGE_MODE, self
#   svnic_nl.py devlink-param BUS/DEV NAME true|false CMODE
#                                            devlink's PARAM_SET of a bool
#                                            parameter (CMODE: 0 runtime,
#                                            1 driverinit, 2 permanent)
#
# And one query that no installed tool makes (the netdev family's qstats,
# which ynl, a YAML-parsing Python program, would take seconds to start):
#
#   svnic_nl.py qstats DEV                   prints "RX_PACKETS TX_PACKETS",
#                                            the sums over DEV's queues
#
# And an XDP program without a compiler or an object file: two instructions
# returning one verdict, loaded with bpf(2) and attached in driver mode
# (IFLA_XDP, XDP_FLAGS_DRV_MODE), answered like the requests above:
#
#   svnic_nl.py xdp DEV pass|drop|tx         attaches it
#   svnic_nl.py xdp DEV off                  detaches DEV's program

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
IFLA_MTU = 4
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
    if len(argv) in (2, 3, 4) and argv[0] == "newlink":
        body = attr(IFLA_IFNAME, argv[1].encode() + b"\0")
        body += attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"svnic\0"))
        if len(argv) >= 3:
            up = argv[2]
            index = int(up) if up.isdigit() else ifindex(up)
            body += attr(IFLA_LINK, struct.pack("=I", index))
        if len(argv) == 4:
            body += attr(IFLA_MTU, struct.pack("=I", int(argv[3])))
        return RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifinfomsg() + body
    if len(argv) >= 4 and argv[0] == "vf":
        return vf_request(argv[1], argv[2], argv[3], argv[4:])
    if len(argv) == 3 and argv[0] == "hwmode":
        spec = attr(IFLA_BRIDGE_FLAGS, struct.pack("=H", BRIDGE_FLAGS_SELF))
        spec += attr(IFLA_BRIDGE_MODE, struct.pack("=H", int(argv[2], 0)))
        msg = ifinfomsg(family=AF_BRIDGE, index=ifindex(argv[1]))
        return RTM_SETLINK, 0, msg + attr(IFLA_AF_SPEC, spec)
    sys.exit("usage: see the head of svnic_nl.py")


NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_DUMP = 0x300
NETDEV_CMD_QSTATS_GET = 12
NETDEV_A_QSTATS_IFINDEX = 1
NETDEV_A_QSTATS_SCOPE = 4
NETDEV_A_QSTATS_RX_PACKETS = 8
NETDEV_A_QSTATS_TX_PACKETS = 10
NETDEV_QSTATS_SCOPE_QUEUE = 1


def attrs(body):
    """{type: payload} of a run of attributes."""
    out, off = {}, 0
    while off + 4 <= len(body):
        n, t = struct.unpack_from("=HH", body, off)
        if n < 4:
            break
        out[t & 0x3FFF] = body[off + 4:off + n]
        off += (n + 3) & ~3
    return out


def genl(sk, family, cmd, flags, body, seq):
    """Sends a generic netlink request; returns the payloads answered."""
    hdr = struct.pack("=LHHLL", 20 + len(body), family, NLM_F_REQUEST | flags, seq, 0)
    sk.send(hdr + struct.pack("=BBH", cmd, 1, 0) + body)
    msgs = []
    while True:
        data = sk.recv(1 << 16)
        off = 0
        while off + 16 <= len(data):
            n, t, _, s, _ = struct.unpack_from("=LHHLL", data, off)
            if s == seq:
                if t == NLMSG_ERROR:
                    (err,) = struct.unpack_from("=i", data, off + 16)
                    if err:
                        sys.exit(f"svnic_nl: {os.strerror(-err)}")
                    return msgs
                if t == 3:  # NLMSG_DONE
                    return msgs
                msgs.append(data[off + 20:off + n])
                if not flags & NLM_F_DUMP:
                    return msgs
            off += (n + 3) & ~3


DEVLINK_CMD_PARAM_SET = 39
DEVLINK_ATTR_BUS_NAME = 1
DEVLINK_ATTR_DEV_NAME = 2
DEVLINK_ATTR_PARAM_NAME = 81
DEVLINK_ATTR_PARAM_TYPE = 83
DEVLINK_ATTR_PARAM_VALUE_DATA = 86
DEVLINK_ATTR_PARAM_VALUE_CMODE = 87
DEVLINK_VAR_ATTR_TYPE_FLAG = 6


def family_id(sk, name):
    """The id of generic netlink family NAME."""
    (fam,) = genl(sk, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0,
                  attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"), 1)
    return struct.unpack("=H", attrs(fam)[CTRL_ATTR_FAMILY_ID][:2])[0]


def devlink_param_request(sk, handle, name, value, cmode):
    """(type, extra flags, payload) of setting bool parameter NAME."""
    bus, _, dev = handle.partition("/")
    body = attr(DEVLINK_ATTR_BUS_NAME, bus.encode() + b"\0")
    body += attr(DEVLINK_ATTR_DEV_NAME, dev.encode() + b"\0")
    body += attr(DEVLINK_ATTR_PARAM_NAME, name.encode() + b"\0")
    body += attr(DEVLINK_ATTR_PARAM_TYPE, struct.pack("=B", DEVLINK_VAR_ATTR_TYPE_FLAG))
    if value == "true":
        body += attr(DEVLINK_ATTR_PARAM_VALUE_DATA, b"")
    body += attr(DEVLINK_ATTR_PARAM_VALUE_CMODE, struct.pack("=B", int(cmode)))
    genlhdr = struct.pack("=BBH", DEVLINK_CMD_PARAM_SET, 1, 0)
    return family_id(sk, "devlink"), 0, genlhdr + body


def qstats(dev):
    """Prints DEV's RX and TX packets summed over its queues (qstats)."""
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sk.bind((0, 0))
    family = family_id(sk, "netdev")
    body = attr(NETDEV_A_QSTATS_IFINDEX, struct.pack("=I", ifindex(dev)))
    body += attr(NETDEV_A_QSTATS_SCOPE, struct.pack("=I", NETDEV_QSTATS_SCOPE_QUEUE))
    total = {NETDEV_A_QSTATS_RX_PACKETS: 0, NETDEV_A_QSTATS_TX_PACKETS: 0}
    for msg in genl(sk, family, NETDEV_CMD_QSTATS_GET, NLM_F_DUMP, body, 2):
        a = attrs(msg)
        for kind in total:
            if kind in a:
                total[kind] += int.from_bytes(a[kind], "little")
    print(total[NETDEV_A_QSTATS_RX_PACKETS], total[NETDEV_A_QSTATS_TX_PACKETS])
    return 0


IFLA_XDP = 43
IFLA_XDP_FD = 1
IFLA_XDP_FLAGS = 3
XDP_FLAGS_DRV_MODE = 1 << 2
XDP_ACTIONS = {"drop": 1, "pass": 2, "tx": 3}
NR_BPF = 321  # x86_64
BPF_PROG_LOAD = 5
BPF_PROG_TYPE_XDP = 6


def xdp_prog(verdict):
    """A loaded XDP program that returns VERDICT; its file descriptor."""
    import ctypes

    # r0 = verdict; exit
    insns = struct.pack("=BBhi", 0xB7, 0, 0, XDP_ACTIONS[verdict])
    insns += struct.pack("=BBhi", 0x95, 0, 0, 0)
    code = ctypes.create_string_buffer(insns, len(insns))
    lic = ctypes.create_string_buffer(b"GPL")
    # union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt, insns,
    # license; the rest zero.
    attr = ctypes.create_string_buffer(struct.pack(
        "=IIQQ", BPF_PROG_TYPE_XDP, 2, ctypes.addressof(code), ctypes.addressof(lic)), 128)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(NR_BPF, BPF_PROG_LOAD, attr, 128)
    if fd < 0:
        sys.exit(f"svnic_nl: bpf(BPF_PROG_LOAD): {os.strerror(ctypes.get_errno())}")
    return fd


def xdp_request(dev, verdict):
    """RTM_SETLINK attaching (or with "off" detaching) a driver-mode program."""
    if verdict != "off" and verdict not in XDP_ACTIONS:
        sys.exit(f"svnic_nl: no XDP verdict {verdict}")
    fd = -1 if verdict == "off" else xdp_prog(verdict)
    xdp = attr(IFLA_XDP_FD, struct.pack("=i", fd))
    xdp += attr(IFLA_XDP_FLAGS, struct.pack("=I", XDP_FLAGS_DRV_MODE))
    return RTM_SETLINK, 0, ifinfomsg(index=ifindex(dev)) + attr(IFLA_XDP | 0x8000, xdp)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "qstats":
        return qstats(sys.argv[2])
    devlink = len(sys.argv) == 6 and sys.argv[1] == "devlink-param"
    proto = NETLINK_GENERIC if devlink else socket.NETLINK_ROUTE
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sk.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sk.bind((0, 0))
    if devlink:
        kind, flags, payload = devlink_param_request(sk, *sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "xdp":
        kind, flags, payload = xdp_request(sys.argv[2], sys.argv[3])
    else:
        kind, flags, payload = request(sys.argv[1:])
    seq = 2
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
