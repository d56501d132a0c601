"""test_html_report.py's `hostile` part: our own fixtures with hostile
completions, task ids and messages, scored in the jail and rendered by
`verdict audit --html` and `verdict report`; a comparison of runs of our
own; a saved POST /score response; `verdict report` on bad files."""
import gzip
import json
import os

import browser as B
import http_harness as H
from html_page_checks import (
    audit_to_page, check_comparison_page, check_figures, check_filters, check_inert, keep,
    open_page, screenshot, t, verdict)


# --------------------------------------------------------------- hostile

PROMPT = "def f(x):\n"
TEST = "def check(candidate):\n    assert candidate(1) == 1\n"
SCRIPT_TASK = "Hostile/<script>window.__pwned=9</script>"
HOSTILE = [
    ("Hostile/0", "    return x  # <script>document.title='pwned';window.__pwned=1</script>\n"),
    ("Hostile/0", "    return x\n# </textarea></pre></details></summary><img src=x onerror=\"window.__pwned=2\">\n"),
    (SCRIPT_TASK, "    raise ValueError('<img src=x onerror=window.__pwned=5> \u2028 \u2029 \u202eevil')\n"),
    ("Hostile/2", "    return x\n# <a href=\"javascript:window.__pwned=3\">click</a> </script><script>window.__pwned=4"
                  "</script><!-- \x1b[31mred\r\n"),
    ("Hostile/2", ""),
    ("Hostile/0", "    print('<script>window.__pwned=6</script>')\n    return 0\n"),
]


def write_fixtures(tmp):
    problems = os.path.join(tmp, "hostile_problems.jsonl")
    with open(problems, "w") as f:
        for tid in ("Hostile/0", SCRIPT_TASK, "Hostile/2"):
            f.write(json.dumps({"task_id": tid, "prompt": PROMPT, "entry_point": "f", "test": TEST,
                                "canonical_solution": "    return x\n"}) + "\n")
    samples = os.path.join(tmp, "hostile_samples.jsonl")
    with open(samples, "w") as f:
        for tid, c in HOSTILE:
            f.write(json.dumps({"task_id": tid, "completion": c}) + "\n")
        # A lone surrogate: the line cannot be read, and says so.
        f.write('{"task_id": "Hostile/2", "completion": "x\\ud800y"}\n')
    return problems, samples


def edited_report(rep, tmp):
    """The audit's report, edited as a hostile hand would: a lone surrogate
    and raw invalid UTF-8 in a completion, a harness block, an unknown status
    and flags, group and layer names that are markup."""
    r = json.loads(json.dumps(rep))
    r["samples"][0]["completion"] += " lone \ud800 and \udfff; RAWBYTES"
    r["samples"][1]["status"] = "<b onclick=\"window.__pwned=7\">weird</b>"
    r["samples"][1]["flags"] = ["x\" onmouseover=\"window.__pwned=8", "<i>flag</i>"]
    r["isolation"]["layers"]["<img src=x onerror=window.__pwned=10>"] = {"state": "active", "detail": "\"><script>"}
    r["groups"] = {"difficulty": {"<script>window.__pwned=11</script>": {"tasks": 1, "pass_at_1": 1.0}},
                   "month": {"2024-01": {"tasks": 2, "pass_at_1": 0.5}, "</svg><img src=x>": {"tasks": 1, "pass_at_1": 0}}}
    # The harness block as docs/schema.md describes it: causes list row
    # numbers into samples[]; each differing sample has its own record.
    r["harness"] = {"profile": "lm-eval-chat", "pass_at_k": {"1": {"value": 0.25, "tasks_computable": 3, "tasks_total": 3}},
                    "passed": 1, "scored": 4, "faithful_runs": 2, "differ": 2,
                    "causes": [{"cause": "guard", "label": "<script>window.__pwned=12</script> tempfile", "count": 1,
                                "samples": [0]},
                               {"cause": "from_reasoning", "label": "answer only in reasoning_content", "count": 1,
                                "samples": [2]}]}
    r["samples"][0]["harness"] = {"profile": "lm-eval-chat", "status": "failed", "passed": False, "ran": True,
                                  "differs": True, "cause": "guard",
                                  "label": "<script>window.__pwned=12</script> tempfile",
                                  "detail": "<img src=x onerror=\"window.__pwned=14\"> os.unlink is None"}
    path = os.path.join(tmp, "edited_report.json")
    with open(path, "wb") as f:
        f.write(json.dumps(r).encode().replace(b"RAWBYTES", b"\xff\xfe\xed\xa0\x80"))
    return r, path


