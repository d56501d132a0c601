"""Real problems with known-correct programs, for tests/meant_shapes.py.

HumanEval and HumanEval+ (prompt + canonical solution), and the
LiveCodeBench problems of o1-mini's official submission that the official
runner passed (functional ones with their starter code, stdin ones with a
sample input from the statement), all read from SHARED_DIR (../shared).
"""

import ast
import gzip
import json
import os
import re


class Problem:
    """kind: humaneval | lcb_functional | lcb_stdin. code: what a model that
    solved it writes (the full function with the prompt's header, the class,
    the program); intended: the program that should run; body: the function
    body alone (None when the shape does not apply); call: an argument list
    for demo calls; sample: a stdin sample."""

    def __init__(self, kind, task_id, prompt, name, code, intended, body=None, call="", sample="",
                 body_intended=None):
        self.body_intended = body_intended if body_intended is not None else intended
        self.kind = kind
        self.task_id = task_id
        self.prompt = prompt
        self.name = name
        self.code = code
        self.intended = intended
        self.body = body
        self.call = call
        self.sample = sample


def _jsonl_gz(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_problems(shared):
    """Problems from SHARED_DIR, or [] for the parts that are absent."""
    out = []
    he = os.path.join(shared, "datasets", "humaneval", "HumanEval.jsonl.gz")
    hep = os.path.join(shared, "datasets", "humanevalplus", "HumanEvalPlus-v0.1.10.jsonl.gz")
    calls = {}
    if os.path.exists(hep):
        for row in _jsonl_gz(hep):
            inputs = row.get("base_input") or []
            if inputs:
                calls[row["task_id"]] = ", ".join(repr(a) for a in inputs[0])
            out.append(_humaneval(row, calls.get(row["task_id"], ""), "HumanEval+"))
    if os.path.exists(he):
        for row in _jsonl_gz(he):
            out.append(_humaneval(row, calls.get(row["task_id"], ""), "HumanEval"))
    lcb = os.path.join(shared, "samples", "lcb-submissions-o1-mini",
                       "O1-Mini-2024-09-12_Scenario.codegeneration_1_0.2_eval_all.json.gz")
    if os.path.exists(lcb):
        with gzip.open(lcb, "rt", encoding="utf-8") as f:
            rows = json.load(f)
        for row in rows:
            if not row["graded_list"] or not row["graded_list"][0] or not row["code_list"][0].strip():
                continue
            p = _lcb(row)
            if p is not None:
                out.append(p)
    return out


def _humaneval(row, call, label):
    prompt, body = row["prompt"], row["canonical_solution"]
    code = prompt + body
    return Problem("humaneval", label + ":" + row["task_id"], prompt, row["entry_point"], code, code,
                   body=body, call=call)


def _lcb(row):
    code = row["code_list"][0]
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    starter = row["starter_code"]
    if starter.strip():
        m = re.search(r"def\s+([A-Za-z_]\w*)\s*\(\s*self", starter)
        if not m:
            return None
        func = m.group(1)
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Solution"]
        if not classes or not any(isinstance(s, ast.FunctionDef) and s.name == func for s in classes[-1].body):
            return None
        body = _method_body(code, tree, func, starter)
        intended = starter.rstrip() + "\n" + body if body is not None else code
        inputs = re.findall(r"Input:\s*(.+)", row["question_content"])
        return Problem("lcb_functional", "LCB:" + row["question_id"], starter, func, code, code,
                       body=body, call=inputs[0].strip() if inputs else "", body_intended=intended)
    samples = re.findall(r"Sample Input 1\s*\n\n(.*?)\n\nSample Output", row["question_content"], re.S)
    return Problem("lcb_stdin", "LCB:" + row["question_id"], "", None, code, code,
                   sample=samples[0] if samples else "1\n")


def _method_body(code, tree, func, starter):
    """The method's body text, at its own indentation, when the code is only
    imports and a one-method class Solution (so starter + body is it)."""
    others = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
    if len(others) != 1 or not isinstance(others[0], ast.ClassDef) or len(others[0].body) != 1:
        return None
    method = others[0].body[0]
    if not isinstance(method, ast.FunctionDef) or method.name != func or method.decorator_list:
        return None
    if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body):
        return None
    lines = code.split("\n")
    first = method.body[0]
    if first.lineno == method.lineno:
        return None
    if "def %s(" % func not in starter:
        return None
    return "\n".join(lines[first.lineno - 1: method.end_lineno]) + "\n"
