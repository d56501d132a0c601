#!/usr/bin/env python3
"""`verdict compare` end to end on runs of our own: reports written here
(the shape `verdict audit --json` prints) and small samples files scored
in the real jail. Checks hand-computed figures (Wilson, McNemar's exact
p, the permutation p by brute force, Holm), the properties (a run against
itself: delta 0, p 1, no flips; swapping the runs negates delta and its
interval and keeps p; the same seed gives byte-identical output), missing
tasks, incomplete runs (marked, exit 1), bad input (exit 2 naming the
file or field), Markdown, the equivalence test, HumanEval+'s base-only
figures, and that the Python client's compare() gives the same JSON.
Prints TAP."""
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402
from compare_helpers import close, holm, same_json, wilson  # noqa: E402

t = H.Tap()


def report(samples, benchmark="humaneval", executed=True, complete=True, profile="human-eval", skipped_lines=0):
    """A report as `audit --json` writes it, reduced to what compare reads
    plus a field it does not know (newer reports must still load)."""
    recs = []
    for s in samples:
        task, status = s[0], s[1]
        r = {"task_id": task, "index": 0, "status": status, "passed": status == "passed", "flags": [],
             "detail": "", "harness": {"future": True}}
        if len(s) > 2:
            r["base_status"], r["plus_status"] = s[2], status if status != "passed" else "passed"
        recs.append(r)
    return {"verdict_version": "0.1.0", "benchmark": benchmark, "bench_label": "Fixture-%d" % len(recs),
            "profile": profile, "summary": {"n_samples": len(recs), "executed": executed, "complete": complete,
                                            "skipped_lines": skipped_lines},
            "samples": recs, "errors": []}


def one_each(passing, tasks=10, fail="failed"):
    return [("T/%d" % i, "passed" if i in passing else fail) for i in range(1, tasks + 1)]


