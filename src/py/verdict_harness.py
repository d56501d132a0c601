"""The verdict profile's extraction, and the program the faithful harness
would have run beside it.

`prepare(ext, write)` handles a job's `"extract": {"mode": "verdict", ...}`:
the program is what the model meant (verdict_meant.meant_program); the
optional `harness` object says how the faithful profile would have taken
the program from the raw completion:

  {"profile": P, "mode": "lm-eval-chat", "blocks": [...], "fallback": s, "prompt": s}
  {"profile": P, "mode": "evalplus-sanitize", "code": s, "entry_point": s}
  {"profile": P, "mode": "program", "program": s, "path": s}     (computed by the C side)

and the extraction record says whether the two programs are the same
(`same_program`): equal text, or equal syntax trees (comments, blank lines
and layout do not change what runs). Where they are the same and the run
recorded nothing the harness would have treated differently, the scorer
takes the faithful verdict from this run instead of running it again.
"""
from verdict_job import RunnerError, field

_TASKS = ("humaneval", "lcb_functional", "lcb_stdin")
_FLAGS = ("from_reasoning", "truncated_reasoning", "unterminated_fence", "extraction_budget", "no_code")


def _str_list(value, name):
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise RunnerError("meant_program returned a bad %r" % name)
    return value


def meant(ext):
    """(program, path, notes, flags) from verdict_meant.meant_program."""
    import verdict_meant
    task = field(ext, "task", str, "humaneval")
    if task not in _TASKS:
        raise RunnerError("unknown extract task %r" % task)
    reasoning = ext.get("reasoning")
    if reasoning is not None and not isinstance(reasoning, str):
        raise RunnerError("extract.reasoning must be a string or null")
    entry_point = ext.get("entry_point")
    func_name = ext.get("func_name")
    r = verdict_meant.meant_program(
        field(ext, "content", str), reasoning=reasoning,
        truncated_reasoning=field(ext, "truncated_reasoning", bool, False),
        prompt=field(ext, "prompt", str, ""),
        entry_point=entry_point if isinstance(entry_point, str) else None,
        task=task, func_name=func_name if isinstance(func_name, str) else None)
    if not isinstance(r, dict) or not isinstance(r.get("program"), str) or not isinstance(r.get("path"), str):
        raise RunnerError("meant_program returned %r" % (type(r),))
    return r["program"], r["path"], _str_list(r.get("notes", []), "notes"), _str_list(r.get("flags", []), "flags")


def harness_program(h):
    """(program, path) the faithful profile would run."""
    import verdict_extract
    mode = field(h, "mode", str)
    if mode == "lm-eval-chat":
        blocks = field(h, "blocks", list)
        if not all(isinstance(b, str) for b in blocks):
            raise RunnerError("harness.blocks must be strings")
        cand, path = verdict_extract.lm_eval_chat_select(blocks, field(h, "fallback", str))
        return field(h, "prompt", str) + cand, path
    if mode == "evalplus-sanitize":
        prog = verdict_extract.evalplus_sanitize(field(h, "code", str), field(h, "entry_point", str))
        return prog, "sanitized" if prog.strip() else "none"
    if mode == "program":
        return field(h, "program", str), field(h, "path", str, "program")
    raise RunnerError("unknown harness mode %r" % mode)


def same_program(a, b):
    """The same program: equal text, or both parse to equal trees."""
    if a == b:
        return True
    import ast
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False


def prepare(ext, write):
    """The program to run; writes the extraction record with `write`."""
    program, path, notes, flags = meant(ext)
    rec = {"type": "extraction", "program": program, "path": path, "notes": notes,
           "flags": [f for f in flags if f in _FLAGS], "detail": {"mode": "verdict"}}
    h = ext.get("harness")
    if h is not None:
        if not isinstance(h, dict):
            raise RunnerError("extract.harness must be an object")
        hprog, hpath = harness_program(h)
        rec["harness"] = {"profile": h.get("profile"), "path": hpath, "same_program": same_program(program, hprog)}
    write(rec)
    return program
