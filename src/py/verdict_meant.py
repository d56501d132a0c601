"""PROVISIONAL STUB of the extraction of what the model meant (issue 13, part A).

The real module is written by the owner of issue 13 part A and replaces this
file when it lands on main; until then this stub lets the verdict profile's
pipeline be built and tested. It keeps A's interface exactly:

    meant_program(content, *, reasoning=None, truncated_reasoning=False,
                  prompt="", entry_point=None, task="humaneval",
                  func_name=None, budget_chars=...)
    -> {"program": str ("" = none), "path": str, "notes": [str], "flags": [str]}

What the stub does (deliberately little): reasoning_content when the answer
is blank; the last fenced block (any tag, CRLF line ends) or the whole text;
for HumanEval, the prompt in front (a definition of the entry point replaces
the prompt's, a body completes it).
"""
import re

DEFAULT_BUDGET_CHARS = 4_000_000

_FENCE = re.compile(r"^[ \t]*```[^\n`]*\n(.*?)^[ \t]*```", re.S | re.M)


def meant_program(content, *, reasoning=None, truncated_reasoning=False, prompt="", entry_point=None,
                  task="humaneval", func_name=None, budget_chars=DEFAULT_BUDGET_CHARS):
    notes, flags = [], []
    text = content or ""
    if not text.strip():
        if truncated_reasoning:
            flags += ["truncated_reasoning", "no_code"]
            return {"program": "", "path": "none", "notes": ["answer only in unfinished reasoning"],
                    "flags": flags}
        if reasoning and reasoning.strip():
            text = reasoning
            flags.append("from_reasoning")
            notes.append("answer taken from reasoning_content")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notes.append("crlf")
    blocks = _FENCE.findall(text)
    if blocks:
        code, path = blocks[-1], "fenced %d/%d" % (len(blocks), len(blocks))
    else:
        code, path = text, "unfenced"
    if not code.strip():
        flags.append("no_code")
        return {"program": "", "path": "none", "notes": notes, "flags": flags}
    if task == "humaneval":
        if entry_point and re.search(r"^def[ \t]+%s\b" % re.escape(entry_point), code, re.M):
            program = prompt + code
        else:
            program = prompt + code
            path = "prompt+body"
    else:
        program = code
    return {"program": program, "path": path, "notes": notes, "flags": flags}
