#!/usr/bin/env python3
"""The layering of src/ and sandbox/ (docs/architecture.md), checked.

    check_layers.py SOURCE_ROOT [OBJECT_DIR ...]

Prints TAP. Two views of the same rule, "arrows point down the pipeline":

1. Includes. A file in src/<folder>/ may include headers of its own folder and
   of the folders below it; sandbox/ includes nothing of src/. Headers of src/
   are included by their folder-qualified name ("score/job.h").
2. Symbols, when object directories are given (the build's). Each object file
   is a module; a module that uses a symbol another one defines depends on it.
   No dependency may point up, and the modules must form no circle (two files
   that call each other are one thing, or a callback passed down).

Ranks: sandbox 0, base 1, input 2, extract 2 (siblings: neither uses the
other), score 3, report 4, http 5, cli 6, src/main.c 7.
"""
import os
import re
import subprocess
import sys

RANK = {"sandbox": 0, "base": 1, "input": 2, "extract": 2, "score": 3, "report": 4, "http": 5, "cli": 6, "main": 7}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of_source(root, path):
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "sandbox":
        return "sandbox"
    if rel[0] == "src":
        if len(rel) == 2:
            return "main" if rel[1] == "main.c" else None
        return rel[1] if rel[1] in RANK else None
    return None


def allowed(src, dst):
    """May a file of layer src use layer dst?"""
    if src == dst:
        return True
    if src == "sandbox":
        return False
    if {src, dst} == {"input", "extract"}:
        return False
    return RANK[dst] < RANK[src]


def sources(root):
    for top in ("src", "sandbox"):
        for dp, _, fs in os.walk(os.path.join(root, top)):
            for f in sorted(fs):
                if f.endswith((".c", ".h")):
                    yield os.path.join(dp, f)


def check_includes(root):
    """Returns a list of problems."""
    headers = {}  # basename -> folder of src/ that holds it
    for p in sources(root):
        if p.endswith(".h"):
            layer = layer_of_source(root, p)
            if layer and layer != "sandbox":
                headers.setdefault(os.path.basename(p), layer)
    sandbox_headers = {f for f in os.listdir(os.path.join(root, "sandbox")) if f.endswith(".h")}
    problems = []
    for p in sources(root):
        here = layer_of_source(root, p)
        if here is None:
            problems.append(f"{os.path.relpath(p, root)}: not in a known folder")
            continue
        text = open(p, encoding="utf-8", errors="replace").read()
        for inc in INCLUDE.findall(text):
            rel = os.path.relpath(p, root)
            if "/" in inc:
                folder, name = inc.split("/", 1)
                if folder not in RANK or folder == "main":
                    problems.append(f"{rel}: includes \"{inc}\", not a folder of src/")
                    continue
                target = "sandbox" if folder == "sandbox" else folder
            elif inc in sandbox_headers:
                target = "sandbox"
            elif inc in headers:
                if here != "sandbox":
                    problems.append(f"{rel}: includes \"{inc}\" without its folder ({headers[inc]}/{inc})")
                    continue
                target = headers[inc]
            else:
                continue  # generated or a test's own header
            if not allowed(here, target):
                problems.append(f"{rel} ({here}) includes \"{inc}\" ({target}): an arrow pointing up")
    return problems


def object_layer(path):
    """meson names objects <folder>_<file>.c.o inside src's targets."""
    name = os.path.basename(path)
    parent = os.path.basename(os.path.dirname(path))
    if parent.startswith("libverdict-sandbox"):
        return "sandbox", name[: -len(".c.o")]
    if name == "main.c.o":
        return "main", "main"
    for layer in RANK:
        if name.startswith(layer + "_"):
            return layer, name[len(layer) + 1 : -len(".c.o")]
    return None, name


def symbols(objects):
    defined, used = {}, {}
    for o in objects:
        out = subprocess.run(["nm", "-P", o], capture_output=True, text=True, check=True).stdout
        d, u = set(), set()
        for line in out.splitlines():
            f = line.split()
            if len(f) < 2:
                continue
            (u if f[1] == "U" else d if f[1] in "TDBRC" else set()).add(f[0])
        defined[o], used[o] = d, u
    return defined, used


def strongly_connected(nodes, edges):
    """Tarjan's algorithm; returns the components with more than one node."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def check_symbols(object_dirs):
    objects = []
    for d in object_dirs:
        for dp, _, fs in os.walk(d):
            objects += [os.path.join(dp, f) for f in fs if f.endswith(".c.o") and "embedded_data" not in f]
    objects = [o for o in objects if object_layer(o)[0]]
    if not objects:
        return ["no object files found in " + ", ".join(object_dirs)], 0
    defined, used = symbols(objects)
    owner = {}
    for o, syms in defined.items():
        for s in syms:
            owner.setdefault(s, o)
    edges, problems = {}, []
    for o in objects:
        src_layer, src_name = object_layer(o)
        for s in sorted(used[o]):
            d = owner.get(s)
            if d is None or d == o:
                continue
            edges.setdefault(o, set()).add(d)
            dst_layer, dst_name = object_layer(d)
            if not allowed(src_layer, dst_layer):
                problems.append(f"{src_layer}/{src_name} uses {s} of {dst_layer}/{dst_name}: an arrow pointing up")
    for comp in strongly_connected(objects, edges):
        names = ", ".join("/".join(object_layer(o)) for o in comp)
        problems.append(f"a circle of calls between {names}")
    return problems, len(objects)


def main():
    root = sys.argv[1]
    checks = [("includes point down the pipeline, no bare include of a src/ header", check_includes(root))]
    if len(sys.argv) > 2:
        problems, n = check_symbols(sys.argv[2:])
        checks.append((f"symbols of {n} object files point down, no circle of calls", problems))
    print(f"1..{len(checks)}")
    failed = 0
    for i, (name, problems) in enumerate(checks, 1):
        print(f"{'ok' if not problems else 'not ok'} {i} - {name}")
        for p in problems:
            print(f"#   {p}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
