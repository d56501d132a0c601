"""Attack: map anonymous memory directly, one huge mapping and then touched
32 MiB mappings until refused. RLIMIT_AS must refuse both with ENOMEM."""
import errno
import mmap
import sys


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


try:
    mmap.mmap(-1, 4 << 30)
    huge = "MAPPED"
except OSError as e:
    huge = name(e)

block = b"\x01" * (1 << 20)
maps = []
growing = "none"
try:
    while len(maps) < 256:
        m = mmap.mmap(-1, 32 << 20)
        for _ in range(32):
            m.write(block)  # touch every page
        maps.append(m)
except OSError as e:
    growing = name(e)
print("detail: mib=%d" % (32 * len(maps)))
print("observed: mmap 4 GiB: %s; growing: %s" % (huge, growing))
sys.stdout.flush()
