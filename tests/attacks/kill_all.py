"""Attack: kill(-1, SIGKILL) and kill(1, SIGKILL). In the jail's pid
namespace -1 reaches only the program's own processes (here a child we made
to see it work). The jail's init is immune either way: another uid when
verdict is root (EPERM), and pid 1 of the namespace, which ignores SIGKILL
from inside it, when verdict is not. Were init dead, so would we be. Nothing
outside may die: the test keeps a host process of the program's own host uid
alive and checks it."""
import errno
import os
import signal
import time

child = os.fork()
if child == 0:
    while True:
        signal.pause()
time.sleep(0.05)
out = []
try:
    os.kill(1, signal.SIGKILL)
except OSError:
    pass
time.sleep(0.05)
out.append("init_survived=yes")
try:
    os.kill(-1, signal.SIGKILL)
    out.append("kill_all=ok")
except OSError as e:
    out.append("kill_all=" + errno.errorcode.get(e.errno, str(e.errno)))
_, status = os.waitpid(child, 0)
out.append("child=" + (signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else "exited"))
print("observed:", " ".join(out))
