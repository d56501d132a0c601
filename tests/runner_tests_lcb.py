"""The runner's LiveCodeBench kinds, functional and stdin
(tests/test_runner.py runs these, in this order, after the evalplus ones)."""
import json
import os

from runner_harness import NONCE, check_eq, decimal_str, lcbf, lcbs, run_job, test


# ------------------------------------------------------- lcb functional ---

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


# ------------------------------------------------ the warm stdin launcher ---
# A job of one test runs it in a fresh interpreter; a job of more runs each
# test in a fork of one warm launcher (src/py/verdict_launcher.py). The
# same program and input must end the same way in both.

WHO_STARTED_ME = ("import os\n"
                  "cmd = open('/proc/%d/cmdline' % os.getppid(), 'rb').read()\n"
                  "print('launcher' if b'_verdict_launcher' in cmd else 'fresh')\n")

SAME_END_PROGRAMS = [
    ("print(int(input()) * 2)\n", "21\n", "42"),
    ("import sys\nsys.stdout.buffer.write(b'42\\n')\n", "", "42"),
    ("import threading, time\ndef f():\n    time.sleep(0.05)\n    print(42)\n"
     "threading.Thread(target=f).start()\n", "", "42"),
    ("import atexit\natexit.register(print, 42)\n", "", "42"),
    ("import sys\nprint(42)\nsys.exit(3)\n", "", "42"),
    ("import sys\nprint(42)\nsys.exit('bye')\n", "", "42"),
    ("raise ValueError('boom')\n", "", "42"),
    ("raise KeyboardInterrupt\n", "", "42"),
    ("import os\nprint(42)\nos._exit(0)\n", "", "42"),
    ("import sys\nsys.stderr.write('x' * 100000)\nprint(42)\n", "", "42"),
    ("print(input())\nprint(input())\n", "1\n", "1\n1"),
    ("import os\nprint(os.read(0, 100).decode().strip())\n", "42\n", "42"),
    ("import random\nprint(int(random.random() < 2) * 42)\n", "", "42"),
    ("import resource\nprint(42)\n", "", "42"),
    ("print(__name__, sorted(k for k in globals() if not k.startswith('__'))[:3])\n", "", "x"),
    ("import sys\nprint(sorted(m for m in ('socket', 'resource') if m in sys.modules))\n", "", "[]"),
    ("import sys\nprint(sorted(m for m in ('warnings', 'ctypes', 'gc', 'socket') if m in sys.modules))\n", "", "x"),
    # The launcher runs LiveCodeBench's preamble once per job (PREBIND):
    # what it bound, in what order, and what the guard and the test's own
    # stdin changed since, must be what running it in the test binds.
    ("import zlib\ng = globals()\n"
     "print(len(g), zlib.crc32(' '.join(g).encode()), zlib.crc32(' '.join(type(v).__name__ for v in g.values())"
     ".encode()), quit, help, stdin is sys.stdin, stdin.read(), getrecursionlimit(), __name__, __doc__ == '')\n",
     "in\n", "x"),
    ("print(input(), [k for k in globals() if k.startswith('__')])\n", "7\n", "x"),
    ("from __future__ import annotations\nprint(1)\n", "", "1"),
    ("import os\nx = (\n", "", "1"),
    ("def f():\n    return 1 is 1\nprint(f(), '\\d')\n", "", "x"),
    ("import sys\nraise ValueError(sys._getframe().f_lineno, sys._getframe().f_back is None)\n", "", "x"),
]


def _same_end(rec):
    meta = {k: v for k, v in rec.get("metadata", {}).items() if k != "execution time"}
    return (rec["status"], rec.get("error_code"), meta, rec.get("exc_type"),
            rec.get("died"), rec.get("observed"), rec.get("harness_differs"))


def _stdin_job(kind, program, tests, **kw):
    job = {"kind": kind, "program": program, "time_limit_s": 3,
           "tests": [{"input": i, "output": o} for i, o in tests]}
    job.update(kw)
    return job


