"""LiveCodeBench end to end on fixtures of our own (TAP): `verdict audit` and
`POST /score` on fixtures/livecodebench (written by gen_lcb_audit_fixture.py,
which states the lcb_runner rule behind every expected verdict), plus a 10 MB
stdin problem made here.

usage: test_lcb_audit.py   (VERDICT_BINARY, VERDICT_SOURCE_ROOT from meson)
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402
import gen_lcb_audit_fixture as G  # noqa: E402

FIX = os.path.join(H.ROOT, "fixtures", "livecodebench")
PROBLEMS = os.path.join(FIX, "problems.jsonl")
SAMPLES = os.path.join(FIX, "samples.json")
# The slow sample times out at the per-test limit: 2 s here instead of the
# official 6 s keeps the suite quick without changing any other verdict.
# The lcb profile is named: these are lcb_runner's rules (the default
# profile's verdicts, with lcb's beside them, are checked apart).
LIMIT = ["--timeout", "2", "--profile", "lcb"]
t = H.Tap()


def audit(args, cache):
    p = subprocess.run([H.BINARY, "audit", "--json", "--cache-dir", cache] + args, capture_output=True, text=True)
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        rep = None
    return p.returncode, rep, p.stderr


def key(r):
    return (r["task_id"], r["index"])


def check_expected(records, label, skip_invalid=False):
    with open(os.path.join(FIX, "expected.json")) as f:
        expected = json.load(f)
    got = {key(r): r for r in records}
    wrong = []
    for e in expected:
        if skip_invalid and e["status"] == "invalid":
            continue
        r = got.get((e["question_id"], e["index"]))
        if r is None:
            wrong.append("%s #%d: no record" % (e["question_id"], e["index"]))
            continue
        code = r.get("lcb_error_code")
        if r["status"] != e["status"] or (e["error_code"] is not None and code != e["error_code"]):
            wrong.append("%s #%d: %s (code %s), expected %s (code %s): %s; detail %s" % (
                e["question_id"], e["index"], r["status"], code, e["status"], e["error_code"], e["why"],
                r.get("detail", "")))
    n = sum(1 for e in expected if not (skip_invalid and e["status"] == "invalid"))
    t.ok(not wrong, "%s: %d of %d samples get the verdict lcb_runner's rules give" % (label, n - len(wrong), n),
         "\n".join(wrong))
    return expected


def official_format(cache):
    rc, rep, err = audit(["--dataset", PROBLEMS] + LIMIT + [SAMPLES], cache)
    if not t.ok(rep is not None, "verdict audit reads the official LCB output format", err[-2000:]):
        return None
    expected = check_expected(rep["samples"], "official format")
    t.ok(len(rep["samples"]) == len(expected) and rep["summary"]["counts"]["invalid"] == 1,
         "every sample has a record; only the broken problem's sample is invalid", rep["summary"]["counts"])
    bad = [r for r in rep["samples"] if r["status"] == "invalid"]
    t.ok(rc == 1 and not rep["summary"]["complete"] and bad and "cf900_c" in bad[0].get("detail", "")
         and "private_test_cases" in bad[0]["detail"],
         "a malformed private_test_cases: a clear error naming the problem, exit 1, the rest scored",
         (rc, bad))
    wrong = [r for r in rep["samples"] if r.get("lcb_error_code") == -2]
    md_ok = all(json.loads(r["lcb_metadata"]) if isinstance(r.get("lcb_metadata"), str) else r.get("lcb_metadata")
                for r in wrong)
    md = [r.get("lcb_metadata") for r in wrong]
    md = [json.loads(m) if isinstance(m, str) else m for m in md]
    t.ok(md_ok and all(m and "inputs" in m and "expected" in m and "output" in m for m in md),
         "every wrong answer carries the failing test's input, expected and actual output", md[:3])
    grid = next(m for r, m in zip(wrong, md) if r["task_id"] == "abc900_b")
    t.ok(grid["expected"] == "1 2 3\n4 5 6\n" and grid["output"] == "1 2 3\n\n4 5 6\n\n",
         "the recorded outputs are the raw texts", grid)
    groups = rep.get("groups", {})
    diff = groups.get("difficulty", {})
    plat = groups.get("platform", {})
    t.ok(set(diff) == {"easy", "medium", "hard"} and set(plat) == {"leetcode", "atcoder", "codeforces"}
         and sum(g["tasks"] for g in plat.values()) == 11,
         "pass@1 by difficulty and platform (the broken problem counted nowhere)", groups)
    av = rep["audit"]
    t.ok(av["verbatim_canonical"]["available"] is False and av["fenced"] == len(expected) and av["empty"] == 0,
         "audits: every answer fenced, none empty; no canonical solutions, said so", av)
    return rep


def check_harness(records, label):
    """Under the default (verdict) profile, the lcb verdict reported beside
    each sample is the one lcb_runner's rules give, whether it was taken
    from the verdict run or from lcb's own."""
    with open(os.path.join(FIX, "expected.json")) as f:
        expected = [e for e in json.load(f) if e["status"] != "invalid"]
    got = {key(r): r for r in records}
    wrong = []
    for e in expected:
        h = got.get((e["question_id"], e["index"]), {}).get("harness") or {}
        if h.get("profile") != "lcb" or h.get("status") != e["status"]:
            wrong.append("%s #%d: beside %s, expected %s: %s" % (e["question_id"], e["index"], h, e["status"],
                                                                   e["why"]))
    ran = sum(1 for r in records if (r.get("harness") or {}).get("ran"))
    t.ok(not wrong, "%s: the lcb verdict beside the verdict profile's is lcb_runner's for %d of %d samples "
         "(%d ran lcb's own job)" % (label, len(expected) - len(wrong), len(expected), ran), "\n".join(wrong))


