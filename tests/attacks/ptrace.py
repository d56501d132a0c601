"""Attack: debug other processes: ptrace a child of our own, the jail's init
and ourselves (PTRACE_TRACEME), read a child's memory with process_vm_readv,
and open init's /proc/1/mem."""
import ctypes
import errno
import os
import signal
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_TRACEME, PTRACE_ATTACH = 0, 16


def cerr(ret):
    if ret != -1:
        return "ok"
    e = ctypes.get_errno()
    return errno.errorcode.get(e, str(e))


def pt(req, pid):
    ctypes.set_errno(0)
    return cerr(libc.ptrace(req, pid, None, None))


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


child = os.fork()
if child == 0:
    time.sleep(30)
    os._exit(0)
out = ["child=" + pt(PTRACE_ATTACH, child), "init=" + pt(PTRACE_ATTACH, 1), "traceme=" + pt(PTRACE_TRACEME, 0)]
buf = ctypes.create_string_buffer(64)
local = iovec(ctypes.cast(buf, ctypes.c_void_p), 64)
remote = iovec(ctypes.cast(buf, ctypes.c_void_p), 64)
libc.process_vm_readv.restype = ctypes.c_ssize_t
ctypes.set_errno(0)
out.append("vm_readv=" + cerr(libc.process_vm_readv(child, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)))
try:
    open("/proc/1/mem", "rb").close()
    out.append("init_mem=OPENED")
except OSError as e:
    out.append("init_mem=" + errno.errorcode.get(e.errno, str(e.errno)))
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
print("observed:", " ".join(out))
