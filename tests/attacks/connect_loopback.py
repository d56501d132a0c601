"""Attack: reach the host's loopback listener (port in argv[1]) over every
socket family, and a host daemon over an abstract AF_UNIX name. The policy
allows only AF_UNIX sockets and refuses connect; the network namespace has
no interface up and its own abstract socket names."""
import errno
import socket
import sys

port = int(sys.argv[1])


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def inet(family, addr):
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
    except OSError as e:
        return name(e)
    try:
        s.settimeout(1)
        s.connect((addr, port))
        return "CONNECTED"
    except OSError as e:
        return name(e)
    finally:
        s.close()


def raw(family, proto=0):
    try:
        socket.socket(family, socket.SOCK_RAW, proto).close()
        return "CREATED"
    except OSError as e:
        return name(e)


def unix_connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect("\0verdict-host-daemon")
        return "CONNECTED"
    except OSError as e:
        return name(e)
    finally:
        s.close()


def unix_sendto():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.sendto(b"x", "\0verdict-host-daemon")
        return "SENT"
    except OSError as e:
        return name(e)
    finally:
        s.close()


out = [
    "AF_INET=" + inet(socket.AF_INET, "127.0.0.1"),
    "AF_INET6=" + inet(socket.AF_INET6, "::1"),
    "AF_NETLINK=" + raw(socket.AF_NETLINK),
    "AF_PACKET=" + raw(socket.AF_PACKET),
    "unix_connect=" + unix_connect(),
    "unix_sendto=" + unix_sendto(),
]
print("observed:", " ".join(out))
