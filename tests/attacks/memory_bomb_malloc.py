"""Attack: allocate (and touch) heap memory until refused. The address-space
limit makes malloc fail; the MemoryError is re-raised so the supervisor
must classify the run as a memory limit."""
import sys

chunks = []
try:
    while True:
        chunks.append(b"\x01" * (16 << 20))
except MemoryError:
    print("detail: mib=%d" % (16 * len(chunks)))
    print("observed: allocation refused: MemoryError")
    sys.stdout.flush()
    raise
