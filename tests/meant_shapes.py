#!/usr/bin/env python3
"""Chat-shaped answers around known-correct programs, for measuring the
`verdict` profile's extraction (src/py/verdict_meant.py).

From real problems (tests/meant_problems.py: HumanEval, HumanEval+
canonical solutions; LiveCodeBench functional and stdin programs that the
official runner passed), each case wraps the intended program the way chat
models write answers: fences with every tag spelling, CRLF or CR line ends,
fences in list items and block quotes, unterminated fences, four backticks
and tildes, prose around and inside the code, drafts before the final
attempt, test and usage code after it (same block or its own), lines of the
solution quoted in the explanation, `if __name__ == "__main__":` demos,
body-only answers, helpers split across blocks, programs shown in steps,
omitted prompt imports, reasoning (<think>, harmony, Gemma,
reasoning_content), and combinations of these. A case records the raw
completion, reasoning_content, and what the model meant: the intended
program, or no code (an answer that exists only in unfinished reasoning).
Agreement is judged by tests/meant_equiv.py.

usage: meant_shapes.py SHARED_DIR [--kind K] [--limit N] [--singles N] [--combos N] [--show SHAPE|all]
The data is read from SHARED_DIR (../shared); nothing of it is written.
"""

import ast
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from meant_equiv import equivalent, same_tree  # noqa: E402
from meant_problems import load_problems  # noqa: E402


from meant_parts import (  # noqa: E402
    INTROS, OUTROS, TAGS, draft_of, fence, indent_lines, split_blocks, test_block, trailing)


# ---- cases ------------------------------------------------------------------------------


class Case:
    """One generated answer. intended None: the model meant no program."""

    def __init__(self, problem, shapes, content, reasoning=None, intended=None):
        self.problem = problem
        self.shapes = shapes
        self.content = content
        self.reasoning = reasoning
        self.intended = intended

    @property
    def name(self):
        return "+".join(self.shapes)


def _prompt_def(p):
    try:
        tree = ast.parse(p.prompt)
    except SyntaxError:
        return None
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == p.name]
    return defs[-1] if defs else None


def variants(p):
    """(name, code, intended, kind) of what the model writes: kind "full"
    or "body"."""
    out = [("full", p.code, p.intended, "full")]
    if p.body is not None:
        out.append(("body", p.body, p.body_intended, "body"))
        if '"""' not in p.body and "'''" not in p.body:
            out.append(("body_dedented", _dedent(p.body), p.body_intended, "body"))
    if p.kind == "humaneval":
        imports = [ln for ln in p.prompt.split("\n") if re.match(r"(from \S+ )?import ", ln)]
        if imports:
            code = "\n".join(ln for ln in p.code.split("\n") if ln not in imports).lstrip("\n")
            out.append(("no_imports", code, p.intended, "full"))
        d = _prompt_def(p)
        if d is not None and d.body[0].lineno > d.lineno and len(d.body) == 1:
            lines = p.prompt.split("\n")
            signature = "\n".join(lines[d.lineno - 1: d.body[0].lineno - 1])
            out.append(("no_docstring", "\n".join(imports + [""]) + "\n" + signature + "\n" +
                        p.body.strip("\n") + "\n", p.intended, "full"))
            start = min([d.lineno] + [x.lineno for x in d.decorator_list])
            out.append(("only_entry", "\n".join(p.code.split("\n")[start - 1:]), p.intended, "full"))
        tabbed = re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), p.code)
        if "\t" not in p.code and same_tree(tabbed, p.code):
            out.append(("tabs", tabbed, p.intended, "full"))
        out.append(("future", "from __future__ import annotations\n\n" + p.code,
                    "from __future__ import annotations\n" + p.intended, "full"))
    return out


def _dedent(text):
    lines = [ln for ln in text.split("\n") if ln.strip()]
    pad = min(len(ln) - len(ln.lstrip(" ")) for ln in lines) if lines else 0
    return "\n".join(ln[pad:] for ln in text.split("\n")).strip("\n") + "\n"


