#!/usr/bin/env python3
"""Fidelity of the lm-eval chat extraction on real data, as TAP.

usage: fidelity_extract.py SAMPLES.jsonl [EXTRACT_TOOL] [--lcb EVAL_ALL.json.gz]
                           [--evalplus DIR --dataset HumanEvalPlus.jsonl.gz]

SAMPLES.jsonl is an lm-eval `--log_samples` file of the omnimergekit
`humaneval_chat` task (resps[0][0] = raw response, doc.prompt, and
filtered_resps[0] = the program lm-eval ran). EXTRACT_TOOL (default
$VERDICT_EXTRACT_TOOL) is tests/extract_tool built from src/extract/extract.c.

First the shapes of fixtures/extract/shapes.jsonl, end to end (C side, then
the runner's selection). For every sample: the C side's blocks and fallback, given to
verdict_extract.lm_eval_chat_select, with the prompt in front, must equal
filtered_resps[0] byte for byte. With an official LiveCodeBench
`*_eval_all.json[.gz]` file (--lcb), the C side's LCB code must equal
`code_list[0]` for every row. With a directory of evalplus
`*eval_results.json` files (--evalplus, solutions already sanitized by
evalplus) and the HumanEval+ dataset for entry points (--dataset),
evalplus_sanitize must leave every solution unchanged (it is a fixed point of
the original). Then: whether reasoning removal changes any
response, and a differential check of the C regex step against Python's `re`
(the patterns of the original filter) on the samples and on a seeded corpus
of awkward strings.
"""

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src", "py"))

import verdict_extract  # noqa: E402

SHAPES = os.path.join(HERE, "..", "fixtures", "extract", "shapes.jsonl")

# The original filter's patterns, used only as the reference here.
FENCED_BLOCK = re.compile(r"[ \t]*```(?:python|py)?[ \t]*\n((?:(?!```).)*?)\n[ \t]*```", re.DOTALL | re.IGNORECASE)
OPEN_FENCE = re.compile(r"^\s*```(?:python|py)?\s*\n?", re.IGNORECASE)

count = 0
failed = 0


def tap(ok, desc):
    global count, failed
    count += 1
    if not ok:
        failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", count, desc), flush=True)


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print("# " + line)


def run_tool(tool, values):
    """One tool output object per input value (JSON lines both ways)."""
    data = "".join(json.dumps(v) + "\n" for v in values)
    p = subprocess.run([tool, "--lines"], input=data.encode(), capture_output=True, check=False)
    if p.returncode != 0:
        raise RuntimeError("extract_tool failed: %s" % p.stderr.decode(errors="replace"))
    out = [json.loads(line) for line in p.stdout.decode().split("\n") if line]
    if len(out) != len(values):
        raise RuntimeError("extract_tool gave %d results for %d inputs" % (len(out), len(values)))
    return out


def reference_regex_step(resp):
    blocks = [verdict_extract.smart_dedent(b) for b in FENCED_BLOCK.findall(resp)]
    r = OPEN_FENCE.sub("", resp)
    i = r.find("```")
    fallback = r[:i] if i != -1 else r
    lines = resp.split("\n")
    idx = [k for k, ln in enumerate(lines) if "```" in ln]
    lcb = "\n".join(lines[idx[-2] + 1 : idx[-1]]) if len(idx) >= 2 else None
    return blocks, fallback, lcb


def awkward_corpus(n, seed=20260517):
    rnd = random.Random(seed)
    atoms = [
        "```", "```python", "```py", "```PYTHON", "```Py", "```python3", "````", "``", "`",
        "\n", "\n", "\n", " ", "  ", "    ", "\t", "\r\n", "\r",
        "def f():", "    return 1", "return 2", "x = 1", "'''", '"', "#", "\\",
        "é", "\u2003", "\u00a0", "\x1c", "\u3000", "\u180e", "\x85", "日本",
        "<think>", "</think>", "<|channel|>final<|message|>", "<|channel>", "<channel|>",
        "prose", "*   bullet", "pyx",
    ]
    out = []
    for _ in range(n):
        out.append("".join(rnd.choice(atoms) for _ in range(rnd.randint(0, 40))))
    return out


def program_of(row):
    fr = row["filtered_resps"][0]
    return fr[0] if isinstance(fr, list) else fr


