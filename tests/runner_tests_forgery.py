"""The forgery check (src/py/verdict_forgery.py) through the runner's kinds,
and its state remembered across a fork (tests/test_runner.py runs these, in
this order, after its own)."""
import json
import subprocess

from runner_harness import (ADD_TEST, HAVE_NUMPY, PY, SRC, assert_job, check_eq, evalplus_job, lcbf, result,
                            test)


# ------------------------------------------------------------- forgery ---
# Answers that pass a harness's comparison without computing anything
# (src/py/verdict_forgery.py): failed with `forged`, unless forgery_check is
# off, where the harness's own verdict (a pass) is reproduced.

ALWAYS_EQUAL = ("class E:\n    def __eq__(self, other):\n        return True\n"
                "    def __ne__(self, other):\n        return False\n")
ABS_TEST = "def check(candidate):\n    assert abs(candidate(1, 2) - 3) < 1e-6\n    assert candidate(2, 2) == 4\n"


@test("forgery: an always-equal answer, bare or in a list, fails as forged; off, it passes")
def _():
    for ret in ("E()", "[E(), E()]", "{'k': (1, E())}"):
        prog = ALWAYS_EQUAL + "def add(a, b):\n    return %s\n" % ret
        test_code = ADD_TEST if ret == "E()" else \
            "def check(candidate):\n    assert candidate(1, 2) == %s\n" % ("[3, 4]" if ret[0] == "[" else "{'k': (1, 3)}")
        res = result(assert_job(prog, test_code))
        check_eq((res["status"], res["exc_type"], res["harness"]), ("failed", "ForgedResult", "passed"), ret)
        assert "E.__eq__" in res["forged"], res
        res = result(assert_job(prog, test_code, forgery_check=False))
        check_eq(res["status"], "passed", ret + " with the check off")


@test("forgery: a float subclass rewriting __sub__/__abs__, a rebound builtin, a shadowing global")
def _():
    progs = [
        "class F(float):\n    def __sub__(self, o):\n        return 0.0\n"
        "    def __eq__(self, o):\n        return True\n"
        "def add(a, b):\n    return F(0)\n",
        "import builtins\nbuiltins.abs = lambda x: 0\ndef add(a, b):\n    return a * b if a == 2 else 0\n",
        "def abs(x):\n    return 0\ndef add(a, b):\n    return a * b if a == 2 else 0\n",
        "import math\nmath.isclose = lambda *a, **k: True\ndef add(a, b):\n    return a + b\n",
        "import sys\nsys.modules['math'] = None\ndef add(a, b):\n    return a + b\n",
    ]
    whats = ["F.__eq__", "builtins.abs", "global 'abs'", "math.isclose", "sys.modules['math']"]
    for prog, what in zip(progs, whats):
        res = result(assert_job(prog, ABS_TEST))
        if what == "builtins.abs":
            # check() looks up the builtins as they were before the program
            # ran (verdict_kind_assert._tests_function): the rebinding does
            # not reach the test, which then simply fails.
            check_eq((res["status"], res.get("exc_type")), ("failed", "AssertionError"), what)
            continue
        check_eq((res["status"], res.get("exc_type")), ("failed", "ForgedResult"), what)
        assert what in res["forged"], (what, res["forged"])


@test("forgery: honest answers are untouched (namedtuple, Counter, subclass without rewrites, helpers)")
def _():
    prog = ("import collections\nP = collections.namedtuple('P', 'x y')\n"
            "class L(list):\n    pass\n"
            "def helper(v):\n    return v\n"
            "def add(a, b):\n    return L([a + b])[0] + 0 * len(collections.Counter('ab')) + P(0, 0).x\n")
    check_eq(result(assert_job(prog))["status"], "passed", "plain")
    prog2 = ("import collections\nP = collections.namedtuple('P', 'x y')\n"
             "def add(a, b):\n    return P(a + b, 0)\n")
    t2 = "def check(candidate):\n    assert candidate(1, 2) == (3, 0)\n"
    check_eq(result(assert_job(prog2, t2))["status"], "passed", "a namedtuple answer")
    # `from math import *` puts math.pow over the builtin the test calls: imported, not forged.
    prog3 = "from math import *\ndef add(a, b):\n    return int(pow(a, 1)) + b\n"
    t3 = "def check(candidate):\n    assert pow(candidate(1, 2), 1) == 3\n"
    check_eq(result(assert_job(prog3, t3))["status"], "passed", "from math import * shadowing pow")