def helper_split(p):
    """([block codes], intended) with the solution's helpers in an earlier
    block, or None when the problem does not lend itself to it."""
    if p.kind == "humaneval":
        d = _prompt_def(p)
        if d is None or d.args.vararg or d.args.kwarg or d.args.kwonlyargs or d.args.posonlyargs:
            return None
        params = ast.unparse(d.args)
        names = ", ".join(a.arg for a in d.args.args)
        helper = "def _%s_impl(%s):\n%s" % (p.name, params, p.body.strip("\n") + "\n")
        wrapper = "def %s(%s):\n    return _%s_impl(%s)\n" % (p.name, params, p.name, names)
        return [helper, wrapper], p.prompt + "\n" + helper + "\n" + wrapper
    tree = ast.parse(p.code)
    lines = p.code.split("\n")

    def text(n):
        start = min([n.lineno] + [x.lineno for x in getattr(n, "decorator_list", [])])
        return "\n".join(lines[start - 1: n.end_lineno])

    if p.kind == "lcb_functional":
        first = [n for n in tree.body if not (isinstance(n, ast.ClassDef) and n.name == "Solution")]
        rest = [n for n in tree.body if n not in first]
    else:
        first = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))
                 and not (isinstance(n, ast.FunctionDef) and n.name == "main")]
        rest = [n for n in tree.body if n not in first]
    if not first or not rest or not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in first):
        return None
    return ["\n\n".join(text(n) for n in first) + "\n", "\n\n".join(text(n) for n in rest) + "\n"], p.intended


def present(style, code, kind):
    """The code as an answer in one presentation style."""
    if style == "raw":
        return code
    if style.startswith("fence:"):
        return fence(code, tag=style[6:])
    if style == "prose_around":
        return "Here is my solution:\n\n" + fence(code) + "\n\nThis solves the problem efficiently."
    if style == "list_item":
        return ("Plan:\n\n1. Understand the task.\n2. Implement it:\n\n" + fence(code, indent="   ") +
                "\n\n3. Check the edge cases.")
    if style == "list_bullet":
        return "- The code:\n\n" + fence(code, indent="  ") + "\n- That's all."
    if style == "blockquote":
        return "> Solution:\n>\n" + fence(code, quote="> ")
    if style == "unterminated":
        return "Here is the code:\n\n```python\n" + code.rstrip("\n") + "\n"
    if style == "backticks4":
        return fence(code, run="````")
    if style == "tildes":
        return fence(code, run="~~~")
    if style == "glued":
        return "Here is the code:```python\n" + code.rstrip("\n") + "\n```"
    if style == "glued_closer":
        return "```python\n" + code.rstrip("\n") + "```\n\nDone."
    if style == "list_deep":
        return ("* Steps:\n    * Write the code:\n\n" + fence(code, indent="      ") + "\n\n    * Test it.")
    if style == "list_marker_fence":
        return "1. ```python\n" + indent_lines(code.rstrip("\n"), "   ") + "\n   ```\n2. Done."
    if style == "closing_only":
        return code.rstrip("\n") + "\n```\n\nThe function above solves the task."
    if style == "inline_ticks":
        return ("As requested, the answer is in a ```python``` block. I'll avoid ``` inside the prose.\n\n" +
                fence(code))
    if style == "prose_in_fence":
        return fence("Here is the implementation:\n\n" + code.rstrip("\n") + "\n\nThat's the whole solution.")
    if style == "unfenced_prose":
        return "Sure! Here's the solution.\n\n" + code.rstrip("\n") + \
            "\n\nExplanation:\n- We follow the specification.\n- Edge cases are handled.\n\nTime complexity: O(n)."
    if style == "headers":
        return ("## Approach\n\nWe do what the statement says.\n\n## Code\n\n" + fence(code) +
                "\n\n## Complexity\n\n- Time: O(n)\n- Space: O(1)")
    raise ValueError(style)


STYLES = ["raw", "prose_around", "list_item", "list_bullet", "blockquote", "unterminated", "backticks4",
          "tildes", "glued", "closing_only", "inline_ticks", "prose_in_fence", "unfenced_prose", "headers",
          "glued_closer", "list_deep", "list_marker_fence"]
STYLES += ["fence:" + t for t in TAGS]
BODY_STYLES = ["raw", "fence:python", "fence:py", "fence:", "prose_around", "unterminated", "list_item"]
TRAILING = ["print", "assert", "main", "doctest", "testfunc", "usage_vars"]
BLOCKS_AFTER = {"humaneval": ["asserts", "unittest", "usage", "output", "text", "snippet"],
                "lcb_functional": ["asserts", "usage", "output", "text", "snippet"],
                "lcb_stdin": ["output", "text", "bash", "sample_in", "snippet", "stringio"]}


