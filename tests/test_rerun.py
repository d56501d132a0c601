#!/usr/bin/env python3
"""The wall-clock re-run is for runs starved by the machine, not for programs
that wait (TAP; sandbox/jail_sched.c, score_finish's rerun_wanted).

A sample ended by the wall-clock limit used to run a second time, alone, in
case machine load had slowed it: a program that sleeps, blocks on a read or
stops itself then took twice its wall limit. The decision is now the
kernel's: the run's time waiting for a CPU against the time it slept
(/proc/PID/task/TID/schedstat), over the last quarter of the wall limit.

- A sleeping, a blocking and a self-stopping sample with a 2 s wall limit are
  answered once, each within its limit plus 2 s, and their `rerun_reason`
  says why they were not re-run.
- Two busy samples pinned to one CPU (taskset) with a short wall limit are
  starved: they are still re-run, and `rerun_reason` says so.

usage: test_rerun.py   (VERDICT_BINARY, VERDICT_SOURCE_ROOT from meson)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()
PROBLEMS = os.path.join(H.ROOT, "fixtures", "examples", "problems.jsonl")
WAITERS = {
    "sleeping": "    import time\n    time.sleep(100)\n    return a + b\n",
    "blocking": "    import os\n    r, w = os.pipe()\n    os.read(r, 1)\n    return a + b\n",
    "self-stopping": "    import signal\n    signal.raise_signal(signal.SIGSTOP)\n    return a + b\n",
}
# About 1 s of CPU, once: alone it ends within the 2 s wall limit, two of
# them sharing one CPU do not.
BUSY = ("    import time\n"
        "    if not globals().get('_done'):\n"
        "        start = time.process_time()\n"
        "        while time.process_time() - start < 1.0:\n"
        "            pass\n"
        "        globals()['_done'] = True\n"
        "    return a + b\n")


def audit(d, completions, extra, prefix=()):
    samples = os.path.join(d, "s.jsonl")
    with open(samples, "w") as f:
        for c in completions:
            f.write(json.dumps({"task_id": "Example/0", "completion": c}) + "\n")
    start = time.monotonic()
    p = subprocess.run(list(prefix) + [H.BINARY, "audit", "--json", "--no-cache", "--dataset", PROBLEMS] + extra +
                       [samples], capture_output=True, text=True, timeout=600)
    took = time.monotonic() - start
    try:
        return json.loads(p.stdout)["samples"], took, p.stderr
    except (ValueError, KeyError):
        return None, took, p.stdout[-1000:] + p.stderr[-2000:]


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    with tempfile.TemporaryDirectory(prefix="verdict-rerun-") as d:
        got, took, err = audit(d, list(WAITERS.values()), ["--timeout", "2", "--wall", "2"])
        if not t.ok(got is not None, "verdict audit runs the waiting samples", err):
            return t.done()
        t.diag("the three waiting samples took %.1f s in all" % took)
        for (name, _), s in zip(WAITERS.items(), got):
            reason = s.get("rerun_reason", "")
            t.ok(s["status"] == "timeout" and "rerun" not in s["flags"] and reason.startswith("not re-run"),
                 "a %s sample is not re-run: %s" % (name, reason), s)
            t.ok(s["wall_ms"] <= 2000 + 2000, "a %s sample is answered within its 2 s wall limit plus 2 s (%d ms)"
                 % (name, s["wall_ms"]), s)

        if not shutil.which("taskset"):
            t.skip("two busy samples pinned to one CPU are re-run", "no taskset(1)")
            return t.done()
        # Two identical programs: --no-dedup, or only one would run.
        got, took, err = audit(d, [BUSY, BUSY], ["--timeout", "20", "--wall", "1.5", "-j", "2", "--no-dedup"],
                               prefix=("taskset", "-c", "0"))
        if not t.ok(got is not None, "verdict audit runs the busy samples pinned to one CPU", err):
            return t.done()
        starved = [s for s in got if s["status"] != "passed" or "rerun" in s["flags"]]
        t.ok(starved and all("rerun" in s["flags"] and s.get("rerun_reason", "").startswith("re-run: starved")
                             for s in starved),
             "busy samples starved by sharing one CPU are still re-run, and say so (%d of 2 hit the wall limit)"
             % len(starved), [(s["status"], s["flags"], s.get("rerun_reason")) for s in got])
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
