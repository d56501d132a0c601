"""Attack: change the host's /usr through the jail's bind mount: create,
open for writing, chmod, touch and rename the interpreter, then remount the
bind read-write. The mount is read-only (EROFS); remounting is refused by
the policy (EPERM). Opening the interpreter for writing fails one check
earlier: the file's owner is unmapped in the jail, so the mode bits refuse
the program (EACCES) before the kernel looks at the mount."""
import ctypes
import errno
import os


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


target = os.path.realpath("/usr/bin/python3")
out = []
for label, fn in (
    ("create", lambda: os.close(os.open("/usr/lib/verdict-attack", os.O_WRONLY | os.O_CREAT, 0o644))),
    ("open_write", lambda: os.close(os.open(target, os.O_WRONLY))),
    ("chmod", lambda: os.chmod(target, 0o4777)),
    ("utime", lambda: os.utime(target, (0, 0))),
    ("rename", lambda: os.rename(target, target + ".moved")),
):
    try:
        fn()
        out.append(label + "=SUCCEEDED")
    except OSError as e:
        out.append("%s=%s" % (label, name(e)))
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
ctypes.set_errno(0)
if libc.mount(None, b"/usr", None, ctypes.c_ulong(MS_REMOUNT | MS_BIND), None) == 0:
    out.append("remount_rw=SUCCEEDED")
else:
    e = ctypes.get_errno()
    out.append("remount_rw=" + errno.errorcode.get(e, str(e)))
print("observed:", " ".join(out))
