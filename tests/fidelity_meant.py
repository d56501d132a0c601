#!/usr/bin/env python3
"""Fidelity of the `verdict` profile's extraction, as TAP.

usage: fidelity_meant.py SHARED_DIR [EXTRACT_TOOL]

1. Generated chat-shaped answers (tests/meant_shapes.py) around the real
   problems of SHARED_DIR/datasets (HumanEval, HumanEval+ canonical solutions)
   and SHARED_DIR/samples (LiveCodeBench programs the official runner
   passed): the share whose program is the one the model meant must be at
   least 98%, overall and for each kind of problem; the figure, its
   breakdown by shape and the failing shapes are printed. Each completion
   goes through the C side first (EXTRACT_TOOL, tests/extract_tool: the
   reasoning removal the job builder does), then meant_program.
2. Real answers: gpt-oss-20b's lm-eval HumanEval chat samples (where lm-eval
   passed, the same program as lm-eval's filtered_resps after
   normalisation), its LiveCodeBench medium-55 answers (where that harness
   passed, the same program as its `cleaned`) and o1-mini's LiveCodeBench
   submission (the same program as the official extraction, except where
   that one found no code).

Skipped with a reason when the data is absent. VERDICT_MEANT_SINGLES and
VERDICT_MEANT_COMBOS (default 6 and 3) set the cases per problem.
"""

import gzip
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("VERDICT_SOURCE_ROOT") or os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "src", "py"))
sys.path.insert(0, HERE)

import meant_equiv  # noqa: E402
import meant_problems  # noqa: E402
import meant_shapes  # noqa: E402
import verdict_meant  # noqa: E402

THRESHOLD = 0.98
count = 0
failed = 0


def ok(cond, desc):
    global count, failed
    count += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", count, desc), flush=True)
    return cond


def skip(desc, why):
    global count
    count += 1
    print("ok %d - %s # SKIP %s" % (count, desc, why), flush=True)


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print("# " + line)


def c_side(tool, texts):
    """(content, truncated) of each text after the C side's reasoning
    removal, through `extract_tool --lines`."""
    if not tool or not os.access(tool, os.X_OK):
        return None
    lines = "".join(json.dumps({"text": t, "strip_reasoning": True}) + "\n" for t in texts)
    out = subprocess.run([tool, "--lines"], input=lines.encode("utf-8"), stdout=subprocess.PIPE, check=True).stdout
    results = []
    for line in out.decode("utf-8").splitlines():
        rec = json.loads(line)
        results.append((rec["content"], "truncated_reasoning" in rec["facts"]["reasoning"]))
    if len(results) != len(texts):
        raise RuntimeError("extract_tool gave %d results for %d inputs" % (len(results), len(texts)))
    return results


def generated(shared, tool):
    problems = meant_problems.load_problems(shared)
    if not problems:
        skip("generated chat shapes", "no datasets under %s" % shared)
        return
    singles = int(os.environ.get("VERDICT_MEANT_SINGLES", "6"))
    combos = int(os.environ.get("VERDICT_MEANT_COMBOS", "3"))
    cases = meant_shapes.make_cases(problems, singles=singles, combos=combos)
    stripped = c_side(tool, [c.content for c in cases])
    if stripped is None:
        diag("no extract_tool: reasoning markup is removed on the Python side only")
        stripped = [(c.content, False) for c in cases]
    by_case = {id(c): s for c, s in zip(cases, stripped)}

    def run(case):
        content, truncated = by_case[id(case)]
        return verdict_meant.meant_program(content, **meant_shapes.meant_args(case, content, truncated))

    agree, total, by_shape, failures = meant_shapes.measure(cases, run)
    share = agree / total
    kinds = sorted(k for k in by_shape if k.startswith("kind:"))
    diag("%d problems, %d cases: %.2f%% agree (%d/%d)" % (len(problems), total, 100 * share, agree, total))
    for s, (a, t) in sorted(by_shape.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0])):
        diag("  %-30s %5d/%-5d %6.2f%%" % (s, a, t, 100.0 * a / t))
    ok(share >= THRESHOLD, "generated answers: %.2f%% give the program the model meant (at least %d%%)"
       % (100 * share, THRESHOLD * 100))
    for k in kinds:
        a, t = by_shape[k]
        ok(a / t >= THRESHOLD, "%s: %.2f%% (%d/%d)" % (k, 100.0 * a / t, a, t))
    shown = {}
    for case, why, result in failures:
        if shown.setdefault(case.name, 0) < 1:
            shown[case.name] += 1
            diag("failing: %s %s: %s (path %s, notes %s)" % (case.problem.task_id, case.name, why,
                                                             result["path"], result["notes"]))