def check_hostile_text(page, name):
    texts = page.eval("Array.from(document.querySelectorAll('#sample-list pre')).map(p => p.textContent)")
    joined = "\n".join(texts)
    t.ok("<script>document.title='pwned';window.__pwned=1</script>" in joined
         and "</textarea></pre></details></summary><img src=x onerror=\"window.__pwned=2\">" in joined
         and "<a href=\"javascript:window.__pwned=3\">click</a> </script><script>window.__pwned=4</script><!--" in joined,
         "%s: the hostile completions are shown as text, whole" % name)
    t.ok("\u241b[31mred\u240d\n" in joined and "U+2028" in joined and "U+202E" in joined,
         "%s: escape codes, CR, U+2028 and a bidi override are shown as visible marks" % name)
    tasks = page.eval("Array.from(document.querySelectorAll('#sample-list .task')).map(e => e.textContent)")
    t.ok(any(SCRIPT_TASK in x for x in tasks), "%s: a task id holding <script> is shown as text" % name)


def check_no_js(b, path, rep, name):
    url = "file://" + os.path.abspath(path)
    target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    page = B.Page(b, session)
    b._pages[session] = page
    page.send("Page.enable")
    page.send("Emulation.setScriptExecutionDisabled", {"value": True})
    page.send("Page.navigate", {"url": url})
    page.wait_for("document.readyState === 'complete'")
    r = page.eval("({hidden: document.getElementById('filters').hidden,"
                  " rows: Array.from(document.querySelectorAll('#sample-list details.sample')).filter(d => !d.hidden).length,"
                  " kpi: document.querySelector('.kpi .v').textContent})")
    t.ok(r["hidden"] and r["rows"] == len(rep["samples"]) and r["kpi"],
         "%s: with JavaScript off every sample is listed and the filter bar stays hidden" % name, r)


def part_hostile(b, tmp):
    problems, samples = write_fixtures(tmp)
    page_path = os.path.join(tmp, "hostile.html")
    rep = audit_to_page(["--dataset", problems, samples], page_path, tmp, "hostile")
    if rep is None:
        return
    t.ok(len(rep["errors"]) == 1 and rep["errors"][0]["line"] == len(HOSTILE) + 1,
         "hostile: the line with a lone surrogate is reported with its number", rep["errors"])
    keep(page_path, "hostile.html")
    title = "verdict audit: " + rep["bench_label"]
    page, url = open_page(b, page_path, "hostile page (verdict audit --html)")
    check_inert(page, "hostile page", title)
    check_hostile_text(page, "hostile page")
    check_figures(page, rep, "hostile page")
    errs = page.eval("Array.from(document.querySelectorAll('#errors td')).map(e => e.textContent)")
    t.ok(str(len(HOSTILE) + 1) in errs, "hostile page: the unreadable line is listed with its number", errs)
    check_filters(page, rep, "hostile page")
    screenshot(page, "hostile", open_status="error")
    check_no_js(b, page_path, rep, "hostile page")

    edited, edited_path = edited_report(rep, tmp)
    page2_path = os.path.join(tmp, "hostile-report.html")
    r = verdict("report", edited_path, "--html", page2_path)
    t.ok(r.returncode == 0 and os.path.exists(page2_path),
         "verdict report renders a report holding lone surrogates and invalid UTF-8", r.stderr[-500:])
    if r.returncode != 0:
        return
    keep(page2_path, "hostile-report.html")
    page, url = open_page(b, page2_path, "edited report page (verdict report --html)")
    check_inert(page, "edited report page", title)
    pre = page.eval("document.querySelector('#s-0 pre').textContent")
    t.ok(pre.count("\ufffd") >= 5 and "lone \ufffd and \ufffd;" in pre,
         "edited report page: lone surrogates and invalid bytes show as U+FFFD, the rest of the text intact")
    h = page.eval("({text: document.getElementById('harness').textContent,"
                  " links: Array.from(document.querySelectorAll('#harness a')).map(a => a.getAttribute('href')),"
                  " fig: document.querySelector('[data-fig=harness-pass1]').textContent})")
    t.ok("<script>window.__pwned=12</script> tempfile" in h["text"] and "answer only in reasoning_content" in h["text"]
         and "os.unlink is None" in h["text"] and h["fig"] == "0.2500" and h["links"] == ["#s-0", "#s-2"],
         "edited report page: the harness block shows the harness's pass@1 and the differing samples by cause, "
         "linked to their rows", h)
    weird = page.eval("document.querySelector('#s-1 .badge').textContent")
    t.ok(weird == edited["samples"][1]["status"], "edited report page: an unknown status is shown as text", weird)
    check_filters(page, edited, "edited report page")
    screenshot(page, "hostile-report")

    part_compare(b, tmp)

    # A POST /score response saved and rendered.
    mini = os.path.join(H.ROOT, "fixtures", "http", "mini.jsonl")
    with H.Server("--dataset", "mini=" + mini, "--canary-interval", "0", dataset=False) as srv:
        status, _, resp = srv.score({"benchmark": "mini", "include_programs": True, "samples": [
            {"task_id": "Mini/0", "completion": "    return x + 1  # <script>window.__pwned=13</script>\n"},
            {"task_id": "Mini/1", "completion": "```python\ndef dec(x):\n    return x\n```"}]})
    t.ok(status == 200 and all("completion" in s and "program" in s for s in resp.get("samples", [])),
         "POST /score with include_programs returns each completion and program", (status, str(resp)[:500]))
    saved = os.path.join(tmp, "response.json")
    with open(saved, "w") as f:
        json.dump(resp, f)
    page3 = os.path.join(tmp, "response.html")
    r = verdict("report", saved, "--html", page3)
    if t.ok(r.returncode == 0, "verdict report renders a saved POST /score response", r.stderr[-500:]):
        page, url = open_page(b, page3, "POST /score page")
        check_inert(page, "POST /score page", "verdict audit: " + resp["bench_label"])
        check_figures(page, resp, "POST /score page")



