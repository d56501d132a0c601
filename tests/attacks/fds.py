"""Attack: write to descriptors 3..20, hoping for something the supervisor
left open (a status pipe, another run's pipes, a listening socket). Only
fd 3 may work, and only when the run was given a result channel."""
import os

writable = []
for fd in range(3, 21):
    try:
        os.write(fd, b"fd%d" % fd)
        writable.append(str(fd))
    except OSError:
        pass
print("observed: writable=" + (",".join(writable) or "none"))
