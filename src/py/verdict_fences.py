"""Markdown code fences as models write them, for the `verdict` profile.

The harness extractors match one spelling of a fence with a regular
expression (```` ```python ```` or ```` ```py ```` at a line start, "\\n" line
ends). Models write more: any case and spacing of the tag (```` ```Python ````,
```` ``` python3 ````, none), CRLF or lone CR line ends, fences indented inside
list items or block quotes, four or more backticks or tildes, an opener glued
to the end of a prose line, a last fence never closed. This module splits an
answer into segments, in order: fenced blocks (with the facts a reader needs
to judge them) and the text between them.

The rules, CommonMark's where they serve and said where they do not:
- an opening fence is a line holding, after indentation, block-quote markers
  (`>`) and at most one list marker (`-`, `*`, `+`, `1.`, `1)`), a run of
  three or more backticks or tildes and an info string (for backticks, one
  without a backtick: ```` ```python``` ```` on one line is inline code, not
  a fence); any indentation is accepted (CommonMark stops at three spaces,
  models nest fences in lists at any depth);
- a prose line ending in ```` ```python ```` (a Python tag, nothing after) also
  opens a block: the model meant a fence and forgot the line break;
- a block closes at a line holding only a run of the same character at least
  as long as the opener's (any indentation, the same quote depth), or at a
  code line that ends with the opener's exact run (```` return x``` ````);
  inside a block an opener-looking line with a tag is content;
- a block still open at the end of the text runs to the end (`closed` is
  False);
- content lines lose the opener's indentation (the list item's) and quote
  markers; deeper indentation stays (a body-only answer keeps its indent).
Line ends are normalised first (normalize_text). Linear in the text.
Standard library only; importing this module does no work.
"""

import re

__all__ = ["Segment", "normalize_text", "split_segments", "tag_kind"]


class Segment:
    """A piece of an answer: a fenced block (`fenced` True) or the text
    between blocks. `number` counts fenced blocks from 1 (0 for text)."""

    __slots__ = ("fenced", "number", "text", "tag", "closed", "first_line", "notes")

    def __init__(self, fenced, text, first_line, tag="", closed=True, number=0, notes=()):
        self.fenced = fenced
        self.number = number
        self.text = text
        self.tag = tag
        self.closed = closed
        self.first_line = first_line
        self.notes = list(notes)

    def __repr__(self):
        return "Segment(fenced=%r, number=%r, tag=%r, closed=%r, text=%r)" % (
            self.fenced, self.number, self.tag, self.closed, self.text[:40])


def normalize_text(text):
    """(text with "\\n" line ends, notes): CRLF and lone CR become "\\n", a
    leading byte order mark goes, and no-break spaces in a line's
    indentation become spaces (CPython rejects U+00A0 in code)."""
    notes = []
    if text.startswith("\ufeff"):
        text = text[1:]
        notes.append("byte order mark removed")
    if "\r" in text:
        crlf = text.count("\r\n")
        text = text.replace("\r\n", "\n")
        lone = text.count("\r")
        text = text.replace("\r", "\n")
        if crlf:
            notes.append("crlf line ends")
        if lone:
            notes.append("cr line ends")
    if "\u00a0" in text:
        fixed = _NBSP_INDENT.sub(lambda m: m.group().replace("\u00a0", " "), text)
        if fixed != text:
            text = fixed
            notes.append("no-break spaces in indentation")
    return text, notes


_NBSP_INDENT = re.compile(r"^[ \t\u00a0]*\u00a0[ \t\u00a0]*", re.M)

# indentation, block quotes, one list marker, the fence run, the info string
_OPENER = re.compile(
    r"(?P<lead>[ \t]*(?:>[ \t]?[ \t]*)*)(?P<item>(?:[-*+]|\d{1,9}[.)])[ \t]+)?"
    r"(?P<run>`{3,}|~{3,})(?P<info>.*)\Z")
_CLOSER = re.compile(r"[ \t]*(?P<quotes>(?:>[ \t]?[ \t]*)*)(?P<run>`{3,}|~{3,})[ \t]*\Z")
_GLUED_OPENER = re.compile(r"(?P<prose>.*\S)[ \t]*(?P<run>```)(?P<info>[ \t]*(?:python3?|py3?)[ \t]*)\Z",
                           re.IGNORECASE)
_QUOTE = re.compile(r"[ \t]*>[ \t]?")

_PYTHON_TAGS = re.compile(r"(?:i?python[0-9.]*|py[0-9]?|python-?repl|sage|cython|pyi)\Z")
# Info strings of blocks that hold something other than a Python program:
# shell sessions, data, output, other languages, Python console sessions.
_OTHER_TAGS = frozenset("""
text txt plaintext plain output out result results console terminal shell sh bash zsh fish
cmd bat powershell ps ps1 json jsonl yaml yml toml ini cfg conf xml html htm css scss js
javascript jsx ts typescript tsx java c h cpp c++ cc hpp cxx cs csharp go golang rust rs ruby
rb php sql markdown md diff patch csv tsv latex tex math r kotlin kt swift scala haskell hs
lua perl pl pseudo pseudocode mermaid log stdout stderr stdin input example sample io
pycon doctest dockerfile docker makefile make cmake matlab octave julia jl dart elixir ex
erlang ocaml ml fsharp fs clojure lisp scheme racket zig nim vb vbnet asm nasm graphql proto
""".split())


