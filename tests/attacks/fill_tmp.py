"""Attack: fill /tmp. Files of 4 MiB (below RLIMIT_FSIZE) until the write
fails; the private tmpfs's size cap must stop it with ENOSPC, and the run
then ends normally. Stops by itself at 64 MiB if nothing refuses."""
import errno
import os
import sys

block = b"\x00" * (1 << 20)
written = 0
stopped = "none"
i = 0
try:
    while written < (64 << 20):
        with open("/tmp/fill.%d" % i, "wb", buffering=0) as f:
            for _ in range(4):
                written += f.write(block)
        i += 1
except OSError as e:
    stopped = errno.errorcode.get(e.errno, str(e.errno))
print("detail: written_kib=%d" % (written >> 10))
print("observed: write stopped:", stopped)
sys.stdout.flush()
