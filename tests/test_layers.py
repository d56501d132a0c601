#!/usr/bin/env python3
"""The layering check (tools/check_layers.py) on this tree and its objects,
and on small made-up trees that break each rule, so that a checker that
passes everything cannot pass here. TAP.

    test_layers.py SOURCE_ROOT OBJECT_DIR...
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = sys.argv[1]
OBJECT_DIRS = sys.argv[2:]
CHECKER = os.path.join(ROOT, "tools", "check_layers.py")
results = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def run_checker(root, *objects):
    return subprocess.run([sys.executable, CHECKER, root, *objects], capture_output=True, text=True)


def fake_tree(files):
    d = tempfile.mkdtemp(prefix="verdict-layers-")
    atexit.register(shutil.rmtree, d, True)
    for rel, text in files.items():
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    os.makedirs(os.path.join(d, "sandbox"), exist_ok=True)
    return d


real = run_checker(ROOT, *OBJECT_DIRS)
check("this tree: includes and symbols point down, no circle", real.returncode == 0 and "not ok" not in real.stdout,
      real.stdout + real.stderr)

GOOD = {
    "src/base/text.h": "",
    "src/score/score.h": '#include "base/text.h"\n',
    "src/score/score.c": '#include "score/score.h"\n#include "base/text.h"\n',
    "sandbox/jail.h": "",
}
tree = fake_tree(GOOD)
out = run_checker(tree)
check("a tree whose arrows point down passes", out.returncode == 0, out.stdout)

cases = {
    "an include from base up to score": ({"src/base/text.c": '#include "score/score.h"\n'}, "pointing up"),
    "a bare include of a src/ header": ({"src/score/other.c": '#include "text.h"\n'}, "without its folder"),
    "sandbox including a src/ header": ({"sandbox/pool.c": '#include "base/text.h"\n'}, "pointing up"),
    "input and extract are siblings": ({"src/input/x.h": "", "src/extract/e.c": '#include "input/x.h"\n'},
                                        "pointing up"),
}
for name, (extra, expect) in cases.items():
    tree = fake_tree({**GOOD, **extra})
    out = run_checker(tree)
    check(f"refused: {name}", out.returncode == 1 and expect in out.stdout, out.stdout)

print(f"1..{len(results)}")
for i, (name, ok, detail) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        for line in detail.splitlines():
            print(f"#   {line}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
