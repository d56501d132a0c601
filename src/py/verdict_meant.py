"""What the model meant: the program the `verdict` profile runs, from a raw
completion (raw code, a chat answer, reasoning plus answer).

meant_program() is the one entry point; docs/extraction.md lists every
choice it makes with an example. In short:
- line ends normalised (CRLF, CR), reasoning markup the C side left removed
  (verdict_markup), the answer split into fenced blocks and the text between
  them (verdict_fences, verdict_units), each cleaned of prose by parsing
  (verdict_prose) and cut into top-level pieces (verdict_pieces);
- the solution (verdict_choose) is the last complete definition of what the
  tests call, fenced or not: the entry point (HumanEval, HumanEval+), class
  Solution with the method (LiveCodeBench functional), the program that
  reads stdin and writes output (LiveCodeBench stdin); the helpers, classes
  and imports it uses come from the other parts (verdict_demo);
- code that only tests or demonstrates it (asserts, prints, calls of the
  solution, `def test_...`, unittest classes, `if __name__ == "__main__":`)
  does not run, except that a stdin program runs whole, as __main__;
- a body without its `def` goes under the prompt's signature
  (verdict_task); a HumanEval program starts with the prompt (its imports
  and helpers are in scope, as in every harness), and `from __future__`
  imports move to the top;
- reasoning_content is used only when the answer holds no code; an answer
  that exists only in unfinished reasoning is no code.
Each choice is a note in the result. The work is bounded by a budget of
characters handed to the parser, as in verdict_extract.
Standard library only; runs inside the jail; importing it does no work.
"""

import ast
import warnings

import verdict_choose
import verdict_demo
import verdict_extract
import verdict_fences
import verdict_markup
import verdict_pieces as vp
import verdict_task
import verdict_units

__all__ = ["DEFAULT_BUDGET_CHARS", "TASKS", "meant_program"]

# Characters of parser work (parses, symbol tables, tokenizer passes and a
# fixed cost per part and per statement) one call may spend. A parse, or a
# symbol table, is 2-4 us a character with Debian's python3.11, so this bounds
# a hostile completion to a few seconds; a real answer uses a few percent.
DEFAULT_BUDGET_CHARS = 2_000_000
TASKS = verdict_task.TASKS


class _Result:
    def __init__(self):
        self.program = ""
        self.path = "none"
        self.notes = []
        self.flags = []

    def flag(self, name):
        if name not in self.flags:
            self.flags.append(name)

    def as_dict(self):
        return {"program": self.program, "path": self.path, "notes": self.notes, "flags": self.flags}


# ---- assembly ----------------------------------------------------------------------


def _hoist_future(parts, notes):
    future = [p for p in parts if isinstance(p, vp.Piece) and
              all(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in p.nodes)]
    if not future:
        return parts
    notes.append("from __future__ import moved to the top")
    return future + [p for p in parts if not any(p is f for f in future)]


def _render(parts, notes):
    """The program text: pieces keep the spacing they had; between parts
    from different places (the prompt, one block, another) a blank line."""
    out = []
    prev = None
    for p in _hoist_future(parts, notes):
        text = p.text if isinstance(p, vp.Piece) else p
        origin = p.origin if isinstance(p, vp.Piece) else p
        if not text.strip():
            continue
        if out and origin is not prev and not text.startswith("\n"):
            out.append("")
        out.append(text.rstrip("\n"))
        prev = origin
    return "\n".join(out) + "\n" if out else ""


def _wrap_function(unit, task, notes):
    """LiveCodeBench functional answered with a bare function: put it in
    class Solution (as a method when it takes self, else behind a
    delegating one). Returns {piece: new text}."""
    for p in unit.pieces:
        n = p.node
        if len(p.nodes) == 1 and vp.is_complete_function(n, task.func):
            args = n.args.posonlyargs + n.args.args
            if args and args[0].arg == "self":
                notes.append("method %s wrapped in class Solution" % task.func)
                text = "class Solution:\n" + "\n".join(("    " + ln) if ln.strip() else ""
                                                       for ln in p.text.rstrip("\n").split("\n"))
            else:
                notes.append("function %s wrapped in class Solution" % task.func)
                text = p.text.rstrip("\n") + ("\n\n\nclass Solution:\n    def %s(self, *args, **kwargs):\n"
                                              "        return %s(*args, **kwargs)\n" % (task.func, task.func))
            task.extra_targets.add(task.func)
            return {id(p): text}
    return {}


