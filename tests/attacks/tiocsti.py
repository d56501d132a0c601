"""Attack: push characters into the input queue of the controlling terminal
with TIOCSTI (CVE-2017-5226), plainly and with junk in the request's upper
32 bits, which the kernel drops (CVE-2019-10063). The policy refuses both
with EPERM before the kernel even looks at the descriptor."""
import ctypes
import errno

libc = ctypes.CDLL(None, use_errno=True)
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
TIOCSTI = 0x5412
ch = ctypes.c_char(b"x")
out = []
for label, req in (("plain", TIOCSTI), ("high_bits", (1 << 32) | TIOCSTI)):
    ctypes.set_errno(0)
    if libc.ioctl(0, req, ctypes.byref(ch)) == 0:
        out.append(label + "=INJECTED")
    else:
        e = ctypes.get_errno()
        out.append("%s=%s" % (label, errno.errorcode.get(e, str(e))))
print("observed:", " ".join(out))
