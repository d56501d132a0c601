"""Attack: read files the test created on the host (argv[2]: under the host's
/tmp, argv[3]: next to the test's working directory), directly and through
the jail's init's root, and the host's /root. None of it may exist here."""
import errno
import os
import sys


def probe(path):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read()
        return "READABLE"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


tests = (
    ("canary_tmp", sys.argv[2]),
    ("canary_cwd", sys.argv[3]),
    ("via_init_root", "/proc/1/root" + sys.argv[2]),
    ("host_root_home", "/root"),
)
print("observed:", " ".join("%s=%s" % (label, probe(path)) for label, path in tests))
