#!/usr/bin/env python3
"""TAP tests for the `verdict` profile's extraction (src/py/verdict_meant.py
and the modules it uses): the hand-written fixtures of
fixtures/extract/meant/ (one answer shape each, with the program the model
meant), then the parts on their own: fences, prose, reasoning markup, the
budget on hostile input, bad arguments.

run: python3 tests/test_meant.py
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("VERDICT_SOURCE_ROOT") or os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "src", "py"))
sys.path.insert(0, HERE)

import meant_equiv  # noqa: E402
import verdict_extract  # noqa: E402
import verdict_fences  # noqa: E402
import verdict_markup  # noqa: E402
import verdict_meant  # noqa: E402
import verdict_prose  # noqa: E402

FIXTURES = os.path.join(ROOT, "fixtures", "extract", "meant")

count = 0
failed = 0


def ok(cond, desc):
    global count, failed
    count += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", count, desc), flush=True)
    return cond


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print("# " + line)


# ---- fixtures -----------------------------------------------------------------------


def _unescape(text):
    return re.sub(r"\\u\{([0-9A-Fa-f]{1,6})\}", lambda m: chr(int(m.group(1), 16)), text)


def read_fixtures(path):
    """[(name, headers {key: [values]}, sections {name: text})]; a fixture
    without a prompt takes the last one the file gave."""
    out = []
    prompt = ""
    with open(path, encoding="utf-8") as f:
        chunks = re.split(r"(?m)^##### ", f.read())
    for chunk in chunks:
        if not chunk.strip():
            continue
        name, _, rest = chunk.partition("\n")
        parts = re.split(r"(?m)^=== (\w+)\n", rest)
        headers = {}
        for line in parts[0].splitlines():
            if line.strip():
                key, _, value = line.partition(":")
                headers.setdefault(key.strip(), []).append(value.strip())
        sections = {}
        for k in range(1, len(parts), 2):
            text = parts[k + 1]
            # a section ends at the blank line before the next fixture
            sections[parts[k]] = text[:-1] if text.endswith("\n\n") else text
        if "prompt" in sections:
            prompt = sections["prompt"]
        sections["prompt"] = prompt
        out.append((name.strip(), headers, sections))
    return out


def run_fixture(name, headers, sections):
    def one(key, default=None):
        return headers.get(key, [default])[0]

    task = one("task", "humaneval")
    answer = _unescape(sections.get("answer", ""))
    reasoning = sections.get("reasoning")
    reasoning = _unescape(reasoning) if reasoning is not None else None
    sep = {"crlf": "\r\n", "cr": "\r", None: "\n"}[one("line_ends")]
    answer = answer.replace("\n", sep)
    reasoning = reasoning.replace("\n", sep) if reasoning is not None else None
    res = verdict_meant.meant_program(
        answer, reasoning=reasoning, truncated_reasoning=one("truncated_reasoning") == "true",
        prompt=sections["prompt"], entry_point=one("entry_point"), task=task, func_name=one("func_name"))
    problems = []
    meant = sections.get("meant")
    if meant is None:
        if res["program"] or "no_code" not in res["flags"]:
            problems.append("a program where the model meant none")
    else:
        same, why = meant_equiv.equivalent(res["program"], meant, task, one("entry_point") or one("func_name"))
        if not same:
            problems.append("program: " + why)
    if "path" in headers and res["path"] != one("path"):
        problems.append("path %r, expected %r" % (res["path"], one("path")))
    if "flags" in headers and sorted(res["flags"]) != sorted(one("flags").split()):
        problems.append("flags %r, expected %r" % (res["flags"], one("flags")))
    for note in headers.get("notes", []):
        if not any(note in n for n in res["notes"]):
            problems.append("no note %r in %r" % (note, res["notes"]))
    if ok(not problems, name):
        return
    for p in problems:
        diag(p)
    diag("--- program (%s):\n%s" % (res["path"], res["program"]))


def test_fixtures():
    files = sorted(f for f in os.listdir(FIXTURES) if f.endswith(".txt"))
    ok(len(files) >= 3, "fixture files found in fixtures/extract/meant")
    total = 0
    for f in files:
        for name, headers, sections in read_fixtures(os.path.join(FIXTURES, f)):
            total += 1
            run_fixture(f[:-4] + ": " + name, headers, sections)
    ok(total >= 50, "%d fixtures" % total)


# ---- the parts --------------------------------------------------------------------


def segs(text):
    return [(s.fenced, s.tag, s.closed, s.text) for s in verdict_fences.split_segments(text)]


def test_fences():
    t, notes = verdict_fences.normalize_text("a\r\nb\rc\n")
    ok(t == "a\nb\nc\n" and notes == ["crlf line ends", "cr line ends"], "CRLF and lone CR become LF, noted")
    ok(segs("x\n```Py3 \ncode\n```\ny") == [(False, "", True, "x"), (True, "py3", True, "code"),
                                            (False, "", True, "y")], "tag in any case and spacing")
    ok(segs("Use ```python``` here.") == [(False, "", True, "Use ```python``` here.")],
       "inline backticks on a prose line are not a fence")
    ok(segs("  - ```python\n    a = 1\n        b = 2\n    ```")[0][3] == "a = 1\n    b = 2",
       "a fence on a list item: the item's indentation goes, deeper indentation stays")
    ok(segs("> ```python\n> a = 1\n> ```")[0][3] == "a = 1", "block-quoted fence")
    ok(segs("````python\n```\ninner\n```\n````")[0][3] == "```\ninner\n```",
       "a four-backtick fence is closed by four backticks only")
    ok(segs("````markdown\nText\n```python\na = 1\n```\n````") == [(False, "", True, "Text"),
                                                                    (True, "python", True, "a = 1")],
       "a markdown block that holds fences is read as the Markdown it holds")
    ok(segs("````md\nonly text\n````")[0][:2] == (True, "md"), "a markdown block without fences stays one block")
    ok(segs("```python\na = 1\n```python\nb = 2\n```")[0][3] == "a = 1\n```python\nb = 2",
       "inside a block an opener with a tag is content")
    ok(segs("```python\nreturn x```\nmore")[0][2:] == (True, "return x"), "a fence closed at the end of a code line")
    ok(segs("```\nopen")[0][:3] == (True, "", False), "a last fence never closed")
    ok(verdict_fences.tag_kind("bash") == "other" and verdict_fences.tag_kind("python3.11") == "python"
       and verdict_fences.tag_kind("solution") == "none", "tag kinds")


def test_prose():
    prose = ["Here is the code:", "Here's how it works.", "- The list is sorted", "1. Sort the list",
             "Time complexity: O(n)", "**Note**: edge cases", "| a | b |", "Explanation:", ">>> f(1)",
             "The `sorted` call returns a list", "---"]
    code = ["return sorted(x)", "for i in range(n):", "x = f(a,", "else:", '"""', "import numpy as np",
            "result = a if b else c  # the sum of the list", "# a comment with words", "lambda x: x",
            "print(x, end='')", "    return not x in y"]
    bad = [s for s in prose if not verdict_prose.is_prose_line(s)]
    ok(not bad, "prose lines read as prose")
    if bad:
        diag(bad)
    bad = [s for s in code if verdict_prose.is_prose_line(s)]
    ok(not bad, "code lines are not prose")
    if bad:
        diag(bad)
    budget = verdict_extract.ParseBudget(10 ** 6)
    t = verdict_prose.trim_prose('def f(x):\n    """Returns the sum of the list.\n\n    Here is why.\n    """\n'
                                 'Here is the explanation.\n    return x\n', budget)
    ok(t.tree is not None and "Here is why." in t.text and "explanation" not in t.text,
       "docstring lines stay; prose between code lines goes")


