"""Attack: gain privilege: read the capability sets (all must be zero),
no_new_privs, become uid 0 with setuid/setresuid, set capabilities with
capset, and check that setuid bits are ignored where binaries live."""
import ctypes
import errno
import os

fields = {}
with open("/proc/self/status") as f:
    for line in f:
        key, _, value = line.partition(":")
        fields[key] = value.strip()
out = ["%s=%s" % (k, fields.get(k)) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")]
for label, fn in (("setuid0", lambda: os.setuid(0)), ("setresuid0", lambda: os.setresuid(0, 0, 0)),
                  ("setgid0", lambda: os.setgid(0)), ("setgroups", lambda: os.setgroups([0]))):
    try:
        fn()
        out.append(label + "=SUCCEEDED")
    except OSError as e:
        out.append("%s=%s" % (label, errno.errorcode.get(e.errno, str(e.errno))))


class header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


libc = ctypes.CDLL(None, use_errno=True)
hdr = header(0x20080522, 0)
caps = (data * 2)(data(0xFFFFFFFF, 0xFFFFFFFF, 0), data(0xFFFFFFFF, 0xFFFFFFFF, 0))
ctypes.set_errno(0)
if libc.capset(ctypes.byref(hdr), caps) == 0:
    out.append("capset=SUCCEEDED")
else:
    e = ctypes.get_errno()
    out.append("capset=" + errno.errorcode.get(e, str(e)))
out.append("usr_nosuid=" + ("yes" if os.statvfs("/usr").f_flag & os.ST_NOSUID else "NO"))
print("observed:", " ".join(out))