def reasoning_wrap(style, answer, p, rng):
    """(content, reasoning, no_code) for one way of reasoning first."""
    draft = fence(draft_of(p))
    thought = ("Okay, the task asks for %s. Let me think about the edge cases first.\n"
               "A first draft:\n\n%s\n\nHmm, that is wrong: it ignores the input. Let me redo it." %
               (p.name or "a program", draft))
    if style == "think":
        return "<think>\n" + thought + "\n</think>\n\n" + answer, None, False
    if style == "think_closing_only":
        return thought + "\n</think>\n\n" + answer, None, False
    if style == "harmony":
        return ("<|channel|>analysis<|message|>" + thought + "<|end|><|start|>assistant<|channel|>final"
                "<|message|>" + answer + "<|return|>"), None, False
    if style == "harmony_commentary":
        return ("<|channel|>analysis<|message|>" + thought + "<|end|><|start|>assistant<|channel|>commentary"
                " to=functions.run <|constrain|>json<|message|>{\"code\": \"print(1)\"}<|call|>"
                "<|start|>assistant<|channel|>final<|message|>" + answer + "<|end|>"), None, False
    if style == "gemma":
        return "<|channel>thought\n" + thought + "<channel|>" + answer, None, False
    if style == "reasoning_content":
        return "", thought + "\n\nFinal version:\n\n" + answer, False
    if style == "reasoning_content_prose":
        return "I have written the solution in my reasoning above.", thought + "\n\n" + answer, False
    if style == "truncated_think":
        return "<think>\n" + thought + "\n\nSo the final code would be:\n\n" + answer, None, True
    if style == "thinking_tag":
        return "<Thinking>\n" + thought + "\n</Thinking>\n\n" + answer, None, False
    if style == "truncated_reasoning_tag":
        return "<reasoning>\n" + thought + "\n\nSo the final code would be:\n\n" + answer, None, True
    if style == "harmony_no_final":
        return "<|channel|>analysis<|message|>" + thought + "\n\n" + answer, None, True
    raise ValueError(style)


REASONING = ["think", "think_closing_only", "harmony", "harmony_commentary", "gemma", "reasoning_content", "reasoning_content_prose",
             "truncated_think", "harmony_no_final", "thinking_tag", "truncated_reasoning_tag"]

FENCE_STYLES = [s for s in STYLES if s.startswith("fence:")] + [
    "prose_around", "list_item", "list_bullet", "blockquote", "backticks4", "tildes", "headers"]
LAST_ONLY = ("unterminated",)          # nothing may follow it
FIRST_ONLY = ("raw", "closing_only")   # nothing may come before it


