"""Where a warm-pool HumanEval+ run spends its CPU, outside the jail (not a test).

The evalplus profile's job (kind `evalplus`, src/py/verdict_kind_evalplus.py)
as a warm pool runs it: a warm parent imports every runner module, numpy and
the verdict profile's warm-up, trusts the loaded classes and freezes its heap;
per task it forks the run's process (the runner), which reads the job, decodes
the inputs and expected outputs, and forks one process per split (base, plus)
that execs the candidate under evalplus's guard and runs every input. The
candidate is the task's canonical solution, so every split passes.

Prints, per sample, the CPU and minor page faults of the runner itself, of the
split processes, and of their phases: what the floor (the same calls in one
plain process) never pays. With CACHE_DIR (a verdict cache holding
evalplus-expected-2 records, as `verdict audit --profile evalplus` leaves) the
jobs carry the same expected outputs and digests as the scorer's; without it
the outputs are computed here and carried whole.

usage: evalplus_phases.py SOURCE_ROOT HUMANEVALPLUS_JSONL_GZ [--cache CACHE_DIR] [TASK_ID ...]
"""
import gc
import glob
import gzip
import json
import os
import resource
import shutil
import sys
import tempfile
import time

# Bound before any guard replaces what the split processes would use.
_process_time = time.process_time
_getrusage = resource.getrusage
_open = open
_dumps = json.dumps

PHASES = {}
_CHECKS = [0]


def _self():
    ru = _getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime, ru.ru_minflt


def measured(owner, name, label=None):
    """Wrap owner.name to add its CPU and minor faults to PHASES."""
    fn = getattr(owner, name)
    label = label or name

    def wrapper(*args, **kwargs):
        t, f = _process_time(), _getrusage(resource.RUSAGE_SELF).ru_minflt
        try:
            return fn(*args, **kwargs)
        finally:
            acc = PHASES.setdefault(label, [0.0, 0])
            acc[0] += _process_time() - t
            acc[1] += _getrusage(resource.RUSAGE_SELF).ru_minflt - f
    setattr(owner, name, wrapper)


def instrument(split_log):
    """Phases of the runner and, through a wrapped split body, of each split
    process (appended to split_log as one JSON line per process)."""
    import verdict_child
    import verdict_forgery
    import verdict_guard
    import verdict_kind_evalplus as vke
    import verdict_runner
    import verdict_tracing
    # Once or twice a run each: the wrappers' own clock reads (a few
    # microseconds) would swamp anything called once per input.
    for owner, name in ((verdict_runner, "read_job"), (vke, "decode_list"), (vke, "expected_of"),
                        (verdict_child.verdict_fork, "fork"), (verdict_child, "_collect"),
                        (verdict_forgery, "remember_state"), (vke, "preload"), (vke.TempDir, "__enter__"),
                        (vke.TempDir, "__exit__"), (verdict_runner, "make_non_dumpable")):
        measured(owner, name)
    for owner, name in ((verdict_guard, "apply"), (vke, "compile_program"), (verdict_forgery, "Checker"),
                        (verdict_forgery.Checker, "rebound"), (verdict_tracing, "Watch"),
                        (verdict_tracing.Watch, "begin"), (verdict_tracing.Watch, "end")):
        measured(owner, name, "split: " + name)
    run_in_child = vke.run_in_child

    def split_run_in_child(ctx, body, **kw):
        def timed_body(send):
            start = _self()
            PHASES.clear()
            PHASES["split: before the body (fork, setup)"] = list(start)
            body(send)
            end = _self()
            PHASES["split: body"] = [end[0] - start[0], end[1] - start[1]]
            with _open(split_log, "a") as f:
                f.write(_dumps(PHASES) + "\n")
        return run_in_child(ctx, body=timed_body, **kw)
    vke.run_in_child = split_run_in_child


def expected_records(cache):
    """{task_id: record} from a verdict cache's canonical outputs."""
    out = {}
    for path in glob.glob(os.path.join(cache, "evalplus-expected-2", "*", "*.json")):
        with open(path) as f:
            rec = json.load(f)
        out[os.path.basename(path)[:-len(".json")]] = rec
    return out


def computed_record(row):
    import copy
    import verdict_values
    g = {}
    exec(compile(row["prompt"] + row["canonical_solution"], "<canonical>", "exec"), g)
    fn = g[row["entry_point"]]
    splits = {}
    for name in ("base", "plus"):
        outputs, times = [], []
        for inp in row[name + "_input"]:
            t = time.time()
            out = fn(*copy.deepcopy(inp))
            times.append((time.time() - t) * 1000.0)
            outputs.append(verdict_values.encode(out))
        splits[name] = {"outputs": outputs, "times_ms": times}
    return {"splits": splits}


