"""The runner's evalplus kind and the digests of expected outputs
(tests/test_runner.py runs these, in this order, after its own)."""
import json

import verdict_values
from runner_harness import (HAVE_NUMPY, NONCE, Skip, check_eq, ep, evalplus_job, expected_job, result,
                            run_job, test)


# ------------------------------------------------------------- evalplus ---

@test("evalplus: passing both splits")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    res = result(evalplus_job("def f(x):\n    return x * 2\n", [((1,), 2)], [((5,), 10), ((0,), 0)]))
    check_eq((res["status"], res["split"], res["tests_total"]), ("passed", None, 3))
    check_eq([res["splits"][s]["harness"] for s in ("base", "plus")], ["pass", "pass"])


@test("evalplus: a wrong plus output fails plus only; the first failure stops the split")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    prog = "def f(x):\n    return x * 2 if x < 100 else 0\n"
    res = result(evalplus_job(prog, [((1,), 2)], [((5,), 10), ((100,), 200), ((200,), 400)]))
    check_eq((res["status"], res["split"], res["failed_test"], res["tests_run"]), ("failed", "plus", 1, 2))
    check_eq(res["splits"]["base"]["status"], "passed")
    check_eq((res["splits"]["plus"]["harness"], res["splits"]["plus"]["exc_type"]), ("fail", "AssertionError"))


@test("evalplus: exception, syntax error, missing entry point")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    r = ep("def f(x):\n    return [][x]\n", [((0,), 0)])
    check_eq((r["status"], r["exc_type"], r["harness"], r["failed_test"]), ("error", "IndexError", "fail", 0))
    r = ep("def f(x)\n    return x\n", [((0,), 0)])
    check_eq((r["status"], r["harness"]), ("syntax_error", "fail"))
    r = ep("def g(x):\n    return x\n", [((0,), 0)])
    check_eq((r["status"], r["exc_type"], r["tests_run"]), ("error", "KeyError", 0))


@test("evalplus: per-input time limit -> timeout (evalplus records 'fail')")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    prog = "def f(x):\n    while x:\n        pass\n    return x\n"
    r = ep(prog, [((0,), 0), ((1,), 1)], limit=0.2)
    check_eq((r["status"], r["harness"], r["failed_test"], r["tests_run"]), ("timeout", "fail", 1, 2))


@test("evalplus: a candidate that swallows time-outs is killed at the split cap ('timeout')")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    prog = ("def f(x):\n    while True:\n        try:\n            while True:\n"
            "                pass\n        except BaseException:\n            pass\n")
    r = ep(prog, [((0,), 0)], limit=0.1)
    check_eq((r["status"], r["harness"], r["failed_test"]), ("timeout", "timeout", 0))


@test("evalplus: exit()/quit()/open() are None under its guard; os._exit -> 'timeout'")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    for body in ("exit()", "quit()", "open('x', 'w')"):
        r = ep("def f(x):\n    %s\n    return x\n" % body, [((1,), 1)])
        check_eq((r["status"], r["exc_type"]), ("error", "TypeError"), body)
    r = ep("import os\nos._exit(0)\ndef f(x):\n    return x\n", [((1,), 1)])
    check_eq((r["status"], r["harness"], r["died"]["exit_code"]), ("error", "timeout", 0))


@test("evalplus: prints and fake records are swallowed, input() raises")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    fake = json.dumps({"nonce": NONCE, "type": "result", "status": "passed"})
    prog = ("print(%r)\ndef f(x):\n    print(%r)\n    try:\n        input()\n"
            "    except OSError:\n        return x\n    return None\n" % (fake, fake))
    run = run_job(evalplus_job(prog, [((1,), 1)]))
    check_eq((len(run.lines), run.result["status"]), (1, "passed"))


@test("evalplus: float tolerance (1e-6 when atol is 0 and the output is float, given atol otherwise)")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    cases = [
        ("def f():\n    return 0.1 + 0.2\n", 0.3, 0, "passed"),
        ("def f():\n    return 1.0000005\n", 1.0, 0, "passed"),
        ("def f():\n    return 1.1\n", 1.0, 0, "failed"),
        ("def f():\n    return [1.0000001, 2.0]\n", [1.0, 2.0], 0, "passed"),
        ("def f():\n    return 3.0000001\n", 3, 0, "failed"),   # int expected: exact
        ("def f():\n    return 3.0\n", 3, 0, "passed"),         # == holds
        ("def f():\n    return 1.00001\n", 1.0, 1e-4, "passed"),
        ("def f():\n    return 1.001\n", 1.0, 1e-4, "failed"),
        ("def f():\n    return (1.0000001,)\n", [1.0], 0, "failed"),   # type check
        ("def f():\n    return [1.0, 2.0, 3.0]\n", [1.0, 2.0], 0, "failed"),  # length
        ("def f():\n    return []\n", [], 0, "passed"),
        ("def f():\n    return float('nan')\n", float("nan"), 0, "failed"),  # allclose nan
    ]
    for prog, exp, atol, want in cases:
        r = ep(prog, [((), exp)], atol=atol)
        check_eq(r["status"], want, "%r vs %r atol %r" % (prog, exp, atol))


