"""What the model meant: the program the `verdict` profile runs, from a raw
completion (raw code, a chat answer, reasoning plus answer).

meant_program() is the one entry point; docs/extraction.md lists every
choice it makes with an example. In short:
- line ends normalised (CRLF, CR), reasoning markup the C side left removed
  (verdict_markup), the answer split into fenced blocks and the text between
  them (verdict_fences), each cleaned of prose by parsing (verdict_prose)
  and cut into top-level pieces (verdict_pieces);
- the solution is the last complete definition of what the tests call: the
  entry point (HumanEval, HumanEval+), class Solution with the method
  (LiveCodeBench functional), the program that reads stdin (LiveCodeBench
  stdin); fenced blocks first, the text between them only when no block has
  it; the helpers, classes and imports it uses come from the other parts;
- code that only tests or demonstrates it (asserts, prints, calls of the
  solution, `def test_...`, unittest classes, `if __name__ == "__main__":`)
  does not run, except that a stdin program runs whole, as __main__;
- a body without its `def` goes under the prompt's signature; a HumanEval
  program starts with the prompt (its imports and helpers are in scope, as
  in every harness), and `from __future__` imports move to the top;
- reasoning_content is used only when the answer holds no code; an answer
  that exists only in unfinished reasoning is no code.
Each choice is a note in the result. The work is bounded by a budget of
characters handed to the parser, as in verdict_extract.
Standard library only; runs inside the jail; importing it does no work.
"""

import ast
import io
import re
import tokenize
import warnings

import verdict_extract
import verdict_fences
import verdict_markup
import verdict_pieces as vp
import verdict_prose
import verdict_units

__all__ = ["DEFAULT_BUDGET_CHARS", "TASKS", "meant_program"]

# Characters of parser work (parses, symbol tables, tokenizer passes and a
# fixed cost per part and per statement) one call may spend. A parse, or a
# symbol table, is 2-4 us a character with Debian's python3.11, so this bounds
# a hostile completion to a few seconds; a real answer uses a few percent.
DEFAULT_BUDGET_CHARS = 2_000_000
TASKS = ("humaneval", "lcb_functional", "lcb_stdin")


class _Frame:
    """Where a body goes: the prompt's lines up to the signature (and
    docstring), the indentation of its body, and what follows it."""

    __slots__ = ("head", "indent", "tail")

    def __init__(self, head, indent, tail):
        self.head = head
        self.indent = indent
        self.tail = tail


