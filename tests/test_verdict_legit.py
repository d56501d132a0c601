"""Legitimate programs under the verdict profile and under each faithful
profile, in the real jail, through the real server (TAP).

Each program below is ordinary Python that a harness's reliability_guard or
swallow_io breaks for no reason the jail needs (tempfile, subprocess,
os.fork, multiprocessing, sys.stdout.buffer, a thread that prints after the
main code returns, ...), plus a few that every harness runs (sqlite3,
asyncio, the program's own signal.alarm budget). Every one passes under the
verdict profile, in every benchmark shape it is written for; under each
faithful profile it passes or fails exactly as the table in
docs/verdict-profile.md says (the test reads the table from the page).

The shapes: HumanEval (an inline problem whose test asserts solve(3) == 6;
a fenced chat answer for verdict and lm-eval-chat, the raw program for
human-eval), HumanEval+ in evalplus's native form (the program as a
`solution`, base and plus inputs), LiveCodeBench functional (the program
with a Solution class, fenced) and LiveCodeBench stdin (read n, print 2n).

The report's harness block is checked too: under the verdict profile each
program that a harness fails is a differing sample, its cause named.
"""
import base64
import json
import os
import pickle
import re
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

DOC = os.path.join(H.ROOT, "docs", "verdict-profile.md")
PROFILES = ["verdict", "human-eval", "lm-eval-chat", "evalplus", "lcb"]

# name -> (label in the table, module source defining solve(x) == 2 * x)
PROGRAMS = {
    "tempfile": ("tempfile round trip", '''
import os
import tempfile


def solve(x):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "n.txt")
        with open(path, "w") as f:
            f.write(str(x))
        with open(path) as f:
            return 2 * int(f.read())
'''),
    "subprocess": ("subprocess.run of the interpreter", '''
import subprocess
import sys


def solve(x):
    out = subprocess.run([sys.executable, "-c", "print(2 * %d)" % x], capture_output=True, text=True, check=True)
    return int(out.stdout)
'''),
    "fork": ("os.fork + pipe + waitpid", '''
import os


def solve(x):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(w, str(2 * x).encode())
        os._exit(0)
    os.close(w)
    data = os.read(r, 100)
    os.close(r)
    os.waitpid(pid, 0)
    return int(data)
'''),
    "fork_after_thread": ("a thread, then os.fork: the child has only its own thread", '''
import os
import threading


def solve(x):
    stop = threading.Event()
    held = threading.Thread(target=stop.wait)
    held.start()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # CPython's at-fork hook leaves the child its own thread only.
        alone = threading.enumerate() == [threading.current_thread()]
        os.write(w, str(2 * x if alone else -1).encode())
        os._exit(0)
    os.close(w)
    data = os.read(r, 100)
    os.close(r)
    os.waitpid(pid, 0)
    stop.set()
    held.join()
    return int(data)
'''),
    "pool": ("multiprocessing.Pool(2)", '''
import multiprocessing


def double(v):
    return 2 * v


def solve(x):
    with multiprocessing.Pool(2) as pool:
        return sum(pool.map(double, [x]))
'''),
    "sqlite": ("sqlite3 in memory", '''
import sqlite3


def solve(x):
    db = sqlite3.connect(":memory:")
    db.execute("create table t (v integer)")
    db.execute("insert into t values (?)", (x,))
    return db.execute("select 2 * v from t").fetchone()[0]
'''),
    "stdout_buffer": ("writes to sys.stdout.buffer", '''
import sys


def solve(x):
    sys.stdout.buffer.write(b"solving\\n")
    sys.stdout.buffer.flush()
    return 2 * x
'''),
    "thread": ("a non-daemon thread printing after the function returns", '''
import threading
import time


def solve(x):
    def late():
        time.sleep(0.05)
        print("done after the function returned")
    threading.Thread(target=late).start()
    return 2 * x
'''),
    "alarm": ("its own signal.alarm budget", '''
import signal
import time


class OutOfTime(Exception):
    pass


def stop(signum, frame):
    raise OutOfTime()


def solve(x):
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(1)
    rounds = 0
    try:
        while True:  # refine until the budget ends
            time.sleep(0.01)
            rounds += 1
    except OutOfTime:
        pass
    finally:
        signal.alarm(0)
    return 2 * x if rounds else None
'''),
    "asyncio": ("asyncio.run", '''
import asyncio


async def twice(v):
    await asyncio.sleep(0.01)
    return 2 * v


def solve(x):
    return asyncio.run(twice(x))
'''),
}