def default_profile(cache):
    rc, rep, err = audit(["--dataset", PROBLEMS, "--timeout", "2", SAMPLES], cache)
    if t.ok(rep is not None and rep["profile"] == "verdict", "the default profile is verdict", err[-2000:]):
        check_harness(rep["samples"], "default profile")
        h = rep.get("harness") or {}
        t.ok(h.get("profile") == "lcb", "the harness block is lcb's: %s (%s/%s), %s differ" % (
            h.get("pass_at_k", {}).get("1", {}).get("value"), h.get("passed"), h.get("scored"), h.get("differ")),
            h)
    rc, rep, err = audit(["--dataset", PROBLEMS, "--timeout", "2", "--harness-rerun-all", SAMPLES], cache)
    if t.ok(rep is not None, "the default profile with lcb's job run for every sample", err[-2000:]):
        check_harness(rep["samples"], "--harness-rerun-all")


def plain_jsonl(cache, tmp):
    path = os.path.join(tmp, "plain.jsonl")
    with open(path, "w") as f:
        for qid, code, *_ in G.SAMPLES:
            f.write(json.dumps({"question_id": qid, "completion": G.fence(code)}) + "\n")
    rc, rep, err = audit(["--dataset", PROBLEMS] + LIMIT + [path], cache)
    if t.ok(rep is not None, "plain JSONL {question_id, completion}", err[-2000:]):
        check_expected(rep["samples"], "plain JSONL")


def public_only(cache, official):
    rc, rep, err = audit(["--dataset", PROBLEMS, "--public-only"] + LIMIT + [SAMPLES], cache)
    if not t.ok(rep is not None, "--public-only runs", err[-2000:]):
        return
    full = {key(r): r["status"] for r in official["samples"]}
    pub = {key(r): r for r in rep["samples"]}
    gained = sorted(k for k, r in pub.items() if r["status"] == "passed" and full[k] != "passed")
    lost = sorted(k for k, r in pub.items() if r["status"] != "passed" and full[k] == "passed")
    flagged = all("public_only" in r["flags"] for r in rep["samples"] if r["status"] not in ("invalid",))
    t.ok(("cf900_b", 1) in gained and ("lc_mutate", 1) in gained and not lost and flagged,
         "--public-only is optimistic, flagged on every record: it passes what fails only on private tests",
         (gained, lost))
    ok_ = rep["summary"]["pass_at_k"]["1"]["value"] > official["summary"]["pass_at_k"]["1"]["value"]
    t.ok(ok_, "and its pass@1 is higher (%.4f vs %.4f)" % (rep["summary"]["pass_at_k"]["1"]["value"],
                                                          official["summary"]["pass_at_k"]["1"]["value"]))


def windows(cache):
    rc, rep, err = audit(["--dataset", PROBLEMS, "--no-exec", "--release", "v2", SAMPLES], cache)
    if not t.ok(rep is not None, "--release v2", err[-2000:]):
        return
    inside = {r["task_id"] for r in rep["samples"] if r["status"] != "skipped"}
    t.ok(inside == {"lc_tuple", "lc_float", "lc_mutate", "lc_bigint", "abc900_a", "abc900_b", "abc900_c"},
         "--release v2 keeps the problems dated up to 2024-05-31, the rest are 'skipped'", sorted(inside))
    rc, rep, err = audit(["--dataset", PROBLEMS, "--no-exec", "--since", "2024-06-01", "--until", "2024-08-31",
                          SAMPLES], cache)
    inside = {r["task_id"] for r in rep["samples"] if r["status"] != "skipped"} if rep else None
    t.ok(inside == {"lc_recursion", "lc_slow", "cf900_a"}, "--since/--until on contest_date", sorted(inside or []))


HUGE_READERS = [
    ("import sys\ndata = sys.stdin.buffer.read().split()\nprint(sum(map(int, data[1:])))\n", "all at once (bytes)",
     "passed"),
    ("import sys\nn = int(input())\nprint(sum(int(input()) for _ in range(n)))\n", "line by line with input()",
     "passed"),
    ("import sys\nnext(sys.stdin)\nprint(sum(int(x) for x in sys.stdin))\n", "iterating sys.stdin", "passed"),
    # Leaves almost all of it unread: the runner's writes meet a closed
    # pipe, which must cost it nothing (a wrong answer, not a dead runner).
    ("print(input())\n", "only its first line", "failed"),
]