class _Task:
    __slots__ = ("kind", "prompt", "prompt_code", "entry", "func", "frame", "prompt_pieces",
                 "prompt_names", "extra_targets")

    def __init__(self, kind, prompt, entry_point, func_name):
        if kind not in TASKS:
            raise ValueError("unknown task %r (one of %s)" % (kind, ", ".join(TASKS)))
        self.kind = kind
        self.prompt, _ = verdict_fences.normalize_text(prompt or "")
        self.prompt_code = ""  # what a HumanEval program starts with
        self.entry = entry_point
        self.func = func_name
        self.frame = None
        self.prompt_pieces = []
        self.prompt_names = set()
        self.extra_targets = set()

    def prepare(self, budget):
        """Parse the prompt: the frame a body goes in, and (HumanEval) the
        prompt's own pieces, which every program starts with. A stdin
        program has neither."""
        if not self.prompt.strip() or self.kind == "lcb_stdin":
            return
        name = self.entry if self.kind == "humaneval" else self.func
        if not name:
            pattern = r"[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)" + (
                r"\s*\(\s*self\b" if self.kind == "lcb_functional" else "")
            names = re.findall(r"(?m)^" + pattern, self.prompt)
            name = names[-1] if names else None
            if self.kind == "humaneval":
                self.entry = name
            else:
                self.func = name
        lines = self.prompt.rstrip().split("\n")
        text = "\n".join(lines) + "\n"
        tree = budget.parse(text)
        completed = False
        if tree is None and name:
            # A prompt that ends at the signature (LiveCodeBench starter code,
            # a HumanEval-style prompt without a docstring).
            defs = [k for k, ln in enumerate(lines)
                    if re.match(r"[ \t]*(?:async[ \t]+)?def[ \t]+%s\b" % re.escape(name), ln)]
            if defs:
                row = lines[defs[-1]]
                indent = row[: len(row) - len(row.lstrip(" \t"))]
                indent += "\t" if indent.startswith("\t") else "    "
                tree = budget.parse(text + indent + "pass\n")
                if tree is not None:
                    completed = True
                    self.frame = _Frame(lines, indent, [])
        if tree is None:
            return
        if self.kind == "humaneval":
            self.prompt_code = text + (self.frame.indent + "pass\n" if completed else "")
            self.prompt_pieces = vp.pieces_of(self.prompt_code, tree, "prompt", budget)
            for p in self.prompt_pieces:
                self.prompt_names |= p.binds
        if completed or not name:
            return
        target = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and n.name == name]
        if not target:
            return
        d = target[-1]
        first = d.body[0]
        if first.lineno > d.lineno:
            row = lines[first.lineno - 1]
            indent = row[: len(row) - len(row.lstrip(" \t"))]
        else:
            row = lines[d.lineno - 1]
            indent = row[: len(row) - len(row.lstrip(" \t"))] + "    "
        self.frame = _Frame(lines[: d.end_lineno], indent, lines[d.end_lineno:])

    def targets(self):
        if self.kind == "humaneval":
            base = {self.entry} if self.entry else set()
        elif self.kind == "lcb_functional":
            base = {"Solution"}
        else:
            base = set()
        return base | self.extra_targets


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


# ---- choosing the solution ---------------------------------------------------------


def _find(units, test, fenced_first=False):
    """The last unit that passes `test` (by position in the answer; with
    fenced_first, the last fenced one, else the last of the others)."""
    order = units[::-1]
    if fenced_first:
        order = [u for u in order if u.fenced] + [u for u in order if not u.fenced]
    for u in order:
        if u.tree is not None and test(u):
            return u
    return None


def _has_complete_def(unit, name):
    return any(vp.is_complete_function(n, name) for p in unit.pieces for n in p.nodes)


def _has_solution_class(unit, func):
    """class Solution with method `func` (any method when func is None)."""
    for p in unit.pieces:
        for n in p.nodes:
            if isinstance(n, ast.ClassDef) and n.name == "Solution":
                if func is None and any(vp.is_complete_function(m) for m in n.body):
                    return True
                if func is not None and vp.complete_method(n, func):
                    return True
    return False


def _is_effect(piece):
    return not all(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                                  ast.ClassDef)) or vp.is_noop(n) for n in piece.nodes)


# ---- test and demo code --------------------------------------------------------------


def _env(pieces):
    env = {}
    for p in pieces:
        for name in p.binds:
            env.setdefault(name, []).append(p)
    return env