def _assemble(units, blocks, task, budget, res):
    """Fill res from the units; False when there is no code."""
    chosen, how, group = verdict_choose.choose(units, task, budget)
    if chosen is None:
        return False
    notes = []
    pieces = [p for u in group for p in u.pieces]
    replaced = {}
    if how == "body":
        pieces = verdict_task.place_body(chosen, task, budget, notes)
        if pieces is None:
            chosen, how = verdict_choose.find(units, lambda u: u.has_code()), "code"
            if chosen is None:
                return False
            pieces = chosen.pieces
        elif chosen.fenced or blocks:
            notes.append("body under prompt signature")
        else:
            notes.append("continuation of the prompt")
    elif how == "wrap":
        replaced = _wrap_function(chosen, task, notes)
    elif how == "steps":
        notes.append("program over %s to %s, a step each" % (group[0].where(blocks), chosen.where(blocks)))
    if how == "code" and task.kind != "lcb_stdin":
        notes.append("no complete definition of %s" % (task.entry or task.func or "the solution"))

    res.path = "continuation" if how == "body" and not blocks else chosen.path(blocks)
    res.notes.extend(chosen.notes(trims=how != "body"))
    if chosen.fenced and not chosen.segment.closed:
        res.flag("unterminated_fence")
    if blocks > 1 and chosen.fenced:
        res.notes.append("solution from block %d of %d" % (chosen.segment.number, blocks))
    drafts = verdict_choose.drafts_before(units, group[0] if how == "steps" else chosen, task)
    if drafts:
        res.notes.append("final attempt chosen; draft%s in %s not run" % (
            "s" if len(drafts) > 1 else "", ", ".join(u.where(blocks) for u in drafts)))
    res.notes.extend(notes)

    with_prompt = task.kind == "humaneval" and how != "body" and bool(task.prompt_code)
    env = vp.env_of((task.prompt_pieces if with_prompt else []) + pieces)
    kept = verdict_demo.drop_demo(pieces, task, env, res.notes)
    before, after = verdict_demo.helpers(chosen, kept, units, task, blocks, res.notes)
    kept = [p.with_text(replaced[id(p)]) if id(p) in replaced else p for p in kept]
    parts = []
    if with_prompt:
        parts.append(task.prompt_code)
        if _answer_repeats_prompt(chosen, task):
            res.notes.append("answer repeats the prompt")
    parts += before + kept + after
    res.program = _render(parts, res.notes)
    return True


def _answer_repeats_prompt(unit, task):
    """The answer holds the prompt's signature and its docstring's lines."""
    if task.frame is None:
        return False
    head = [ln.strip() for ln in task.frame.head if ln.strip()]
    sig = [k for k, ln in enumerate(head) if ln.startswith(("def ", "async def "))]
    return bool(sig) and len(head) > sig[-1] + 1 and all(ln in unit.text for ln in head[sig[-1]:])


# ---- entry point ---------------------------------------------------------------------


def _extract(text, task, budget, res):
    """True when `text` gave a program (res filled); res.flags may get
    truncated_reasoning (the answer never came) or extraction_budget."""
    text, notes = verdict_fences.normalize_text(text)
    text, markup_notes, truncated = verdict_markup.strip_markup(text)
    if truncated:
        res.flag("truncated_reasoning")
        res.notes.extend(notes + markup_notes)
        return False
    units, blocks, exceeded = verdict_units.units_of(text, budget)
    if exceeded:
        res.flag("extraction_budget")
    found = _assemble(units, blocks, task, budget, res)
    if found:
        res.notes[:0] = notes + markup_notes
    return found


def meant_program(content, *, reasoning=None, truncated_reasoning=False, prompt="",
                  entry_point=None, task="humaneval", func_name=None,
                  budget_chars=DEFAULT_BUDGET_CHARS):
    """The program the model meant, from an answer (see the module notes and
    docs/extraction.md).

    content: the answer text after the C side removed reasoning markup;
    reasoning: vLLM's reasoning_content or None; truncated_reasoning: the C
    side found reasoning that never closed (the answer never came).
    task: "humaneval" (prompt holds the signature and docstring, entry_point
    the function), "lcb_functional" (prompt is the starter code, func_name
    the method of class Solution), "lcb_stdin" (a whole program reading
    stdin; prompt may be empty).
    Returns {"program": str ("" when none), "path": str, "notes": [str],
    "flags": [str]}; flags may hold "from_reasoning", "truncated_reasoning",
    "unterminated_fence", "extraction_budget", "no_code". ValueError for an
    unknown task."""
    ctx = verdict_task.Task(task, prompt, entry_point, func_name)
    budget = verdict_extract.ParseBudget(budget_chars)
    res = _Result()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ctx.prepare(budget)
            found = False if truncated_reasoning else _extract(content or "", ctx, budget, res)
            if truncated_reasoning:
                res.flag("truncated_reasoning")
            if not found and "truncated_reasoning" not in res.flags and reasoning and reasoning.strip():
                alt = _Result()
                if _extract(reasoning, ctx, budget, alt):
                    alt.flags = res.flags + [f for f in alt.flags if f not in res.flags]
                    res = alt
                    res.flag("from_reasoning")
                    res.notes.insert(0, "answer from reasoning_content")
                elif "extraction_budget" in alt.flags:
                    res.flag("extraction_budget")
        except verdict_extract.OutOfBudget:
            res.flag("extraction_budget")
    if not res.program:
        res.program = ""
        res.path = "none"
        res.flag("no_code")
    return res.as_dict()
