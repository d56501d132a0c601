#!/usr/bin/env python3
"""Threads a candidate leaves running (TAP): every job kind waits for them as
a real interpreter's exit does, within the time limit, before the output and
the verdict are taken (src/py/verdict_threads.py).

- The competitive-programming idiom `threading.stack_size(...)` +
  `threading.Thread(target=main).start()`: the module returns at once and the
  thread prints the answer later. A stdin problem passes, in both of the
  runner's stdin arrangements and through `verdict audit` in the jail.
- A functional (call-based) problem whose method leaves a thread printing
  late passes; HumanEval and HumanEval+ answers that do the same pass.
- A non-daemon thread that never ends is a timeout, not a hang: stdin,
  functional, HumanEval+ in the runner; HumanEval and LiveCodeBench through
  `verdict audit` in the jail, each answered within its wall limit plus
  start-up (no re-run: such a run waits, it is not starved).
- Daemon threads are not waited for (the interpreter does not either).

Runner-level tests start the runner as the jail would (tests/test_runner.py's
harness), without a jail. usage: test_threads.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_lcb_audit_fixture as G  # noqa: E402
import http_harness as H  # noqa: E402
import test_runner as R  # noqa: E402

t = H.Tap()

LATE_STDIN = ("import threading, time\n"
              "def main():\n"
              "    time.sleep(0.3)\n"
              "    a, b = map(int, input().split())\n"
              "    print(a + b)\n"
              "threading.stack_size(1 << 26)\n"
              "threading.Thread(target=main).start()\n")
NEVER_STDIN = ("import threading\n"
               "threading.Thread(target=threading.Event().wait).start()\n"
               "a, b = map(int, input().split())\n"
               "print(a + b)\n")
DAEMON_STDIN = ("import threading\n"
                "threading.Thread(target=threading.Event().wait, daemon=True).start()\n"
                "a, b = map(int, input().split())\n"
                "print(a + b)\n")
SUM = [("1 2\n", "3\n"), ("5 5\n", "10\n")]

LATE_METHOD = ("import threading, time\n"
               "class Solution:\n"
               "    def f(self, a, b):\n"
               "        threading.Thread(target=lambda: (time.sleep(0.2), print('late'))).start()\n"
               "        return a + b\n")
NEVER_METHOD = ("import threading\n"
                "class Solution:\n"
                "    def f(self, a, b):\n"
                "        threading.Thread(target=threading.Event().wait).start()\n"
                "        return a + b\n")
NEVER_FUNC = ("import threading\n"
              "def f(a, b):\n"
              "    threading.Thread(target=threading.Event().wait).start()\n"
              "    return a + b\n")
LATE_FUNC = ("import threading, time\n"
             "def f(a, b):\n"
             "    threading.Thread(target=lambda: (time.sleep(0.2), print('late'))).start()\n"
             "    return a + b\n")


def runner_tests():
    R._reserve_fd3()
    for fd0 in ("grader", "input"):
        r = R.lcbs(LATE_STDIN, SUM, fd0=fd0)
        t.ok(r["status"] == "passed", "lcb_stdin (fd0 %s): the thread idiom's late answer is graded" % fd0, r)
    start = time.monotonic()
    r = R.lcbs(NEVER_STDIN, SUM, limit=1)
    took = time.monotonic() - start
    t.ok(r["status"] == "timeout" and r.get("error_code") == -3 and "thread" in r.get("exc_message", ""),
         "lcb_stdin: a thread that never ends is a time-out (-3) naming the thread", r)
    t.ok(took < 30, "... answered in %.1f s, not a hang (wall cap 3 x 1 s)" % took)
    r = R.lcbs(DAEMON_STDIN, SUM, limit=1)
    t.ok(r["status"] == "passed", "lcb_stdin: a daemon thread is not waited for", r)

    r = R.lcbf(LATE_METHOD, [("1\n2", "3"), ("5\n5", "10")])
    t.ok(r["status"] == "passed", "lcb_functional: a method leaving a late-printing thread passes", r)
    start = time.monotonic()
    r = R.lcbf(NEVER_METHOD, [("1\n2", "3")], limit=1)
    took = time.monotonic() - start
    t.ok(r["status"] == "timeout" and r.get("error_code") == -3 and r.get("threads_left") == 1,
         "lcb_functional: a thread that never ends is a time-out (-3), threads_left 1", r)
    t.ok(took < 30, "... answered in %.1f s, not a hang (3 x the 1 s limit)" % took)

    r = R.result(R.assert_job(LATE_FUNC.replace("def f(", "def add("),
                              R.ADD_TEST, entry="add"))
    t.ok(r["status"] == "passed", "assert: an answer leaving a late thread passes", r)
    if not R.HAVE_NUMPY:
        t.skip("evalplus: late and never-ending threads", "numpy not installed")
        return
    r = R.ep(LATE_FUNC, [((1, 2), 3)])
    t.ok(r["status"] == "passed", "evalplus: an answer leaving a late thread passes", r)
    start = time.monotonic()
    r = R.ep(NEVER_FUNC, [((1, 2), 3)], limit=0.5)
    took = time.monotonic() - start
    t.ok(r["status"] == "timeout" and r.get("harness") == "timeout",
         "evalplus: a thread that never ends is a time-out (split killed at its cap)", r)
    t.ok(took < 60, "... answered in %.1f s, not a hang" % took)


def audit(args, timeout=300):
    p = subprocess.run([H.BINARY, "audit", "--json", "--no-cache"] + args, capture_output=True, text=True,
                       timeout=timeout)
    try:
        return json.loads(p.stdout), p.stderr
    except ValueError:
        return None, p.stderr


def jail_tests(d):
    problems = os.path.join(H.ROOT, "fixtures", "examples", "problems.jsonl")
    samples = os.path.join(d, "he.jsonl")
    body = "    import threading\n    threading.Thread(target=threading.Event().wait).start()\n    return a + b\n"
    late = ("    import threading, time\n    threading.Thread(target=lambda: (time.sleep(0.2), print(1))).start()\n"
            "    return a + b\n")
    with open(samples, "w") as f:
        f.write(json.dumps({"task_id": "Example/0", "completion": body}) + "\n")
        f.write(json.dumps({"task_id": "Example/0", "completion": late}) + "\n")
    rep, err = audit(["--dataset", problems, "--timeout", "1", "--wall", "2", samples])
    if not t.ok(rep is not None, "verdict audit runs the HumanEval samples", err[-2000:]):
        return
    never, fine = rep["samples"]
    t.ok(never["status"] == "timeout" and fine["status"] == "passed",
         "HumanEval in the jail: a never-ending thread is a timeout, a late one passes",
         (never["status"], never.get("detail"), fine["status"], fine.get("detail")))
    t.ok(never["wall_ms"] < 2000 + 2000 and "rerun" not in never.get("flags", []),
         "... the timeout within its 2 s wall limit plus start-up, not re-run",
         (never["wall_ms"], never.get("flags")))

    rows = [G.row("abc900_a", "Sum", "atcoder", "easy", "2024-03-02T00:00:00", SUM[:1], SUM[1:]),
            G.row("lc_900", "Sum", "leetcode", "easy", "2024-03-02T00:00:00", [("1\n2", "3")], [("5\n5", "10")],
                  func_name="f", starter="class Solution:\n    def f(self, a, b):\n        ")]
    lcb_problems = os.path.join(d, "lcb.jsonl")
    with open(lcb_problems, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    sub = [{"question_id": "abc900_a", "code_list": [LATE_STDIN, NEVER_STDIN]},
           {"question_id": "lc_900", "code_list": [LATE_METHOD, NEVER_METHOD]}]
    lcb_samples = os.path.join(d, "lcb.json")
    with open(lcb_samples, "w") as f:
        json.dump(sub, f)
    for profile in ("lcb", "verdict"):
        rep, err = audit(["--dataset", lcb_problems, "--profile", profile, "--timeout", "1", lcb_samples])
        if not t.ok(rep is not None, "verdict audit runs the LiveCodeBench samples (%s profile)" % profile,
                    err[-2000:]):
            continue
        got = {(s["task_id"], s["index"]): s for s in rep["samples"]}
        for qid, kind in (("abc900_a", "stdin"), ("lc_900", "functional")):
            late, never = got[(qid, 0)], got[(qid, 1)]
            t.ok(late["status"] == "passed", "%s profile: LiveCodeBench %s in the jail: the threaded answer passes" % (
                profile, kind), (late["status"], late.get("detail")))
            if profile == "lcb":
                t.ok(never["status"] == "timeout" and never.get("lcb_error_code") == -3 and
                     "thread" in never.get("detail", ""),
                     "lcb profile: LiveCodeBench %s in the jail: a never-ending thread is -3, named in the detail"
                     % kind, (never["status"], never.get("lcb_error_code"), never.get("detail")))
            else:
                # Real Python: the interpreter's exit waits for the thread until
                # a limit ends the run.
                t.ok(never["status"] == "timeout",
                     "verdict profile: LiveCodeBench %s in the jail: a never-ending thread is a timeout" % kind,
                     (never["status"], never.get("detail")))


def main():
    runner_tests()
    if not os.path.exists(H.BINARY):
        t.skip("the jail tests", "no verdict binary at %s" % H.BINARY)
    elif not H.jail_works():
        t.skip("the jail tests", "the jail does not work on this host (verdict check)")
    else:
        with tempfile.TemporaryDirectory(prefix="verdict-threads-") as d:
            jail_tests(d)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
