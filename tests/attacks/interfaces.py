"""Attack: find a way out to the network. The jail's network namespace has
only the loopback interface, down, and no route."""
import errno
import socket

with open("/proc/net/dev") as f:
    names = [line.split(":")[0].strip() for line in f.read().splitlines()[2:]]
with open("/proc/net/route") as f:
    routes = len([line for line in f if not line.startswith("Iface")])
try:
    socket.if_nameindex()
    nameindex = "listed"
except OSError as e:
    nameindex = errno.errorcode.get(e.errno, str(e.errno))
print("observed: interfaces=%s routes=%d if_nameindex=%s" % (",".join(names), routes, nameindex))
