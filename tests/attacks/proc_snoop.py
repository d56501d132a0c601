"""Attack: learn about the host through /proc: the environment and command
line of the jail's init (a copy of the supervisor, which never calls
execve), every other visible process, and the mount and cgroup tables.
argv[4:] are host strings (source and build directories, canary paths, the
test's own binary) that must appear nowhere."""
import errno
import os
import sys

secrets = [s.encode() for s in sys.argv[4:] if s]


def grab(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    return "LEAK" if any(s in data for s in secrets) else "readable"


me = str(os.getpid())
others = sorted((p for p in os.listdir("/proc") if p.isdigit() and p != me), key=int)
out = [
    "init_environ=" + grab("/proc/1/environ"),
    "init_cmdline=" + grab("/proc/1/cmdline"),
    "init_status=" + grab("/proc/1/status"),
    "other_pids=" + (",".join(others) or "none"),
]
for name in ("mountinfo", "mounts", "cgroup", "environ"):
    out.append("self_%s=%s" % (name, grab("/proc/self/" + name)))
print("observed:", " ".join(out))
