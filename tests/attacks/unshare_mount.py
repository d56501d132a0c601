"""Attack: make new namespaces or change the mount tree: unshare, clone with
CLONE_NEWUSER, setns, mount, umount, chroot, pivot_root and the new mount
API. All refused by the policy with EPERM."""
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
CLONE_NEWNS, CLONE_NEWUSER, SIGCHLD = 0x00020000, 0x10000000, 17
NR_CLONE, NR_PIVOT_ROOT, NR_OPEN_TREE, NR_FSOPEN = 56, 155, 428, 430


def cerr(ret):
    if ret != -1:
        return "ok"
    e = ctypes.get_errno()
    return errno.errorcode.get(e, str(e))


def call(fn, *args):
    ctypes.set_errno(0)
    return cerr(fn(*args))


os.makedirs("/tmp/m", exist_ok=True)
out = [
    "unshare_user=" + call(libc.unshare, CLONE_NEWUSER),
    "unshare_mnt=" + call(libc.unshare, CLONE_NEWNS),
]
ctypes.set_errno(0)
pid = libc.syscall(NR_CLONE, CLONE_NEWUSER | SIGCHLD, None, None, None, None)
if pid == 0:
    os._exit(0)  # a child in a new user namespace: must not happen
if pid > 0:
    os.waitpid(pid, 0)
out.append("clone_newuser=" + cerr(-1 if pid < 0 else 0))
fd = os.open("/proc/self/ns/mnt", os.O_RDONLY)
out.append("setns=" + call(libc.setns, fd, 0))
os.close(fd)
out.append("mount=" + call(libc.mount, b"none", b"/tmp/m", b"tmpfs", ctypes.c_ulong(0), None))
out.append("umount=" + call(libc.umount2, b"/proc", 2))
out.append("chroot=" + call(libc.chroot, b"/tmp"))
out.append("pivot_root=" + call(libc.syscall, NR_PIVOT_ROOT, b"/tmp", b"/tmp/m"))
out.append("open_tree=" + call(libc.syscall, NR_OPEN_TREE, -100, b"/", 0))
out.append("fsopen=" + call(libc.syscall, NR_FSOPEN, b"tmpfs", 0))
print("observed:", " ".join(out))
