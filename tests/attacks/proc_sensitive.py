"""Attack: the host-wide knobs and kernel memory under /proc: sysrq, kcore,
the kernel log, global sysctls (core_pattern runs a host program as root on
a crash, drop_caches), our own id maps."""
import errno
import os


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def write(path, data):
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, data)
            return "WRITTEN"
        finally:
            os.close(fd)
    except OSError as e:
        return name(e)


def read(path):
    try:
        with open(path, "rb") as f:
            f.read(1)
        return "READ"
    except OSError as e:
        return name(e)


out = [
    "sysrq=" + write("/proc/sysrq-trigger", b"h"),
    "kcore=" + read("/proc/kcore"),
    "kmsg=" + read("/proc/kmsg"),
    "core_pattern=" + write("/proc/sys/kernel/core_pattern", b"|/tmp/x"),
    "drop_caches=" + write("/proc/sys/vm/drop_caches", b"3"),
    "uid_map=" + write("/proc/self/uid_map", b"0 0 1"),
]
print("observed:", " ".join(out))
