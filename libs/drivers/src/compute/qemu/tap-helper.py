#!/usr/bin/python3
# QEMU network helper (the `helper=` of `-netdev bridge`, see qemu-bridge-helper): attaches to an
# existing TAP device and hands its file descriptor to QEMU over the socket QEMU gives us.
# The TAP was created by the qemu compute driver, already enslaved to its bridge, possibly inside
# another network namespace; run under `ip netns exec <ns>` this opens it there. QEMU calls
#   <helper> --tap NAME --use-vnet --fd=N --br=BRIDGE
import fcntl
import os
import re
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000


def main(argv):
    tap, fd, vnet = None, None, False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--tap":
            i += 1
            tap = argv[i]
        elif a == "--use-vnet":
            vnet = True
        elif a.startswith("--fd="):
            fd = int(a[5:])
        elif a.startswith("--br="):
            pass
        else:
            sys.stderr.write("tap-helper: unknown argument %r\n" % a)
            return 2
        i += 1
    if tap is None or fd is None or not re.fullmatch(r"[A-Za-z0-9_.-]{1,15}", tap):
        sys.stderr.write("tap-helper: usage: --tap NAME [--use-vnet] --fd=N\n")
        return 2
    tun = os.open("/dev/net/tun", os.O_RDWR)
    flags = IFF_TAP | IFF_NO_PI | (IFF_VNET_HDR if vnet else 0)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", tap.encode(), flags))
    sock = socket.socket(fileno=fd)
    socket.send_fds(sock, [b"\0"], [tun])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