def tag_kind(tag):
    """"python", "other" (a block that is not a Python program) or "none"
    (untagged or an unknown tag: judged by its content)."""
    if not tag:
        return "none"
    if _PYTHON_TAGS.match(tag):
        return "python"
    if tag in _OTHER_TAGS:
        return "other"
    return "none"


def _normal_tag(info):
    """The language of an info string: its first word, lower case, without
    Pandoc braces or a dot (```` ```{.python} ````), a file name after a colon
    (```` ```python:solution.py ````) or attributes (```` ```python title=x ````)."""
    word = info.strip().strip("{}").strip()
    word = word.split()[0] if word.split() else ""
    word = word.lstrip(".").split(":")[0].split(",")[0].split("{")[0]
    return word.lower()


def _quote_depth(lead):
    return lead.count(">")


def _strip_quotes(line, depth):
    for _ in range(depth):
        m = _QUOTE.match(line)
        if not m:
            break
        line = line[m.end():]
    return line


def _strip_indent(line, width):
    """Remove up to `width` columns of leading spaces (a tab counts to the
    next multiple of 4, as in CommonMark) from a content line."""
    i = col = 0
    while i < len(line) and col < width and line[i] in " \t":
        col = col + 1 if line[i] == " " else (col // 4 + 1) * 4
        i += 1
    return line[i:]


def _columns(text):
    col = 0
    for c in text:
        col = col + 1 if c != "\t" else (col // 4 + 1) * 4
    return col


def _open(line):
    """(run, tag, indent columns, quote depth, notes) of an opening fence
    line, or None."""
    m = _OPENER.match(line)
    if m:
        run, info = m.group("run"), m.group("info")
        if run[0] == "`" and "`" in info:
            return None  # ```python``` on one line: inline code
        lead, item = m.group("lead"), m.group("item") or ""
        depth = _quote_depth(lead)
        unquoted = _strip_quotes(lead, depth) if depth else lead
        notes = []
        if depth:
            notes.append("block-quoted fence")
        if item or unquoted.strip(" \t") == "" and _columns(unquoted) >= 2:
            notes.append("indented fence (list item)")
        if len(run) > 3 or run[0] == "~":
            notes.append("fence of %d %s" % (len(run), "backticks" if run[0] == "`" else "tildes"))
        return run, _normal_tag(info), info.strip(), _columns(unquoted + item), depth, notes
    m = _GLUED_OPENER.match(line)
    if m and "`" not in m.group("prose"):
        return "```", _normal_tag(m.group("info")), m.group("info").strip(), 0, 0, [
            "fence opened at the end of a prose line"]
    return None


# A Markdown block that holds fences (a model showing its answer as Markdown
# source: ````markdown around ```python) is read as the Markdown it holds;
# nesting deeper than this stays one block (each level needs a longer run,
# so a hostile answer could otherwise nest as deep as its lines are long).
_MARKDOWN_TAGS = frozenset(("markdown", "md"))
_MARKDOWN_DEPTH = 3


def split_segments(text, _depth=0):
    """Segments of `text` (already normalised: "\\n" line ends), in order."""
    out = []
    for seg in _split_flat(text):
        inner = None
        if seg.fenced and seg.tag in _MARKDOWN_TAGS and _depth < _MARKDOWN_DEPTH:
            inner = split_segments(seg.text, _depth + 1)
        if inner and any(s.fenced for s in inner):
            for s in inner:
                s.first_line += seg.first_line
                if s.fenced:
                    s.notes.insert(0, "fence inside a %s block" % seg.tag)
            out.extend(inner)
        else:
            out.append(seg)
    number = 0
    for seg in out:
        if seg.fenced:
            number += 1
            seg.number = number
    return out


def _split_flat(text):
    lines = text.split("\n")
    out = []
    plain = []
    plain_start = 0
    number = 0
    i = 0
    n = len(lines)
    while i < n:
        opened = _open(lines[i])
        if opened is None:
            if not plain:
                plain_start = i
            plain.append(lines[i])
            i += 1
            continue
        run, tag, info, indent, depth, notes = opened
        if plain:
            out.append(Segment(False, "\n".join(plain), plain_start))
            plain = []
        body = []
        closed = False
        j = i + 1
        while j < n:
            line = _strip_quotes(lines[j], depth) if depth else lines[j]
            m = _CLOSER.match(line)
            if m and m.group("run")[0] == run[0] and len(m.group("run")) >= len(run):
                closed = True
                break
            stripped = line.rstrip(" \t")
            if stripped.endswith(run) and stripped[:-len(run)].strip() and \
                    not stripped[:-len(run)].endswith(run[0]) and run[0] == "`" and \
                    stripped.count("`") == len(run):
                body.append(_strip_indent(stripped[:-len(run)], indent))
                notes.append("fence closed at the end of a code line")
                closed = True
                break
            body.append(_strip_indent(line, indent))
            j += 1
        number += 1
        if tag and tag != "python":
            notes.insert(0, "fence tag %r" % info.split()[0] if info.split() else info)
        elif not tag:
            notes.insert(0, "untagged fence")
        elif info != "python":
            notes.insert(0, "fence tag %r" % info)
        if not closed:
            notes.append("unterminated fence")
        out.append(Segment(True, "\n".join(body), i + 1, tag=tag, closed=closed, number=number,
                           notes=notes))
        i = j + 1
    if plain:
        out.append(Segment(False, "\n".join(plain), plain_start))
    return out
