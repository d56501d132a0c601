"""Attack: spin forever. RLIMIT_CPU's soft limit delivers SIGXCPU."""
import sys

print("observed: spinning")
sys.stdout.flush()
while True:
    pass