# name -> (label, a stdin program: read n, print 2n)
STDIN_PROGRAMS = {
    "stdin_thread": ("stdin: a non-daemon thread prints the answer after the main code", '''
import threading
import time

n = int(input())


def late():
    time.sleep(0.05)
    print(2 * n)


threading.Thread(target=late).start()
'''),
    "stdin_buffer": ("stdin: sys.stdin.buffer in, sys.stdout.buffer out", '''
import sys

n = int(sys.stdin.buffer.readline())
sys.stdout.buffer.write(b"%d\\n" % (2 * n))
'''),
    "stdin_tempfile": ("stdin: tempfile round trip", '''
import os
import tempfile

n = int(input())
with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "n"), "w") as f:
        f.write(str(2 * n))
    with open(os.path.join(d, "n")) as f:
        print(f.read())
'''),
}

PROMPT = 'def solve(x):\n    """Twice x."""\n'
TEST = "def check(candidate):\n    assert candidate(3) == 6\n"
LCB_CLASS = "\n\nclass Solution:\n    def solve(self, x: int) -> int:\n        return solve(x)\n"


def fence(code):
    return "Here it is.\n\n```python\n" + code.strip("\n") + "\n```\n"


def humaneval_problem():
    return {"prompt": PROMPT, "test": TEST, "entry_point": "solve", "canonical_solution": "    return 2 * x\n"}


def evalplus_problem():
    return {"prompt": PROMPT, "canonical_solution": "    return 2 * x\n", "entry_point": "solve",
            "base_input": [[3]], "plus_input": [[5], [0]], "atol": 0, "contract": ""}


def lcb_private(tests):
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests), protocol=4))).decode()


def lcb_problem(qid, functional):
    kind = "functional" if functional else "stdin"
    inputs = [("3", "6"), ("5", "10")] if functional else [("3\n", "6\n"), ("21\n", "42\n")]
    tests = [{"input": i, "output": o, "testtype": kind} for i, o in inputs]
    return {
        "question_title": qid, "question_content": "Print twice n.", "platform": "leetcode" if functional else "atcoder",
        "question_id": qid, "contest_id": "fixture", "contest_date": "2024-06-01T00:00:00",
        "starter_code": "class Solution:\n    def solve(self, x: int) -> int:\n        " if functional else "",
        "difficulty": "easy", "public_test_cases": json.dumps(tests[:1]), "private_test_cases": lcb_private(tests[1:]),
        "metadata": json.dumps({"func_name": "solve"} if functional else {}),
    }


def requests_for(profile):
    """[(benchmark, [(name, sample)])]: every shape this profile scores."""
    he, hep, lcb, stdin = [], [], [], []
    for name, (_, src) in PROGRAMS.items():
        completion = src if profile == "human-eval" else fence(src)
        he.append((name, {"task_id": "legit/" + name, "completion": completion, "problem": humaneval_problem()}))
        hep.append((name, {"task_id": "legit/" + name, "solution": src, "problem": evalplus_problem()}))
        qid = "legit_" + name
        lcb.append((name, {"task_id": qid, "completion": fence(src + LCB_CLASS), "problem": lcb_problem(qid, True)}))
    for name, (_, src) in STDIN_PROGRAMS.items():
        qid = "legit_" + name
        stdin.append((name, {"task_id": qid, "completion": fence(src), "problem": lcb_problem(qid, False)}))
    if profile == "verdict":
        return [("humaneval", he), ("humaneval_plus", hep), ("livecodebench", lcb + stdin)]
    if profile in ("human-eval", "lm-eval-chat"):
        return [("humaneval", he)]
    if profile == "evalplus":
        return [("humaneval_plus", hep)]
    return [("livecodebench", lcb + stdin)]


