"""A hostile sample in the pool: leave state behind for the next sample,
reach for the warm parent and for siblings, look for other samples' code."""
import ctypes
import errno
import json
import math
import os
import re
import signal
import sys
import threading
import time

out = []

# The warm parent and the run's init: invisible, not signalable, not traceable.
def attempt(name, fn):
    try:
        fn()
        out.append(name + "=ok")
    except OSError as e:
        out.append(name + "=" + errno.errorcode.get(e.errno, str(e.errno)))

attempt("kill_ppid", lambda: os.kill(os.getppid(), signal.SIGKILL))
attempt("kill_1", lambda: os.kill(1, signal.SIGKILL))
libc = ctypes.CDLL(None, use_errno=True)
def ptrace_1():
    if libc.ptrace(16, 1, 0, 0) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
attempt("ptrace_1", ptrace_1)
attempt("read_1_mem", lambda: open("/proc/1/mem", "rb").read(1))
attempt("read_1_environ", lambda: open("/proc/1/environ", "rb").read())
visible = sorted(p for p in os.listdir("/proc") if p.isdigit()) if os.path.isdir("/proc") else []
out.append("visible_pids=%d" % len(visible))
# Other samples' code: /tmp holds only this job, no descriptor leads elsewhere.
out.append("tmp=" + ",".join(sorted(n for n in os.listdir("/tmp") if n != "left_behind.txt")))
fds = sorted(int(n) for n in os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else []
out.append("fds=" + ",".join(str(f) for f in fds if f > 2))
# State for the next sample: files, environment, monkeypatched modules,
# a lingering thread, a daemon process.
with open("/tmp/left_behind.txt", "w") as f:
    f.write("evil")
os.environ["EVIL"] = "1"
json._verdict_patched = True
json.dumps = lambda *a, **k: "PATCHED"
math._verdict_patched = True
re._verdict_patched = True
builtins = __builtins__.__dict__ if hasattr(__builtins__, "__dict__") else __builtins__
builtins["evil_builtin"] = 1
threading.Thread(target=lambda: time.sleep(30), daemon=False).start()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)
    os._exit(0)

print("observed: " + " ".join(out))
sys.stdout.flush()