class _DemoJudge:
    """Tells code that only tests or demonstrates the solution from code the
    solution needs, for one set of pieces (env: name -> pieces binding it).
    What reaches what is computed once, backwards from the goals."""

    def __init__(self, env, targets, test_defs=(), program=False):
        self.program = program  # a stdin program: reading and printing are its job
        self.env = env
        self.targets = targets
        self.test_defs = set(test_defs)
        self._to_tests = None
        self._to_input = None

    @property
    def to_tests(self):
        """Names from which the solution or a test definition is reached."""
        if self._to_tests is None:
            self._to_tests = vp.reaching(self.env, self.targets | self.test_defs, skip=self.targets)
        return self._to_tests

    @property
    def to_input(self):
        """Names from which a read of stdin is reached (computed only when a
        statement needs it: it walks every definition)."""
        if self._to_input is None:
            readers = {name for name, ps in self.env.items() if any(vp.reads_stdin(p.nodes) for p in ps)}
            self._to_input = vp.reaching(self.env, {"input"} | readers, skip=self.targets)
        return self._to_input

    def reason(self, p):
        """Why the piece does not run, or None when it does."""
        nodes = p.nodes
        if all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes):
            return None
        if all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and
               isinstance(n.value.value, str) for n in nodes):
            return None  # a docstring
        if all(vp.is_noop(n) for n in nodes):
            return "dropped stray expression"
        if len(nodes) == 1 and isinstance(nodes[0], (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return "dropped test definition %s" % nodes[0].name if nodes[0].name in self.test_defs else None
        if any(vp.is_main_guard(n) for n in nodes):
            return "dropped if __name__ == '__main__' block"
        if p.binds & self.targets or _stores_into(nodes, self.targets):
            return None  # code that makes the solution: f = cache(f), f.memo = {}
        if all(isinstance(n, ast.Assert) for n in nodes):
            return "dropped top-level assert"
        if p.refs & self.to_tests:
            return "dropped test or usage code"
        if not self.program and ("print" in p.refs or p.refs & self.to_input or vp.reads_stdin(nodes)):
            return "dropped demo code"
        return None


def _stores_into(nodes, names):
    """The statements store into an attribute or item of one of `names`."""
    for root in nodes:
        for n in ast.walk(root):
            if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, ast.Store):
                base = n.value
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in names:
                    return True
    return False


def _drop_demo(pieces, task, env, notes):
    """The pieces that run: test and demo code dropped (not for stdin
    programs, which run whole). Prompt pieces always stay."""
    targets = task.targets()
    if task.kind == "lcb_stdin":
        return _drop_stdin_stubs(pieces, notes)
    keep_names = vp.closure(targets, env)
    test_defs = set()
    for p in pieces:
        n = p.node
        if len(p.nodes) == 1 and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if (vp.is_test_name(n.name) or vp.is_test_class(n)) and n.name not in keep_names:
                test_defs.add(n.name)
    judge = _DemoJudge(env, targets, test_defs)
    kept, dropped = [], {}
    for p in pieces:
        why = None if p.origin == "prompt" else judge.reason(p)
        if why is None:
            kept.append(p)
        else:
            dropped[why] = dropped.get(why, 0) + 1
    for why, count in dropped.items():
        notes.append(why if count == 1 else "%s (%d)" % (why, count))
    return kept


def _is_stdin_stub(piece):
    """`sys.stdin = io.StringIO(...)`: a test feeding the program."""
    n = piece.node
    return len(piece.nodes) == 1 and isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Attribute) and t.attr == "stdin" for t in n.targets)


def _drop_stdin_stubs(pieces, notes):
    kept = []
    for p in pieces:
        if _is_stdin_stub(p):
            notes.append("dropped sys.stdin stub")
        elif all(vp.is_noop(x) for x in p.nodes) and not all(
                isinstance(x.value, ast.Constant) and isinstance(x.value.value, str) for x in p.nodes):
            notes.append("dropped stray expression")
        else:
            kept.append(p)
    return kept


# ---- helpers from other parts --------------------------------------------------------


def _is_definition(piece):
    return all(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                              ast.ClassDef, ast.Assign, ast.AnnAssign)) for n in piece.nodes)


