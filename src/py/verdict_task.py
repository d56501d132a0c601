"""The problem an answer is for, as the `verdict` profile's extraction sees
it: the task kind, the prompt's own code (a HumanEval program starts with
it), what the tests call, and the frame a body-only answer goes in (the
prompt's signature and the indentation of its body).
Standard library only; importing this module does no work.
"""

import ast
import io
import re
import tokenize

import verdict_fences
import verdict_pieces as vp
import verdict_prose

__all__ = ["TASKS", "Frame", "Task", "place_body"]

TASKS = ("humaneval", "lcb_functional", "lcb_stdin")


class Frame:
    """Where a body goes: the prompt's lines up to the signature (and
    docstring), the indentation of its body, and what follows it."""

    __slots__ = ("head", "indent", "tail")

    def __init__(self, head, indent, tail):
        self.head = head
        self.indent = indent
        self.tail = tail


class Task:
    """One problem: kind (TASKS), the prompt (line ends normalised), what the
    tests call (entry point, func_name; found in the prompt when not given),
    and after prepare() the frame for a body and the prompt's pieces."""

    __slots__ = ("kind", "prompt", "prompt_code", "entry", "func", "frame", "prompt_pieces",
                 "prompt_names", "extra_targets")

    def __init__(self, kind, prompt, entry_point, func_name):
        if kind not in TASKS:
            raise ValueError("unknown task %r (one of %s)" % (kind, ", ".join(TASKS)))
        self.kind = kind
        self.prompt, _ = verdict_fences.normalize_text(prompt or "")
        self.prompt_code = ""  # what a HumanEval program starts with
        self.entry = entry_point
        self.func = func_name
        self.frame = None
        self.prompt_pieces = []
        self.prompt_names = set()
        self.extra_targets = set()

    def prepare(self, budget):
        """Parse the prompt: the frame a body goes in, and (HumanEval) the
        prompt's own pieces, which every program starts with. A stdin
        program has neither."""
        if not self.prompt.strip() or self.kind == "lcb_stdin":
            return
        name = self.entry if self.kind == "humaneval" else self.func
        if not name:
            pattern = r"[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)" + (
                r"\s*\(\s*self\b" if self.kind == "lcb_functional" else "")
            names = re.findall(r"(?m)^" + pattern, self.prompt)
            name = names[-1] if names else None
            if self.kind == "humaneval":
                self.entry = name
            else:
                self.func = name
        lines = self.prompt.rstrip().split("\n")
        text = "\n".join(lines) + "\n"
        tree = budget.parse(text)
        completed = False
        if tree is None and name:
            # A prompt that ends at the signature (LiveCodeBench starter code,
            # a HumanEval-style prompt without a docstring).
            defs = [k for k, ln in enumerate(lines)
                    if re.match(r"[ \t]*(?:async[ \t]+)?def[ \t]+%s\b" % re.escape(name), ln)]
            if defs:
                row = lines[defs[-1]]
                indent = row[: len(row) - len(row.lstrip(" \t"))]
                indent += "\t" if indent.startswith("\t") else "    "
                tree = budget.parse(text + indent + "pass\n")
                if tree is not None:
                    completed = True
                    self.frame = Frame(lines, indent, [])
        if tree is None:
            return
        if self.kind == "humaneval":
            self.prompt_code = text + (self.frame.indent + "pass\n" if completed else "")
            self.prompt_pieces = vp.pieces_of(self.prompt_code, tree, "prompt", budget)
            for p in self.prompt_pieces:
                self.prompt_names |= p.binds
        if completed or not name:
            return
        defs = (ast.FunctionDef, ast.AsyncFunctionDef)
        target = [n for n in tree.body if isinstance(n, defs) and n.name == name] or \
            [n for n in ast.walk(tree) if isinstance(n, defs) and n.name == name]
        if not target:
            return
        d = target[-1]
        first = d.body[0]
        if first.lineno > d.lineno:
            row = lines[first.lineno - 1]
            indent = row[: len(row) - len(row.lstrip(" \t"))]
        else:
            row = lines[d.lineno - 1]
            indent = row[: len(row) - len(row.lstrip(" \t"))] + "    "
        self.frame = Frame(lines[: d.end_lineno], indent, lines[d.end_lineno:])

    def targets(self):
        if self.kind == "humaneval":
            base = {self.entry} if self.entry else set()
        elif self.kind == "lcb_functional":
            base = {"Solution"}
        else:
            base = set()
        return base | self.extra_targets


def _string_lines(text):
    """0-based lines that continue a multi-line string (not to be
    re-indented), or an empty set when the text does not tokenize."""
    inside = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                inside.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return set()
    return inside


def _reindent(text, base, indent, budget):
    """Lines of `text` indented `base` or deeper move to `indent` (all of
    them when base is ""); less indented lines and string continuations
    stay."""
    budget.charge(len(text))
    strings = _string_lines(text)
    out = []
    for k, line in enumerate(text.split("\n")):
        if not line.strip():
            out.append("")
        elif k in strings:
            out.append(line)
        elif line.startswith(base):
            out.append(indent + line[len(base):])
        else:
            out.append(line)
    return "\n".join(out)


def _first_indent(text):
    for line in text.split("\n"):
        s = line.strip()
        if s and not s.startswith("#"):
            return line[: len(line) - len(line.lstrip(" \t"))]
    return ""


def place_body(unit, task, budget, notes):
    """The pieces of the prompt with the unit's code placed under its
    signature (the unit's own indentation when it had one: lines less
    indented than its first stay top-level), prose trimmed; None when that
    does not parse. Prompt lines are never trimmed; their pieces are marked
    as the prompt's."""
    frame = task.frame
    raw = unit.raw if unit.raw is not None else unit.text
    body = _reindent(raw, _first_indent(raw), frame.indent, budget)
    head = "\n".join(frame.head)
    text = head + "\n" + body.strip("\n") + "\n" + ("\n".join(frame.tail) + "\n" if frame.tail else "")
    trimmed = verdict_prose.trim_prose(text, budget, protect=len(frame.head))
    if trimmed.tree is None:
        return None
    if trimmed.removed:
        notes.append("%d prose line%s trimmed" % (trimmed.removed, "" if trimmed.removed == 1 else "s"))
    pieces = vp.pieces_of(trimmed.text, trimmed.tree, unit, budget)
    for p in pieces:
        if p.last_line <= len(frame.head) and not (p.binds & task.targets()):
            p.origin = "prompt"
    return pieces
