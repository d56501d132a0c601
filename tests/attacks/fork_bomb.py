"""Attack: a fork bomb. Every process forks as fast as it can; the first one
reports the errno that stops it. RLIMIT_NPROC (counted per user namespace)
must refuse forks at the run's limit, and the end of the run must kill every
process the bomb made (the test checks the host's process table)."""
import errno
import os
import sys
import time

root = os.getpid()
forks = 0
sys.stdout.flush()
while True:
    try:
        pid = os.fork()
    except OSError as e:
        if os.getpid() != root:
            time.sleep(0.01)  # children keep the pressure on
            continue
        print("detail: forks=%d" % forks)
        print("observed: fork refused:", errno.errorcode.get(e.errno, e.errno))
        sys.stdout.flush()
        os._exit(0)
    if pid and os.getpid() == root:
        forks += 1
