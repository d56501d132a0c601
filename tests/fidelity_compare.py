#!/usr/bin/env python3
"""`verdict compare` on real runs: the four Llama-3 evalplus result files of
../shared/samples/evalplus-pr247-llama3 (Meta-Llama-3-8B, its Instruct model
and two DPO fine-tunes), each scored once with the evalplus profile
(`verdict audit --json`, reports saved to a temporary directory), then
compared as a sweep and as base against instruct. The figures are checked
against values computed here from the reports' own records: Wilson
intervals, McNemar's exact p with math.comb, Holm's adjustment, the flips
and their statuses, HumanEval+'s base-only figures; the Python client's
compare() must give the same JSON. Skipped with a reason when ../shared is
absent.

    fidelity_compare.py VERDICT SHARED

Prints TAP; the tables go to the log as diagnostics."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402
from compare_helpers import close, holm, mcnemar, same_json, wilson  # noqa: E402
import verdict_compare  # noqa: E402  (clients/python, on the path through http_harness)

t = H.Tap()
VERDICT, SHARED = (sys.argv[1], sys.argv[2]) if len(sys.argv) > 2 else (H.BINARY, H.SHARED)
DATASET = os.path.join(SHARED, "datasets", "humanevalplus", "HumanEvalPlus-v0.1.10.jsonl.gz")
FOLDER = os.path.join(SHARED, "samples", "evalplus-pr247-llama3")
QUICK = os.environ.get("VERDICT_FIDELITY_QUICK") == "1"
QUICK_TASKS = 24
RUNS = [
    ("llama3-8b", "meta-llama--Meta-Llama-3-8B_vllm_temp_0.0-sanitized_eval_results.json"),
    ("llama3-8b-instruct", "meta-llama--Meta-Llama-3-8B-Instruct_vllm_temp_0.0-sanitized_eval_results.json"),
    ("llama3-base-dpo", "custom_finetuned_models--llama3_base_dpo_vllm_temp_0.0-sanitized_eval_results.json"),
    ("llama3-instruct-dpo", "custom_finetuned_models--llama3_instruct_dpo_vllm_temp_0.0-sanitized_eval_results.json"),
]










def by_task(rep):
    return {s["task_id"]: s for s in rep["samples"]}


def quick_copy(tmp, fname):
    """The sanitizer pass of CI runs the same code paths on QUICK_TASKS tasks."""
    with open(os.path.join(FOLDER, fname)) as f:
        doc = json.load(f)
    keep = sorted(doc["eval"], key=lambda tid: int(tid.split("/")[1]))[:QUICK_TASKS]
    doc["eval"] = {k: doc["eval"][k] for k in keep}
    path = os.path.join(tmp, "quick_" + fname)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def score(tmp, cache):
    """Each file scored once; the reports saved for every comparison."""
    paths = {}
    for name, fname in RUNS:
        out = os.path.join(tmp, name + ".json")
        src = quick_copy(tmp, fname) if QUICK else os.path.join(FOLDER, fname)
        r = subprocess.run([VERDICT, "audit", "--json", "--profile", "evalplus", "--cache-dir", cache, "--dataset",
                            DATASET, src], capture_output=True, text=True, timeout=1500)
        if not t.ok(r.returncode == 0 and r.stdout.strip(), "%s scored with the evalplus profile" % name,
                    (r.returncode, r.stderr[-600:])):
            return None
        with open(out, "w") as f:
            f.write(r.stdout)
        paths[name] = out
    return paths


def check_audit_plus(reports):
    """`verdict audit` shows base-only beside base+plus: from the records."""
    for name, rep in reports.items():
        bp = rep["summary"].get("base_vs_plus")
        base = sum(1 for s in rep["samples"] if s.get("base_status") == "passed")
        both = sum(1 for s in rep["samples"] if s["passed"])
        dropped = sorted((s["task_id"] for s in rep["samples"] if s.get("base_status") == "passed" and not s["passed"]),
                         key=lambda x: int(x.split("/")[1]))
        n = len(rep["samples"])
        t.ok(bp and bp["base_passed"] == base and bp["base_plus_passed"] == both and
             close(bp["drop"], (base - both) / n) and bp["tasks_base_not_plus"] == dropped,
             "%s: audit's base-only %d/%d beside base+plus %d/%d, %d tasks pass base and fail plus"
             % (name, base, n, both, n, len(dropped)), bp)
        t.ok(same_json(verdict_compare.base_vs_plus(rep["samples"]), bp) is None,
             "%s: the client computes the same base_vs_plus from the records (merged reports)" % name)
        recorded = sum(1 for s in rep["samples"] if s.get("reference", {}).get("base_status") == "pass")
        t.diag("%s: base tests alone %d/%d (evalplus recorded %d), base+plus %d/%d" % (name, base, n, recorded, both,
                                                                                     n))


def check_sweep(c, reports):
    names = [n for n, _ in RUNS]
    n = QUICK_TASKS if QUICK else 164
    t.ok(c["comparison"]["tasks_shared"] == n and c["comparison"]["holm"] and
         [r["name"] for r in c["runs"]] == names and all(r["complete"] for r in c["runs"]),
         "the sweep: four complete runs on the %d shared tasks, in the order given, Holm-adjusted" % n,
         c["comparison"])
    base = by_task(reports[names[0]])
    ps = []
    for row in c["runs"]:
        rep = by_task(reports[row["name"]])
        passed = sum(1 for s in rep.values() if s["passed"])
        lo, hi = wilson(passed, n)
        pk = row["pass_at_k"]["1"]
        t.ok(pk["method"] == "wilson" and close(pk["value"], passed / n) and close(pk["ci"][0], lo) and
             close(pk["ci"][1], hi), "%s: pass@1 %d/%d with Wilson's interval [%.4f, %.4f]" % (row["name"], passed,
                                                                                             n, lo, hi), pk)
        bp = reports[row["name"]]["summary"]["base_vs_plus"]
        t.ok(row["base_vs_plus"] == bp or all(close(row["base_vs_plus"][k], bp[k]) if isinstance(bp[k], float)
                                              else row["base_vs_plus"][k] == bp[k] for k in bp),
             "%s: compare's base-only figures are audit's" % row["name"], (row["base_vs_plus"], bp))
        if row["baseline"]:
            continue
        worse = sorted(tid for tid in base if base[tid]["passed"] and not rep[tid]["passed"])
        better = sorted(tid for tid in base if not base[tid]["passed"] and rep[tid]["passed"])
        v = row["vs_baseline"]
        want_p = mcnemar(len(worse), len(better))
        ps.append(want_p)
        t.ok(v["test"] == "mcnemar_exact" and close(v["p"], want_p, 1e-8) and v["worse"] == len(worse) and
             v["better"] == len(better) and close(v["delta"], (len(better) - len(worse)) / n),
             "%s: %d worse, %d better, McNemar p %.3g (math.comb)" % (row["name"], len(worse), len(better), want_p), v)
        flips = {f["task_id"]: (f["baseline"]["status"], f["run"]["status"]) for f in v["flips"]["worse"] +
                 v["flips"]["better"]}
        want = {tid: (base[tid]["status"], rep[tid]["status"]) for tid in worse + better}
        t.ok(flips == want, "%s: every flip with both statuses from the reports" % row["name"])
        t.ok(v["ci"][0] <= v["delta"] <= v["ci"][1], "%s: delta inside its paired bootstrap interval" % row["name"],
             v["ci"])
    got = [r["vs_baseline"]["p_holm"] for r in c["runs"] if not r["baseline"]]
    t.ok(all(close(a, b, 1e-8) for a, b in zip(got, holm(ps))), "p Holm over the three comparisons", (got, ps))


def run_compare(*args):
    r = subprocess.run([VERDICT, "compare"] + list(args), capture_output=True, text=True, timeout=900)
    return r.returncode, r.stdout, r.stderr


def main():
    if not (os.path.isdir(FOLDER) and os.path.exists(DATASET)):
        return t.skip_all("the Llama-3 evalplus runs or HumanEval+ are not in %s" % SHARED)
    if not os.path.exists(VERDICT):
        return t.skip_all("no verdict binary at %s" % VERDICT)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    with tempfile.TemporaryDirectory(prefix="verdict-fidelity-compare-") as tmp:
        cache = os.environ.get("VERDICT_TEST_CACHE") or os.path.join(tmp, "cache")
        paths = score(tmp, cache)
        if not paths:
            return t.done()
        reports = {}
        for name, p in paths.items():
            with open(p) as f:
                reports[name] = json.load(f)
        check_audit_plus(reports)
        specs = ["%s=%s" % (n, paths[n]) for n, _ in RUNS]
        rc, out, err = run_compare("--json", *specs)
        c = json.loads(out) if rc == 0 and out.strip() else None
        if t.ok(c is not None, "verdict compare on the four saved reports (nothing re-run)", (rc, err[-600:])):
            check_sweep(c, reports)
        rc, text, err = run_compare("--margin", "2", *specs)
        t.ok(rc == 0 and "p Holm" in text, "the sweep as text", err)
        t.diag("the sweep:\n" + text)
        rc, md, _ = run_compare("--markdown", *specs)
        t.diag("the sweep as Markdown:\n" + md.split("\n\n- ")[0])
        t.ok(rc == 0 and md.count("\n| llama3") == 4, "the sweep as Markdown", md[:300])
        rc, pair, _ = run_compare(specs[0], specs[1])
        t.ok(rc == 0 and "llama3-8b → llama3-8b-instruct" in pair and "worse:" in pair,
             "base against instruct, with its flips", pair[:300])
        t.diag("base against instruct:\n" + pair)
        rc1, ab, _ = run_compare("--json", specs[0], specs[1])
        rc2, ba, _ = run_compare("--json", specs[1], specs[0])
        x, y = json.loads(ab)["runs"][1]["vs_baseline"], json.loads(ba)["runs"][1]["vs_baseline"]
        t.ok(x["delta"] == -y["delta"] and x["ci"] == [-y["ci"][1], -y["ci"][0]] and x["p"] == y["p"],
             "swapping base and instruct negates delta and its interval and keeps p")
        rc, same, _ = run_compare("--json", specs[1], specs[1].replace("llama3-8b-instruct=", "again="))
        v = json.loads(same)["runs"][1]["vs_baseline"] if rc == 0 else {}
        t.ok(v.get("delta") == 0 and v.get("p") == 1 and not v.get("worse") and not v.get("better"),
             "instruct against itself: delta 0, p 1, no flips", v)
        import verdict_client
        rc, cj, _ = run_compare("--json", "--resamples", "1000", *specs)
        py = verdict_client.compare([reports[n] for n, _ in RUNS], names=[n for n, _ in RUNS], resamples=1000,
                                    sources=[paths[n] for n, _ in RUNS])
        cj = json.loads(cj)
        for row in cj["runs"]:
            row.pop("origin")
        for row in py["runs"]:
            row.pop("origin")
        py["verdict_version"] = cj["verdict_version"]
        diff = same_json(py, cj)
        t.ok(diff is None, "verdict_client.compare() on the four reports equals verdict compare --json", diff)
    return t.done()


sys.exit(main())
