"""Top-level statements of an answer's code, as pieces a program is built
from (the `verdict` profile).

A piece is one top-level statement (or several sharing a line) with its
source text, including the comments and blank lines just above it. Each
knows the names it binds at module level and the global names it reads
(from a symbol table: a function's local `result` is not a read of a global
`result`), so the profile can follow what a solution uses across blocks and
tell a definition from code that only tests or demonstrates it.
Standard library only; importing this module does no work.
"""

import ast
import bisect
import builtins
import symtable

__all__ = [
    "Piece", "pieces_of", "closure", "reaching", "is_main_guard", "is_complete_function",
    "complete_method", "top_level_return", "reads_stdin", "writes_stdout", "is_noop", "is_test_name",
    "is_test_class", "env_of", "is_effect", "is_stdin_stub", "BUILTIN_NAMES",
]

BUILTIN_NAMES = frozenset(dir(builtins))


class Piece:
    """One top-level statement (or statements sharing lines) of a unit."""

    __slots__ = ("nodes", "text", "binds", "refs", "origin", "first_line", "last_line", "star")

    def __init__(self, nodes, text, origin, first_line, last_line):
        self.nodes = nodes
        self.text = text
        self.origin = origin
        self.first_line = first_line
        self.last_line = last_line
        self.binds = set()
        self.refs = set()
        self.star = False

    @property
    def node(self):
        return self.nodes[-1]

    def with_text(self, text):
        """A copy of the piece with another source text."""
        other = Piece(self.nodes, text, self.origin, self.first_line, self.last_line)
        other.binds, other.refs, other.star = self.binds, self.refs, self.star
        return other

    def __repr__(self):
        return "Piece(%s, %r)" % (type(self.node).__name__, self.text[:40])


def _first_line(node):
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        return min(node.lineno, min(d.lineno for d in decorators))
    return node.lineno


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_SCOPES = _DEFS + (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)

# What a piece costs the budget besides its characters (the per-statement
# work of the analysis), so that a flood of tiny statements is bounded too.
PIECE_COST = 64


def _binds(node, out):
    """Names a top-level statement binds in the module's namespace."""
    if isinstance(node, _DEFS):
        out.add(node.name)
        return
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for a in node.names:
            out.add("*" if a.name == "*" else a.asname or a.name.split(".")[0])
        return
    if isinstance(node, ast.Expr) and not isinstance(node.value, ast.NamedExpr):
        return
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, _DEFS):
            out.add(n.name)
            continue
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            _binds(n, out)
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            out.add(n.id)
        elif isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
            out.add(n.target.id)
        stack.extend(ast.iter_child_nodes(n))