@test("stdin launcher: the tests of a job of several run in its forks, one test alone in a fresh interpreter")
def _():
    for kind in ("lcb_stdin", "real_lcb_stdin"):
        r = run_job(_stdin_job(kind, WHO_STARTED_ME, [("", "launcher")] * 3)).result
        check_eq((r["status"], r["tests_run"]), ("passed", 3), kind)
        r = run_job(_stdin_job(kind, WHO_STARTED_ME, [("", "fresh")])).result
        check_eq(r["status"], "passed", kind + " alone")


@test("stdin launcher: every program ends as in a fresh interpreter (exit codes, exceptions, threads, "
      "atexit, buffers, fd 0, globals), under both profiles' stdin kinds")
def _():
    for kind, extra in (("lcb_stdin", {}), ("lcb_stdin", {"guard": "none"}),
                        ("real_lcb_stdin", {"harness_guard": "lcb"})):
        for program, inp, out in SAME_END_PROGRAMS:
            fresh = run_job(_stdin_job(kind, program, [(inp, out)], **extra)).result
            forked = run_job(_stdin_job(kind, program, [(inp, out)] * 3, **extra)).result
            if fresh["status"] == "passed":
                check_eq((forked["status"], forked["tests_run"]), ("passed", 3), "%s %r" % (kind, program))
            else:
                check_eq(_same_end(forked), _same_end(fresh), "%s %s %r" % (kind, extra, program))


@test("stdin launcher: under LiveCodeBench's guard a forked test has exactly a fresh interpreter's modules "
      "among those the launcher, the preamble and the guard load")
def _():
    # Under guard "none" the preimported `subprocess` (and what it loads)
    # shows in sys.modules where a fresh run has not imported it: quiet
    # modules, imported ahead (verdict_launcher.QUIET_MODULES).
    prog = ("import sys\nprint(sorted(m for m in ('signal', 'types', 'subprocess', 'warnings', 'ctypes', 'gc', "
            "'socket', 'resource', 'atexit') if m in sys.modules))\n")
    for kind, extra in (("lcb_stdin", {}), ("real_lcb_stdin", {"harness_guard": "lcb"})):
        fresh = run_job(_stdin_job(kind, prog, [("", "x")], **extra)).result
        forked = run_job(_stdin_job(kind, prog, [("", "x")] * 3, **extra)).result
        check_eq((forked["status"], forked["metadata"].get("output")), ("failed", fresh["metadata"].get("output")),
                 kind)
        check_eq("'signal'" in fresh["metadata"].get("output", ""), True, kind + ": the guard's subprocess")


@test("stdin launcher: a test that kills its launcher still gets a verdict; the later tests run fresh")
def _():
    prog = ("import os, signal, sys\nn = int(input())\n"
            "if n == 1:\n    os.kill(os.getppid(), signal.SIGKILL)\n    import time\n    time.sleep(0.5)\n"
            "print(n)\n")
    r = run_job(_stdin_job("real_lcb_stdin", prog, [("0\n", "0"), ("1\n", "1"), ("2\n", "2")],
                           harness_guard="lcb")).result
    check_eq((r["status"], r["failed_test"]), ("error", 1))
    r = run_job(_stdin_job("lcb_stdin", prog, [("0\n", "0"), ("1\n", "1")], guard="none")).result
    check_eq((r["status"], r["failed_test"], r["died"]["signal"]), ("error", 1, "SIGKILL"))


@test("stdin launcher: a forked test holds neither the runner's channel nor its memory, nor the launcher's")
def _():
    prog = ("import os\nout = []\ntry:\n    os.write(3, b'junk\\n')\n    out.append('fd3')\nexcept OSError:\n"
            "    out.append('closed')\n"
            "launcher = os.getppid()\n"
            "runner = int(open('/proc/%d/stat' % launcher).read().rsplit(')', 1)[1].split()[1])\n"
            "for pid in (launcher, runner):\n"
            "    for p in ('/proc/%d/mem' % pid, '/proc/%d/fd/3' % pid):\n"
            "        try:\n            open(p, 'rb').close()\n            out.append('open')\n"
            "        except OSError:\n            out.append('denied')\n"
            "print(' '.join(out))\n")
    want = "closed denied denied denied denied"
    run = run_job({"kind": "lcb_stdin", "program": prog, "tests": [{"input": "", "output": want}] * 2},
                  as_nobody=os.geteuid() == 0)
    check_eq((len(run.lines), run.result["status"]), (1, "passed"), run.result.get("metadata"))