def _helpers(chosen, kept, units, task, blocks, notes):
    """Pieces of the other units that the kept pieces need: for each global
    name they read that nothing kept binds, the binding nearest before the
    chosen unit, else the nearest after it; then what those need."""
    bound = set(task.prompt_names)
    for p in kept:
        bound |= p.binds
    others = [u for u in units if u is not chosen and u.tree is not None]
    all_pieces = [p for u in others for p in u.pieces]
    judge = _DemoJudge(_env(all_pieces), task.targets(), program=task.kind == "lcb_stdin")
    # name -> [(unit, piece)] of the definitions that bind it, in text order
    where = {}
    for u in others:
        for p in u.pieces:
            if _is_definition(p) and judge.reason(p) is None:
                for name in p.binds:
                    where.setdefault(name, []).append((u, p))
    picked = []
    seen = set()
    todo = [n for p in kept for n in p.refs]
    while todo:
        name = todo.pop()
        if name in seen or name in bound or name in vp.BUILTIN_NAMES or name not in where:
            continue
        seen.add(name)
        options = where[name]
        earlier = [o for o in options if o[0].index < chosen.index]
        unit = earlier[-1][0] if earlier else options[0][0]
        p = [o[1] for o in options if o[0] is unit][-1]
        if p not in picked:
            picked.append(p)
            bound |= p.binds
            todo.extend(p.refs)
    if not picked:
        return [], []
    by_unit = {}
    for p in picked:
        by_unit.setdefault(p.origin, []).append(p)
    for u in sorted(by_unit, key=lambda u: u.index):
        names = sorted({n for p in by_unit[u] for n in p.binds})
        notes.append("helpers from %s: %s" % (u.where(blocks), ", ".join(names)))
    order = {id(p): (p.origin.index, i) for u in by_unit for i, p in enumerate(u.pieces)}
    picked.sort(key=lambda p: order[id(p)])
    return ([p for p in picked if p.origin.index < chosen.index],
            [p for p in picked if p.origin.index > chosen.index])


# ---- bodies ------------------------------------------------------------------------


def _string_lines(text):
    """0-based lines that continue a multi-line string (not to be
    re-indented), or an empty set when the text does not tokenize."""
    inside = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                inside.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return set()
    return inside


def _reindent(text, base, indent, budget):
    """Lines of `text` indented `base` or deeper move to `indent` (all of
    them when base is ""); less indented lines and string continuations
    stay."""
    budget.charge(len(text))
    strings = _string_lines(text)
    out = []
    for k, line in enumerate(text.split("\n")):
        if not line.strip():
            out.append("")
        elif k in strings:
            out.append(line)
        elif line.startswith(base):
            out.append(indent + line[len(base):])
        else:
            out.append(line)
    return "\n".join(out)


def _first_indent(text):
    for line in text.split("\n"):
        s = line.strip()
        if s and not s.startswith("#"):
            return line[: len(line) - len(line.lstrip(" \t"))]
    return ""


def _place_body(unit, task, budget, notes):
    """(program text, tree, pieces) of a body placed under the frame."""
    frame = task.frame
    raw = unit.raw if unit.raw is not None else unit.text
    body = _reindent(raw, _first_indent(raw), frame.indent, budget)
    head = "\n".join(frame.head)
    text = head + "\n" + body.strip("\n") + "\n" + ("\n".join(frame.tail) + "\n" if frame.tail else "")
    trimmed = verdict_prose.trim_prose(text, budget, protect=len(frame.head))
    if trimmed.tree is None:
        return None
    if trimmed.removed:
        notes.append("%d prose line%s trimmed" % (trimmed.removed, "" if trimmed.removed == 1 else "s"))
    pieces = vp.pieces_of(trimmed.text, trimmed.tree, unit, budget)
    for p in pieces:
        if p.last_line <= len(frame.head) and not (p.binds & task.targets()):
            p.origin = "prompt"
    return pieces


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


