"""The parts chat answers are made of, for tests/meant_shapes.py: fences in
every spelling, prose before and after the code, drafts, snippets quoted in
the explanation, code split into blocks, and the test, usage and demo code
models put after a solution (in its block or in a block of its own).
Standard library only; importing this module does no work.
"""

import ast


TAGS = ["python", "py", "Python", "PYTHON", "python3", " python", "Python3", "", "py3", "{.python}",
        "python title=solution.py", "python:solution.py", "python ", "Py", " python3", "PY", "python\t"]

INTROS = [
    "Sure! Here's a solution:",
    "Here is the implementation.",
    "Below is a complete, efficient solution.",
    "## Solution\n\nWe can solve this with a straightforward approach.",
    "Let's think step by step.\n\nThe idea is simple: follow the specification carefully.",
    "**Approach**\n\n- Read the input\n- Compute the answer\n- Return it",
]
OUTROS = [
    "This runs in O(n) time.",
    "### Explanation\n\n1. We iterate over the input.\n2. We build the answer.\n\n**Complexity:** O(n log n).",
    "The function handles the edge cases (empty input, single element) as well.",
    "Let me know if you have any questions!",
    "Time complexity: O(n)\nSpace complexity: O(1)",
]


def fence(code, tag="python", run="```", indent="", quote=""):
    lines = [run + tag] + code.rstrip("\n").split("\n") + [run]
    return "\n".join((quote + indent + ln) if (ln or quote) else ln for ln in lines)


def indent_lines(code, pad):
    return "\n".join(pad + ln if ln else "" for ln in code.split("\n"))


def demo_call(p):
    """A call of what the tests call, for demo and test code."""
    args = p.call if len(p.call) < 300 else ""
    if p.kind == "humaneval":
        call = "%s(%s)" % (p.name, args)
    else:
        call = "Solution().%s(%s)" % (p.name, args)
    try:
        ast.parse(call)
    except SyntaxError:
        call = call[: call.index("(")] + "()"
    return call


def snippet_of(p):
    """A few lines of the solution an explanation would show: the first
    statement of the body (often an edge-case guard), or for a program its
    first line that reads the input."""
    if p.kind == "lcb_stdin":
        for line in p.code.split("\n"):
            if "input(" in line or "stdin" in line:
                return line.strip() + "\n"
        return p.code.split("\n")[0] + "\n"
    tree = ast.parse(p.code)
    if p.kind == "humaneval":
        fns = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == p.name]
    else:
        fns = [m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body
               if isinstance(m, ast.FunctionDef) and m.name == p.name]
    body = [b for b in fns[-1].body if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))] \
        if fns else []
    if not body:
        return "pass\n"
    return ast.unparse(body[0]) + "\n"


def split_blocks(p):
    """The code cut into one block per top-level statement (imports
    together), as a step-by-step answer shows it; None for a one-piece code."""
    tree = ast.parse(p.code)
    lines = p.code.split("\n")
    parts = []
    for n in tree.body:
        start = min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])])
        text = "\n".join(lines[start - 1: n.end_lineno])
        if parts and isinstance(n, (ast.Import, ast.ImportFrom)) and parts[-1][0]:
            parts[-1][1].append(text)
        else:
            parts.append([isinstance(n, (ast.Import, ast.ImportFrom)), [text]])
    if len(parts) < 2:
        return None
    return ["\n".join(t) + "\n" for _, t in parts]


def draft_of(p):
    """A complete but wrong first attempt."""
    if p.kind == "humaneval":
        return "def %s(*args):\n    # first attempt\n    return None\n" % p.name
    if p.kind == "lcb_functional":
        return "class Solution:\n    def %s(self, *args):\n        return 0\n" % p.name
    return "import sys\n\nprint(sys.stdin.readline().strip())\n"


def trailing(p, which):
    call = demo_call(p)
    if which == "print":
        return "\n\n# Example usage\nprint(%s)\n" % call
    if which == "assert":
        return "\n\n# Tests\nassert %s is not None\nassert %s == %s\nprint('All tests passed!')\n" % (call, call, call)
    if which == "main":
        return '\n\nif __name__ == "__main__":\n    result = %s\n    print(result)\n' % call
    if which == "doctest":
        return '\n\nif __name__ == "__main__":\n    import doctest\n    doctest.testmod()\n'
    if which == "testfunc":
        return "\n\ndef test_solution():\n    assert %s is not None\n\n\ntest_solution()\n" % call
    if which == "usage_vars":
        return "\n\nresult = %s\nprint(f\"Result: {result}\")\n" % call
    raise ValueError(which)


def test_block(p, which):
    call = demo_call(p)
    if which == "asserts":
        return "You can test it with:\n\n" + fence("assert %s is not None\nprint(%s)" % (call, call))
    if which == "unittest":
        return "Unit tests:\n\n" + fence(
            "import unittest\n\n\nclass TestSolution(unittest.TestCase):\n    def test_example(self):\n"
            "        self.assertIsNotNone(%s)\n\n\nif __name__ == '__main__':\n    unittest.main()" % call)
    if which == "usage":
        return "Example usage:\n\n" + fence("result = %s\nprint(result)  # prints the answer" % call)
    if which == "output":
        return "Output:\n\n" + fence("42", tag="")
    if which == "text":
        return "Expected output:\n\n" + fence("[1, 2, 3]\nTrue", tag="text")
    if which == "bash":
        return "Run it with:\n\n" + fence("python3 solution.py < input.txt", tag="bash")
    if which == "sample_in":
        return "Sample input:\n\n" + fence(p.sample.rstrip("\n") or "1", tag="")
    if which == "snippet":
        return "The key step:\n\n" + fence(snippet_of(p))
    if which == "stringio":
        return "To try it locally:\n\n" + fence(
            "import io\nimport sys\n\nsys.stdin = io.StringIO(%r)\nmain()" % (p.sample or "1\n"))
    raise ValueError(which)
