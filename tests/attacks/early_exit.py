"""Attack on the scorer: leave with status 0 before any assertion runs. The
jail must report exactly that (exit 0 and this line); refusing the pass is
the scorer's job, tested with the runner."""
import os
import sys

print("observed: leaving before the assertions")
sys.stdout.flush()
os._exit(0)
assert False, "never reached"