def _stdin_program(units):
    """(last unit, units): the program of a stdin problem.

    A whole program reads stdin and writes output, itself or through the
    definitions it calls. The program is the last unit that is whole on its
    own, unless the units after it are whole together (a program shown in
    steps, one block a step, or functions in one block and the call in the
    next): then those units, in order. Without either, the last unit that
    is whole through other units' definitions, else the last that reads.
    Not part of a program: a unit that replaces sys.stdin (a test of the
    program), and one that only repeats code shown before it (a line quoted
    in the explanation, such as `n = int(input())`)."""
    usable = [u for u in units if u.tree is not None and u.has_code()
              and not any(_is_stdin_stub(p) for p in u.pieces) and not _quotes(u, units)]

    def facts(group):
        pieces = [p for u in group for p in u.pieces]
        env = _env([p for p in pieces if not _is_effect(p)])
        readers = {n for n, ps in env.items() if any(vp.reads_stdin(p.nodes) for p in ps)}
        writers = {n for n, ps in env.items() if any(vp.writes_stdout(p.nodes) for p in ps)}
        to_input = vp.reaching(env, readers | {"input"})
        to_output = vp.reaching(env, writers | {"print"})
        effects = [p for p in pieces if _is_effect(p)]
        nodes = [n for p in effects for n in p.nodes]
        reads = vp.reads_stdin(nodes) or any(p.refs & to_input for p in effects)
        writes = vp.writes_stdout(nodes) or any(p.refs & to_output for p in effects)
        return reads, writes

    alone = [u for u in usable if all(facts([u]))]
    last = alone[-1] if alone else None
    tail = [u for u in usable if last is None or u.index > last.index]
    if tail and all(facts(tail)):
        return tail[-1], tail
    if last is not None:
        return last, [last]
    with_others = [u for u in usable if all(facts([u] + [o for o in usable if o is not u]))]
    if with_others:
        return with_others[-1], [with_others[-1]]
    reading = [u for u in usable if facts([u])[0]]
    return (reading[-1], [reading[-1]]) if reading else (None, [])


_HEADER_NAMES = []