def build(p, spec):
    """A Case from a spec: variant, style, trailing [..], split, imports,
    draft, after [..], prose, reasoning, line_ends."""
    shapes = []
    vname = spec.get("variant", "full")
    found = [v for v in variants(p) if v[0] == vname]
    if not found:
        return None
    _, code, intended, vkind = found[0]
    style = spec.get("style", "fence:python")
    if vname != "full":
        shapes.append(vname)
    shapes.append(style)
    if vkind == "body" and style not in BODY_STYLES:
        return None
    blocks = None
    if spec.get("split"):
        split = helper_split(p)
        if split is None or vname != "full" or style not in FENCE_STYLES:
            return None
        blocks, intended = split
        shapes.append("helpers_split")
    elif spec.get("steps"):
        steps = split_blocks(p)
        if steps is None or vname != "full" or style not in FENCE_STYLES or spec.get("trailing"):
            return None
        blocks = steps + ([code] if spec["steps"] == "together" else [])
        shapes.append("steps" if spec["steps"] != "together" else "steps_together")
    elif spec.get("imports") and p.kind == "humaneval":
        imports = [ln for ln in p.prompt.split("\n") if re.match(r"(from \S+ )?import ", ln)]
        if not imports or vname != "full" or style not in FENCE_STYLES:
            return None
        rest = "\n".join(ln for ln in code.split("\n") if ln not in imports).lstrip("\n")
        blocks = ["\n".join(imports) + "\n", rest]
        shapes.append("imports_block")
    for t in spec.get("trailing", []):
        if p.kind == "lcb_stdin" or (vkind == "body" and (vname != "body" or style not in ("raw", "fence:python"))):
            return None
        if blocks:
            blocks[-1] += trailing(p, t)
        else:
            code += trailing(p, t)
        shapes.append("trailing_" + t)
    if blocks:
        tag = style[6:] if style.startswith("fence:") else "python"
        parts = []
        for k, b in enumerate(blocks):
            lead = ("Step %d:" % (k + 1)) if spec.get("steps") else \
                "First, the helper code:" if k == 0 else "Now the solution itself:"
            if spec.get("steps") == "together" and k == len(blocks) - 1:
                lead = "Putting it all together:"
            parts.append(lead + "\n\n" + (present(style, b, vkind) if not style.startswith("fence:")
                                          else fence(b, tag=tag)))
        answer = "\n\n".join(parts)
    else:
        answer = present(style, code, vkind)
    if spec.get("approaches"):
        if style in FIRST_ONLY or vkind == "body" or blocks:
            return None
        answer = "Approach 1 (straightforward):\n\n" + fence(code) + "\n\nApproach 2 (the same, tidied):\n\n" + answer
        shapes.append("two_approaches")
    if spec.get("draft"):
        if style in FIRST_ONLY:
            return None
        answer = ("My first attempt:\n\n" + fence(draft_of(p)) +
                  "\n\nWait, that is not right. Here is the corrected version:\n\n" + answer)
        shapes.append("draft_then_final")
    for b in spec.get("after", []):
        if style in LAST_ONLY or b not in BLOCKS_AFTER[p.kind]:
            return None
        if b == "stringio" and "def main" not in p.code:
            return None
        answer += "\n\n" + test_block(p, b)
        shapes.append("block_" + b)
    if spec.get("prose"):
        if style in FIRST_ONLY:
            return None
        answer = INTROS[spec["prose"] % len(INTROS)] + "\n\n" + answer
        if style not in LAST_ONLY:
            answer += "\n\n" + OUTROS[spec["prose"] % len(OUTROS)]
        shapes.append("prose")
    reasoning = None
    content = answer
    r = spec.get("reasoning")
    if r:
        content, reasoning, no_code = reasoning_wrap(r, answer, p, None)
        if no_code:
            intended = None
        shapes.append(r)
    le = spec.get("line_ends")
    if le:
        sep = {"crlf": "\r\n", "cr": "\r"}[le]
        content = content.replace("\n", sep)
        reasoning = reasoning.replace("\n", sep) if reasoning else reasoning
        shapes.append(le)
    return Case(p, shapes, content, reasoning, intended)


def single_specs(p):
    """One spec per shape, each shape alone around the plain solution."""
    out = [{"style": s} for s in STYLES]
    for v in variants(p)[1:]:
        styles = BODY_STYLES if v[3] == "body" else ["fence:python", "prose_around", "raw"]
        out += [{"variant": v[0], "style": s} for s in styles]
    if p.kind != "lcb_stdin":
        out += [{"trailing": [t]} for t in TRAILING]
        if p.body is not None:
            out += [{"variant": "body", "style": "raw", "trailing": ["print"]},
                    {"variant": "body", "style": "fence:python", "trailing": ["assert"]}]
    out += [{"after": [b]} for b in BLOCKS_AFTER[p.kind]]
    out += [{"draft": True}, {"split": True}, {"imports": True}, {"steps": "apart"}, {"steps": "together"},
            {"approaches": True}]
    out += [{"reasoning": r} for r in REASONING]
    out += [{"line_ends": "crlf"}, {"line_ends": "cr"}, {"prose": 1}]
    return out


