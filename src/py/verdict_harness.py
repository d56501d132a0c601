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

# What the extraction's notes (verdict_meant.py) say, in the words of the
# report's causes, most telling first: where the meant program differs from
# the harness's, the first of these found names why. Notes that every
# answer of a shape gets (a fence tag, the block chosen) name nothing.
_NOTE_CAUSES = (
    ("crlf", "CRLF fences"),
    ("cr line ends", "CR line ends"),
    ("unterminated fence", "unterminated fence"),
    ("indented fence", "indented fence"),
    ("block-quoted", "block-quoted fence"),
    ("fence closed at the end of a code line", "fence closed on a code line"),
    ("fence of ", "long or tilde fence"),
    ("dropped", "test or demo code dropped"),
    ("body under prompt signature", "body-only answer"),
    ("continuation of the prompt", "body-only answer"),
    ("wrapped in class solution", "Solution class added"),
    ("prose line", "prose in the code"),
    ("helpers from", "helpers from other blocks"),
    ("program over", "program split over blocks"),
    ("draft", "final attempt chosen"),
    ("final attempt", "final attempt chosen"),
    ("__future__", "__future__ import moved"),
    ("no-break spaces", "no-break spaces"),
    ("byte order mark", "byte order mark"),
    ("repeats the prompt", "answer repeats the prompt"),
    ("reasoning", "reasoning removed"),
)


def cause_of(notes):
    """The label of the most telling note, or ""."""
    lowered = [n.lower() for n in notes]
    for word, label in _NOTE_CAUSES:
        if any(word in n for n in lowered):
            return label
    return ""
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
    """The same program: equal text, equal syntax trees, or two declarative
    modules (see _final_bindings) that bind every name to the same thing."""
    if a == b:
        return True
    import ast
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ta, tb = ast.parse(a), ast.parse(b)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    if ast.dump(ta) == ast.dump(tb):
        return True
    fa = _final_bindings(ta)
    return fa is not None and fa == _final_bindings(tb)


def _names(node):
    import ast
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _constant(node):
    """An expression whose value cannot depend on the module's other names."""
    import ast
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_constant(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _constant(node.left) and _constant(node.right)
    return False


def _final_bindings(tree):
    """What a module whose top level only imports, defines and assigns
    constants leaves behind: {name: the statement that bound it last}, plus
    the imports it made. Two such modules with equal results behave alike
    under any test that uses their names (a chat answer that repeats the
    prompt's definition, or leaves out the prompt's docstring-only stub,
    against prompt + answer). None when the module does anything else at
    its top level, or when a definition's decorators, defaults,
    annotations or bases use a name not bound before it: then the order
    of the statements, which this ignores, could matter."""
    import ast
    import builtins
    bound = {}
    imports = set()
    known = set(dir(builtins))

    def ready(*nodes):
        return all(_names(n) <= known | set(bound) for n in nodes if n is not None)

    for st in tree.body:
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) or isinstance(st, ast.Pass):
            continue  # a docstring, a pass
        if isinstance(st, ast.If) and ast.unparse(st.test).replace('"', "'") == "__name__ == '__main__'":
            continue  # never runs: the program is not __main__ under either profile
        if isinstance(st, (ast.Import, ast.ImportFrom)):
            if isinstance(st, ast.ImportFrom) and any(a.name == "*" for a in st.names):
                return None
            imports.add(ast.dump(st))
            for a in st.names:
                name = (a.asname or a.name).split(".")[0]
                bound[name] = ast.dump(ast.Import(names=[a])) + (getattr(st, "module", None) or "") + str(getattr(st, "level", 0))
            continue
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = st.args
            if not all(_constant(d) for d in args.defaults + [d for d in args.kw_defaults if d is not None]):
                return None
            notes = [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs] + [st.returns]
            notes += [args.vararg.annotation if args.vararg else None, args.kwarg.annotation if args.kwarg else None]
            if not ready(*st.decorator_list, *notes):
                return None
            bound[st.name] = ast.dump(st)
            continue
        if isinstance(st, ast.ClassDef):
            if st.keywords or not ready(*st.decorator_list, *st.bases):
                return None
            for inner in st.body:
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Pass)) or (
                        isinstance(inner, ast.Expr) and isinstance(inner.value, ast.Constant)):
                    continue
                if isinstance(inner, (ast.Assign, ast.AnnAssign)) and inner.value is not None and _constant(inner.value):
                    continue
                return None
            for inner in st.body:
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    args = inner.args
                    notes = [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs] + [inner.returns]
                    if not ready(*inner.decorator_list, *notes) or not all(
                            _constant(d) for d in args.defaults + [d for d in args.kw_defaults if d is not None]):
                        return None
            bound[st.name] = ast.dump(st)
            continue
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name) \
                and _constant(st.value):
            bound[st.targets[0].id] = ast.dump(st)
            continue
        return None
    return bound, frozenset(imports)


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
        same = same_program(program, hprog)
        rec["harness"] = {"profile": h.get("profile"), "path": hpath, "same_program": same,
                          "cause": "" if same else cause_of(notes)}
    write(rec)
    return program