def part_compare(b, tmp):
    problems = os.path.join(tmp, "cmp_problems.jsonl")
    with open(problems, "w") as f:
        for i in range(5):
            f.write(json.dumps({"task_id": "C/%d" % i, "prompt": PROMPT, "entry_point": "f", "test": TEST,
                                "canonical_solution": "    return x\n"}) + "\n")
    runs = {"base": ["    return x\n", "    return x  # <script>window.__pwned=20</script>\n", "    return 0\n",
                     "    return x\n", "    return x\n"],
            "tuned": ["    return x\n", "    raise ValueError('<img src=x onerror=window.__pwned=21>')\n",
                      "    return x\n", "    return x +\n", "    return x\n"]}
    reports = []
    for name, completions in runs.items():
        path = os.path.join(tmp, name + ".jsonl")
        with open(path, "w") as f:
            for i, c in enumerate(completions):
                f.write(json.dumps({"task_id": "C/%d" % i, "completion": c}) + "\n")
        r = verdict("audit", "--json", "--explain", "--dataset", problems, path)
        reports.append(json.loads(r.stdout))
        saved = dict(reports[-1], samples=[dict(x) for x in reports[-1]["samples"]])
        # As Python's json writes a model's lone surrogate: compare reads it all the same.
        saved["samples"][0]["completion"] += "\ud800"
        with open(os.path.join(tmp, name + ".json"), "w") as f:
            json.dump(saved, f)
    page_path = os.path.join(tmp, "compare.html")
    # Two saved reports and a samples file scored now (its programs kept for the page).
    r = verdict("compare", "--dataset", problems, "--json", "--html", page_path, "base=" + os.path.join(tmp, "base.json"),
                "tuned=" + os.path.join(tmp, "tuned.json"), "scored_now=" + os.path.join(tmp, "tuned.jsonl"))
    if not t.ok(r.returncode == 0 and os.path.exists(page_path), "verdict compare --html writes the page",
                r.stderr[-800:]):
        return
    cmp = json.loads(r.stdout)
    keep(page_path, "compare.html")
    scored_now = dict(reports[1])
    page = check_comparison_page(b, page_path, cmp, [reports[0], scored_now], "comparison page",
                                 "verdict compare: " + reports[0]["bench_label"])
    screenshot(page, "compare")
    r = verdict("compare", "--html", "-", "--json", os.path.join(tmp, "base.json"), os.path.join(tmp, "tuned.json"))
    t.ok(r.returncode == 2 and b"stdout" in r.stderr, "verdict compare: --html - with --json is a usage error")


def part_cli_errors(tmp):
    page = os.path.join(tmp, "never.html")
    cases = [
        ("bad.json", b'{"summary": {},\n "samples": [\n  {"task_id": "a",, "status": "passed"}]}', "line 3"),
        ("nosamples.json", b'{"summary": {}}', "samples: missing"),
        ("wrongtype.json", b'{"summary": {}, "samples": [{"task_id": "a", "status": 2}]}',
         "samples[0].status: expected a string"),
        ("error.json", b'{"error": "benchmark: unknown benchmark", "field": "benchmark"}', "error response"),
    ]
    for fname, body, want in cases:
        p = os.path.join(tmp, fname)
        with open(p, "wb") as f:
            f.write(body)
        r = verdict("report", p, "--html", page)
        err = r.stderr.decode("utf-8", "replace")
        t.ok(r.returncode == 2 and fname in err and want in err and not os.path.exists(page)
             and not os.path.exists(page + ".partial"),
             "verdict report %s: exit 2, names the file and '%s', writes no page" % (fname, want), err)
    r = verdict("report", os.path.join(tmp, "bad.json"))
    t.ok(r.returncode == 2 and b"--html" in r.stderr, "verdict report without --html: usage error")
    gz = os.path.join(tmp, "ok.json.gz")
    with gzip.open(gz, "wb") as f:
        f.write(b'{"summary": {}, "samples": [{"task_id": "a", "status": "passed"}]}')
    r = verdict("report", gz, "--html", "-")
    t.ok(r.returncode == 0 and r.stdout.startswith(b"<!DOCTYPE html>") and b"</html>" in r.stdout,
         "verdict report reads a gzipped report and writes the page to stdout with --html -")


# ------------------------------------------------------------- real data