def combo_spec(p, rng):
    v = rng.choice(variants(p))
    styles = BODY_STYLES if v[3] == "body" else STYLES
    spec = {"variant": v[0], "style": rng.choice(styles)}
    if v[3] == "full" and p.kind != "lcb_stdin" and rng.random() < 0.5:
        spec["trailing"] = rng.sample(TRAILING, rng.randint(1, 2))
    if rng.random() < 0.2:
        spec["split"] = True
    elif rng.random() < 0.1:
        spec["imports"] = True
    elif rng.random() < 0.1:
        spec["steps"] = rng.choice(["apart", "together"])
    if rng.random() < 0.1:
        spec["approaches"] = True
    if rng.random() < 0.3:
        spec["draft"] = True
    if rng.random() < 0.4:
        spec["after"] = rng.sample(BLOCKS_AFTER[p.kind], rng.randint(1, 2))
    if rng.random() < 0.5:
        spec["prose"] = rng.randint(1, 30)
    if rng.random() < 0.35:
        spec["reasoning"] = rng.choice(REASONING)
    if rng.random() < 0.3:
        spec["line_ends"] = rng.choice(["crlf", "cr"])
    return spec


def make_cases(problems, seed=13, singles=8, combos=4):
    """Cases for every problem: `singles` shapes alone (drawn in turn, so each
    shape gets its share) and `combos` random combinations."""
    rng = random.Random(seed)
    cases = []
    turn = 0
    for p in problems:
        specs = single_specs(p)
        for k in range(singles):
            case = build(p, specs[(turn + k) % len(specs)])
            if case is not None:
                cases.append(case)
        turn += singles
        made = tries = 0
        while made < combos and tries < 20 * combos:
            tries += 1
            case = build(p, combo_spec(p, rng))
            if case is not None:
                cases.append(case)
                made += 1
    return cases


# ---- measuring ---------------------------------------------------------------------------


def meant_args(case, content, truncated):
    p = case.problem
    return dict(reasoning=case.reasoning, truncated_reasoning=truncated, prompt=p.prompt,
                entry_point=p.name if p.kind == "humaneval" else None, task=p.kind,
                func_name=p.name if p.kind == "lcb_functional" else None)


def judge(case, result):
    """(agrees, why) for one result of meant_program."""
    p = case.problem
    if case.intended is None:
        ok = result["program"] == "" and "no_code" in result["flags"]
        return ok, "" if ok else "a program where the model meant none"
    if not result["program"]:
        return False, "no program (flags %s)" % ",".join(result["flags"])
    return equivalent(result["program"], case.intended, p.kind, p.name)


def measure(cases, run):
    """run(case) -> result dict. Returns (agree, total, by_shape {shape: [agree, total]},
    failures [(case, why, result)])."""
    agree = 0
    by_shape = {}
    failures = []
    for case in cases:
        result = run(case)
        ok, why = judge(case, result)
        agree += ok
        for s in set(case.shapes) | {"kind:" + case.problem.kind}:
            row = by_shape.setdefault(s, [0, 0])
            row[0] += ok
            row[1] += 1
        if not ok:
            failures.append((case, why, result))
    return agree, len(cases), by_shape, failures


def python_runner():
    sys.path.insert(0, os.path.join(HERE, "..", "src", "py"))
    import verdict_meant

    def run(case):
        return verdict_meant.meant_program(case.content, **meant_args(case, case.content, False))
    return run


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("shared")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--singles", type=int, default=8)
    ap.add_argument("--combos", type=int, default=4)
    ap.add_argument("--show", default="", help="print the failing cases whose shape name contains this")
    ap.add_argument("--kind", default="")
    args = ap.parse_args(argv)
    problems = load_problems(args.shared)
    if args.kind:
        problems = [p for p in problems if p.kind == args.kind]
    if args.limit:
        problems = problems[: args.limit]
    cases = make_cases(problems, singles=args.singles, combos=args.combos)
    agree, total, by_shape, failures = measure(cases, python_runner())
    print("agreement %.2f%% (%d/%d)" % (100.0 * agree / max(total, 1), agree, total))
    for s, (a, t) in sorted(by_shape.items(), key=lambda kv: kv[1][0] / kv[1][1]):
        if a < t:
            print("  %-28s %5d/%-5d %.1f%%" % (s, a, t, 100.0 * a / t))
    if args.show:
        for case, why, result in failures:
            if args.show in case.name or args.show == "all":
                print("=" * 70)
                print(case.problem.task_id, case.name, "--", why)
                print("--- content:\n" + case.content[:3000])
                print("--- program (%s; %s; %s):\n%s" % (result["path"], result["notes"], result["flags"],
                                                        result["program"][:3000]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