@test("evalplus: atol stays 1e-6 after a float output (evalplus reassigns it)")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    prog = "def f(x):\n    return 0.5 if x == 0 else [1, 2.0000001]\n"
    r = ep(prog, [((0,), 0.5), ((1,), [1, 2])])
    check_eq(r["status"], "passed", "float first")
    r = ep(prog, [((1,), [1, 2]), ((0,), 0.5)])
    check_eq((r["status"], r["failed_test"]), ("failed", 0), "ints first")


@test("evalplus: tuple vs list is a failure; big ints over 4300 digits compare exactly")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    check_eq(ep("def f():\n    return [1, 2]\n", [((), (1, 2))])["status"], "failed")
    check_eq(ep("def f():\n    return (1, 2)\n", [((), [1, 2])])["status"], "failed")
    check_eq(ep("def f():\n    return (1, 2)\n", [((), (1, 2))])["status"], "passed")
    big = 7 ** 6000
    check_eq(ep("def f(n):\n    return 7 ** n\n", [((6000,), big)])["status"], "passed")
    check_eq(ep("def f(n):\n    return 7 ** n + 1\n", [((6000,), big)])["status"], "failed")


@test("evalplus: find_zero oracle; 0.3.1 never records a pass, master does")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    good = ("def find_zero(xs):\n    lo, hi = -100.0, 100.0\n"
            "    f = lambda x: sum(c * x ** i for i, c in enumerate(xs))\n"
            "    for _ in range(200):\n        mid = (lo + hi) / 2\n"
            "        if f(lo) * f(mid) <= 0:\n            hi = mid\n        else:\n            lo = mid\n"
            "    return lo\n")
    cases = [(([-6, 11, -6, 1],), 999.0), (([1, 2],), 999.0)]   # expected unused by the oracle
    r = ep(good, cases, entry="find_zero", atol=1e-4)
    check_eq((r["status"], r["harness"], r["unrecorded"]), ("failed", "fail", 2), "0.3.1")
    r = ep(good, cases, entry="find_zero", atol=1e-4, evalplus_version="master")
    check_eq((r["status"], r["harness"]), ("passed", "pass"), "master")
    half = "def find_zero(xs):\n    return 1.0 if len(xs) == 4 else 0.0\n"
    r = ep(half, cases, entry="find_zero", atol=1e-4)
    check_eq((r["status"], r["failed_test"], r["harness_failed_test"]), ("failed", 1, 0))
    # No copy of the arguments (as evalplus): the oracle sees the mutated list.
    cheat = "def find_zero(xs):\n    xs.clear()\n    return 0.0\n"
    r = ep(cheat, cases, entry="find_zero", atol=1e-4, evalplus_version="master")
    check_eq(r["status"], "passed", "cheat under master")


@test("evalplus: a solution mutating its argument is compared on its return value")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    prog = "def f(xs):\n    xs.sort()\n    xs.append(len(xs))\n    return xs[:-1]\n"
    check_eq(ep(prog, [(([3, 1, 2],), [1, 2, 3]), (([2, 1],), [1, 2])])["status"], "passed")


# ------------------------------------------------ digests of expected ---

BIG_PROG = "def f(n):\n    return list(range(n))\n"


@test("expected: with digest_over, long outputs become digests unless a tolerance may compare them")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    import verdict_digest
    res = result(expected_job(BIG_PROG, [[3], [500], [400]], digest_over=100))
    check_eq((res["status"], res["outputs"][0], res["outputs"][1:]), ("passed", [0, 1, 2], [None, None]))
    check_eq([i for i, _ in res["digested"]], [1, 2])
    check_eq(res["digested"][0][1], verdict_digest.digest(list(range(500))))
    # A float output makes evalplus compare with a tolerance from there on:
    # that output and every later one stay whole.
    prog = "def f(n):\n    return [0.5] if n == 1 else list(range(n))\n"
    res = result(expected_job(prog, [[500], [1], [500]], digest_over=100))
    check_eq(([i for i, _ in res["digested"]], res["outputs"][1], len(res["outputs"][2])), ([0], [0.5], 500))
    res = result(expected_job(BIG_PROG, [[500]], digest_over=100, atol=1e-6))
    check_eq((res["digested"], len(res["outputs"][0])), ([], 500))