def _loads(nodes):
    return {n.id for root in nodes for n in ast.walk(root)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _module_level_parts(node):
    """The parts of a definition evaluated where it stands: decorators,
    defaults, annotations, bases."""
    parts = list(node.decorator_list)
    if isinstance(node, ast.ClassDef):
        parts += node.bases + [k.value for k in node.keywords]
    else:
        a = node.args
        parts += a.defaults + [d for d in a.kw_defaults if d is not None]
        parts += [x.annotation for x in a.posonlyargs + a.args + a.kwonlyargs if x.annotation]
        parts += [x.annotation for x in (a.vararg, a.kwarg) if x is not None and x.annotation]
        if node.returns is not None:
            parts.append(node.returns)
    return parts


def _table_reads(table):
    """Global names read anywhere in a function or class table."""
    out = set()
    stack = [table]
    while stack:
        t = stack.pop()
        for sym in t.get_symbols():
            if sym.is_referenced() and (sym.is_global() or sym.is_declared_global()):
                out.add(sym.get_name())
        stack.extend(t.get_children())
    return out


def _assign_reads(text, pieces):
    """Set each piece's refs: from one symbol table of the whole text (a
    function's local `result` is not a read of a global `result`), or, when
    the text has none (a top-level `return` in a body, `await`), every name
    the piece loads."""
    try:
        top = symtable.symtable(text, "<answer>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        for p in pieces:
            p.refs = _loads(p.nodes)
        return
    starts = [p.first_line for p in pieces]
    for p in pieces:
        p.refs = set()
        for n in p.nodes:
            if isinstance(n, _DEFS):
                p.refs |= _loads(_module_level_parts(n))
            else:
                p.refs |= _loads([n])
    for child in top.get_children():
        k = bisect.bisect_right(starts, child.get_lineno()) - 1
        if k >= 0:
            pieces[k].refs |= _table_reads(child)


def pieces_of(text, tree, origin, budget=None, first_body_line=1):
    """The pieces of a parsed text, in order. A piece's text starts after the
    previous piece (comments above a definition go with it); comments after
    the last statement go with the last piece. Statements before line
    `first_body_line` (1-based) are skipped (a prompt's lines). Charges the
    budget for the symbol table and each piece (OutOfBudget)."""
    lines = text.split("\n")
    groups = []
    for node in tree.body:
        start, end = _first_line(node), node.end_lineno
        if end < first_body_line:
            continue
        if groups and start <= groups[-1][2]:
            groups[-1][0].append(node)
            groups[-1][2] = max(groups[-1][2], end)
        else:
            groups.append([[node], start, end])
    if budget is not None:
        budget.charge(len(text) + PIECE_COST * len(groups))
    pieces = []
    prev_end = first_body_line - 1
    for i, (nodes, start, end) in enumerate(groups):
        stop = len(lines) if i == len(groups) - 1 else end
        src = "\n".join(lines[prev_end:stop]).rstrip() + "\n"
        piece = Piece(nodes, src, origin, start, end)
        for n in nodes:
            _binds(n, piece.binds)
        piece.star = "*" in piece.binds
        piece.binds.discard("*")
        pieces.append(piece)
        prev_end = end
    _assign_reads(text, pieces)
    return pieces


def closure(names, env, skip=()):
    """Every name reachable from `names` through the pieces that bind them
    (env: name -> [pieces]); names in `skip` are not followed."""
    seen = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in skip:
            continue
        for piece in env.get(name, ()):
            todo.extend(piece.refs - seen)
    return seen


def reaching(env, goals, skip=()):
    """Every name from which a goal is reachable through the pieces that
    bind names (env: name -> [pieces]), the goals included; the references
    of names in `skip` are not followed. Linear in the env."""
    back = {}
    for name, pieces in env.items():
        if name in skip:
            continue
        for piece in pieces:
            for ref in piece.refs:
                back.setdefault(ref, set()).add(name)
    seen = set(goals)
    todo = list(seen)
    while todo:
        for name in back.get(todo.pop(), ()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def is_main_guard(node):
    """`if __name__ == "__main__":` (either order, any quotes)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    t = node.test
    if len(t.ops) != 1 or not isinstance(t.ops[0], (ast.Eq, ast.Is)):
        return False
    sides = [t.left, t.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names) and bool(consts)


def _is_docstring(stmt):
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and \
        isinstance(stmt.value.value, str)


def _is_placeholder(stmt):
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True  # a docstring or `...`
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def is_complete_function(node, name=None):
    """A function definition with a real body: more than a docstring, `pass`,
    `...` or `raise NotImplementedError`."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    if name is not None and node.name != name:
        return False
    return any(not _is_placeholder(s) for s in node.body)


def complete_method(node, func_name):
    """The class is a complete solution class: it has method `func_name`
    with a real body."""
    if not isinstance(node, ast.ClassDef):
        return False
    return any(is_complete_function(s, func_name) for s in node.body)


def top_level_return(tree):
    """A `return` or `yield` outside any function: the text is a body."""
    stack = list(tree.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False


def reads_stdin(nodes):
    """The code reads standard input: input(), sys.stdin, open(0),
    fileinput, os.read(0, ...)."""
    for root in nodes:
        for n in ast.walk(root):
            if isinstance(n, ast.Name) and n.id in ("input", "stdin", "fileinput"):
                return True
            if isinstance(n, ast.Attribute) and n.attr in ("stdin", "fileinput") and \
                    not isinstance(n.ctx, ast.Store):
                return True
            if isinstance(n, ast.Call) and n.args:
                f = n.func
                fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                first = n.args[0]
                if fname in ("open", "read", "fdopen") and isinstance(first, ast.Constant) and first.value == 0:
                    return True
    return False


_EFFECTS = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


def writes_stdout(nodes):
    """The code writes output: print(), sys.stdout, os.write(1, ...)."""
    for root in nodes:
        for n in ast.walk(root):
            if isinstance(n, ast.Name) and n.id in ("print", "stdout"):
                return True
            if isinstance(n, ast.Attribute) and n.attr in ("stdout", "__stdout__"):
                return True
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "write" \
                    and n.args and isinstance(n.args[0], ast.Constant) and n.args[0].value == 1:
                return True
    return False


def is_noop(node):
    """A statement that does nothing but perhaps raise: an expression that
    calls nothing (a constant, a literal, a name: a doctest's output line, a
    stray word of prose that parsed) or an annotation without a value
    (prose such as `Note: s`, which at top level evaluates `s`)."""
    if isinstance(node, ast.AnnAssign) and node.value is None:
        return not any(isinstance(n, _EFFECTS) for n in ast.walk(node.annotation))
    return isinstance(node, ast.Expr) and not any(isinstance(n, _EFFECTS) for n in ast.walk(node.value))


def is_test_name(name):
    low = name.lower()
    return low.startswith("test") or low.endswith("_test") or low in ("check", "run_tests", "_test")


def is_test_class(node):
    if not isinstance(node, ast.ClassDef):
        return False
    if node.name.startswith("Test"):
        return True
    for base in node.bases:
        b = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
        if b.endswith("TestCase"):
            return True
    return False


def env_of(pieces):
    """name -> [pieces that bind it], in order."""
    env = {}
    for p in pieces:
        for name in p.binds:
            env.setdefault(name, []).append(p)
    return env


def is_effect(piece):
    """The piece runs code at the top level: not only imports, definitions
    and statements that do nothing."""
    return not all(isinstance(n, (ast.Import, ast.ImportFrom) + _DEFS) or is_noop(n) for n in piece.nodes)


def is_stdin_stub(piece):
    """`sys.stdin = io.StringIO(...)`: a test feeding a program."""
    n = piece.node
    return len(piece.nodes) == 1 and isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Attribute) and t.attr == "stdin" for t in n.targets)
