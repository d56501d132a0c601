"""Attack: flood stdout. The supervisor keeps a bounded prefix and kills the
run past the output cap."""
import os

os.write(1, b"observed: flooding stdout\n")
block = b"x" * 65536
while True:
    os.write(1, block)