def _lcb_header_names():
    """Names LiveCodeBench's import header gives every program (its `from
    string import *`, ..., `import sys`); computed once, when needed."""
    if not _HEADER_NAMES:
        import importlib
        import verdict_lcb
        names = set()
        for line in verdict_lcb.IMPORT_STRING.splitlines():
            m = re.match(r"from (\w+) import \*$|import (\w+)$", line)
            if not m:
                continue
            if m.group(2):
                names.add(m.group(2))
                continue
            try:
                mod = importlib.import_module(m.group(1))
            except ImportError:
                continue
            names.update(getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")])
        _HEADER_NAMES.append(frozenset(names))
    return _HEADER_NAMES[0]


_QUOTE_LINES = 40  # a part shown again in an explanation is short


def _statement_dumps(unit):
    """ast.dump of every statement of the unit (at any depth) spanning at
    most _QUOTE_LINES lines; computed once a unit."""
    key = "_dumps"
    cached = getattr(unit, key, None)
    if cached is None:
        cached = set()
        if unit.tree is not None:
            for n in ast.walk(unit.tree):
                if isinstance(n, ast.stmt) and n.end_lineno - n.lineno < _QUOTE_LINES:
                    cached.add(ast.dump(n))
        setattr(unit, key, cached)
    return cached


def _quotes(body, units):
    """Every statement of the unit is a statement of code before it (a part
    of the solution shown again in the explanation)."""
    stmts = [s for s in body.tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not stmts or stmts[-1].end_lineno - stmts[0].lineno >= _QUOTE_LINES:
        return False
    want = {ast.dump(s) for s in stmts}
    for u in units:
        if u.index < body.index:
            want -= _statement_dumps(u)
            if not want:
                return True
    return False


def _whole_body(unit, units, task, budget):
    """Placed under the signature, the body reads only names that something
    binds (its parameters and locals, the prompt, a block, a builtin, the
    LiveCodeBench import header), and it ends in a return."""
    pieces = _place_body(unit, task, budget, [])
    if pieces is None:
        return False
    bound = set(vp.BUILTIN_NAMES) | task.prompt_names
    if task.kind != "humaneval":
        bound |= _lcb_header_names()
    for u in units:
        for p in u.pieces:
            bound |= p.binds
    for p in pieces:
        bound |= p.binds
    made = [p for p in pieces if p.binds & task.targets()]
    if not made or any(p.refs - bound for p in made):
        return False
    fn = _placed_function(made[-1].node, task)
    return fn is not None and _ends(fn.body)


def _placed_function(node, task):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return node
    if isinstance(node, ast.ClassDef):
        methods = [m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                   and m.name == task.func]
        return methods[-1] if methods else None
    return None


def _ends(body):
    """The statements end in a return or a raise on every branch, or in a
    loop that returns from inside; an edge-case guard such as
    `if not xs: return []` does not."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _ends(last.body) and _ends(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _ends(last.body)
    if isinstance(last, ast.Try):
        return (_ends(last.body) or _ends(last.orelse)) and all(_ends(h.body) for h in last.handlers) \
            or _ends(last.finalbody)
    if isinstance(last, (ast.For, ast.AsyncFor, ast.While)):
        # the answer comes out of the loop (a search that returns from it)
        return _ends(last.orelse) or any(isinstance(n, ast.Return) for n in ast.walk(last))
    return False


def _choose(units, task, budget):
    """(unit, how, group): how is "full" (a complete solution), "steps" (a
    stdin program over the units of `group`), "wrap" (a bare LiveCodeBench
    function), "body" (a body for the prompt's signature) or "code" (code
    without what the tests call). The last complete solution in the answer
    wins, fenced or not; a body only when there is none."""
    chosen, how, group = None, "full", []
    if task.kind == "humaneval" and task.entry:
        chosen = _find(units, lambda u: _has_complete_def(u, task.entry))
    elif task.kind == "lcb_functional":
        chosen = _find(units, lambda u: _has_solution_class(u, task.func))
        if chosen is None and task.func:
            chosen, how = _find(units, lambda u: _has_complete_def(u, task.func)), "wrap"
    elif task.kind == "lcb_stdin":
        chosen, group = _stdin_program(units)
        if len(group) > 1:
            how = "steps"
        if chosen is None:
            chosen = _find(units, lambda u: any(_is_effect(p) for p in u.pieces), fenced_first=True)
    if task.frame is not None:
        if chosen is None:
            # Nothing defines what the tests call: code with a top-level
            # return, or indented code, is a body for the prompt's signature
            # (fenced first: a snippet in the prose is less likely the answer).
            body = _find(units, lambda u: (vp.top_level_return(u.tree) or u.indented)
                         and not _quotes(u, units), fenced_first=True)
            if body is not None:
                chosen, how = body, "body"
        else:
            # A body after the last complete definition is the final attempt
            # when it is a whole body (it reads no name that nothing binds,
            # it ends in a return), not a line of the explanation (`return
            # out`) nor a part of the solution quoted again.
            first = chosen
            body = _find(units, lambda u: u.index > first.index and vp.top_level_return(u.tree)
                         and not _quotes(u, units) and _whole_body(u, units, task, budget))
            if body is not None:
                chosen, how = body, "body"
    if chosen is None:
        chosen, how = _find(units, lambda u: u.has_code(), fenced_first=True), "code"
    return chosen, how, group if how == "steps" else [chosen]


def _assemble(units, blocks, task, budget, res):
    """Fill res from the units; False when there is no code."""
    chosen, how, group = _choose(units, task, budget)
    if chosen is None:
        return False
    notes = []
    pieces = [p for u in group for p in u.pieces]
    replaced = {}
    if how == "body":
        pieces = _place_body(chosen, task, budget, notes)
        if pieces is None:
            chosen, how = _find(units, lambda u: u.has_code()), "code"
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
    res.notes.extend(chosen.notes())
    if chosen.fenced and not chosen.segment.closed:
        res.flag("unterminated_fence")
    if blocks > 1 and chosen.fenced:
        res.notes.append("solution from block %d of %d" % (chosen.segment.number, blocks))
    res.notes.extend(notes)

    with_prompt = task.kind == "humaneval" and how != "body" and bool(task.prompt_code)
    env = _env((task.prompt_pieces if with_prompt else []) + pieces)
    kept = _drop_demo(pieces, task, env, res.notes)
    before, after = _helpers(chosen, kept, units, task, blocks, res.notes)
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
    sig = [ln for ln in task.frame.head if ln.lstrip().startswith(("def ", "async def "))] if task.frame else []
    return bool(sig) and sig[-1].strip() in unit.text and unit.text.count('"""') >= 2


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
    ctx = _Task(task, prompt, entry_point, func_name)
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
