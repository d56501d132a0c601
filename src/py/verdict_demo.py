"""Code that only tests or demonstrates the solution, and the helpers the
solution takes from other parts of an answer (the `verdict` profile).

For HumanEval and functional LiveCodeBench the harness calls the function,
so asserts, prints, calls of the solution, test functions and classes and
`if __name__ == "__main__":` blocks do not run; a stdin program runs whole
(only a replaced sys.stdin goes). A name the solution reads and does not
define comes from the nearest definition before it in the answer, else
after it. What reaches what is computed backwards from the goals, once,
so the work is linear in the answer.
Standard library only; importing this module does no work.
"""

import ast

import verdict_pieces as vp

__all__ = ["DemoJudge", "drop_demo", "helpers"]


class DemoJudge:
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


def drop_demo(pieces, task, env, notes):
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
    judge = DemoJudge(env, targets, test_defs)
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


def _drop_stdin_stubs(pieces, notes):
    kept = []
    dropped = {}
    for p in pieces:
        why = None
        if vp.is_stdin_stub(p):
            why = "dropped sys.stdin stub"
        elif all(vp.is_noop(x) for x in p.nodes) and not all(
                isinstance(x.value, ast.Constant) and isinstance(x.value.value, str) for x in p.nodes):
            why = "dropped stray expression"
        if why is None:
            kept.append(p)
        else:
            dropped[why] = dropped.get(why, 0) + 1
    for why, count in dropped.items():
        notes.append(why if count == 1 else "%s (%d)" % (why, count))
    return kept


def _is_definition(piece):
    return all(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                              ast.ClassDef, ast.Assign, ast.AnnAssign)) for n in piece.nodes)


def helpers(chosen, kept, units, task, blocks, notes):
    """Pieces of the other units that the kept pieces need: for each global
    name they read that nothing kept binds, the binding nearest before the
    chosen unit, else the nearest after it; then what those need."""
    bound = set(task.prompt_names)
    for p in kept:
        bound |= p.binds
    others = [u for u in units if u is not chosen and u.tree is not None]
    all_pieces = [p for u in others for p in u.pieces]
    judge = DemoJudge(vp.env_of(all_pieces), task.targets(), program=task.kind == "lcb_stdin")
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
