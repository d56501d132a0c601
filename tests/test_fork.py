#!/usr/bin/env python3
"""src/py/verdict_fork.py: a fork without CPython's at-fork hooks leaves a
child that behaves as os.fork()'s would. In real forked children: random is
reseeded (a child never replays its parent's sequence, nor a sibling's),
threads can be started, joined and waited for at exit (threading's
registry names the one thread left, threading._shutdown returns), locks
work, logging works; with another thread alive it is os.fork() (the hooks
run: the child's registry forgets the parent's other thread). And it saves
what it is for: fewer pages written in the child (its minor faults, the
same work after each kind of fork, measured side by side). Prints TAP."""
import json
import os
import random
import resource
import sys
import threading

ROOT = os.environ.get("VERDICT_SOURCE_ROOT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "src", "py"))
import verdict_fork  # noqa: E402

N = [0]
FAILED = [0]


def ok(cond, name, detail=""):
    N[0] += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N[0], name))
    if not cond:
        FAILED[0] += 1
        for line in repr(detail)[:1500].splitlines():
            print("#   " + line)


def in_child(body, fork=verdict_fork.fork):
    """Run body() in a child made by `fork`; its JSON-able result, or the
    exception it raised as a string."""
    r, w = os.pipe()
    pid = fork()
    if pid == 0:
        os.close(r)
        try:
            out = {"ok": body()}
        except BaseException as e:
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    got = json.loads(b"".join(chunks) or b"{}")
    got["status"] = status
    return got


def draws():
    return [random.random() for _ in range(4)]


def test_random():
    random.seed(1234)
    a = in_child(draws)
    b = in_child(draws)
    mine = draws()
    ok(a.get("ok") and b.get("ok") and a["ok"] != mine and b["ok"] != mine and a["ok"] != b["ok"],
       "random is reseeded in each child: no child replays its parent's sequence or a sibling's", (a, b, mine))


def threads_in_child():
    seen = []
    lock = threading.Lock()

    def work(i):
        with lock:
            seen.append(i)
    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    # A non-daemon thread still running when the program ends: the
    # interpreter's exit waits for it (threading._shutdown).
    done = []
    late = threading.Thread(target=lambda: done.append(1))
    late.start()
    threading._shutdown()
    main_is_current = threading.main_thread() is threading.current_thread()
    return {"seen": sorted(seen), "late": done, "main": main_is_current,
            "count": threading.active_count(), "ident": threading.get_ident()}


def test_threads():
    got = in_child(threads_in_child)
    res = got.get("ok") or {}
    ok(res.get("seen") == [0, 1, 2, 3] and res.get("late") == [1] and res.get("main") is True,
       "in the child, threads start, take a lock, join; the exit waits for a late thread; the main thread "
       "is the current one", got)


def logging_in_child():
    import io
    import logging
    stream = io.StringIO()
    log = logging.getLogger("verdict-fork-test")
    handler = logging.StreamHandler(stream)
    log.addHandler(handler)
    log.warning("from the child")
    log.removeHandler(handler)
    return stream.getvalue()


def test_logging():
    import logging  # imported in the parent: its at-fork hook is registered
    logging.getLogger("verdict-fork-test").setLevel(logging.WARNING)
    got = in_child(logging_in_child)
    ok(got.get("ok") == "from the child\n", "logging, imported before the fork, works in the child", got)


def test_other_thread_falls_back():
    gate = threading.Event()
    t = threading.Thread(target=gate.wait, daemon=True)
    t.start()
    try:
        got = in_child(lambda: [x.ident for x in threading.enumerate()])
    finally:
        gate.set()
        t.join()
    idents = got.get("ok") or []
    ok(len(idents) == 1 and t.ident not in idents,
       "with another thread alive it is os.fork(): the hooks run, the child's registry forgets that thread",
       (got, t.ident))


def touch_work():
    # The same piece of work after each kind of fork: compile and run a
    # small program with its test, encode a result.
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    src = "def f(x):\n    return sorted(x)[::-1]\nassert f([3, 1, 2]) == [3, 2, 1]\n"
    exec(compile(src, "<c>", "exec"), {})
    json.dumps({"a": [1, 2, 3]})
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0, resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def child_faults(fork, n=15):
    """Median minor faults of a child's whole life (from the fork on)."""
    totals = []
    for _ in range(n):
        got = in_child(touch_work, fork)
        if "ok" not in got:
            return None
        totals.append(got["ok"][1])
    totals.sort()
    return totals[len(totals) // 2]


def test_fewer_pages():
    # Warm, as a warm parent is: many modules, a frozen heap.
    import collections, decimal, fractions, statistics, typing, subprocess, tempfile  # noqa: F401,E401
    import gc
    gc.collect()
    gc.freeze()
    bare = child_faults(verdict_fork.fork)
    hooked = child_faults(os.fork)
    gc.unfreeze()
    ok(bare is not None and hooked is not None and bare < hooked,
       "a child of the bare fork writes fewer of its parent's pages: median faults %s against %s with "
       "os.fork()" % (bare, hooked), (bare, hooked))


def main():
    test_random()
    test_threads()
    test_logging()
    test_other_thread_falls_back()
    test_fewer_pages()
    print("1..%d" % N[0])
    return 1 if FAILED[0] else 0


if __name__ == "__main__":
    sys.exit(main())
