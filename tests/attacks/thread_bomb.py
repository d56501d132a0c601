"""Attack: start threads until refused. Threads count against RLIMIT_NPROC
like processes, so the run's process limit bounds them."""
import os
import sys
import threading

stop = threading.Event()
n = 0
try:
    while True:
        threading.Thread(target=stop.wait, daemon=True).start()
        n += 1
except RuntimeError as e:
    print("detail: threads=%d" % n)
    print("observed: thread refused:", type(e).__name__)
    sys.stdout.flush()
    os._exit(0)
