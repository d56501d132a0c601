"""Attack: spin forever with SIGXCPU ignored. The hard CPU limit (one second
above the soft one) then kills with SIGKILL, still a CPU-limit verdict."""
import signal
import sys

signal.signal(signal.SIGXCPU, signal.SIG_IGN)
print("observed: spinning with SIGXCPU ignored")
sys.stdout.flush()
while True:
    pass
