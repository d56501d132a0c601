"""Fidelity of `verdict audit` on LiveCodeBench (TAP).

Re-scores o1-mini's official submission on the 184 problems whose tests are in
../shared and compares with the official graded_list and metadata:
  - per-problem verdicts agree on at least 183 of 184. The official runner itself,
    re-run elsewhere, agreed on 183: abc301_e failed officially on time (-3) and
    passed there. Its third test is at the edge of the 6 s limit: the program
    alone, without any jail, takes 6.8 to 7.5 s of CPU on our 2-core Debian
    machine (an emulation of lcb_runner's in-process call, 6.8 s), so verdict
    reproduces the -3 here and may pass it on a faster CPU; either is accepted;
  - for every official failure whose metadata records the failing test's output,
    verdict's output for that test is the recorded one;
  - public-only scoring is optimistic: it passes every problem the full run passes,
    plus those that fail only on private tests (a problem at the edge of its time
    limit may time out in one run and not the other: at most two, named);
  - the summary is broken down by difficulty and platform.

usage: fidelity_lcb.py VERDICT SHARED_DIR
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

N = 0
FAILED = 0


def ok(cond, msg):
    global N, FAILED
    N += 1
    if not cond:
        FAILED += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (N, msg), flush=True)
    return cond


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


def audit(verdict, args, cache):
    p = subprocess.run([verdict, "audit", "--json", "--cache-dir", cache] + args, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        diag(p.stderr[-3000:])
        return None
    return json.loads(p.stdout)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    verdict, shared = sys.argv[1:]
    ds = os.path.join(shared, "datasets/livecodebench/code_generation_lite-184.jsonl.gz")
    sub = os.path.join(shared, "samples/lcb-submissions-o1-mini/"
                               "O1-Mini-2024-09-12_Scenario.codegeneration_1_0.2_eval_all.json.gz")
    if not (os.path.exists(ds) and os.path.exists(sub)):
        print("1..0 # SKIP LiveCodeBench data not in %s" % shared)
        return 0
    with gzip.open(sub, "rt") as f:
        rows = json.load(f)
    official = {r["question_id"]: r for r in rows}
    quick = os.environ.get("VERDICT_FIDELITY_QUICK") == "1"
    expect_n, expect_agree = 184, 183
    with tempfile.TemporaryDirectory(prefix="verdict-lcb-") as tmp:
        cache = os.path.join(tmp, "cache")
        if quick:
            # The sanitizer pass of CI: the same paths on a subset (every
            # platform, both test types).
            with gzip.open(ds, "rt") as f:
                ids = [json.loads(line)["question_id"] for line in f]
            keep = set(ids[:12] + [i for i in ids if not i.isdigit()][:6])
            sub = os.path.join(tmp, "quick.json")
            with open(sub, "w") as f:
                json.dump([r for r in rows if r["question_id"] in keep], f)
            expect_n = len(keep)
            expect_agree = expect_n - 1
        rep = audit(verdict, ["--dataset", ds, "--skip-unknown", sub], cache)
        if not ok(rep is not None, "o1-mini's submission re-scored on the 184 problems with tests"):
            print("1..%d" % N)
            return 1
        samples = [s for s in rep["samples"] if s["status"] != "skipped"]
        ok(len(samples) == expect_n, "%d problems scored (%d expected), %d skipped as not in the dataset"
           % (len(samples), expect_n, rep["summary"]["skipped_samples"]))
        agree = 0
        same_output = recorded = 0
        for s in samples:
            off = official[s["task_id"]]
            mine = s["passed"]
            theirs = bool(off["graded_list"][s["index"]])
            if mine == theirs:
                agree += 1
            else:
                diag("%s: verdict %s (%s), official %s %s" % (
                    s["task_id"], s["status"], s["detail"][:200], "pass" if theirs else "fail",
                    off["metadata"][s["index"]][:200]))
            meta = json.loads(off["metadata"][s["index"]] or "{}")
            if not theirs and "output" in meta:
                recorded += 1
                mine_meta = s.get("lcb_metadata") or {}
                if mine_meta.get("output") == meta["output"]:
                    same_output += 1
                else:
                    diag("%s: output differs: verdict %r, official %r" % (
                        s["task_id"], str(mine_meta.get("output"))[:120], str(meta["output"])[:120]))
        edge = [s for s in samples if s["task_id"] == "abc301_e"]
        if edge:
            diag("abc301_e (at the edge of the time limit): %s, %d ms CPU when stopped or done" % (
                edge[0]["status"], edge[0].get("cpu_ms", -1)))
        ok(agree >= expect_agree, "verdicts agree with the official graded_list on %d/%d problems" % (agree, expect_n))
        ok((quick or recorded > 0) and same_output == recorded,
           "for %d/%d official failures with a recorded output, verdict's output for that test is the recorded one"
           % (same_output, recorded))
        passed = rep["summary"]["counts"]["passed"]
        diag("pass@1 %.4f (%d passed): by difficulty %s; by platform %s" % (
            rep["summary"]["pass_at_k"]["1"]["value"], passed,
            json.dumps(rep.get("groups", {}).get("difficulty")), json.dumps(rep.get("groups", {}).get("platform"))))
        groups = rep.get("groups", {})
        ok(quick or (set(groups.get("difficulty", {})) == {"easy", "medium", "hard"} and
                     set(groups.get("platform", {})) == {"leetcode", "atcoder", "codeforces"}),
           "the summary is broken down by difficulty and by platform")
        ok(rep["audit"]["verbatim_canonical"]["available"] is False,
           "no canonical solutions in LiveCodeBench: the contamination audit says so")
        pub = audit(verdict, ["--dataset", ds, "--skip-unknown", "--public-only", sub], cache)
        if ok(pub is not None, "public-only scoring ran"):
            ppass = {s["task_id"] for s in pub["samples"] if s["passed"]}
            full = {s["task_id"] for s in samples if s["passed"]}
            only_private = sorted(ppass - full)
            # A program at the edge of its time limit (abc301_e) may pass one run and
            # time out in the other on a loaded machine: such a flip is named, and only
            # a timeout may explain it; a public-only failure of any other kind is a bug.
            pub_status = {s["task_id"]: s["status"] for s in pub["samples"]}
            public_lost = sorted(full - ppass)
            at_edge = [t for t in public_lost if pub_status.get(t) == "timeout"]
            if at_edge:
                diag("passed all tests but timed out on the public ones (time-limit edge): " + ", ".join(at_edge))
            ok(set(public_lost) == set(at_edge) and len(at_edge) <= 2 and (quick or len(ppass) > len(full)),
               "public-only is optimistic: %d pass on public tests, %d on all tests; %d fail only on private tests"
               "; %d at the time-limit edge"
               % (len(ppass), len(full), len(only_private), len(at_edge)))
            diag("fail only on private tests: " + ", ".join(only_private))
            ok(all("public_only" in s["flags"] for s in pub["samples"] if s["status"] != "skipped"),
               "public-only verdicts are flagged as such")
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
