"""Extraction steps that need CPython's parser; they run inside the jail.

The C side (src/extract.c) finds the fenced blocks and the fallback text of
a raw completion; this module decides which text is the candidate, exactly as
the harness verdict reproduces would, and says how (the path).

lm-eval chat filter (omnimergekit `humaneval_chat/utils_chat.py`,
`_clean_one`): each block is parse-trimmed (the longest leading run of whole
lines, right-stripped, that `ast.parse` accepts and whose tree has a function
with more than a docstring; it must contain "def "); the last block that
survives wins; else the fallback is parse-trimmed; else the untrimmed
fallback is the candidate. The original tries every prefix from the front.
The answer is the longest qualifying prefix, so here prefixes are tried from
the longest down and the first success is the answer; prefixes that
right-strip to the same text are tried once; a prefix without "def " ends
the search (no shorter one has it either); blocks are tried from the last one
back, stopping at the first survivor. Same results, linear in the common
cases. A budget of characters handed to the parser bounds the rest.

evalplus `sanitize` (evalplus/sanitize.py, the tree-sitter version):
`code_extract` keeps the run of at least two lines that parses and has the
most non-blank lines (first such run on ties); then keeps imports, classes,
functions that contain a `return`, and top-level assignments, the first
definition of a name winning, and, given an entry point, only definitions
reachable from it by name. Implemented with `ast`; differences:
- tree-sitter recovers from syntax errors; when the extracted text does not
  parse here (only when no run of two or more lines parses and the first
  line alone does not), the result is "".
- the original's tree walk in `has_return_statement` can stop early on some
  degenerate trees; here every node of the function is looked at.
- a definition's text ends where tree-sitter's node ends, reconstructed from
  its indentation scanner: after the last statement, a comment on the same
  line and then every following comment line indented at least as deep as
  the body (blank lines between them included) belong to the definition.
  Checked on the evalplus sample data; odd layouts (a lone "\r" line end,
  backslash continuations around those comments) may differ.
Like the original: `from __future__` imports are dropped (tree-sitter calls
them `future_import_statement`), decorated definitions are dropped
(`decorated_definition`), and an assignment's name is its first direct
identifier child, which for `a[0] = b` is `b` and for `a, b = 1, 2` is none.

Both: a ValueError, RecursionError or MemoryError from the parser (null
bytes on some 3.11 releases, deep nesting) counts as "does not parse"; the
originals would have crashed. Warnings from the parser are ignored.
Standard library only; importing this module does no work.
"""

import ast
import warnings

__all__ = [
    "DEFAULT_BUDGET_CHARS",
    "ParseBudget",
    "OutOfBudget",
    "smart_dedent",
    "lm_eval_chat_select",
    "lm_eval_chat_select_detail",
    "lm_eval_chat_program",
    "evalplus_sanitize",
    "evalplus_sanitize_detail",
]

# Work budget, in characters handed to ast.parse per call. A parse is
# charged its length, except a failure whose line is known to bound the
# parser's work (see _failing_from): that one is charged the characters up to
# the end of that line plus 1/16 of the length (encoding and the tokenizer's
# scan of the rest). A parse longer than what is left is not started; past the
# budget the current block is given up and that is reported. With Debian's
# python3.11 on a 2-core machine ast.parse takes 2-4 us a character, so the
# default bounds the worst case to about ten seconds, and a 1 MB completion of
# the usual shapes (one clean block; code followed by prose) to a few.
DEFAULT_BUDGET_CHARS = 4_000_000

_PARSER_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)

