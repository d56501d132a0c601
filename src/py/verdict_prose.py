"""Prose lines in and around code, trimmed by parsing (the `verdict`
profile).

lm-eval's parse-trim keeps the longest prefix of a block that parses, so a
prose line before the code loses the code, and one inside it loses what
follows. Here the parser says where the text stops being Python and only
that line goes, then the parse is tried again:
- a line that reads as prose (two plain words side by side outside strings,
  a sentence ending in ":" or ".", a list marker, backticks, a doctest
  prompt, a table row) at or just before the error is removed, with the prose
  lines next to it at no deeper indentation;
- "unexpected indent" on the first code line: the text is indented code (a
  body-only answer, a continuation); the caller decides where it goes;
- "unexpected indent" further on: an indented run that belongs to nothing
  (an indented usage example) is removed;
- any other failing line at column 0 is removed (sample input, a truncated
  statement); a failing indented line ends the code there (a truncated last
  block keeps what parses).
The error's line is never inside a string that closes, so docstrings are
safe; lines holding triple quotes are never taken for prose. Each round
removes at least one line, and every parse is charged to the budget
(verdict_extract.ParseBudget), which ends the work on hostile input.
Standard library only; importing this module does no work.
"""

import keyword
import re

__all__ = ["Trimmed", "is_prose_line", "trim_prose", "indent_of"]

_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"print", "exec"}
_LIST_MARKER = re.compile(r"(?:[-*+\u2022]|\d{1,3}[.)]|[a-z][.)])[ \t]+\S")
_STRINGS = re.compile(r"[rbfuRBFU]{0,2}(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')")
_TOKENS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\S")
_RULE = re.compile(r"[-=*_]{3,}\Z")


def indent_of(line):
    return len(line) - len(line.lstrip(" \t"))


def _word_pair(code):
    """Two identifiers side by side, neither a keyword: "the code", "Here
    is the" (not "x in y", "import a as b", "lambda x")."""
    prev_word = None
    for tok in _TOKENS.findall(code):
        if tok[0].isalpha() or tok[0] == "_":
            if prev_word is not None and prev_word not in _KEYWORDS and tok not in _KEYWORDS:
                return True
            prev_word = tok
        else:
            prev_word = None
    return False


def is_prose_line(line):
    """Whether a line that broke the parse reads as prose, not code."""
    s = line.strip()
    if not s or s[0] == "#":
        return False
    if "`" in s or s.startswith(("~~~", ">>>", "**", "|")) or _RULE.match(s):
        return True
    if '"""' in s or "'''" in s:
        return False
    if _LIST_MARKER.match(s):
        return True
    code = _STRINGS.sub('""', s)
    if "#" in code and not code.startswith("#"):
        code = code[: code.index("#")].rstrip()  # a comment after code
        if not code:
            return False
    if _word_pair(code.replace("'", " ")):
        return True
    first = _TOKENS.match(code)
    starts_with_keyword = first is not None and first.group() in _KEYWORDS
    if code.endswith(":") and not starts_with_keyword and first is not None and first.group()[0].isalpha():
        return "(" not in code and "[" not in code and "=" not in code
    if code[-1:] in (".", "!", "?") and not starts_with_keyword and re.search(r"[A-Za-z]{2}", code):
        return not re.search(r"[=(\[{]", code)
    return False


class Trimmed:
    """What trim_prose made of a text: `text` (the lines kept), `tree` (its
    AST, or None when it still does not parse), `removed` (prose and junk
    lines removed), `cut` (lines dropped after a failing indented line),
    `indented` (stopped at indented code on the first line)."""

    __slots__ = ("text", "tree", "removed", "cut", "indented")

    def __init__(self, text, tree, removed=0, cut=0, indented=False):
        self.text = text
        self.tree = tree
        self.removed = removed
        self.cut = cut
        self.indented = indented


def _first_code_line(lines, start):
    for k in range(start, len(lines)):
        s = lines[k].strip()
        if s and not s.startswith("#"):
            return k
    return len(lines)


def _prose_run(lines, k, protect):
    """[a, b) around prose line k: neighbours that are prose too, at no
    deeper indentation; at column 0 the run also crosses blank lines."""
    depth = indent_of(lines[k])

    def joins(j):
        return is_prose_line(lines[j]) and indent_of(lines[j]) <= depth

    a = k
    while True:
        j = a - 1
        while depth == 0 and j >= protect and not lines[j].strip():
            j -= 1
        if j >= protect and joins(j):
            a = j
        else:
            break
    b = k + 1
    while True:
        j = b
        while depth == 0 and j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and joins(j):
            b = j + 1
        else:
            break
    return a, b


def _indented_run(lines, k):
    """[k, b): line k and the lines after it indented at least as deep, with
    the blank lines among them."""
    depth = indent_of(lines[k])
    b = k + 1
    while b < len(lines) and (not lines[b].strip() or indent_of(lines[b]) >= depth):
        b += 1
    return k, b


def trim_prose(text, budget, protect=0):
    """Remove prose from `text` until it parses (see the module notes).
    Lines before `protect` (a prompt placed in front) are never removed.
    Raises verdict_extract.OutOfBudget when the budget runs out."""
    lines = text.split("\n")
    removed = cut = 0
    while True:
        src = "\n".join(lines)
        if not src.strip():
            return Trimmed("", None, removed, cut)
        tree = budget.parse(src)
        if tree is not None:
            return Trimmed(src, tree, removed, cut)
        err = budget.error
        line = err.lineno if err is not None and isinstance(err.lineno, int) else len(lines)
        at = min(max(line - 1, 0), len(lines) - 1)
        msg = err.msg if err is not None and isinstance(err.msg, str) else ""
        # The error is on the prose line itself, or just after it when the
        # prose left a statement open (a trailing backslash, a colon).
        near = (at,) if msg == "unexpected indent" else (at, at - 1, at - 2)
        prose = next((k for k in near if protect <= k < len(lines) and is_prose_line(lines[k])), None)
        if prose is not None:
            a, b = _prose_run(lines, prose, protect)
        elif msg == "unexpected indent" and at >= protect:
            if protect == 0 and at == _first_code_line(lines, 0):
                return Trimmed(src, None, removed, cut, indented=True)
            a, b = _indented_run(lines, at)
        elif at >= protect and indent_of(lines[at]) == 0 and lines[at].strip():
            a, b = at, at + 1
        elif at > protect:
            cut += len(lines) - at
            del lines[at:]
            continue
        else:
            return Trimmed(src, None, removed, cut)
        removed += b - a
        del lines[a:b]
