"""Reasoning markup left in an answer, removed on the Python side too (the
`verdict` profile).

The C side (src/extract/reasoning.c) removes reasoning before the job is
built, and meant_program's `content` is normally its output. This module
applies the same rules, so that a caller handing meant_program a raw
completion gets the same answer, and adds one form the C side leaves alone
because only this profile should guess at it: harmony text whose special
tokens were dropped by the tokenizer's decode ("analysisThe user wants
...assistantfinal```python ..."), where the answer is what follows the last
"assistantfinal".

Rules (as reasoning.h): harmony `<|channel|>NAME<|message|>BODY` keeps the
last `final` body, none means truncated; Gemma `<|channel>...<channel|>`
pairs and `<think>...</think>` pairs (nesting counted) are removed; a closing
tag with no opener drops everything before it; a pair still open at the end
means the answer never came (truncated, empty). Beyond the C side: an answer
that starts with <thinking>, <reasoning>, <thought> or <think> in any case
loses those pairs by the same rules. Linear in the text.
Standard library only; importing this module does no work.
"""

import re

__all__ = ["strip_markup"]

_HARMONY_END = re.compile(r"<\|(?:end|return|call|start|channel)\|>")
_PLAIN_HARMONY = re.compile(r"\s*analysis(?=[A-Z\s])")


def _harmony(text):
    """(text, found, truncated) for `<|channel|>` segments."""
    if "<|channel|>" not in text:
        return text, False, False
    final = None
    pos = 0
    while True:
        c = text.find("<|channel|>", pos)
        if c < 0:
            break
        head = c + len("<|channel|>")
        m = text.find("<|message|>", head)
        if m < 0:
            break
        body = m + len("<|message|>")
        e = _HARMONY_END.search(text, body)
        end = e.start() if e else len(text)
        name = re.match(r"[^ <\n]*", text[head:m]).group()
        if name == "final":
            final = text[body:end]
        pos = max(end, body)
    if final is None:
        return "", True, True
    return final, True, False


def _pairs(text, open_tag, close_tag, hay=None):
    """(text, found, truncated) with open...close pairs removed; the tags
    are looked for in `hay` (text itself, or a copy of the same length)."""
    hay = text if hay is None else hay
    if open_tag not in hay and close_tag not in hay:
        return text, False, False
    out = []
    pos = depth = 0
    n = len(text)
    while pos < n:
        o = hay.find(open_tag, pos)
        c = hay.find(close_tag, pos)
        if o < 0 and c < 0:
            if depth == 0:
                out.append(text[pos:])
            pos = n
            break
        open_first = c < 0 or (0 <= o < c)
        if depth == 0 and not open_first:
            out = []  # reasoning that began before the text
            pos = c + len(close_tag)
        elif depth == 0:
            out.append(text[pos:o])
            depth = 1
            pos = o + len(open_tag)
        elif open_first:
            depth += 1
            pos = o + len(open_tag)
        else:
            depth -= 1
            pos = c + len(close_tag)
    if depth > 0:
        return "", True, True
    return "".join(out), True, False


# Other spellings of a reasoning section (<thinking>, <reasoning>,
# <thought>, <THINK>): a guess of this profile only, so taken only when the
# answer starts with one; then its pairs go as <think>'s do, in any case.
_OTHER_OPENER = re.compile(r"\s*<(think|thinking|reasoning|thought)>", re.IGNORECASE)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _other_pairs(text):
    """(text, found, truncated, tag) for the other spellings."""
    m = _OTHER_OPENER.match(text)
    if not m:
        return text, False, False, ""
    name = m.group(1).lower()
    out, found, truncated = _pairs(text, "<%s>" % name, "</%s>" % name, text.translate(_ASCII_LOWER))
    return out, found, truncated, m.group(0).strip()


def _plain_harmony(text):
    """Harmony without its special tokens: "analysis...assistantfinal...".
    Only when the text starts with the channel name."""
    if not _PLAIN_HARMONY.match(text):
        return text, False, False
    at = text.rfind("assistantfinal")
    if at < 0:
        return text, False, False
    return text[at + len("assistantfinal"):], True, False


def strip_markup(text):
    """(answer, notes, truncated)."""
    notes = []
    text, found, truncated = _harmony(text)
    if found:
        notes.append("reasoning markup removed (harmony channels)")
    if not truncated:
        text, found, truncated = _pairs(text, "<|channel>", "<channel|>")
        if found:
            notes.append("reasoning markup removed (Gemma thoughts)")
            text = re.sub(r"(?:\s*(?:<turn\|>|<eos>|<end_of_turn>))+\s*\Z", "", text)
    if not truncated:
        text, found, truncated = _pairs(text, "<think>", "</think>")
        if found:
            notes.append("reasoning markup removed (<think>)")
    if not truncated:
        text, found, truncated, tag = _other_pairs(text)
        if found:
            notes.append("reasoning markup removed (%s)" % tag)
    if not truncated:
        text, found, _ = _plain_harmony(text)
        if found:
            notes.append("reasoning removed (harmony text without its tokens)")
    return text, notes, truncated