@test("forgery: evalplus and lcb_functional catch an always-equal answer too")
def _():
    if HAVE_NUMPY:
        prog = ALWAYS_EQUAL + "def f(x):\n    return E()\n"
        r = result(evalplus_job(prog, [((1,), 2)], [((5,), 10)]))
        check_eq((r["status"], r.get("exc_type"), r["split"]), ("failed", "ForgedResult", "base"), "evalplus")
        r = result(evalplus_job(prog, [((1,), 2)], [((5,), 10)], forgery_check=False))
        check_eq(r["status"], "passed", "evalplus with the check off")
    sol = ALWAYS_EQUAL + "class Solution:\n    def f(self, a, b):\n        return E()\n"
    r = lcbf(sol, [("1\n2", "3"), ("[1]\n[2]", "[1, 2]")])
    check_eq((r["status"], r.get("exc_type")), ("failed", "ForgedResult"), "lcb_functional")
    check_eq(lcbf(sol, [("1\n2", "3")], forgery_check=False)["status"], "passed", "lcb with the check off")


STAMP_SCRIPT = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
import builtins, math, operator, shutil, subprocess, verdict_forgery as vf, verdict_guard
try:
    import numpy
except ImportError:
    numpy = None
if sys.argv[2] == "no-reader":
    vf._STAMP = None
# As the warm parent does before it forks the runs.
vf.trust_loaded()
CHANGES = {
    "nothing": "pass",
    "a new module": "import fractions, sys; sys.modules['made_up'] = fractions",
    "the same value again": "import builtins; builtins.abs = builtins.abs",
    "an added attribute": "math.made_up = 1",
    "an added builtin": "import builtins; builtins.made_up = 1",
    "builtins.abs": "import builtins; builtins.abs = lambda x: 0",
    "math.sqrt": "math.sqrt = lambda x: 1",
    "operator.eq": "operator.eq = lambda a, b: True",
    "sys.modules['json']": "import sys; sys.modules['json'] = None",
    "a deleted builtin": "import builtins; del builtins.min",
    "numpy.allclose": "numpy.allclose = lambda *a, **k: True",
}
out = {}
for what, code in CHANGES.items():
    if numpy is None and "numpy" in code:
        continue
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        if sys.argv[2].startswith("guard"):
            # A harness's reliability_guard before the candidate, as a run applies it.
            verdict_guard.apply("evalplus")
            if sys.argv[2] == "guard, then an untrusted write":
                vars(builtins)["made_up"] = 1
        checker = vf.Checker(True)
        took = [type(checker._builtins).__name__, type(checker._modules).__name__]
        exec(code, {"math": math, "operator": operator, "numpy": numpy})
        os.write(w, json.dumps([checker.rebound(), vf._STAMP is not None, took]).encode())
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
    out[what] = json.loads(data)
print(json.dumps({"version": list(sys.version_info[:2]), "cpython": sys.implementation.name == "cpython",
                  "results": out}))
"""


@test("forgery: the state remembered before a fork (dict stamps) still catches every rebinding in the child")
def _():
    # verdict_forgery.remember_state(): the warm parent copies the watched
    # dicts once and a Checker made in a forked run reuses that copy while
    # the dict's stamp is unchanged, or changed only by the guard's trusted
    # writes (verdict_forgery.trusted_write: the copy with those writes laid
    # over it). The verdicts must be those of a fresh copy, with the stamp
    # reader and without it (another interpreter), after the guard, and
    # when a write the guard did not make follows it.
    for mode in ("reader", "no-reader", "guard", "guard, then an untrusted write"):
        p = subprocess.run([PY, "-c", STAMP_SCRIPT, SRC, mode], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        got = json.loads(p.stdout)
        for what, (found, has_reader, took) in got["results"].items():
            if mode == "no-reader":
                check_eq(has_reader, False, "the reader is off")
            elif got["version"] == [3, 11] and got["cpython"]:
                check_eq(has_reader, True, "CPython 3.11 has dict stamps")
            if mode == "guard" and has_reader:
                check_eq(took, ["_Overlaid", "_Overlaid"], "after the guard: the remembered copies, overlaid")
            elif mode == "guard, then an untrusted write" and has_reader:
                check_eq(took, ["dict", "_Overlaid"], "an untrusted write to builtins: builtins copied again")
            if what in ("nothing", "a new module", "the same value again", "an added attribute", "an added builtin"):
                check_eq(found, None, "%s (%s)" % (what, mode))
            elif what == "a deleted builtin":
                assert found and "builtins.min" in found, (what, mode, found)
            else:
                assert found and what in found, (what, mode, found)