# SyntaxError messages whose line is at or before every token CPython's first
# parser pass had to look at to fail, so that every longer prefix that
# still holds that whole line fails too (a prefix-closed failure):
# - the generic "invalid syntax", "unexpected indent" and "unexpected
#   unindent": reported at the last token of the first pass (pegen_errors.c,
#   _Pypegen_set_syntax_error) or later, when a tokenizer error further on
#   replaces them;
# - tokenizer errors: raised by the first bad character, whose line and the
#   state before it are the same in every longer prefix; an unterminated
#   string or a bracket that is never closed stays so in any longer prefix
#   that still holds its start.
# Specialised messages of the second pass ("invalid syntax. Perhaps you
# forgot a comma?", "expected ':'", ...) may point before the failure and
# are not used.
_SOUND_EXACT = frozenset(("invalid syntax", "unexpected indent", "unexpected unindent"))
_SOUND_PREFIXES = (
    "invalid character",
    "invalid non-printable character",
    "unindent does not match any outer indentation level",
    "inconsistent use of tabs and spaces in indentation",
    "too many levels of indentation",
    "unexpected character after line continuation character",
    "unterminated string literal",
    "unterminated triple-quoted string literal",
    "unmatched '",
    "closing parenthesis '",
    "too many nested parentheses",
    "invalid decimal literal",
    "invalid hexadecimal literal",
    "invalid octal literal",
    "invalid binary literal",
    "invalid digit '",
    "leading zeros in decimal integer literals",
)


def _failing_from(err):
    """0-based line from which every prefix holding that line fails, or None."""
    msg = err.msg if isinstance(err.msg, str) else ""
    line = err.lineno
    if not isinstance(line, int) or line < 1:
        return None
    if msg in _SOUND_EXACT or msg.startswith(_SOUND_PREFIXES) or msg.endswith("' was never closed"):
        return line - 1
    return None


class _OutOfBudget(Exception):
    pass


def _line_end_offset(src, line):
    """Offset just past the "\\n" that ends 0-based `line` (or the length)."""
    pos = 0
    for _ in range(line + 1):
        pos = src.find("\n", pos)
        if pos < 0:
            return len(src)
        pos += 1
    return pos


