"""Legitimate: run the interpreter itself as a subprocess."""
import subprocess
import sys

out = subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, text=True, check=True).stdout
print("observed: child printed", out.strip())