def digest_job(program, n_values, canonical=BIG_PROG, **kw):
    """An evalplus job whose expected outputs are list(range(n)), known by
    their digests only."""
    import verdict_digest
    job = evalplus_job(program, [((n,), None) for n in n_values], **kw)
    job["splits"][0]["expected_digests"] = [[i, verdict_digest.digest(list(range(n)))]
                                            for i, n in enumerate(n_values)]
    if canonical is not None:
        job["canonical"] = canonical
    return job


@test("evalplus: outputs compared by digest (equal across int/float, first difference fails)")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    r = result(digest_job(BIG_PROG, [300, 5, 700]))["splits"]["base"]
    check_eq((r["status"], r["tests_run"]), ("passed", 3))
    r = result(digest_job("def f(n):\n    return [float(i) for i in range(n)]\n", [300]))["splits"]["base"]
    check_eq(r["status"], "passed", "floats equal to the ints")
    r = result(digest_job("def f(n):\n    return list(range(n - (n == 700)))\n", [300, 700, 5]))
    b = r["splits"]["base"]
    check_eq((b["status"], b["failed_test"], b["tests_run"], b.get("expected_recomputed")), ("failed", 1, 2, None))
    r = result(digest_job("def f(n):\n    return tuple(range(n))\n", [300]))["splits"]["base"]
    check_eq(r["status"], "failed", "a tuple is not the list")


@test("evalplus: an output a digest cannot judge: the canonical program recomputes the split")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    # A list of numpy ints equals the list of ints in evalplus (element by
    # element); a numpy array does not (its truth value is ambiguous).
    prog = "import numpy as np\ndef f(n):\n    return [np.int64(i) for i in range(n)]\n"
    r = result(digest_job(prog, [300, 400]))["splits"]["base"]
    check_eq((r["status"], r.get("expected_recomputed")), ("passed", True))
    prog = "import numpy as np\ndef f(n):\n    return np.arange(n)\n"
    full = result(evalplus_job(prog, [((300,), list(range(300)))]))["splits"]["base"]
    r = result(digest_job(prog, [300]))["splits"]["base"]
    check_eq((r["status"], r.get("exc_type"), r.get("expected_recomputed")),
             (full["status"], full.get("exc_type"), True), "the same verdict as with the values")
    # Without the canonical program the runner cannot decide: its own error.
    run = run_job(digest_job(prog, [300], canonical=None))
    check_eq((run.rc, [x["type"] for x in run.records]), (70, ["runner_error"]))


@test("evalplus: a candidate raising NotDigestible itself, or forging the report, gains nothing")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    prog = ("import verdict_digest\ndef f(n):\n    raise verdict_digest.NotDigestible('x')\n")
    r = result(digest_job(prog, [300]))["splits"]["base"]
    check_eq((r["status"], r.get("exc_type")), ("error", "NotDigestible"))
    prog = ("import os, json, gc\n"
            "def f(n):\n"
            "    for fd in range(3, 64):\n"
            "        try:\n"
            "            os.write(fd, b'\\n' + json.dumps({'report': {'need_expected': 0}}).encode() + b'\\n')\n"
            "        except OSError:\n"
            "            pass\n"
            "    os._exit(0)\n")
    r = result(digest_job(prog, [300]))
    check_eq(r["status"] in ("error", "failed", "timeout"), True, r)


@test("real_evalplus (the verdict profile): outputs known by their digest, recomputed where a digest cannot judge")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    # The verdict profile gets the same digests as the evalplus kind: a
    # correct answer to a task with long outputs (HumanEval/15, /27, ...)
    # must pass, a wrong one fail at its first difference.
    r = result(digest_job(BIG_PROG, [300, 5, 700], kind="real_evalplus"))["splits"]["base"]
    check_eq((r["status"], r["tests_run"]), ("passed", 3))
    r = result(digest_job("def f(n):\n    return list(range(n - (n == 700)))\n", [300, 700, 5],
                          kind="real_evalplus"))["splits"]["base"]
    check_eq((r["status"], r["failed_test"], r.get("expected_recomputed")), ("failed", 1, None))
    prog = "import numpy as np\ndef f(n):\n    return [np.int64(i) for i in range(n)]\n"
    r = result(digest_job(prog, [300, 400], kind="real_evalplus"))["splits"]["base"]
    check_eq((r["status"], r.get("expected_recomputed")), ("passed", True))
    run = run_job(digest_job(prog, [300], canonical=None, kind="real_evalplus"))
    check_eq((run.rc, [x["type"] for x in run.records]), (70, ["runner_error"]))
    # A candidate asking for the values itself gains nothing.
    prog = ("import os, json\n"
            "def f(n):\n"
            "    for fd in range(3, 64):\n"
            "        try:\n"
            "            os.write(fd, b'\\n' + json.dumps({'report': {'need_expected': 0}}).encode() + b'\\n')\n"
            "        except OSError:\n"
            "            pass\n"
            "    os._exit(0)\n")
    r = result(digest_job(prog, [300], kind="real_evalplus"))
    check_eq(r["status"] in ("error", "failed", "timeout"), True, r)


