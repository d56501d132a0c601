"""How bench/vs_anchors.py measures and reports a run: wall and machine-wide
CPU seconds, peak RSS of a process and of its tree, the no-isolation floor
(bench/floor_worker.py), `verdict serve` on a loopback port, the medians and
ratios printed per row, and the small file helpers the rows share.
"""
import gzip
import json
import os
import statistics
import subprocess
import sys
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

def median(runs, k):
    return statistics.median(r[k] for r in runs)


def summarize(row, label, runs):
    s = {"row": row, "label": label, "wall": median(runs, "wall"), "cpu": median(runs, "cpu"),
         "main_mb": max(r["main_kb"] for r in runs) / 1024.0, "tree_mb": max(r["tree_kb"] for r in runs) / 1024.0,
         "passed": runs[-1].get("passed"), "n": runs[-1].get("n"), "extra": runs[-1].get("extra", "")}
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


def both_line(anchor, both):
    """The default profile's row: two answers (the score earned and the
    harness's verdict beside it) where the anchor gives one, so shown with
    its ratio but not held to the row's target."""
    print("  => default profile (both answers): anchor/verdict %.2fx, machine CPU %.1f s" % (
        anchor["wall"] / both["wall"], both["cpu"]), flush=True)


def interleave(reps, runners):
    """runners: [(label, fn)], each fn() -> a run dict; returns {label: [runs]}."""
    out = {label: [] for label, _ in runners}
    for _ in range(reps):
        for label, fn in runners:
            out[label].append(fn())
    return out


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
