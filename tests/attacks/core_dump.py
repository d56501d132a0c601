"""Attack: crash to get a core file written (memory contents on disk, /tmp
filled). RLIMIT_CORE is 0: the crash is reported, no core appears."""
import os
import signal
import subprocess
import sys

p = subprocess.run([sys.executable, "-c", "import os; os.chdir('/tmp'); os.abort()"])
sig = signal.Signals(-p.returncode).name if p.returncode < 0 else "exit%d" % p.returncode
cores = [n for n in os.listdir("/tmp") if n == "core" or n.startswith("core.")]
print("observed: child=%s cores=%s" % (sig, ",".join(cores) or "none"))