class _Budget:
    __slots__ = ("left", "calls", "chars", "odd_errors", "exceeded", "fail_from", "error")

    def __init__(self, chars):
        self.left = chars
        self.calls = 0
        self.chars = 0
        self.odd_errors = 0
        self.exceeded = False
        self.fail_from = None
        self.error = None

    def parse(self, src):
        """The tree of `src`, or None when it does not parse; then
        `fail_from` is the 0-based line of `src` from which every prefix
        fails too, or None when that is not known, and `error` the
        SyntaxError (None for the parser's other failures)."""
        n = len(src)
        if n > self.left:
            self.exceeded = True
            raise _OutOfBudget()
        self.calls += 1
        self.fail_from = None
        self.error = None
        cost = n
        try:
            return ast.parse(src)
        except SyntaxError as e:  # also IndentationError, TabError
            self.error = e
            self.fail_from = _failing_from(e)
            if self.fail_from is not None:
                cost = min(n, _line_end_offset(src, self.fail_from) + n // 16)
            return None
        except _PARSER_FAILURES:
            self.odd_errors += 1
            return None
        finally:
            self.left -= cost
            self.chars += cost

    def charge(self, n):
        """Charge work that is not a parse (a symbol table, a tokenizer
        pass) of `n` characters; OutOfBudget when it does not fit."""
        if n > self.left:
            self.exceeded = True
            raise _OutOfBudget()
        self.left -= n
        self.chars += n

    def report(self, detail):
        detail["parse_calls"] = self.calls
        detail["charged_chars"] = self.chars
        detail["budget_exceeded"] = self.exceeded
        detail["parser_errors"] = self.odd_errors
        return detail


# The `verdict` profile's extraction (verdict_meant, verdict_prose) charges
# its parses to the same kind of budget.
ParseBudget, OutOfBudget = _Budget, _OutOfBudget


def smart_dedent(block):
    """Remove the indent (`^[ \\t]*`) of the first line with a non-blank
    character from every line that starts with it; other lines stay."""
    lines = block.split("\n")
    prefix = ""
    for ln in lines:
        if ln.strip():
            prefix = ln[: len(ln) - len(ln.lstrip(" \t"))]
            break
    if not prefix:
        return block
    cut = len(prefix)
    return "\n".join(ln[cut:] if ln.startswith(prefix) else ln for ln in lines)


def _has_real_body(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if not body:
                continue
            if (
                len(body) == 1
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                continue
            return True
    return False


def _parse_trim(block, budget):
    """The longest qualifying prefix of the dedented block, or None."""
    block = smart_dedent(block)
    first_def = block.find("def ")
    if first_def < 0:
        return None
    lines = block.split("\n")
    end = len(block)
    below = len(lines)  # prefixes ending at this line or later fail
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        start = end - len(line)
        stripped_len = len(line.rstrip())
        cand_end = start + stripped_len
        end = start - 1
        if not stripped_len or i >= below:
            continue  # same text as a shorter prefix, or known to fail
        if first_def + 4 > cand_end:
            return None  # neither this prefix nor a shorter one has "def "
        cand = block[:cand_end]
        tree = budget.parse(cand)
        if tree is None:
            if budget.fail_from is not None:
                below = min(below, budget.fail_from)
        elif _has_real_body(tree):
            return cand
    return None


def lm_eval_chat_select_detail(blocks, fallback, budget_chars=DEFAULT_BUDGET_CHARS):
    """(candidate without the prompt, path, detail dict).

    path: "fenced n/m", "parse-trimmed", "unfenced" or "none" (blank
    candidate). detail: blocks, parse_calls, charged_chars, budget_exceeded,
    given_up (1-based block numbers abandoned for the budget; 0 = the
    fallback), parser_errors."""
    budget = _Budget(budget_chars)
    m = len(blocks)
    detail = {"blocks": m, "given_up": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for idx in range(m - 1, -1, -1):
            try:
                v = _parse_trim(blocks[idx], budget)
            except _OutOfBudget:
                detail["given_up"].append(idx + 1)
                continue
            if v is not None:
                return v, "fenced %d/%d" % (idx + 1, m), budget.report(detail)
        try:
            v = _parse_trim(fallback, budget)
        except _OutOfBudget:
            detail["given_up"].append(0)
            v = None
    if v is not None:
        return v, "parse-trimmed", budget.report(detail)
    path = "unfenced" if fallback.strip() else "none"
    return fallback, path, budget.report(detail)


def lm_eval_chat_select(blocks, fallback):
    """(candidate without the prompt, path); see lm_eval_chat_select_detail."""
    cand, path, _ = lm_eval_chat_select_detail(blocks, fallback)
    return cand, path


def lm_eval_chat_program(prompt, blocks, fallback, budget_chars=DEFAULT_BUDGET_CHARS):
    """(program, path, detail): the program lm-eval ran is prompt + candidate."""
    cand, path, detail = lm_eval_chat_select_detail(blocks, fallback, budget_chars)
    return prompt + cand, path, detail


# ---- evalplus -------------------------------------------------------------


def _never_starts(line):
    """A chunk cannot parse when its first line starts (after indentation)
    with a backtick (the tokenizer meets "`" outside any string) or is
    indented code (its first token is INDENT: "unexpected indent")."""
    rest = line.lstrip(" \t\x0c")
    if rest.startswith("`"):
        return True
    rest = line.lstrip(" \t")
    return len(rest) < len(line) and rest[:1] != "" and (rest[0].isalnum() or rest[0] in "_([{'\"@")


def _never_ends(line):
    """Nor can a chunk whose last line starts with a backtick and has no
    quote to close a string that could hold it."""
    return line.lstrip(" \t\x0c").startswith("`") and "'" not in line and '"' not in line


def _code_extract(text, budget, detail):
    """evalplus code_extract: lines[i..j], j > i, that parse with the most
    non-blank lines; the first in (i, j) order on ties; (0, 0) if none."""
    lines = text.split("\n")
    n = len(lines)
    starts = []
    pos = 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    nonblank = [1 if ln.strip() else 0 for ln in lines]
    before = [0] * (n + 1)  # non-blank lines in lines[:k]
    for k in range(n):
        before[k + 1] = before[k] + nonblank[k]

    def chunk(i, j):
        return text[starts[i] : starts[j] + len(lines[j])]

    # Lines that hold a fence-like "`" line no chunk can hold unless a string
    # spans it: a triple quote on an earlier line of the chunk, or a
    # backslash ending the line before it.
    ticks = [k for k in range(n) if _never_ends(lines[k])]
    triples = [0] * (n + 1)  # lines with a triple quote in lines[:k]
    for k in range(n):
        triples[k + 1] = triples[k] + ('"""' in lines[k] or "'''" in lines[k])

    def first_blocking_tick(i):
        for t in ticks:
            if t <= i:
                continue
            if triples[t] - triples[i]:
                return n
            if not lines[t - 1].rstrip("\r").endswith("\\"):
                return t
        return n

    best_count, best, best_tree = 0, (0, 0), None
    try:
        for i in range(n):
            if before[n] - before[i] <= best_count:
                break  # no later start can beat the best
            if _never_starts(lines[i]):
                continue
            below = first_blocking_tick(i)  # chunks from i ending here or later fail
            for j in range(n - 1, i, -1):
                count = before[j + 1] - before[i]
                if count <= best_count:
                    break
                if j >= below or _never_ends(lines[j]):
                    continue
                tree = budget.parse(chunk(i, j))
                if tree is None:
                    if budget.fail_from is not None:
                        below = min(below, i + budget.fail_from)
                    continue
                # The original scans j upwards and keeps the first j that
                # reaches this count: the same text less trailing blank lines.
                last = j
                while not nonblank[last]:
                    last -= 1
                chosen = j
                for k in range(max(last, i + 1), j):
                    shorter = None if _never_ends(lines[k]) else budget.parse(chunk(i, k))
                    if shorter is not None:
                        chosen, tree = k, shorter
                        break
                best_count, best, best_tree = count, (i, chosen), tree
                break
    except _OutOfBudget:
        pass
    detail["lines"] = [best[0] + 1, best[1] + 1] if best_count else None
    return "\n".join(lines[best[0] : best[1] + 1]), best_tree


def _line_starts(src):
    """Byte offsets of line starts as CPython's tokenizer counts lines
    ("\\r\\n", "\\r" and "\\n" all end one)."""
    starts = [0]
    if b"\r" not in src:
        i = src.find(b"\n")
        while i >= 0:
            starts.append(i + 1)
            i = src.find(b"\n", i + 1)
        return starts
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == 0x0A:
            starts.append(i + 1)
        elif c == 0x0D:
            if i + 1 < n and src[i + 1] == 0x0A:
                i += 1
            starts.append(i + 1)
        i += 1
    return starts


def _line_end(src, starts, line):
    """End of a line's text (before its "\\n", "\\r\\n" or "\\r")."""
    if line + 1 >= len(starts):
        return len(src)
    e = starts[line + 1] - 1
    if src[e] == 0x0A and e > starts[line] and src[e - 1] == 0x0D:
        e -= 1
    return e


def _scanner_indent(text):
    """Indentation as tree-sitter-python's scanner counts it."""
    n = 0
    for c in text:
        if c == 0x20:
            n += 1
        elif c == 0x09:
            n += 8
        elif c in (0x0C, 0x0D):
            n = 0
        else:
            break
    return n


def _definition_end(src, starts, node, end):
    """Where tree-sitter's function or class node ends: its last statement,
    plus a comment on that line, plus the comment lines after it that its
    scanner keeps inside the body (indented at least as deep as the body)."""
    line = node.end_lineno - 1
    stop = _line_end(src, starts, line)
    k = end
    while k < stop and src[k] in b" \t\x0c;":
        k += 1
    if k < stop and src[k] == 0x23:
        end = stop
    first = node.body[0]
    head = src[starts[first.lineno - 1] : starts[first.lineno - 1] + first.col_offset]
    if head.strip(b" \t\x0c"):
        return end  # body on the header's line: no indented block
    body_indent = _scanner_indent(head)
    for line in range(line + 1, len(starts)):
        text = src[starts[line] : _line_end(src, starts, line)]
        rest = text.lstrip(b" \t\x0c\r")
        if not rest:
            continue
        if rest[:1] != b"#" or _scanner_indent(text) < body_indent:
            break
        end = starts[line] + len(text)
    return end


def _identifiers(node):
    """What tree-sitter would call identifiers under `node`."""
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, ast.keyword):
            if n.arg:
                out.add(n.arg)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, ast.alias):
            out.update(n.name.split("."))
            if n.asname:
                out.add(n.asname)
        elif isinstance(n, ast.ImportFrom):
            if n.module:
                out.update(n.module.split("."))
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            out.update(n.names)
        elif isinstance(n, ast.ExceptHandler):
            if n.name:
                out.add(n.name)
        elif isinstance(n, (ast.MatchAs, ast.MatchStar)):
            if n.name:
                out.add(n.name)
        elif isinstance(n, ast.MatchMapping):
            if n.rest:
                out.add(n.rest)
        elif isinstance(n, ast.MatchClass):
            out.update(n.kwd_attrs)
    return out


def _has_return(node):
    return any(isinstance(n, ast.Return) for n in ast.walk(node))


def _assignment_name(node):
    """tree-sitter's get_definition_name on an `assignment`: its first direct
    identifier child (left side, else a bare-name right side)."""
    if isinstance(node, ast.Assign):
        if isinstance(node.targets[0], ast.Name):
            return node.targets[0].id
        if len(node.targets) == 1 and isinstance(node.value, ast.Name):
            return node.value.id
        return None
    if isinstance(node.target, ast.Name):
        return node.target.id
    if isinstance(node.value, ast.Name):
        return node.value.id
    return None


def evalplus_sanitize_detail(code, entry_point, budget_chars=DEFAULT_BUDGET_CHARS):
    """(sanitized code, detail dict: lines (1-based first and last line kept
    by code_extract, or None), parse_calls, charged_chars, budget_exceeded,
    parser_errors, unparsed)."""
    budget = _Budget(budget_chars)
    detail = {"unparsed": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, tree = _code_extract(code, budget, detail)
        if tree is None:  # no run of lines parsed: the first line alone
            try:
                tree = ast.parse(code)
            except _PARSER_FAILURES:
                detail["unparsed"] = True
                return "", budget.report(detail)

    src = code.encode("utf-8")
    starts = _line_starts(src)

    def segment(node, definition=False):
        a = starts[node.lineno - 1] + node.col_offset
        b = starts[node.end_lineno - 1] + node.end_col_offset
        if definition:
            b = _definition_end(src, starts, node, b)
        return src[a:b]

    imports = []
    definitions = []
    taken = set()
    for node in tree.body:
        if isinstance(node, ast.Import) or (
            isinstance(node, ast.ImportFrom) and not (node.module == "__future__" and node.level == 0)
        ):
            imports.append(node)
        elif isinstance(node, ast.ClassDef) and not node.decorator_list:
            if node.name not in taken:
                definitions.append((node.name, node))
                taken.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.decorator_list:
            if node.name not in taken and _has_return(node):
                definitions.append((node.name, node))
                taken.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            name = _assignment_name(node)
            if name not in taken:
                definitions.append((name, node))
                taken.add(name)

    if entry_point:
        nodes = dict(definitions)
        reachable = {entry_point}
        queue = [entry_point]
        while queue:
            current = queue.pop()
            if current not in nodes:
                continue
            for dep in _identifiers(nodes[current]):
                if dep not in reachable:
                    reachable.add(dep)
                    queue.append(dep)
        definitions = [(name, node) for name, node in definitions if name in reachable]

    parts = [segment(node) for node in imports]
    parts += [segment(node, not isinstance(node, (ast.Assign, ast.AnnAssign))) for _, node in definitions]
    return b"\n".join(parts).decode("utf-8"), budget.report(detail)


def evalplus_sanitize(code, entry_point):
    """evalplus `sanitize(code, entrypoint)`; see the module notes."""
    return evalplus_sanitize_detail(code, entry_point)[0]
