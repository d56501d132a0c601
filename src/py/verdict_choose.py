"""Which part of an answer is the solution (the `verdict` profile): the last
complete definition of what the tests call, fenced or not; for a stdin
problem the last whole program (or one shown in steps); a body for the
prompt's signature when nothing is complete, or when a whole body follows
the last definition as the final attempt. A part that only repeats code
shown before it is a quote in the explanation, never the answer.
Standard library only; importing this module does no work.
"""

import ast
import re

import verdict_pieces as vp
import verdict_task

__all__ = ["choose", "find", "drafts_before"]


def find(units, test, fenced_first=False):
    """The last unit that passes `test` (by position in the answer; with
    fenced_first, the last fenced one, else the last of the others)."""
    order = units[::-1]
    if fenced_first:
        order = [u for u in order if u.fenced] + [u for u in order if not u.fenced]
    for u in order:
        if u.tree is not None and test(u):
            return u
    return None


def drafts_before(units, chosen, task):
    """The units before the chosen one that hold a complete solution too:
    the drafts the final attempt replaces."""
    if task.kind == "humaneval" and task.entry:
        test = lambda u: _has_complete_def(u, task.entry)  # noqa: E731
    elif task.kind == "lcb_functional":
        test = lambda u: _has_solution_class(u, task.func)  # noqa: E731
    else:
        test = lambda u: all(_Reach([u]).does([u]))  # noqa: E731
    return [u for u in units if u.index < chosen.index and u.tree is not None and test(u)]


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
              and not any(vp.is_stdin_stub(p) for p in u.pieces) and not _quotes(u, units)]
    alone = [u for u in usable if all(_Reach([u]).does([u]))]
    last = alone[-1] if alone else None
    tail = [u for u in usable if last is None or u.index > last.index]
    if tail and all(_Reach(tail).does(tail)):
        return tail[-1], tail
    if last is not None:
        return last, [last]
    everything = _Reach(usable)
    with_others = [u for u in usable if all(everything.does([u]))]
    if with_others:
        return with_others[-1], [with_others[-1]]
    reading = [u for u in usable if everything.does([u])[0]]
    return (reading[-1], [reading[-1]]) if reading else (None, [])


class _Reach:
    """Which names lead to reading stdin and to writing output, through the
    definitions of a group of units (computed once for the group)."""

    def __init__(self, group):
        env = vp.env_of([p for u in group for p in u.pieces if not vp.is_effect(p)])
        readers = {n for n, ps in env.items() if any(vp.reads_stdin(p.nodes) for p in ps)}
        writers = {n for n, ps in env.items() if any(vp.writes_stdout(p.nodes) for p in ps)}
        self.to_input = vp.reaching(env, readers | {"input"})
        self.to_output = vp.reaching(env, writers | {"print"})

    def does(self, group):
        """(reads, writes) of the top-level code of the group's units."""
        effects = [p for u in group for p in u.pieces if vp.is_effect(p)]
        nodes = [n for p in effects for n in p.nodes]
        reads = vp.reads_stdin(nodes) or any(p.refs & self.to_input for p in effects)
        writes = vp.writes_stdout(nodes) or any(p.refs & self.to_output for p in effects)
        return reads, writes


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
    pieces = verdict_task.place_body(unit, task, budget, [])
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


def choose(units, task, budget):
    """(unit, how, group): how is "full" (a complete solution), "steps" (a
    stdin program over the units of `group`), "wrap" (a bare LiveCodeBench
    function), "body" (a body for the prompt's signature) or "code" (code
    without what the tests call). The last complete solution in the answer
    wins, fenced or not; a body only when there is none."""
    chosen, how, group = None, "full", []
    if task.kind == "humaneval" and task.entry:
        chosen = find(units, lambda u: _has_complete_def(u, task.entry))
    elif task.kind == "lcb_functional":
        chosen = find(units, lambda u: _has_solution_class(u, task.func))
        if chosen is None and task.func:
            chosen, how = find(units, lambda u: _has_complete_def(u, task.func)), "wrap"
    elif task.kind == "lcb_stdin":
        chosen, group = _stdin_program(units)
        if len(group) > 1:
            how = "steps"
        if chosen is None:
            chosen = find(units, lambda u: any(vp.is_effect(p) for p in u.pieces), fenced_first=True)
    if task.frame is not None:
        if chosen is None:
            # Nothing defines what the tests call: code with a top-level
            # return, or indented code, is a body for the prompt's signature
            # (fenced first: a snippet in the prose is less likely the answer).
            body = find(units, lambda u: (vp.top_level_return(u.tree) or u.indented)
                         and not _quotes(u, units), fenced_first=True)
            if body is not None:
                chosen, how = body, "body"
        else:
            # A body after the last complete definition is the final attempt
            # when it is a whole body (it reads no name that nothing binds,
            # it ends in a return), not a line of the explanation (`return
            # out`) nor a part of the solution quoted again.
            first = chosen
            body = find(units, lambda u: u.index > first.index and vp.top_level_return(u.tree)
                         and not _quotes(u, units) and _whole_body(u, units, task, budget))
            if body is not None:
                chosen, how = body, "body"
    if chosen is None:
        chosen, how = find(units, lambda u: u.has_code(), fenced_first=True), "code"
    return chosen, how, group if how == "steps" else [chosen]