def huge_stdin(cache, tmp):
    # About 10 MB of input: 1.4 million lines of numbers.
    n = 1_400_000
    nums = [(i * 7919) % 1_000_003 for i in range(n)]
    text = "%d\n" % n + "\n".join(map(str, nums)) + "\n"
    big = G.row("cf999_z", "Sum of a huge input", "codeforces", "hard", "2024-08-10T00:00:00",
                [("3\n1\n2\n3\n", "6\n")], [(text, "%d\n" % sum(nums))])
    ds = os.path.join(tmp, "huge.jsonl")
    with open(ds, "w") as f:
        f.write(json.dumps(big) + "\n")
    sub = os.path.join(tmp, "huge-samples.jsonl")
    with open(sub, "w") as f:
        for code, _, _ in HUGE_READERS:
            f.write(json.dumps({"question_id": "cf999_z", "completion": G.fence(code)}) + "\n")
    for profile in ("lcb", "verdict"):
        rc, rep, err = audit(["--dataset", ds, "--profile", profile, sub], cache)
        if not t.ok(rep is not None, "a problem with a %.1f MB stdin test loads (%s profile)" % (
                len(text) / 1e6, profile), err[-2000:]):
            continue
        for (code, how, want), r in zip(HUGE_READERS, rep["samples"]):
            t.ok(r["status"] == want, "%s profile: 10 MB stdin read %s: %s (%d ms CPU)" % (
                profile, how, want, r.get("cpu_ms", -1)), r.get("detail") or r)


def http(problems_by_id):
    with H.Server("--dataset", "livecodebench=" + PROBLEMS, "--timeout", "2", "--canary-interval", "0",
                  dataset=False) as srv:
        samples = [{"task_id": q, "completion": G.fence(c)} for q, c, *_ in G.SAMPLES]
        st, hd, rep = srv.score({"benchmark": "livecodebench", "profile": "lcb", "samples": samples})
        if t.ok(st == 200, "POST /score with benchmark livecodebench", rep if st != 200 else ""):
            check_expected(rep["samples"], "POST /score")
            t.ok("difficulty" in rep.get("groups", {}), "the HTTP report has the same groups")
        # An inline problem: the dataset row itself, sent with the sample.
        row = problems_by_id["cf900_b"]
        inline = [{"task_id": "cf900_b", "completion": G.fence(c), "problem": row}
                  for q, c, *_ in G.SAMPLES if q == "cf900_b"]
        st, hd, rep = srv.score({"benchmark": "livecodebench", "profile": "lcb", "samples": inline})
        got = [r["status"] for r in rep["samples"]] if st == 200 else rep
        t.ok(got == ["passed", "failed", "error"], "inline LCB problems (a code_generation_lite row) score the same",
             got)
        broken = {"task_id": "cf900_c", "completion": "print(1)", "problem": problems_by_id["cf900_c"]}
        st, hd, rep = srv.score({"benchmark": "livecodebench", "samples": [broken]})
        t.ok(st == 400 and rep.get("field") == "samples[0].problem.private_test_cases"
             and "cf900_c" in rep.get("error", ""),
             "an inline problem with undecodable private tests: 400 naming the field and the problem", rep)
        other = {"task_id": "someone_else", "completion": "print(1)", "problem": row}
        st, hd, rep = srv.score({"benchmark": "livecodebench", "samples": [other]})
        t.ok(st == 400 and rep.get("field") == "samples[0].problem.question_id",
             "an inline problem whose question_id is not the task id: 400", rep)
        nope = {"task_id": "x", "completion": "print(1)", "problem": {"question_id": "x"}}
        st, hd, rep = srv.score({"benchmark": "livecodebench", "samples": [nope]})
        t.ok(st == 400 and rep.get("field", "").startswith("samples[0].problem"),
             "an inline problem without tests: 400", rep)
        t.ok(srv.healthy(), "the server is healthy after the refusals")
    H.check_exits(t)


def main():
    if not H.jail_works():
        return t.skip_all("the jail cannot run on this host (verdict check fails)")
    with open(PROBLEMS) as f:
        problems_by_id = {json.loads(line)["question_id"]: json.loads(line) for line in f}
    # The committed fixture is what the generator writes.
    with tempfile.TemporaryDirectory(prefix="verdict-lcb-audit-") as tmp:
        regen = os.path.join(tmp, "regen")
        subprocess.run([sys.executable, os.path.join(H.ROOT, "tests", "gen_lcb_audit_fixture.py"), regen],
                       check=True)
        same = all(open(os.path.join(regen, n), "rb").read() == open(os.path.join(FIX, n), "rb").read()
                   for n in ("problems.jsonl", "samples.json", "expected.json"))
        t.ok(same, "fixtures/livecodebench is what tests/gen_lcb_audit_fixture.py writes")
        cache = os.path.join(tmp, "cache")
        rep = official_format(cache)
        default_profile(cache)
        plain_jsonl(cache, tmp)
        if rep:
            public_only(cache, rep)
        windows(cache)
        huge_stdin(cache, tmp)
    http(problems_by_id)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
