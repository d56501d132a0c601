"""Legitimate, run 8 times at once: each run leaves a file named after its
token in /tmp, waits so the runs overlap, then reports what it sees. A run
must see only its own files and its own processes."""
import os
import sys
import time

token = sys.argv[1]
with open("/tmp/" + token, "w") as f:
    f.write(token)
time.sleep(0.3)
with open("/tmp/" + token) as f:
    assert f.read() == token
pids = sorted(p for p in os.listdir("/proc") if p.isdigit())
print("observed: token=%s tmp=%s pids=%d" % (token, ",".join(sorted(os.listdir("/tmp"))), len(pids)))
