#!/usr/bin/env python3
"""LiveCodeBench stdin programs that read fd 0 themselves (TAP).

The official runner grades a stdin program in its own worker process: it
patches `sys.stdin` and `builtins.open` by name, but the preamble's
`from builtins import *` already bound the real `open` in the program, so
`open(0).read()`, `open('/dev/stdin')` and `os.read(0, n)` reach the grading
process's own fd 0. Started from a terminal or with an open pipe there (the
official records), the read blocks until the time limit: -3. verdict's `lcb`
profile reproduces that at once, without waiting out the 6 s; `input()`,
`sys.stdin.read()`, `sys.stdin.buffer.read()`, `from sys import stdin` and
the threaded idiom pass, `sys.__stdin__` is closed (-4), as officially.
Under the default profile (real Python) every one of them passes.

When ../shared/anchors/lcb and its Debian packages are there, the same
programs are graded by the official lcb_runner (fd 0 an open pipe, timeout
1 s) and the verdicts are compared one by one.

usage: test_lcb_fd0.py   (VERDICT_BINARY, VERDICT_SOURCE_ROOT, VERDICT_SHARED from meson)
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_lcb_audit_fixture as G  # noqa: E402
import http_harness as H  # noqa: E402

t = H.Tap()
QID = "abc901_a"
TESTS = [("7 3\n", "3\n"), ("6 3\n", "2\n"), ("1 5\n", "1\n")]
TAIL = "print((A + B - 1) // B)\n"
# name -> (program, official verdict with fd 0 an open pipe: True or the error code)
PROGRAMS = {
    "input": ("A, B = map(int, input().split())\n" + TAIL, True),
    "sys.stdin.read": ("import sys\nA, B = map(int, sys.stdin.read().split())\n" + TAIL, True),
    "sys.stdin.buffer": ("import sys\nA, B = map(int, sys.stdin.buffer.read().split())\n" + TAIL, True),
    "from sys import stdin": ("from sys import stdin\nA, B = map(int, stdin.readline().split())\n" + TAIL, True),
    "threaded": ("import threading\ndef main():\n    A, B = map(int, input().split())\n    " + TAIL +
                 "threading.stack_size(1 << 26)\nthreading.Thread(target=main).start()\n", True),
    "open(0)": ("A, B = map(int, open(0).read().split())\n" + TAIL, -3),
    "open('/dev/stdin')": ("A, B = map(int, open('/dev/stdin').read().split())\n" + TAIL, -3),
    "os.read(0)": ("import os\nA, B = map(int, os.read(0, 100).split())\n" + TAIL, -3),
    "sys.__stdin__": ("import sys\nA, B = map(int, sys.__stdin__.read().split())\n" + TAIL, -4),
}

DRIVER = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
from lcb_runner.benchmarks.code_generation import CodeGenerationProblem
from lcb_runner.evaluation.compute_code_generation_metrics import codegen_metrics
row = json.load(open(sys.argv[2]))
codes = json.load(open(sys.argv[3]))
_, results, meta = codegen_metrics([CodeGenerationProblem(**row).get_evaluation_sample()], [codes],
                                   k_list=[1], num_process_evaluate=1, timeout=1)
print(json.dumps([[r if isinstance(r, bool) else int(r) for r in res] for res in results[0]]))
'''


def official_verdicts(d, row):
    """The anchor's results per program, or None (with a reason) when it cannot run here."""
    anchors = os.path.join(H.SHARED, "anchors")
    lcb, stubs = os.path.join(anchors, "lcb"), os.path.join(anchors, "stubs")
    if not os.path.isdir(lcb):
        return None, "no ../shared/anchors/lcb"
    env = dict(os.environ, PYTHONPATH=stubs)
    probe = subprocess.run(["/usr/bin/python3", "-c", "import sys; sys.path.insert(0, %r); "
                            "import lcb_runner.evaluation.compute_code_generation_metrics" % lcb],
                           env=env, capture_output=True, text=True)
    if probe.returncode != 0:
        return None, "the anchor's packages are missing: %s" % probe.stderr.strip().splitlines()[-1:]
    paths = [os.path.join(d, n) for n in ("driver.py", "row.json", "codes.json")]
    for p, data in zip(paths, (DRIVER, json.dumps(row), json.dumps([p for p, _ in PROGRAMS.values()]))):
        with open(p, "w") as f:
            f.write(data)
    # fd 0 of the grading process: an open pipe nothing is written to, as
    # when the official pipeline runs under a job runner or a terminal.
    r, w = os.pipe()
    try:
        p = subprocess.run(["/usr/bin/python3", paths[0], lcb] + paths[1:], stdin=r, env=env,
                           capture_output=True, text=True, timeout=600)
    finally:
        os.close(r)
        os.close(w)
    if p.returncode != 0:
        return None, "the anchor failed: %s" % p.stderr[-500:]
    return json.loads(p.stdout.strip().splitlines()[-1]), None


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    row = G.row(QID, "Ceiling", "atcoder", "easy", "2024-03-02T00:00:00", TESTS[:1], TESTS[1:])
    with tempfile.TemporaryDirectory(prefix="verdict-fd0-") as d:
        problems, samples = os.path.join(d, "p.jsonl"), os.path.join(d, "s.json")
        with open(problems, "w") as f:
            f.write(json.dumps(row) + "\n")
        with open(samples, "w") as f:
            json.dump([{"question_id": QID, "code_list": [p for p, _ in PROGRAMS.values()]}], f)
        # The official 6 s per test: the fd 0 readers must not wait it out.
        p = subprocess.run([H.BINARY, "audit", "--json", "--no-cache", "--profile", "lcb", "--dataset", problems,
                            samples],
                           capture_output=True, text=True, timeout=600)
        try:
            rep = json.loads(p.stdout)
        except ValueError:
            rep = None
        if not t.ok(rep is not None, "verdict audit (lcb profile) runs", p.stderr[-2000:]):
            return t.done()
        got = {s["index"]: s for s in rep["samples"]}
        for i, (name, (_, official)) in enumerate(PROGRAMS.items()):
            s = got[i]
            code = True if s["status"] == "passed" else s.get("lcb_error_code")
            t.ok(code == official, "%s: %s, as the official runner records" % (
                name, "passes" if official is True else "error code %d" % official),
                 (s["status"], code, s.get("detail")))
            if official == -3:
                t.ok(s["wall_ms"] < 6000 and "fd 0" in s.get("detail", ""),
                     "%s: known at once (%d ms, under the 6 s limit), the detail says why" % (name, s["wall_ms"]),
                     s.get("detail"))
        # The default profile runs each program as real Python, where fd 0
        # is the test's input: every reader gets it and passes.
        p = subprocess.run([H.BINARY, "audit", "--json", "--no-cache", "--dataset", problems, samples],
                           capture_output=True, text=True, timeout=600)
        try:
            real = json.loads(p.stdout)
        except ValueError:
            real = None
        if t.ok(real is not None and real["profile"] == "verdict", "verdict audit (default profile) runs",
                p.stderr[-2000:]):
            statuses = {name: s["status"] for name, s in zip(PROGRAMS, sorted(real["samples"],
                                                                              key=lambda s: s["index"]))}
            t.ok(all(st == "passed" for st in statuses.values()),
                 "default profile: every reader of stdin, fd 0 included, passes", statuses)
        if os.environ.get("VERDICT_FIDELITY_QUICK") == "1":
            # The sanitizer pass of CI: the comparison was made by the run before.
            results, why = None, "VERDICT_FIDELITY_QUICK: compared by the full run"
        else:
            results, why = official_verdicts(d, row)
        if results is None:
            t.skip("the official lcb_runner grades the same programs alike", why)
        else:
            want = [True if o is True else o for _, o in PROGRAMS.values()]
            have = [True if all(x is True for x in r) else r[-1] for r in results]
            t.ok(have == want, "the official lcb_runner (fd 0 an open pipe) records the verdicts stated here",
                 "\n".join("%s: official %r, stated %r" % (n, h, w) for n, h, w in zip(PROGRAMS, have, want)))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