def main():
    ap = argparse.ArgumentParser(description="extraction fidelity on real data (TAP)")
    ap.add_argument("samples")
    ap.add_argument("tool", nargs="?", default=os.environ.get("VERDICT_EXTRACT_TOOL", ""))
    ap.add_argument("--lcb")
    ap.add_argument("--evalplus")
    ap.add_argument("--dataset")
    args = ap.parse_args()
    samples, tool = args.samples, args.tool
    if not tool or not os.access(tool, os.X_OK):
        print("1..0 # SKIP extract_tool not given (argv[2] or $VERDICT_EXTRACT_TOOL)")
        return 0

    # 0. Our own fixtures, end to end through the C side and the runner's step.
    with open(SHAPES, encoding="utf-8") as f:
        shapes = [json.loads(line) for line in f if line.strip()]
    outs = run_tool(tool, [{"text": s["text"], "strip_reasoning": s["strip_reasoning"]} for s in shapes])
    for shape, out in zip(shapes, outs):
        program, path, _ = verdict_extract.lm_eval_chat_program(shape["prompt"], out["blocks"], out["fallback"])
        tap(program == shape["program"] and path == shape["path"], "fixture %s: %s" % (shape["name"], path))

    if not os.path.exists(samples):
        tap(True, "# SKIP samples file %s not found" % samples)
        print("1..%d" % count)
        return 1 if failed else 0

    with open(samples, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    resps = [row["resps"][0][0] for row in rows]
    raw = run_tool(tool, resps)
    stripped = run_tool(tool, [{"text": r, "strip_reasoning": True} for r in resps])

    # 1. Every program equals lm-eval's.
    equal = 0
    paths = {}
    for row, resp, out in zip(rows, resps, raw):
        prompt = row["doc"]["prompt"]
        cand, path, detail = verdict_extract.lm_eval_chat_select_detail(out["blocks"], out["fallback"])
        ok = prompt + cand == program_of(row)
        equal += ok
        kind = path.split(" ")[0]
        paths[kind] = paths.get(kind, 0) + 1
        tap(ok, "%s %s (%d blocks, %d fences)" % (row["doc"]["task_id"], path, len(out["blocks"]),
                                                  out["facts"]["fences"]))
        if not ok:
            diag("want %r" % program_of(row)[len(prompt):][:300])
            diag("got  %r" % cand[:300])
    diag("fidelity: %d/%d programs identical to filtered_resps; paths %s" % (equal, len(rows), paths))

    # 2. Reasoning removal on this data.
    changed = [r["doc"]["task_id"] for r, a, b in zip(rows, raw, stripped) if a["content"] != b["content"]]
    forms = {}
    for b in stripped:
        for name in b["facts"]["reasoning"]:
            forms[name] = forms.get(name, 0) + 1
    tap(not changed, "reasoning removal changes no response (%d changed, forms found: %s)" % (len(changed), forms))
    empty = sum(1 for r in resps if not r.strip())
    diag("%d of %d responses are empty; %d contain a fence" % (empty, len(resps), sum("```" in r for r in resps)))

    # 3. The C regex step equals Python's re, on the samples and a corpus.
    for name, texts, outs in (("samples", resps, raw), ("awkward corpus", None, None)):
        if texts is None:
            texts = awkward_corpus(3000)
            outs = run_tool(tool, texts)
        bad = []
        for t, out in zip(texts, outs):
            blocks, fallback, lcb = reference_regex_step(t)
            if out["blocks"] != blocks or out["fallback"] != fallback or out["lcb"] != lcb:
                bad.append(t)
        tap(not bad, "C blocks/fallback/lcb equal Python re on %d %s texts" % (len(texts), name))
        for t in bad[:3]:
            diag("differs on %r" % t)

    # 4. LiveCodeBench's extract_code on an official submission file.
    if args.lcb:
        lcb_file = args.lcb
        if not os.path.exists(lcb_file):
            tap(True, "# SKIP LiveCodeBench file %s not found" % lcb_file)
        else:
            opener = gzip.open if lcb_file.endswith(".gz") else open
            with opener(lcb_file, "rt", encoding="utf-8") as f:
                lcb_rows = json.load(f)
            outs = run_tool(tool, [row["output_list"][0] for row in lcb_rows])
            same = sum(1 for row, out in zip(lcb_rows, outs) if (out["lcb"] or "") == row["code_list"][0])
            tap(same == len(lcb_rows), "LiveCodeBench code equals code_list on %d/%d rows" % (same, len(lcb_rows)))

    # 5. evalplus sanitize: the sanitized solutions are its fixed points.
    if args.evalplus:
        if not (os.path.isdir(args.evalplus) and args.dataset and os.path.exists(args.dataset)):
            tap(True, "# SKIP evalplus directory or dataset not found")
        else:
            entry = {}
            with gzip.open(args.dataset, "rt", encoding="utf-8") as f:
                for line in f:
                    task = json.loads(line)
                    entry[task["task_id"]] = task["entry_point"]
            for name in sorted(os.listdir(args.evalplus)):
                if not name.endswith("eval_results.json"):
                    continue
                with open(os.path.join(args.evalplus, name), encoding="utf-8") as f:
                    results = json.load(f)["eval"]
                total = same = 0
                for task_id, rows in results.items():
                    for row in rows:
                        total += 1
                        same += verdict_extract.evalplus_sanitize(row["solution"], entry[task_id]) == row["solution"]
                tap(same == total, "evalplus sanitize keeps %d/%d sanitized solutions of %s" % (same, total, name))

    print("1..%d" % count)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
