#!/usr/bin/env python3
"""HumanEval+'s canonical outputs (evalplus's ground truth) computed for a
dataset file's tasks several to a jailed run (src/score/expected_compute.c,
the runner's `expected_tasks`): each task's cached record is, byte for byte
where it matters (outputs, digests, statuses), the record the task gives
in a run of its own; a task whose canonical solution dies is run again
alone and its samples get a sandbox_error naming it, while the tasks beside it
keep their records; the number of runs shows the batching. The
computations share the workers with the samples that need them: a server
whose queue the samples fill computes them in the samples' own items, with
the same verdicts. Our own small dataset, written here. Prints TAP."""
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()

# (entry point, prompt, canonical body, base inputs, plus inputs)
TASKS = [
    ("add", "def add(a, b):\n", "    return a + b\n", [[1, 2], [0.1, 0.2]], [[2**70, 1]]),
    ("quarters", "def quarters(n):\n", "    return [0.0, 0.24999999999999997, n / 3]\n", [[1]], [[2], [7.5]]),
    ("fragile", "import os\n\ndef fragile(x):\n", "    if x < 0:\n        os._exit(3)\n    return x\n",
     [[1], [-1]], [[2]]),
    ("counter", "calls = [0]\n\ndef counter(x):\n", "    calls[0] += 1\n    return (calls[0], x)\n",
     [[0], [0]], [[9]]),
    ("long_list", "def long_list(n):\n", "    return list(range(n))\n", [[3000]], [[4000], [1]]),
]


def dataset(path, tasks, first=0):
    with open(path, "w") as f:
        for i, (entry, prompt, body, base, plus) in enumerate(tasks, first):
            f.write(json.dumps({"task_id": "GT/%d" % i, "prompt": prompt, "canonical_solution": body,
                                "entry_point": entry, "test": "", "contract": "", "atol": 0,
                                "base_input": base, "plus_input": plus}) + "\n")


def samples(path, tasks, first=0):
    with open(path, "w") as f:
        for i, (_, prompt, body, _, _) in enumerate(tasks, first):
            f.write(json.dumps({"task_id": "GT/%d" % i, "solution": prompt + body}) + "\n")


def audit(ds, smp, cache):
    r = subprocess.run([H.BINARY, "audit", "--dataset", ds, "--profile", "evalplus", "-j", "1", "--cache-dir", cache,
                        "--json", smp], capture_output=True, text=True, timeout=600)
    rep = json.loads(r.stdout) if r.returncode in (0, 1) and r.stdout.strip() else {}
    return r.returncode, rep, r.stderr


def records(cache):
    """{task file name: parsed record}, floats kept as their text."""
    out = {}
    for path in glob.glob(os.path.join(cache, "evalplus-expected-2", "*", "*.json")):
        with open(path) as f:
            out[os.path.basename(path)] = json.loads(f.read(), parse_float=lambda s: ("float", s))
    return out


def what_matters(rec):
    return {name: {k: split.get(k) for k in ("status", "outputs", "digested", "tests_total", "failed_test")}
            for name, split in rec["splits"].items()}


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    with tempfile.TemporaryDirectory(prefix="verdict-ground-truth-") as d:
        ds, smp = os.path.join(d, "tasks.jsonl"), os.path.join(d, "samples.jsonl")
        dataset(ds, TASKS)
        samples(smp, TASKS)
        rc, rep, err = audit(ds, smp, os.path.join(d, "together"))
        got = [(s["task_id"], s["status"]) for s in rep.get("samples", [])]
        want = [("GT/0", "passed"), ("GT/1", "passed"), ("GT/2", "sandbox_error"), ("GT/3", "passed"),
                ("GT/4", "passed")]
        # No expected outputs: the sample cannot be judged, which is not the
        # candidate's failure.
        t.ok(got == want, "the canonical solutions pass their own outputs; the task whose canonical solution dies "
             "is a sandbox_error", (got, err[-600:]))
        detail = next((s.get("detail") or "" for s in rep.get("samples", []) if s["task_id"] == "GT/2"), "")
        t.ok("canonical solution of GT/2" in detail, "the error names the task whose canonical solution died", detail)
        # One worker: runs of three and two tasks (at least two runs a
        # worker), GT/2 again alone, then the four samples that can run.
        cost = rep.get("summary", {}).get("cost", {})
        t.ok(cost.get("runs") == 3 + 4, "five tasks' outputs in two shared runs and one run alone (3 + 4 runs)", cost)

        together = records(os.path.join(d, "together"))
        t.ok(len(together) == 4, "four records cached (never the task that died)", sorted(together))
        for i, task in enumerate(TASKS):
            if i == 2:
                continue
            # A dataset of this task alone: a run of its own.
            one_ds, one_smp = os.path.join(d, "t%d.jsonl" % i), os.path.join(d, "s%d.jsonl" % i)
            dataset(one_ds, [task], first=i)
            samples(one_smp, [task], first=i)
            rc, rep1, err1 = audit(one_ds, one_smp, os.path.join(d, "alone%d" % i))
            alone = records(os.path.join(d, "alone%d" % i))
            name = next(iter(alone), None)
            t.ok(name in together and what_matters(together[name]) == what_matters(alone[name]),
                 "GT/%d: outputs, digests and statuses as in a run of its own (floats to the digit)" % i,
                 (name, sorted(together), err1[-300:]))
        counter = what_matters(together.get("GT_3.json", {"splits": {}})).get("plus", {}).get("outputs")
        t.ok(counter == [{"__t": "tuple", "v": [1, 9]}],
             "each split execs its program afresh (the counter restarts)", counter)
        queue_full(ds, smp, want, together)
    return t.done()


def queue_full(ds, smp, want, together):
    """The samples are queued before the computations they wait for: with a
    queue that the request's samples fill, the request is taken, and the
    samples compute the canonical outputs themselves."""
    with open(smp) as f:
        body = {"benchmark": "gt", "profile": "evalplus", "samples": [json.loads(line) for line in f]}
    n = len(body["samples"])
    with H.Server("-j", "2", "--queue", str(n), "--max-samples", str(n), "--canary-interval", "0",
                  "--dataset", "gt=" + ds, dataset=False, cache=True) as srv:
        st, _, rep = srv.score(body)
        got = [(s["task_id"], s["status"]) for s in rep.get("samples", [])] if isinstance(rep, dict) else rep
        t.ok(st == 200 and got == want, "a full queue: the request is taken and its samples compute the canonical "
             "outputs they need, with the same verdicts", (st, got, srv.log_text()[-600:]))
        # Two workers: runs of two, two and one task, GT/2 again alone,
        # then the four samples that can run.
        cost = rep.get("summary", {}).get("cost", {}) if isinstance(rep, dict) else {}
        t.ok(cost.get("runs") == 3 + 1 + 4, "every computation made once, in the samples' items (3 + 1 + 4 runs)",
             cost)
        served = records(os.path.join(srv.tmp, "cache"))
        t.ok(sorted(served) == sorted(together) and
             all(what_matters(served[k]) == what_matters(together[k]) for k in served),
             "the records are those of the audit", sorted(served))


sys.exit(main())
