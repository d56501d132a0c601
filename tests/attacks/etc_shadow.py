"""Attack: read the host's account and secret files. /etc is generated:
no shadow, no sudoers, no ssh keys; passwd names only the jail's users."""
import errno
import os

out = []
for path in ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/etc/resolv.conf"):
    try:
        os.stat(path)
        out.append("%s=PRESENT" % path)
    except OSError as e:
        out.append("%s=%s" % (path, errno.errorcode.get(e.errno, str(e.errno))))
with open("/etc/passwd") as f:
    users = [line.split(":")[0] for line in f if line.strip()]
out.append("passwd=" + ",".join(users))
out.append("etc=" + ",".join(sorted(os.listdir("/etc"))))
print("observed:", " ".join(out))
