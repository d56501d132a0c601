#!/usr/bin/env python3
"""src/py/verdict_guard.Timer, the per-test time limit of the evalplus and
LiveCodeBench call-based kinds, which leaves its timers armed between two
tests (two setitimer calls a test instead of four): a test over its limit
still raises; a timer that fires after its test ended ends nothing (the
handler ignores it) and the next test gets its whole limit; a handler the
program installed during a test is never reached by a timer of ours
between tests (the timers are disarmed as that test ends); disarm() leaves
nothing armed; a test that sleeps is ended by the wall-clock cap. Each case
in a fresh process, with CPU burnt for real. Prints TAP."""
import json
import os
import signal
import sys
import time

ROOT = os.environ.get("VERDICT_SOURCE_ROOT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "src", "py"))
import verdict_guard  # noqa: E402

N = [0]
FAILED = [0]


class Late(Exception):
    pass


def ok(cond, name, detail=""):
    N[0] += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N[0], name))
    if not cond:
        FAILED[0] += 1
        for line in repr(detail)[:1500].splitlines():
            print("#   " + line)


def burn(seconds):
    t = time.process_time()
    while time.process_time() - t < seconds:
        pass


def in_child(body):
    """body()'s JSON-able result from a fresh forked process, or the
    exception it raised, as a string."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = body()
        except BaseException as e:
            out = "raised %s" % type(e).__name__
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data or b"null")


def over_the_limit():
    try:
        with verdict_guard.Timer(0.2, Late):
            burn(5)
    except Late:
        return "timed out"
    return "ran to the end"


def fires_between_tests():
    with verdict_guard.Timer(0.3, Late):
        burn(0.2)
    burn(0.3)   # the CPU timer of the test above fires here, between tests
    with verdict_guard.Timer(0.3, Late):
        burn(0.25)  # its own limit, whole
    return "both tests ran"


def program_handler():
    called = []
    with verdict_guard.Timer(0.2, Late):
        signal.signal(signal.SIGPROF, lambda *a: called.append("prof"))
        signal.signal(signal.SIGALRM, lambda *a: called.append("alrm"))
    burn(0.4)
    return {"called": called, "prof": signal.getitimer(signal.ITIMER_PROF)[0],
            "real": signal.getitimer(signal.ITIMER_REAL)[0]}


def disarmed():
    with verdict_guard.Timer(5, Late):
        pass
    armed = [signal.getitimer(signal.ITIMER_PROF)[0], signal.getitimer(signal.ITIMER_REAL)[0]]
    verdict_guard.disarm()
    return {"armed": armed, "after": [signal.getitimer(signal.ITIMER_PROF)[0],
                                      signal.getitimer(signal.ITIMER_REAL)[0]]}


def sleeper():
    start = time.monotonic()
    try:
        with verdict_guard.Timer(0.1, Late, wall_factor=3.0):
            time.sleep(5)
    except Late:
        return time.monotonic() - start
    return "slept to the end"


def main():
    print("TAP version 13")
    got = in_child(over_the_limit)
    ok(got == "timed out", "a test over its CPU limit raises the harness's exception", got)
    got = in_child(fires_between_tests)
    ok(got == "both tests ran", "a timer firing between two tests ends neither; the next test has its whole limit",
       got)
    got = in_child(program_handler)
    ok(isinstance(got, dict) and got["called"] == [] and got["prof"] == 0 and got["real"] == 0,
       "a handler the program installed is never reached by our timers after its test: they are disarmed", got)
    got = in_child(disarmed)
    ok(isinstance(got, dict) and all(x > 0 for x in got["armed"]) and got["after"] == [0, 0],
       "the timers stay armed after a test, and disarm() stops them", got)
    got = in_child(sleeper)
    ok(isinstance(got, float) and got < 4.0, "a test that sleeps is ended by the wall-clock cap (3x its limit)", got)
    print("1..%d" % N[0])
    return 1 if FAILED[0] else 0


if __name__ == "__main__":
    sys.exit(main())
