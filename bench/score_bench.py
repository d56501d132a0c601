"""Scoring throughput, measured in one run on this machine (not a test).

Prints, for the same programs: verdict with the warm pool, verdict with one fresh jailed
interpreter per program (--no-pool), one fresh unjailed python3 per program, and all
programs in one unjailed process (the floor); per-sample milliseconds, samples per second
and the ratios. Then HumanEval+ (lm-eval form, and the evalplus profile) and LiveCodeBench
with the pool, and the service's RSS when --serve is given.

usage: score_bench.py VERDICT SHARED_DIR [--quick] [--serve]
"""
import concurrent.futures
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PY = "/usr/bin/python3"
CORES = os.cpu_count() or 2


def rows(path):
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def timed(cmd, **kw):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return time.perf_counter() - t, p


def verdict_audit(verdict, args, cache):
    el, p = timed([verdict, "audit", "--json", "--cache-dir", cache] + args)
    if p.returncode not in (0, 1):
        sys.exit("verdict audit failed: %s" % p.stderr[-2000:])
    rep = json.loads(p.stdout)
    return el, rep


def fresh_python(programs):
    def one(src):
        subprocess.run([PY, "-c", src], capture_output=True, timeout=60)
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CORES) as ex:
        list(ex.map(one, programs))
    return time.perf_counter() - t


def one_process(programs):
    driver = ("import sys, json\nprogs = json.load(sys.stdin)\nfor p in progs:\n"
              "    g = {}\n    exec(compile(p, '<p>', 'exec'), g)\n")
    t = time.perf_counter()
    subprocess.run([PY, "-c", driver], input=json.dumps(programs), capture_output=True, text=True, timeout=600)
    return time.perf_counter() - t


def line(name, n, seconds, base=None):
    ms = 1000 * seconds / n
    ratio = "" if base is None else "  %.2fx the pool" % (seconds / base)
    print("%-52s %8.1f ms/sample %8.1f samples/s  %6.2f s total%s" % (name, ms, n / seconds, seconds, ratio))


def median_of(k, fn):
    return statistics.median(fn() for _ in range(k))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    verdict, shared = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv
    reps = 1 if quick else 3
    print("machine: %d cores, load %.2f; median of %d runs each" % (CORES, os.getloadavg()[0], reps))
    cache = tempfile.mkdtemp(prefix="verdict-bench-cache-")
    he_path = os.path.join(shared, "datasets/humaneval/HumanEval.jsonl.gz")
    he = rows(he_path)
    tmp = tempfile.mkdtemp(prefix="verdict-bench-")
    samples = os.path.join(tmp, "he.jsonl")
    with open(samples, "w") as f:
        for r in he:
            f.write(json.dumps({"task_id": r["task_id"], "completion": r["canonical_solution"]}) + "\n")
    programs = [r["prompt"] + r["canonical_solution"] + "\n" + r["test"] + "\n" + "check(%s)\n" % r["entry_point"]
                for r in he]
    n = len(he)
    print("\nHumanEval, %d canonical solutions (all must pass)" % n)
    results = {}

    def pool_run():
        el, rep = verdict_audit(verdict, ["--dataset", he_path, samples], cache)
        assert rep["summary"]["counts"]["passed"] == n, rep["summary"]["counts"]
        return el

    pool = median_of(reps, pool_run)
    results["pool"] = pool
    line("verdict audit, warm pool (every layer active)", n, pool)
    nopool = median_of(reps, lambda: verdict_audit(verdict, ["--no-pool", "--dataset", he_path, samples], cache)[0])
    line("verdict audit, one fresh jailed python3 per program", n, nopool, pool)
    fresh = median_of(reps, lambda: fresh_python(programs))
    line("floor: one fresh python3 per program, no isolation", n, fresh, pool)
    floor = median_of(reps, lambda: one_process(programs))
    line("floor: all programs in one process, no isolation", n, floor, pool)
    print("pool overhead per sample over the in-process floor: %.1f ms (%.1fx)" % (
        1000 * (pool - floor) / n, pool / floor))

    if quick:
        return 0
    plus_lm = os.path.join(shared, "datasets/humanevalplus/HumanEvalPlus-OriginFmt-v0.1.10.jsonl.gz")
    if os.path.exists(plus_lm):
        hp = rows(plus_lm)
        s2 = os.path.join(tmp, "hep_lm.jsonl")
        with open(s2, "w") as f:
            for r in hp:
                f.write(json.dumps({"task_id": r["task_id"], "completion": r["canonical_solution"]}) + "\n")
        el, rep = verdict_audit(verdict, ["--dataset", plus_lm, s2], cache)
        print("\nHumanEval+ (lm-eval form: numpy check() over base+plus inputs), %d canonical solutions: %d pass"
              % (len(hp), rep["summary"]["counts"]["passed"]))
        line("verdict audit, warm pool", len(hp), el)
    plus_native = os.path.join(shared, "datasets/humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz")
    if os.path.exists(plus_native):
        hp = rows(plus_native)
        s3 = os.path.join(tmp, "hep_native.jsonl")
        with open(s3, "w") as f:
            for r in hp:
                f.write(json.dumps({"task_id": r["task_id"], "solution": r["prompt"] + r["canonical_solution"]}) + "\n")
        t0 = time.perf_counter()
        verdict_audit(verdict, ["--dataset", plus_native, "--profile", "evalplus", s3], cache)
        first = time.perf_counter() - t0
        el, rep = verdict_audit(verdict, ["--dataset", plus_native, "--profile", "evalplus", s3], cache)
        print("\nHumanEval+ (evalplus profile, differential testing), %d canonical solutions: %d pass"
              % (len(hp), rep["summary"]["counts"]["passed"]))
        print("first run, computing and caching the canonical outputs: %.1f s" % first)
        line("verdict audit, warm pool, canonical outputs cached", len(hp), el)
        print("evalplus on this machine (issue figure): 84 s; ratio %.1fx faster" % (84.0 / el))
    lcb = os.path.join(shared, "datasets/livecodebench/code_generation_lite-184.jsonl.gz")
    sub = os.path.join(shared, "samples/lcb-submissions-o1-mini/O1-Mini-2024-09-12_Scenario.codegeneration_1_0.2_eval_all.json.gz")
    if os.path.exists(lcb) and os.path.exists(sub):
        el, rep = verdict_audit(verdict, ["--dataset", lcb, "--skip-unknown", sub], cache)
        k = rep["summary"]["n_samples"] - rep["summary"]["skipped_samples"]
        print("\nLiveCodeBench, o1-mini's %d solutions of the 184 problems with tests (%d tests): %d pass"
              % (k, 2859, rep["summary"]["counts"]["passed"]))
        line("verdict audit, warm pool", k, el)
    return 0


if __name__ == "__main__":
    sys.exit(main())