def _two_split_expected(program, base, plus):
    job = expected_job(program, [])
    del job["inputs"]
    job["splits"] = [{"name": n, "inputs": [verdict_values.encode(i) for i in inputs]}
                     for n, inputs in (("base", base), ("plus", plus))]
    return result(job)["splits"]


@test("expected: both splits in one child, each exec'd afresh (as evalplus's trusted_exec); a death in a split "
      "leaves the next to a fresh child")
def _():
    counter = "n = [0]\ndef f(x):\n    n[0] += 1\n    return n[0] + x\n"
    s = _two_split_expected(counter, [[0], [0], [10]], [[0]])
    check_eq((s["base"]["status"], s["base"]["outputs"], s["plus"]["status"], s["plus"]["outputs"]),
             ("passed", [1, 2, 13], "passed", [1]))
    for name in ("base", "plus"):
        assert isinstance(s[name]["cpu_ms"], float) and s[name]["cpu_ms"] >= 0, "%s cpu_ms: %r" % (name, s[name])
        check_eq(len(s[name]["times_ms"]), len(s[name]["outputs"]))
    dies = "import os\ndef f(x):\n    if x < 0:\n        os._exit(3)\n    return 2 * x\n"
    s = _two_split_expected(dies, [[1], [2], [-1], [4]], [[5], [6]])
    check_eq((s["base"]["status"], s["base"]["failed_test"], s["base"]["died"]["exit_code"]), ("error", 2, 3))
    check_eq((s["plus"]["status"], s["plus"]["outputs"]), ("passed", [10, 12]))
    s = _two_split_expected(dies, [[1], [2]], [[3], [-1], [7]])
    check_eq((s["base"]["status"], s["base"]["outputs"]), ("passed", [2, 4]))
    check_eq((s["plus"]["status"], s["plus"]["failed_test"]), ("error", 1))
    s = _two_split_expected("def f(x):\n    return 1 / x\n", [[0]], [[1]])
    check_eq((s["base"]["status"], s["base"]["exc_type"], s["base"]["failed_test"]), ("error", "ZeroDivisionError", 0))
    check_eq((s["plus"]["status"], s["plus"]["outputs"]), ("passed", [1.0]))


@test("expected_tasks: several tasks in one child give, task by task, what each expected job gives alone")
def _():
    def task(program, base, plus, entry="f", **kw):
        job = expected_job(program, [], entry=entry, **kw)
        del job["inputs"]
        job["splits"] = [{"name": n, "inputs": [verdict_values.encode(i) for i in inputs]}
                         for n, inputs in (("base", base), ("plus", plus))]
        return job
    tasks = [
        task("def f(x):\n    return [x] * 3\n", [[1], [2]], [[3]]),
        task("import os\ndef g(x):\n    if x < 0:\n        os._exit(3)\n    return x + 1\n", [[1], [-1], [2]], [[5]],
             entry="g"),
        task("def f(x)\n    return x\n", [[1]], [[2]]),
        task("n = [0]\ndef h(x):\n    n[0] += 1\n    return (n[0], x)\n", [[0], [0]], [[7]], entry="h"),
        task("def f(n):\n    return list(range(n))\n", [[2000]], [[5]], digest_over=1024),
    ]
    batch = result({"kind": "expected_tasks", "guard": "none", "tasks": tasks})
    check_eq((batch["status"], len(batch["tasks"])), ("error", 5))
    volatile = ("cpu_ms", "wall_ms", "times_ms", "cpu_times_ms", "died")
    for i, t in enumerate(tasks):
        alone = result(t)
        got = batch["tasks"][i]
        for name in ("base", "plus"):
            a = {k: v for k, v in alone["splits"][name].items() if k not in volatile}
            b = {k: v for k, v in got["splits"][name].items() if k not in volatile}
            check_eq(b, a, "task %d split %s" % (i, name))
            check_eq(len(got["splits"][name]["times_ms"]), len(alone["splits"][name]["times_ms"]))
        check_eq((got["status"], got.get("split")), (alone["status"], alone.get("split")), "task %d" % i)
    check_eq(batch["tasks"][1]["splits"]["base"]["died"]["exit_code"], 3)
    # Each task's program is exec'd afresh per split: the counter restarts.
    check_eq([verdict_values.decode(v) for v in batch["tasks"][3]["splits"]["plus"]["outputs"]], [(1, 7)])
    check_eq(len(batch["tasks"][4]["splits"]["base"]["digested"]), 1)
