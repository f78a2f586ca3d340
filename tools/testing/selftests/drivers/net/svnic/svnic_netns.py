# SPDX-License-Identifier: GPL-2.0
"""Network namespace switching for the svnic test helpers."""

import ctypes
import os
import sys

CLONE_NEWNET = 0x40000000


def enter(path):
    """Moves this thread into the network namespace at PATH (a /run/netns
    file); sockets opened before stay in theirs."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        sys.exit(f"setns {path}: errno {ctypes.get_errno()}")
    os.close(fd)
