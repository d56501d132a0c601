#!/usr/bin/env python3
"""The Python client (clients/python/verdict_client.py) and the
lm-evaluation-harness hook (verdict_lmeval.py) end to end against real
servers: retries on 503 with a tiny queue bound, fail-over between
replicas, chunked runs merged to exactly the report of one request, the
CLI's table equal to `verdict audit`'s, and the hook called the way lm-eval
calls it, with verdicts equal to HF code_eval's (a local stand-in of
code_eval's execution: candidate + "\\n" + reference in a subprocess with a
3 s timeout, unsandboxed, on our own fixture programs only). Prints TAP."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402
import verdict_client  # noqa: E402  (path set by http_harness)
import verdict_lmeval  # noqa: E402

t = H.Tap()
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def retries(problems):
    with H.Server("-j", "1", "--queue", "6", "--max-samples", "6", "--canary-interval", "0") as srv:
        waits = []

        def sleep(s):
            waits.append(s)
            import time
            time.sleep(s)
        client = verdict_client.Client(srv.url, chunk_size=6, concurrency=4, sleep=sleep)
        samples = H.canonical_samples(problems[:24])
        rep = client.score(samples)
        ok = [r["task_id"] for r in rep["samples"]] == [s["task_id"] for s in samples]
        t.ok(ok and rep["summary"]["counts"]["passed"] == 24,
             "4 concurrent chunks against a queue bound of 6: all 24 scored, in order", rep["summary"]["counts"])
        t.ok(client.stats["retries_503"] >= 1 and all(w >= 1 for w in waits),
             "503s were retried after their Retry-After (%d retries, waits %s)" % (client.stats["retries_503"], waits))
        try:
            client.score([{"task_id": "HumanEval/0", "completion": 5}])
            t.ok(False, "a 400 raises VerdictError")
        except verdict_client.VerdictError as e:
            t.ok(e.status == 400 and e.field == "samples[0].completion", "a 400 raises VerdictError naming the field",
                 (e.status, e.field))
        # fail-over: a dead replica first
        dead = "http://127.0.0.1:9"
        c2 = verdict_client.Client([dead, srv.url], chunk_size=100, sleep=lambda s: None)
        rep = c2.score(samples[:3])
        t.ok(rep["summary"]["counts"]["passed"] == 3 and c2.stats["retries_connection"] >= 1,
             "a replica that refuses connections is skipped", c2.stats)


def strip_timing(rep):
    rep = json.loads(json.dumps(rep))
    for r in rep["samples"]:
        for k in ("wall_ms", "cpu_ms", "peak_rss_kb"):
            r.pop(k, None)
    return rep


def chunking(problems):
    # Two samples of most tasks, one of some, a `completions` list for others:
    # ~150 samples over 70 tasks, four chunks of 40 spread over both replicas
    # (all 164 tasks made it twice as long and proved nothing more).
    samples = []
    for i, p in enumerate(problems[:70]):
        if i % 5 == 0:
            samples.append({"task_id": p["task_id"], "completions": [p["canonical_solution"], "    return 0\n",
                                                                     "```python\npass\n```"]})
        elif i % 7 == 0:
            samples.append({"task_id": p["task_id"], "completion": "   " if i % 2 else p["canonical_solution"]})
        else:
            samples.append({"task_id": p["task_id"], "completion": p["canonical_solution"]})
            samples.append({"task_id": p["task_id"], "completion": "    return None\n"})
    samples.reverse()
    ks = [1, 2, 3]
    with H.Server("-j", "8", "--canary-interval", "0") as a, H.Server("-j", "8", "--canary-interval", "0") as b:
        whole = verdict_client.Client(a.url, chunk_size=100000).score(samples, k=ks)
        split_client = verdict_client.Client([a.url, b.url], chunk_size=40, concurrency=4)
        merged = split_client.score(samples, k=ks)
        t.diag("%d samples: one request vs %d chunked requests over 2 replicas"
               % (len(whole["samples"]), split_client.stats["requests"]))
        w, m = strip_timing(whole), strip_timing(merged)
        # cJSON prints doubles with 15 significant digits: the server's
        # pass@k can differ from the exact value in the last place.
        for e in list(w["summary"]["pass_at_k"].values()) + list(m["summary"]["pass_at_k"].values()):
            e["value"] = round(e["value"], 12) if e["value"] is not None else None
        # What the calls cost is not a property of the verdicts: the chunks
        # may be answered from a replica's run cache. The merge sums them.
        wcost, mcost = w["summary"].pop("cost", None), m["summary"].pop("cost", None)
        t.ok(wcost is not None and mcost is not None and set(wcost) == set(mcost)
             and mcost["runs"] + mcost["from_cache"] + mcost["duplicates"] >= 1,
             "the merged report says what all the chunked calls cost", {"whole": wcost, "merged": mcost})
        for key in ("summary", "audit", "tasks", "samples", "bench_label", "profile", "limits", "isolation"):
            t.ok(w[key] == m[key], "chunked and merged == one request: %s" % key,
                 json.dumps({"whole": w[key], "merged": m[key]})[:3000])
        # The CLI: the same table as `verdict audit`
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for s in H.canonical_samples(problems[:30]):
                f.write(json.dumps(s) + "\n")
            f.write(json.dumps({"task_id": "HumanEval/3", "completion": "    return 1\n"}) + "\n")
            f.write(json.dumps({"task_id": "HumanEval/4", "completion": ""}) + "\n")
            path = f.name
        env = dict(os.environ, PYTHONPATH=os.path.join(H.ROOT, "clients", "python"))
        cli = subprocess.run([PY, "-m", "verdict_client", "--url", a.url, "--url", b.url, "--chunk-size", "7",
                              "-k", "1,2", path], capture_output=True, text=True, env=env)
        audit = subprocess.run([H.BINARY, "audit", "--no-cache", "--dataset", H.HUMANEVAL, "-k", "1,2", path],
                               capture_output=True, text=True)
        # Every line but the cost's, whose CPU seconds are measured each time.
        def table(out):
            return [ln for ln in out.splitlines() if not ln.startswith("cost: ")]

        def cost_lines(out):
            return [ln for ln in out.splitlines() if ln.startswith("cost: ")]
        t.ok(table(cli.stdout) == table(audit.stdout) and cli.returncode == audit.returncode
             and len(cost_lines(cli.stdout)) == len(cost_lines(audit.stdout)) == 1,
             "python3 -m verdict_client prints the table of verdict audit (with the cost line)",
             "client:\n%s%s\naudit:\n%s" % (cli.stdout, cli.stderr, audit.stdout))
        t.diag(cli.stdout)
        os.unlink(path)


# HF code_eval's execute.py, reduced to what decides a verdict: exec the
# check program in a fresh process; "passed" is recorded only if exec
# returns; any BaseException (SystemExit included) is "failed: ...", and a
# process that dies first (os._exit) or runs past 3 s records nothing, which
# code_eval reports as "timed out".
CODE_EVAL_STAND_IN = """
import io, contextlib, sys
src = sys.stdin.read()
try:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        exec(src, {})
except BaseException:
    sys.exit(1)
