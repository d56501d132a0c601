"""Attack: lift the run's limits: raise hard rlimits of our own (EPERM from
the kernel), change another process's limits (prlimit on pid 1: the policy
allows prlimit64 on ourselves only) and lower oom_score_adj so the host's
OOM killer would spare us (needs CAP_SYS_RESOURCE)."""
import ctypes
import errno
import os
import resource

libc = ctypes.CDLL(None, use_errno=True)


class rlimit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_ulong), ("max", ctypes.c_ulong)]


def name(e):
    return errno.errorcode.get(e, str(e))


def raise_hard(res):
    inf = rlimit(resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    ctypes.set_errno(0)
    return "RAISED" if libc.setrlimit(res, ctypes.byref(inf)) == 0 else name(ctypes.get_errno())


out = ["%s=%s" % (label, raise_hard(res)) for label, res in (
    ("as", resource.RLIMIT_AS), ("cpu", resource.RLIMIT_CPU), ("nproc", resource.RLIMIT_NPROC),
    ("nofile", resource.RLIMIT_NOFILE), ("fsize", resource.RLIMIT_FSIZE), ("core", resource.RLIMIT_CORE))]
try:
    resource.prlimit(1, resource.RLIMIT_AS)
    out.append("prlimit_init=ok")
except OSError as e:
    out.append("prlimit_init=" + name(e.errno))
try:
    fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
    try:
        os.write(fd, b"-1000")
        out.append("oom_score_adj=LOWERED")
    finally:
        os.close(fd)
except OSError as e:
    out.append("oom_score_adj=" + name(e.errno))
print("observed:", " ".join(out))
