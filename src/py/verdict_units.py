"""The units of an answer: each fenced block, and each stretch of text
between blocks, cleaned of prose and parsed (the `verdict` profile).

A unit is what a solution, a helper or a test is looked for in. Blocks
tagged as another language or as output (```` ```bash ````, ```` ```text ````)
are not units: they never run. Untagged blocks and unknown tags are judged
by their content. Text between blocks becomes a unit too; the profile looks
there only when no block has what it needs (code before a lone closing
fence, an answer with no fences at all).
Standard library only; importing this module does no work.
"""

import verdict_extract
import verdict_fences
import verdict_pieces
import verdict_prose

__all__ = ["Unit", "units_of", "MAX_UNITS"]

# Parts of an answer read at most: the last ones (a real answer has a few
# blocks; thousands are an attack on the time this takes). Each part is also
# charged to the budget for the work around its parse.
MAX_UNITS = 256
UNIT_COST = 256


class Unit:
    """A code-bearing part of the answer.

    text: the cleaned code (prose removed, dedented); tree: its AST (None
    when nothing parsed); raw: for indented code (a body, a continuation),
    the cleaned text with its own indentation, else None; pieces: the
    top-level statements; segment: the verdict_fences.Segment it came from;
    removed/cut: prose lines removed, lines cut after a failing line."""

    __slots__ = ("segment", "text", "tree", "raw", "pieces", "removed", "cut", "index", "_dumps")

    def __init__(self, segment, index):
        self.segment = segment
        self.index = index
        self.text = ""
        self.tree = None
        self.raw = None
        self.pieces = []
        self.removed = 0
        self.cut = 0
        self._dumps = None  # verdict_meant's cache of statement dumps

    @property
    def fenced(self):
        return self.segment.fenced

    @property
    def indented(self):
        return self.raw is not None

    def has_code(self):
        return any(not all(verdict_pieces.is_noop(n) for n in p.nodes) for p in self.pieces)

    def where(self, blocks):
        if self.fenced:
            return "block %d" % self.segment.number if blocks > 1 else "the block"
        return "unfenced text"

    def path(self, blocks):
        return "fenced %d/%d" % (self.segment.number, blocks) if self.fenced else "unfenced"

    def notes(self, trims=True):
        """The choices made on this unit; trims=False leaves out the prose
        trimmed from its own text (a body placed under the prompt's
        signature is trimmed again there, and counted there)."""
        out = list(self.segment.notes) if self.fenced else []
        if self.removed and trims:
            out.append("%d prose line%s trimmed" % (self.removed, "" if self.removed == 1 else "s"))
        if self.cut:
            out.append("%d line%s cut after code that does not parse" % (self.cut, "" if self.cut == 1 else "s"))
        return out


def _dedent_first(text):
    """Remove the first code line's indentation from every line that has it
    (lm-eval's smart dedent, keyed on a code line, not a comment)."""
    lines = text.split("\n")
    prefix = ""
    for ln in lines:
        s = ln.strip()
        if s and not s.startswith("#"):
            prefix = ln[: len(ln) - len(ln.lstrip(" \t"))]
            break
    if not prefix:
        return text
    cut = len(prefix)
    return "\n".join(ln[cut:] if ln.startswith(prefix) else ln.lstrip(" \t") if not ln.strip() else ln
                     for ln in lines)


def analyse(segment, index, budget):
    """The unit of one segment (OutOfBudget propagates)."""
    unit = Unit(segment, index)
    trimmed = verdict_prose.trim_prose(segment.text, budget)
    unit.removed = trimmed.removed
    unit.cut = trimmed.cut
    if trimmed.indented:
        unit.raw = trimmed.text
        trimmed = verdict_prose.trim_prose(_dedent_first(trimmed.text), budget)
        unit.removed += trimmed.removed
        unit.cut += trimmed.cut
    unit.text = trimmed.text
    unit.tree = trimmed.tree
    if unit.tree is not None:
        unit.pieces = verdict_pieces.pieces_of(unit.text, unit.tree, unit, budget)
    return unit


def units_of(text, budget):
    """(units in text order, number of fenced blocks, budget_exceeded).
    Blocks are analysed last first, then the text between them, so that when
    the budget runs out the parts most likely to hold the final answer have
    been seen."""
    segments = verdict_fences.split_segments(text)
    blocks = sum(1 for s in segments if s.fenced)
    order = [i for i in range(len(segments) - 1, -1, -1) if segments[i].fenced]
    order += [i for i in range(len(segments) - 1, -1, -1) if not segments[i].fenced]
    order = [i for i in order if segments[i].text.strip() and not (
        segments[i].fenced and verdict_fences.tag_kind(segments[i].tag) == "other")]
    exceeded = len(order) > MAX_UNITS
    units = {}
    for i in order[:MAX_UNITS]:
        try:
            budget.charge(UNIT_COST)
            units[i] = analyse(segments[i], i, budget)
        except verdict_extract.OutOfBudget:
            exceeded = True
            break
    return [units[i] for i in sorted(units)], blocks, exceeded
