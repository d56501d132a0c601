"""Attack: open block and character devices of the host (disks, memory,
kernel log, terminals) and make a device node. /dev holds four nodes only,
/tmp is nodev and mknod is not in the policy (ENOSYS)."""
import errno
import os
import stat


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


out = []
for dev in ("sda", "vda", "nvme0n1", "mem", "kmem", "port", "kmsg", "tty", "console", "fuse", "net/tun"):
    try:
        os.close(os.open("/dev/" + dev, os.O_RDONLY))
        res = "OPENED"
    except OSError as e:
        res = name(e)
    out.append("%s=%s" % (dev, res))
try:
    os.mknod("/tmp/sda", stat.S_IFBLK | 0o600, os.makedev(8, 0))
    out.append("mknod=CREATED")
except OSError as e:
    out.append("mknod=" + name(e))
out.append("dev=" + ",".join(sorted(os.listdir("/dev"))))
out.append("sys=" + ("PRESENT" if os.path.exists("/sys") else "absent"))
print("observed:", " ".join(out))
