"""Attack: sleep past the wall-clock deadline with every signal ignored and
blocked. Only the supervisor's SIGKILL of the jail's init ends the run."""
import signal
import sys
import time

for sig in signal.valid_signals():
    try:
        signal.signal(sig, signal.SIG_IGN)
    except (OSError, ValueError, RuntimeError):
        pass  # SIGKILL, SIGSTOP and libc's reserved signals
signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
print("observed: sleeping with every signal blocked")
sys.stdout.flush()
time.sleep(3600)