sys.stdout.write("__code_eval_passed__")
"""


def hf_code_eval_passed(candidate, reference):
    prog = candidate + "\n" + reference
    try:
        r = subprocess.run([PY, "-c", CODE_EVAL_STAND_IN], input=prog, text=True, capture_output=True, timeout=3)
        return r.stdout.endswith("__code_eval_passed__")
    except subprocess.TimeoutExpired:
        return False


def hf_pass_at_k(references, predictions, ks):
    totals = [len(p) for p in predictions]
    correct = [sum(hf_code_eval_passed(c, ref) for c in preds) for ref, preds in zip(references, predictions)]
    out = {}
    for k in ks:
        if all(n >= k for n in totals):
            vals = [verdict_client.pass_at_k_estimate(n, c, k) for n, c in zip(totals, correct)]
            out["pass@%d" % k] = sum(vals) / len(vals)
    return out


def lm_eval_hook(problems):
    docs = problems[:12]
    with H.Server("-j", "8", "--canary-interval", "0", dataset=False) as srv:
        os.environ["VERDICT_URL"] = srv.url
        # What lm-eval's humaneval YAML renders with doc_to_target, and what
        # its build_predictions filter produces (doc["prompt"] + response).
        refs = [d["test"] + "\ncheck(" + d["entry_point"] + ")" for d in docs]
        resps = []
        for i, d in enumerate(docs):
            r = [d["canonical_solution"], "    return None\n", "    return (\n", "    raise SystemExit(0)\n"]
            if i % 3 == 0:
                r.append("    import os\n    os._exit(0)\n")
            if i % 4 == 0:
                r.append(d["canonical_solution"] + "\nprint('noise')\n")
            resps.append(r)
        preds = [[d["prompt"] + r for r in rs] for rs, d in zip(resps, docs)]
        verdict_lmeval.clear_cache()
        # The human-eval profile is the one that reproduces code_eval.
        os.environ["VERDICT_PROFILE"] = "human-eval"
        same = True
        for ref, p in zip(refs, preds):
            # exactly how lm_eval/api/task.py process_results calls a metric
            got = verdict_lmeval.pass_at_k(references=[ref], predictions=[p], k=[1, 2, 5])
            want = hf_pass_at_k([ref], [p], [1, 2, 5])
            if got != want:
                same = False
                t.diag("doc %s: verdict %s, code_eval %s" % (ref[-30:], got, want))
        t.ok(same, "pass_at_k per document, as lm-eval calls it, equals HF code_eval's compute()[0] "
                   "(k values with too few predictions left out)")
        t.ok(verdict_lmeval.stats["metric_calls"] == len(docs) and verdict_lmeval.stats["cache_hits"] == 0,
             "without the filter: one scoring request per document", verdict_lmeval.stats)
        # With the prescore filter: one batched run, then no request per document.
        verdict_lmeval.clear_cache()
        out = verdict_lmeval.prescore(preds, docs)
        scored = verdict_lmeval.stats["scored"]
        vals = [verdict_lmeval.pass_at_k([ref], [p], k=1) for ref, p in zip(refs, preds)]
        t.ok(out is preds and verdict_lmeval.stats["scored"] == scored
             and verdict_lmeval.stats["cache_hits"] == sum(len(p) for p in preds),
             "prescore filter: every metric call answered from its batch", verdict_lmeval.stats)
        t.ok(vals == [hf_pass_at_k([r], [p], [1]) for r, p in zip(refs, preds)], "and the values are the same")
        # A reference without a final check(...) call runs whole.
        ref = "assert f(2) == 4"
        got = verdict_lmeval.pass_at_k([ref], [["def f(x):\n    return x * 2", "def f(x):\n    return x"]], k=[1])
        t.ok(got == {"pass@1": 0.5}, "a reference without check(...) is run as code_eval runs it", got)
        # The default profile (verdict): these programs touch nothing a guard
        # breaks, so the values are code_eval's; one that uses tempfile
        # passes here and fails under code_eval's guard.
        del os.environ["VERDICT_PROFILE"]
        verdict_lmeval.clear_cache()
        vals = [verdict_lmeval.pass_at_k([ref], [p], k=[1]) for ref, p in zip(refs, preds)]
        t.ok(vals == [hf_pass_at_k([r], [p], [1]) for r, p in zip(refs, preds)],
             "the default (verdict) profile gives the same values on programs no guard breaks")
        ref = "def check(candidate):\n    assert candidate() == 'x'\ncheck(f)"
        tmpf = ("import os, tempfile\ndef f():\n    with tempfile.TemporaryDirectory() as d:\n"
                "        open(os.path.join(d, 'a'), 'w').write('x')\n        return open(os.path.join(d, 'a')).read()\n")
        by = {pr: verdict_lmeval.pass_at_k([ref], [[tmpf]], k=[1], profile=pr) for pr in ("verdict", "human-eval")}
        t.ok(by == {"verdict": {"pass@1": 1.0}, "human-eval": {"pass@1": 0.0}},
             "a tempfile round trip: verdict passes it, human-eval fails it (code_eval's guard sets "
             "shutil.rmtree to None)", by)
        # Chat responses through verdict's extraction (default profile), then lm-eval-chat's.
        verdict_lmeval.clear_cache()
        chat = [["Sure!\n```python\n" + d["prompt"] + d["canonical_solution"] + "```\nThis works.",
                 "<think>let me see</think>I cannot do that."] for d in docs]
        programs = verdict_lmeval.build_predictions_chat(chat, docs)
        t.ok(all(p[0].startswith(d["prompt"][:20]) or d["entry_point"] in p[0] for p, d in zip(programs, docs)),
             "build_predictions_chat returns the programs verdict ran", [p[0][:60] for p in programs[:2]])
        calls = verdict_lmeval.stats["scored"]
        vals = [verdict_lmeval.pass_at_k([ref], [p], k=[1]) for ref, p in zip(refs, programs)]
        t.ok(all(v == {"pass@1": 0.5} for v in vals) and verdict_lmeval.stats["scored"] == calls,
             "chat task: the answer with code passes, the refusal fails; no second run", vals)
        os.environ["VERDICT_PROFILE"] = "lm-eval-chat"
        verdict_lmeval.clear_cache()
        programs = verdict_lmeval.build_predictions_chat(chat, docs)
        calls = verdict_lmeval.stats["scored"]
        vals = [verdict_lmeval.pass_at_k([ref], [p], k=[1]) for ref, p in zip(refs, programs)]
        t.ok(all(v == {"pass@1": 0.5} for v in vals) and verdict_lmeval.stats["scored"] == calls,
             "the same under VERDICT_PROFILE=lm-eval-chat", vals)
        del os.environ["VERDICT_PROFILE"]
        del os.environ["VERDICT_URL"]
    # The example task files name functions that exist (lm-eval cannot be
    # installed here to load them; `!function module.name` is all it needs).
    import re
    tasks = os.path.join(H.ROOT, "clients", "python", "lm_eval_tasks")
    named = []
    for name in sorted(os.listdir(tasks)):
        with open(os.path.join(tasks, name)) as f:
            named += re.findall(r"!function verdict_lmeval\.(\w+)", f.read())
    t.ok(named and all(callable(getattr(verdict_lmeval, n, None)) for n in named),
         "the example task files name existing hooks: %s" % sorted(set(named)))


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    problems = H.load_humaneval()
    if problems is None:
        return t.skip_all("HumanEval dataset absent (%s)" % H.HUMANEVAL)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    retries(problems)
    chunking(problems)
    lm_eval_hook(problems)
    H.check_exits(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