def job_of(row, rec):
    """The job src/score/expected.c and job_evalplus.c build for a full
    solution: both splits with inputs, expected outputs (and digests) and
    evalplus's per-input limits max(1, 4 t)."""
    splits = []
    for name in ("base", "plus"):
        sp = rec["splits"][name]
        split = {"name": name, "inputs": row[name + "_input"], "expected": sp["outputs"],
                 "time_limits_s": [max(1.0, 4.0 * t / 1000.0) for t in sp["times_ms"]]}
        if "digested" in sp:
            split["expected_digests"] = sp["digested"]
        splits.append(split)
    program = row["prompt"] + row["canonical_solution"]
    return {"nonce": "phases", "kind": "evalplus", "guard": "evalplus", "profile": "evalplus", "program": program,
            "entry_point": row["entry_point"], "splits": splits, "canonical": program,
            "atol": row.get("atol") or 0, "dataset": "humaneval", "evalplus_version": "master"}


def run_one(job, split_log):
    """Fork the run's process as the warm parent's forker does; return its
    phases and its whole rusage (the split processes included)."""
    import verdict_fork
    import verdict_runner
    work = tempfile.mkdtemp(prefix="verdict-evalplus-phases-")
    with open(os.path.join(work, "job.json"), "w") as f:
        json.dump(job, f)
    r, w = os.pipe()
    pid = verdict_fork.fork()
    if pid == 0:
        os.close(r)
        PHASES.clear()
        start = _self()
        channel = verdict_runner.Channel(w)
        channel.nonce = job["nonce"]
        data = verdict_runner.read_job(os.path.join(work, "job.json"))
        ctx = verdict_runner.Context(work, channel)
        rec = verdict_runner.run_job(data, ctx)
        end = _self()
        PHASES["runner: all its own"] = [end[0] - start[0], end[1] - start[1]]
        os.write(w, (json.dumps({"status": rec.get("status"), "phases": PHASES}) + "\n").encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(r)
    _, _, ru = os.wait4(pid, 0)
    shutil.rmtree(work, ignore_errors=True)
    out = json.loads(data.strip().split(b"\n")[-1])
    out["whole"] = [ru.ru_utime + ru.ru_stime, ru.ru_minflt]
    return out


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__)
        return 2
    root, dataset = args[0], args[1]
    cache, only = None, []
    rest = args[2:]
    while rest:
        a = rest.pop(0)
        if a == "--cache" and rest:
            cache = rest.pop(0)
        else:
            only.append(a)
    sys.path.insert(0, os.path.join(root, "src", "py"))
    # The warm parent's warm-up (verdict_zygote.py): every runner module,
    # numpy, the verdict profile's extraction once, the classes trusted.
    for name in sorted(os.listdir(os.path.join(root, "src", "py"))):
        if name.startswith("verdict_") and name.endswith(".py") and name not in ("verdict_zygote.py",
                                                                                   "verdict_forker.py"):
            __import__(name[:-3])
    import verdict_zygote_run
    verdict_zygote_run.preload_numpy()
    sys.modules["verdict_kind_real"].warm_up()
    verdict_zygote_run.trust_loaded_classes()
    with gzip.open(dataset, "rt") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if only:
        rows = [r for r in rows if r["task_id"] in only]
    records = expected_records(cache) if cache else {}
    jobs = []
    for r in rows:
        rec = records.get(r["task_id"].replace("/", "_")) or computed_record(r)
        jobs.append((r["task_id"], job_of(r, rec)))
    fd, split_log = tempfile.mkstemp(prefix="verdict-evalplus-phases-", suffix=".jsonl")
    os.close(fd)
    instrument(split_log)
    gc.collect()
    gc.freeze()
    totals = {}

    def add(name, pair):
        acc = totals.setdefault(name, [0.0, 0])
        acc[0] += pair[0]
        acc[1] += pair[1]
    try:
        for task_id, job in jobs:
            out = run_one(job, split_log)
            if out["status"] != "passed":
                sys.exit("%s: the canonical solution did not pass: %s" % (task_id, out["status"]))
            add("whole run (runner and split processes)", out["whole"])
            for name, pair in out["phases"].items():
                add(name, pair)
        if os.path.exists(split_log):
            with open(split_log) as f:
                for line in f:
                    for name, pair in json.loads(line).items():
                        add(name, pair)
    finally:
        if os.path.exists(split_log):
            os.unlink(split_log)
    n = len(jobs)
    print("load %.2f; %d tasks; per sample (two split processes each):" % (os.getloadavg()[0], n))
    for name, (cpu, faults) in sorted(totals.items(), key=lambda x: -x[1][0]):
        print("  %-42s %8.2f ms %7.0f faults" % (name, 1000 * cpu / n, faults / n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
