"""Attack: read and change the host's name. The jail has its own UTS
namespace named "verdict"; sethostname is refused by the policy and the
sysctl file belongs to the namespace's root, not to the program."""
import ctypes
import errno
import os
import socket

out = ["hostname=" + socket.gethostname(), "uname=" + os.uname().nodename]
libc = ctypes.CDLL(None, use_errno=True)
ctypes.set_errno(0)
if libc.sethostname(b"pwned", 5) == 0:
    out.append("sethostname=SUCCEEDED")
else:
    e = ctypes.get_errno()
    out.append("sethostname=" + errno.errorcode.get(e, str(e)))
try:
    fd = os.open("/proc/sys/kernel/hostname", os.O_WRONLY)
    try:
        os.write(fd, b"pwned")
        out.append("sysctl=WRITTEN")
    finally:
        os.close(fd)
except OSError as e:
    out.append("sysctl=" + errno.errorcode.get(e.errno, str(e.errno)))
print("observed:", " ".join(out))