def read_table():
    """{label: {profile: "pass" | "fail" | "n/a"}} from docs/verdict-profile.md."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- legit-table -->\n(.*?)<!-- /legit-table -->", text, re.S)
    if not m:
        return None
    rows = [ln for ln in m.group(1).splitlines() if ln.startswith("|")]
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    table = {}
    for ln in rows[2:]:
        cells = [c.strip().strip("`") for c in ln.strip("|").split("|")]
        table[cells[0]] = dict(zip(head[1:], cells[1:]))
    return table


def main():
    t = H.Tap()
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check failed)")
    table = read_table()
    if not t.ok(table is not None, "docs/verdict-profile.md has the table of legitimate programs"):
        return t.done()
    labels = {name: label for name, (label, _) in list(PROGRAMS.items()) + list(STDIN_PROGRAMS.items())}
    t.ok(set(table) == set(labels.values()), "the table lists exactly the programs tested",
         "table: %s\ntested: %s" % (sorted(table), sorted(labels.values())))
    seen = {}  # (name, profile) -> [passed per shape]
    reports = {}
    with H.Server("--canary-interval", "0", "--timeout", "5") as srv:
        for profile in PROFILES:
            for bench, pairs in requests_for(profile):
                body = {"benchmark": bench, "samples": [s for _, s in pairs]}
                if profile != "verdict":
                    body["profile"] = profile
                st, _, rep = srv.score(body, timeout=900)
                if not t.ok(st == 200, "POST /score %s under %s (%d samples)" % (bench, profile, len(pairs)),
                            rep if st != 200 else None):
                    continue
                t.ok(rep["profile"] == profile, "%s %s: the report's profile is %s" % (bench, profile, rep["profile"]))
                reports[(profile, bench)] = (rep, pairs)
                for (name, _), rec in zip(pairs, rep["samples"]):
                    seen.setdefault((name, profile), []).append(rec)
    for name, label in labels.items():
        row = table.get(label, {})
        for profile in PROFILES:
            recs = seen.get((name, profile))
            want = row.get(profile)
            if recs is None:
                t.ok(want in (None, "n/a"), "%s under %s: not scored, table says %s" % (label, profile, want))
                continue
            got = "pass" if all(r["passed"] for r in recs) else "fail"
            detail = "; ".join("%s %s" % (r["status"], r["detail"][:200]) for r in recs)
            t.ok(got == want, "%s under %s: %s (table: %s)" % (label, profile, got, want), detail)
    # The verdict profile's harness block names why the harness would fail them.
    for (profile, bench), (rep, pairs) in sorted(reports.items()):
        if profile != "verdict":
            continue
        h = rep.get("harness") or {}
        faithful = h.get("profile")
        differing = {pairs[i][0] for c in h.get("causes", []) for i in c["samples"]}
        expect = {name for name, _ in pairs if table.get(labels[name], {}).get(faithful) == "fail"}
        t.ok(differing == expect, "%s under verdict: the %s verdicts beside differ exactly where the table says %s "
             "fails (%s)" % (bench, faithful, faithful, ", ".join(sorted(differing)) or "none"),
             "differing %s, expected %s; causes %s" % (sorted(differing), sorted(expect), h.get("causes")))
        for c in h.get("causes", []):
            t.ok(c["cause"] in ("guard", "stream", "stdin", "threads", "scope", "import"),
                 "%s: %d differ for an execution cause: %s (%s)" % (bench, c["count"], c["cause"], c["label"]))
    H.check_exits(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
