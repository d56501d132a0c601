"""Attack: create files outside /tmp: in /usr (bound read-only), /etc (part of
the read-only root) and / itself. Each must fail with EROFS."""
import errno
import os

out = []
for label, path in (("usr", "/usr/verdict-attack"), ("etc", "/etc/verdict-attack"), ("root", "/verdict-attack")):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, b"escaped")
        os.close(fd)
        res = "CREATED"
    except OSError as e:
        res = errno.errorcode.get(e.errno, str(e.errno))
    out.append("%s=%s" % (label, res))
print("observed:", " ".join(out))