def test_markup():
    text, notes, truncated = verdict_markup.strip_markup("<think>a<think>b</think>c</think>answer")
    ok(text == "answer" and not truncated, "nested <think> pairs removed")
    text, _, truncated = verdict_markup.strip_markup("before</think>after")
    ok(text == "after", "a closing tag alone drops what came before it")
    text, _, truncated = verdict_markup.strip_markup("answer <think> unfinished")
    ok(text == "" and truncated, "an unclosed <think>: truncated, nothing kept")
    text, _, truncated = verdict_markup.strip_markup("analysis of the input shows...")
    ok(text.startswith("analysis of") and not truncated, "prose starting with 'analysis' is kept")


def test_budget():
    hostile = ("x = 1\nHello there friend\n") * 20000
    res = verdict_meant.meant_program(hostile, prompt="def f():\n    pass\n", entry_point="f", budget_chars=50000)
    ok("extraction_budget" in res["flags"], "a hostile answer stops at the budget, flagged")
    many = "```python\ndef g():\n    return 1\n```\n" * 2000 + "```python\ndef f():\n    return 2\n```\n"
    res = verdict_meant.meant_program(many, prompt="def f():\n    pass\n", entry_point="f")
    ok("def f():\n    return 2" in res["program"] and "extraction_budget" in res["flags"],
       "thousands of blocks: the last ones are read, flagged")
    deep = "```python\ndef f():\n    return " + "(" * 50000 + "\n```"
    res = verdict_meant.meant_program(deep, prompt="def f():\n    pass\n", entry_point="f")
    ok(isinstance(res["program"], str), "deep nesting is not a crash")
    levels = 2000
    nested = "".join("`" * (levels + 3 - i) + "markdown\n" for i in range(levels)) + "def f():\n    return 1\n" + \
        "".join("`" * (i + 4) + "\n" for i in range(levels))
    res = verdict_meant.meant_program(nested, prompt="def f():\n    pass\n", entry_point="f")
    ok(res["path"] == "none", "markdown blocks nested thousands deep are read three levels down only")


def test_arguments():
    try:
        verdict_meant.meant_program("x", task="mbpp")
        ok(False, "an unknown task is a ValueError")
    except ValueError as e:
        ok("mbpp" in str(e), "an unknown task is a ValueError naming it")
    res = verdict_meant.meant_program("```python\ndef add(a, b):\n    return a + b\n```",
                                      prompt="def add(a, b):\n    \"\"\"Sum.\"\"\"\n")
    ok("return a + b" in res["program"] and res["path"] == "fenced 1/1",
       "entry_point defaults to the prompt's last function")
    res = verdict_meant.meant_program(None, prompt="")
    ok(res == {"program": "", "path": "none", "notes": [], "flags": ["no_code"]}, "content None: no code")


def main():
    test_fixtures()
    test_fences()
    test_prose()
    test_markup()
    test_budget()
    test_arguments()
    print("1..%d" % count)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