def gpt_oss_humaneval(shared):
    path = os.path.join(shared, "samples", "omnimergekit-gptoss20b-humaneval-chat",
                        "samples_humaneval_chat_2026-05-17T13-55-45.807443.jsonl")
    if not os.path.exists(path):
        skip("gpt-oss HumanEval chat samples", "%s is absent" % path)
        return
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    same = passed = 0
    for r in rows:
        raw, doc = r["resps"][0][0], r["doc"]
        if r["pass@1"] != 1.0:
            continue
        passed += 1
        lm = r["filtered_resps"][0]
        lm = lm if isinstance(lm, str) else lm[0]
        res = verdict_meant.meant_program(raw, prompt=doc["prompt"], entry_point=doc["entry_point"])
        good, why = meant_equiv.equivalent(res["program"], lm, "humaneval", doc["entry_point"])
        same += good
        if not good:
            diag("%s: %s" % (doc["task_id"], why))
    ok(passed > 0 and same == passed,
       "gpt-oss HumanEval chat: where lm-eval passed, the same program as lm-eval (%d/%d)" % (same, passed))


def gpt_oss_lcb(shared):
    path = os.path.join(shared, "samples", "omnimergekit-gptoss20b-lcb-medium55", "lcb_result.samples.jsonl")
    if not os.path.exists(path):
        skip("gpt-oss LiveCodeBench samples", "%s is absent" % path)
        return
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    same = passed = 0
    for r in rows:
        if not r["passed"]:
            continue
        passed += 1
        # the starter code is the prompt's last fenced block
        m = re.search(r"```python\n(class Solution:.*?)\n```\s*$", r["prompt"], re.S)
        starter = m.group(1) + "\n" if m else ""
        f = re.search(r"def\s+(\w+)\s*\(\s*self", starter)
        res = verdict_meant.meant_program(r["completion"], prompt=starter, task="lcb_functional",
                                          func_name=f.group(1) if f else None)
        good, why = meant_equiv.equivalent(res["program"], r["cleaned"], "lcb_functional", None)
        same += good
        if not good:
            diag("%s: %s" % (r["task_id"], why))
    ok(passed > 0 and same == passed,
       "gpt-oss LiveCodeBench: where its harness passed, the same program as its extraction (%d/%d)"
       % (same, passed))


def o1_mini_lcb(shared):
    path = os.path.join(shared, "samples", "lcb-submissions-o1-mini",
                        "O1-Mini-2024-09-12_Scenario.codegeneration_1_0.2_eval_all.json.gz")
    if not os.path.exists(path):
        skip("o1-mini LiveCodeBench submission", "%s is absent" % path)
        return
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = json.load(f)
    same = 0
    extra = []
    bad = []
    for r in rows:
        starter, code = r["starter_code"], r["code_list"][0]
        m = re.search(r"def\s+(\w+)\s*\(\s*self", starter)
        kind, func = ("lcb_functional", m.group(1)) if m else ("lcb_stdin", None)
        res = verdict_meant.meant_program(r["output_list"][0], prompt=starter, task=kind, func_name=func)
        if not code.strip():
            if res["program"]:
                extra.append(r["question_id"])
            else:
                same += 1
            continue
        good, why = meant_equiv.equivalent(res["program"], code, kind, func)
        same += good
        if not good:
            bad.append("%s (%s)" % (r["question_id"], why))
    diag("o1-mini: %d/%d the same program as the official extraction; where that found no code, "
         "this found one in %s" % (same, len(rows), ", ".join(extra) or "none"))
    ok(not bad, "o1-mini LiveCodeBench: every program the official extraction found, found the same")
    for b in bad:
        diag(b)


def main(argv):
    if len(argv) < 2:
        print("usage: fidelity_meant.py SHARED_DIR [EXTRACT_TOOL]", file=sys.stderr)
        return 2
    shared = argv[1]
    tool = argv[2] if len(argv) > 2 else os.environ.get("VERDICT_EXTRACT_TOOL")
    generated(shared, tool)
    gpt_oss_humaneval(shared)
    gpt_oss_lcb(shared)
    o1_mini_lcb(shared)
    print("1..%d" % count)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
