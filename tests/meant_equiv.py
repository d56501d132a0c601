"""Whether an extracted program is the one the model meant, after
normalisation (for tests/meant_shapes.py and the fixtures' tests): the
definitions reachable from what the tests call must be the same (docstrings
aside, imports by what they bind), and so must the top-level code that runs
(in order for a stdin program).
"""

import ast


def strip_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]


def _normalise(src, kind):
    """(bindings: name -> (dump, names read), effects: [dump]) of a program."""
    tree = ast.parse(src)
    strip_docstrings(tree)
    env, effects = {}, []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            env[node.name] = (ast.dump(node), _names(node))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                key = a.asname or a.name.split(".")[0]
                if a.name == "*":
                    key = "*" + (node.module or "")
                env[key] = (("import", getattr(node, "module", None), a.name), set())
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets) \
                and kind != "lcb_stdin" and not any(isinstance(n, ast.Call) for n in ast.walk(node.value)):
            for t in node.targets:
                env[t.id] = (ast.dump(node.value), _names(node.value))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        else:
            effects.append(ast.dump(node))
            for n in _names(node):
                env.setdefault("<effects>", ("", set()))[1].add(n)
    return env, effects


def _names(node):
    """Global names a top-level statement reads: loaded names, less those a
    function binds for itself (parameters, assignments, imports) when the
    statement is a definition."""
    loads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return loads
    local = set()
    for n in ast.walk(node):
        if n is node:
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            local.add(n.id)
        elif isinstance(n, ast.arg):
            local.add(n.arg)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            local.update(a.asname or a.name.split(".")[0] for a in n.names)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local.add(n.name)
    globals_ = {g for n in ast.walk(node) if isinstance(n, ast.Global) for g in n.names}
    return loads - (local - globals_)


def equivalent(got, intended, kind, name):
    """(True, "") when `got` is the intended program after normalisation,
    else (False, why)."""
    try:
        want_env, want_eff = _normalise(intended, kind)
    except SyntaxError as e:
        return False, "intended program does not parse: %s" % e
    try:
        got_env, got_eff = _normalise(got, kind)
    except (SyntaxError, ValueError) as e:
        return False, "program does not parse: %s" % e
    if sorted(got_eff) != sorted(want_eff) if kind != "lcb_stdin" else got_eff != want_eff:
        return False, "top-level code differs: %d statements, %d intended" % (len(got_eff), len(want_eff))
    roots = {name} if kind == "humaneval" else {"Solution"} if kind == "lcb_functional" else set()
    roots |= want_env.get("<effects>", ("", set()))[1]
    seen, todo = set(), list(roots)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in want_env:
            todo.extend(want_env[n][1])
    for n in sorted(seen):
        if n in want_env and n != "<effects>" and got_env.get(n, (None,))[0] != want_env[n][0]:
            return False, "definition of %s differs" % n
    return True, ""


def same_tree(a, b):
    try:
        ta, tb = ast.parse(a), ast.parse(b)
    except SyntaxError:
        return False
    strip_docstrings(ta)
    strip_docstrings(tb)
    return ast.dump(ta) == ast.dump(tb)