def compare(d, runs, *opts):
    """Write the runs (name -> report) and run verdict compare on them."""
    args = []
    for name, rep in runs:
        path = os.path.join(d, name.replace("/", "_") + ".json")
        with open(path, "w") as f:
            json.dump(rep, f)
        args.append("%s=%s" % (name, path))
    r = subprocess.run([H.BINARY, "compare"] + list(opts) + args, capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout, r.stderr


def compare_json(d, runs, *opts):
    rc, out, err = compare(d, runs, "--json", *opts)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, err








def test_hand_checked(d):
    a, b = one_each({1, 2, 3, 4, 5, 6}), one_each({3, 4, 5, 6, 7, 8, 9, 10}, fail="timeout")
    rc, c, err = compare_json(d, [("a", report(a)), ("b", report(b))])
    if not t.ok(rc == 0 and c, "two complete runs compare: exit 0", (rc, err)):
        return
    ra, rb = c["runs"]
    lo, hi = wilson(6, 10)
    pk = ra["pass_at_k"]["1"]
    t.ok(pk["method"] == "wilson" and close(pk["value"], 0.6) and close(pk["ci"][0], lo) and close(pk["ci"][1], hi),
         "pass@1 6/10 with Wilson's interval [%.4f, %.4f]" % (lo, hi), pk)
    v = rb["vs_baseline"]
    # discordant: tasks 1, 2 (a right, b wrong) and 7..10 (b right): 2 and 4
    t.ok(v["test"] == "mcnemar_exact" and close(v["p"], 44 / 64) and v["worse"] == 2 and v["better"] == 4,
         "McNemar on 2 against 4 discordant tasks: p = 2 (1 + 6 + 15) / 64 = 0.6875", v)
    t.ok(close(v["delta"], 0.2), "delta = 8/10 - 6/10", v["delta"])
    flips = [(f["task_id"], f["baseline"]["status"], f["run"]["status"]) for f in v["flips"]["worse"]]
    t.ok(flips == [("T/1", "passed", "timeout"), ("T/2", "passed", "timeout")],
         "the flips carry both statuses (passed -> timeout)", flips)
    t.ok([f["task_id"] for f in v["flips"]["better"]] == ["T/7", "T/8", "T/9", "T/10"],
         "flips listed in natural task order (T/9 before T/10)", v["flips"]["better"])
    rc, text, err = compare(d, [("a", report(a)), ("b", report(b))])
    t.ok(rc == 0 and "passed→timeout 2" in text and "McNemar" in text and "baseline a" in text,
         "the text names the test, the baseline and the transitions", text)


def test_properties(d):
    a = one_each({1, 2, 3, 5, 8}, tasks=12)
    b = one_each({2, 3, 4, 5, 6, 7, 11}, tasks=12, fail="error")
    rc, same, err = compare_json(d, [("a", report(a)), ("a2", report(a))], "--margin", "1")
    v = same["runs"][1]["vs_baseline"] if same else {}
    t.ok(rc == 0 and v.get("delta") == 0 and v.get("ci") == [0, 0] and v.get("p") == 1 and
         v.get("worse") == 0 and v.get("better") == 0 and v["equivalence"]["equivalent"],
         "a run against itself: delta 0, interval [0, 0], p 1, no flips, equivalent", v)
    rc1, ab, _ = compare_json(d, [("a", report(a)), ("b", report(b))])
    rc2, ba, _ = compare_json(d, [("b", report(b)), ("a", report(a))])
    x, y = ab["runs"][1]["vs_baseline"], ba["runs"][1]["vs_baseline"]
    t.ok(x["delta"] == -y["delta"] and x["ci"] == [-y["ci"][1], -y["ci"][0]] and x["p"] == y["p"] and
         x["worse"] == y["better"] and x["better"] == y["worse"],
         "swapping the runs negates delta and its interval, keeps p, swaps the flips", (x["delta"], x["ci"], y["ci"]))
    # several samples per task: the bootstrap everywhere
    multi_a = [("T/%d" % i, "passed" if (i * i + j) % 7 < 3 else "failed") for i in range(40) for j in range(5)]
    multi_b = [("T/%d" % i, "passed" if (i * 3 + j) % 5 < 3 else "failed") for i in range(40) for j in range(5)]
    outs = [compare(d, [("a", report(multi_a)), ("b", report(multi_b))], *o)
            for o in ((), (), ("--json",), ("--json",), ("--json", "--seed", "7"))]
    t.ok(outs[0] == outs[1] and outs[2] == outs[3] and outs[0][0] == 0,
         "the same input and seed give byte-identical output (text and JSON)")
    s0, s7 = (json.loads(o[1])["runs"][1]["vs_baseline"] for o in (outs[2], outs[4]))
    cis = [[json.loads(o[1])["runs"][r]["pass_at_k"]["1"]["ci"] for r in (0, 1)] for o in (outs[2], outs[4])]
    t.ok((s0["ci"] != s7["ci"] or cis[0] != cis[1]) and s0["delta"] == s7["delta"] and s0["p"] == s7["p"] and
         s0["test"] == "permutation_exact", "another seed: another bootstrap interval, the same delta and exact p",
         (s0["ci"], s7["ci"], cis))


def test_permutation(d):
    a = [("T/%d" % i, "passed" if j < ca else "failed") for i, ca in enumerate([3, 0, 2, 1, 3, 2]) for j in range(3)]
    b = [("T/%d" % i, "passed" if j < cb else "failed") for i, cb in enumerate([3, 3, 0, 3, 3, 3, 2]) for j in range(3)]
    rc, c, err = compare_json(d, [("a", report(a)), ("b", report(b))], "-k", "1,2")
    if not t.ok(rc == 0 and c, "several samples per task compare", (rc, err)):
        return
    v = c["runs"][1]["vs_baseline"]
    diffs = [Fraction(cb - ca, 3) for ca, cb in zip([3, 0, 2, 1, 3, 2], [3, 3, 0, 3, 3, 3])]
    nz = [x for x in diffs if x]
    hits = sum(1 for s in itertools.product((1, -1), repeat=len(nz)) if abs(sum(p * q for p, q in zip(s, nz)))
               >= abs(sum(nz)))
    want = hits / 2 ** len(nz)
    t.ok(v["test"] == "permutation_exact" and close(v["p"], want) and want < 1,
         "permutation p %.4f = brute force over %d sign patterns" % (want, 2 ** len(nz)), v)
    ra, rb = c["runs"]
    t.ok(rb["tasks_missing"] == [] and ra["tasks_missing"] == ["T/6"] and c["comparison"]["tasks_shared"] == 6,
         "a task only one run has is listed as missing from the other and left out", (ra["tasks_missing"],))
    pk2 = ra["pass_at_k"]["2"]
    want2 = sum(1 - math.comb(3 - c_, 2) / math.comb(3, 2) for c_ in [3, 0, 2, 1, 3, 2]) / 6
    t.ok(pk2["method"] == "bootstrap" and close(pk2["value"], want2) and pk2["ci"][0] <= want2 <= pk2["ci"][1],
         "pass@2 over the shared tasks with a bootstrap interval around it", pk2)
    flip = v["flips"]["worse"][0]
    t.ok(flip["task_id"] == "T/2" and flip["baseline"]["status"] == "passed 2, failed 1" and len(v["flips"]["worse"]) == 1 and
         flip["run"]["statuses"] == {"failed": 3}, "several samples: the flips carry the status counts", flip)


def test_sweep(d):
    base = one_each(set(range(1, 21)), tasks=40)
    runs = [("base", report(base)), ("q8", report(one_each(set(range(1, 21)) - {3} | {25}, tasks=40))),
            ("q4", report(one_each(set(range(1, 16)) | {30}, tasks=40))),
            ("q2", report(one_each(set(range(1, 6)), tasks=40)))]
    rc, c, err = compare_json(d, runs, "--margin", "10")
    if not t.ok(rc == 0 and c and c["comparison"]["holm"], "four runs: Holm-adjusted", (rc, err)):
        return
    ps = [r["vs_baseline"]["p"] for r in c["runs"][1:]]
    got = [r["vs_baseline"]["p_holm"] for r in c["runs"][1:]]
    t.ok(all(close(x, y) for x, y in zip(got, holm(ps))), "p Holm equals Holm's step-down on the three p", (ps, got))
    eq = [r["vs_baseline"]["equivalence"] for r in c["runs"][1:]]
    t.ok(eq[0]["equivalent"] and not eq[2]["equivalent"],
         "within +-10 pp: q8 (one task each way) equivalent, q2 (15 tasks lost) not shown", eq)
    for r, e in zip(c["runs"][1:], eq):
        inside = -0.10 < e["ci90"][0] and e["ci90"][1] < 0.10
        t.ok(e["p"] < 0.05 if inside else e["p"] >= 0.05,
             "%s: TOST p below 5%% exactly when the 90%% interval lies inside the margin" % r["name"], e)
    rc, text, _ = compare(d, runs, "--margin", "10")
    t.ok("p Holm" in text and "Holm-adjusted" in text and "equivalent" in text and "not shown" in text,
         "the text says the p-values are Holm-adjusted", text[:600])
    rc, md, _ = compare(d, runs[:2] + [("a|b", runs[2][1])], "--markdown")
    lines = md.splitlines()
    t.ok(rc == 0 and any(line.startswith("| run | tasks |") for line in lines) and "|---|" in md and
         "a\\|b" in md and "<details>" in md, "--markdown: a table to paste, with | in a name escaped", md[:400])


def test_incomplete_and_errors(d):
    a = one_each({1, 2, 3}, tasks=6)
    b = one_each({1, 2, 4}, tasks=6)
    b[5] = ("T/6", "sandbox_error")
    rc, text, err = compare(d, [("a", report(a)), ("b", report(b, complete=False))])
    t.ok(rc == 1 and "b !" in text and "INCOMPLETE" in text and "T/6" in text,
         "a run with a sandbox error is marked, its task left out, exit 1", (rc, text))
    cases = [
        ([("a", report(a)), ("b", report(a, benchmark="livecodebench"))], (), "different benchmarks"),
        ([("a", report(a)), ("b", report(a, executed=False))], (), "no verdicts"),
        ([("a", report(a)), ("b", report(a))], ("--baseline", "zz"), "not the name of a run"),
        ([("a", report(a))], (), "at least two runs"),
        ([("a", report(a)), ("b", report([("X/1", "passed")]))], (), "no task has a scored sample"),
    ]
    for runs, opts, want in cases:
        rc, out, err = compare(d, runs, *opts)
        t.ok(rc == 2 and want in err, "exit 2: %s" % want, (rc, err))
    bad = report(a)
    del bad["samples"][3]["status"]
    path = os.path.join(d, "bad.json")
    with open(path, "w") as f:
        json.dump(bad, f)
    r = subprocess.run([H.BINARY, "compare", path, path], capture_output=True, text=True)
    t.ok(r.returncode == 2 and "bad.json" in r.stderr and "samples[3].status" in r.stderr,
         "a malformed report: exit 2 naming the file and the field", r.stderr)
    r = subprocess.run([H.BINARY, "compare", path + "x", path], capture_output=True, text=True)
    t.ok(r.returncode == 2 and "bad.jsonx" in r.stderr, "a missing file: exit 2 naming it", r.stderr)
    good = os.path.join(d, "good.json")
    with open(good, "w") as f:
        json.dump(report(a), f)
    r = subprocess.run([H.BINARY, "compare", good, good], capture_output=True, text=True)
    t.ok(r.returncode == 2 and "NAME=" in r.stderr, "two runs of one name: exit 2 asking for NAME=", r.stderr)
    out = subprocess.run([H.BINARY, "compare", "--json", "x=" + good, "y=" + good], capture_output=True, text=True)
    cmp = os.path.join(d, "cmp.json")
    with open(cmp, "w") as f:
        f.write(out.stdout)
    r = subprocess.run([H.BINARY, "compare", cmp, good], capture_output=True, text=True)
    t.ok(r.returncode == 2 and "output of verdict compare" in r.stderr, "a comparison given as a run: named as such",
         r.stderr)
    for opt in (("--margin", "0"), ("--seed", "-1"), ("--resamples", "5"), ("--no-exec",)):
        r = subprocess.run([H.BINARY, "compare"] + list(opt) + [good, good], capture_output=True, text=True)
        t.ok(r.returncode == 2 and opt[0] in r.stderr, "bad option %s: exit 2 naming it" % " ".join(opt), r.stderr)


def test_base_vs_plus(d):
    a = [("T/1", "passed", "passed"), ("T/2", "failed", "passed"), ("T/3", "failed", "failed"),
         ("T/4", "timeout", "passed")]
    b = [("T/1", "passed", "passed"), ("T/2", "passed", "passed"), ("T/3", "failed", "passed"),
         ("T/4", "failed", "failed")]
    rc, c, err = compare_json(d, [("a", report(a, "humaneval_plus", profile="evalplus")),
                                  ("b", report(b, "humaneval_plus", profile="evalplus"))])
    bp = c["runs"][0]["base_vs_plus"] if c else None
    t.ok(bp and bp["base_passed"] == 3 and bp["base_plus_passed"] == 1 and close(bp["drop"], 0.5) and
         bp["tasks_base_not_plus"] == ["T/2", "T/4"],
         "HumanEval+: base-only 3/4 beside base+plus 1/4, drop 50 pp, the two tasks named", bp)
    rc, text, _ = compare(d, [("a", report(a, "humaneval_plus")), ("b", report(b, "humaneval_plus"))])
    t.ok("base-only pass@1" in text and "drop 50.0 pp" in text, "the text shows base-only beside base+plus", text)


def test_client(d):
    """verdict_client's compare() computes the same JSON as the C command."""
    configs = [
        ([("a", report(one_each({1, 2, 3, 5, 8}, tasks=12))), ("b", report(one_each({2, 3, 4, 7}, tasks=12)))], {}),
        ([("a", report([("T/%d" % i, "passed" if (i + j) % 3 else "failed") for i in range(9) for j in range(3)])),
          ("b", report([("T/%d" % i, "passed" if (i * j) % 4 else "timeout") for i in range(8) for j in range(3)])),
          ("c", report([("T/%d" % i, "passed" if j else "failed") for i in range(9) for j in range(2)]))],
         {"margin": 5.0, "ks": (1, 2)}),
    ]
    import verdict_client
    for runs, kw in configs:
        opts = ["--resamples", "1000", "--seed", "11"]
        if "margin" in kw:
            opts += ["--margin", str(kw["margin"])]
        if "ks" in kw:
            opts += ["-k", ",".join(map(str, kw["ks"]))]
        rc, c, err = compare_json(d, runs, *opts)
        py = verdict_client.compare([r for _, r in runs], names=[n for n, _ in runs], resamples=1000, seed=11,
                                    sources=[c["runs"][i]["source"] for i in range(len(runs))] if c else None, **kw)
        for row in py["runs"]:
            row["origin"] = "report"
        py["verdict_version"] = c["verdict_version"] if c else None
        diff = same_json(py, c) if c else "no C output: %s" % err
        t.ok(diff is None, "verdict_client.compare() equals verdict compare --json (%d runs)" % len(runs), diff)


def test_scored_now(d):
    """Samples files scored now, in the jail, with audit's options; the same
    comparison as the reports `audit --json` saves for them."""
    if not H.jail_works():
        return t.skip("samples scored in the jail", "the jail does not work on this host (verdict check)")
    problems = os.path.join(d, "problems.jsonl")
    with open(problems, "w") as f:
        for i in range(6):
            f.write(json.dumps({"task_id": "P/%d" % i, "prompt": "def f(x):\n", "entry_point": "f",
                                "canonical_solution": "    return x + %d\n" % i,
                                "test": "def check(f):\n    assert f(1) == %d\n" % (i + 1)}) + "\n")
    right = lambda i: "    return x + %d\n" % i  # noqa: E731
    answers = {"a": [right(i) if i < 4 else "    return 0\n" for i in range(6)],
               "b": [right(i) if i not in (0, 1) else "    while True:\n        pass\n" for i in range(6)]}
    answers["b"][5] = "    return x +\n"
    paths = {}
    for name, ans in answers.items():
        paths[name] = os.path.join(d, name + ".jsonl")
        with open(paths[name], "w") as f:
            for i, a in enumerate(ans):
                f.write(json.dumps({"task_id": "P/%d" % i, "completion": a}) + "\n")
    opts = ["--dataset", problems, "--timeout", "1", "--no-rerun", "--no-cache"]
    r = subprocess.run([H.BINARY, "compare", "--json"] + opts + [paths["a"], paths["b"]], capture_output=True,
                       text=True, timeout=600)
    c = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
    if not t.ok(c is not None, "two samples files scored now and compared", (r.returncode, r.stderr[-500:])):
        return
    v = c["runs"][1]["vs_baseline"]
    flips = sorted((f["task_id"], f["baseline"]["status"], f["run"]["status"]) for f in v["flips"]["worse"] +
                   v["flips"]["better"])
    t.ok(flips == [("P/0", "passed", "timeout"), ("P/1", "passed", "timeout"), ("P/4", "failed", "passed")] and
         c["runs"][0]["origin"] == "samples", "the jail's statuses reach the flips (passed -> timeout)", flips)
    reports = []
    for name in ("a", "b"):
        out = subprocess.run([H.BINARY, "audit", "--json"] + opts + [paths[name]], capture_output=True, text=True,
                             timeout=600)
        path = os.path.join(d, name + ".report.json")
        with open(path, "w") as f:
            f.write(out.stdout)
        reports.append("%s=%s" % (name, path))
    r2 = subprocess.run([H.BINARY, "compare", "--json"] + reports, capture_output=True, text=True, timeout=600)
    c2 = json.loads(r2.stdout) if r2.returncode == 0 else {}
    for x in (c, c2):
        for row in x.get("runs", []):
            row.pop("source")
            row.pop("origin")
    t.ok(same_json(c, c2) is None, "the same comparison from the reports audit --json saved (nothing re-run)",
         same_json(c, c2))


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    with tempfile.TemporaryDirectory(prefix="verdict-compare-") as d:
        for test in (test_hand_checked, test_properties, test_permutation, test_sweep, test_incomplete_and_errors,
                     test_base_vs_plus, test_client, test_scored_now):
            test(d)
    return t.done()


sys.exit(main())
