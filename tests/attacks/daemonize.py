"""Attack: outlive the run. Double fork and setsid, detach from the pipes,
ignore the usual signals and sleep; the program itself exits at once. The
end of the jail's init must take the daemon down (the test checks the host's
process table for any process of the jail's ids)."""
import os
import signal
import sys
import time

r, w = os.pipe()
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    os.write(w, b"%d" % os.getpid())
    os.close(w)
    time.sleep(30)
    with open("/tmp/daemon-was-here", "w") as f:
        f.write("still alive\n")
    os._exit(0)
os.close(w)
os.waitpid(pid, 0)
print("detail: daemon_pid=%s" % os.read(r, 32).decode())
print("observed: daemon started")
