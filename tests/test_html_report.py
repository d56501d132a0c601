#!/usr/bin/env python3
"""The HTML report pages, opened in headless Chromium (TAP).

usage: test_html_report.py hostile|real

hostile: our own fixtures, scored in the jail by `verdict audit --html`, whose
  completions, exception messages and task ids hold <script>, </textarea>,
  <img onerror>, javascript: links, U+2028, a bidi override and escape codes;
  then the same report edited to hold lone surrogates, invalid UTF-8, a
  harness block and hostile statuses, flags and group names, rendered by
  `verdict report`; a comparison of runs of our own (`verdict compare --html`:
  two saved reports and a samples file scored now); and a POST /score
  response saved and rendered. Each page:
  loads with no console error and no network request, runs none of the
  fixtures' scripts (no global set, the title unchanged, no <img>, no link
  leaving the page, no on* attribute), shows the hostile text as text, and
  filters by status, flag and task. With JavaScript off it still lists every
  sample. `verdict report` refuses bad files with the line or field named.
real: the real runs of ../shared/samples (skipped with the reason when absent):
  the gpt-oss-20b lm-eval HumanEval chat run, the evalplus Llama-3-8B-Instruct
  and Llama-3-8B results (a subset of tasks, to keep the cost low), and the
  o1-mini LiveCodeBench submission (scored on a spread of the problems with
  tests, with all tests and with the public ones; the whole submission
  rendered with --no-exec): the figures on each page equal the JSON report's,
  and the status filters show the right rows. Then the comparison pages of
  base against Instruct and of all tests against public tests, from the saved
  reports: the sweep and the flips equal `verdict compare --json`'s.

Screenshots and the pages are kept in $VERDICT_ARTEFACTS (the build
directory's artefacts/html/). Chromium is Debian's `chromium` (bootstrap.sh
test installs it); without it the test skips with the reason, unless
VERDICT_MUST_WORK=1, where it fails.
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser as B  # noqa: E402
import http_harness as H  # noqa: E402

t = H.Tap()
ART = os.environ.get("VERDICT_ARTEFACTS") or os.path.join(tempfile.gettempdir(), "verdict-html-artefacts")
QUICK = os.environ.get("VERDICT_FIDELITY_QUICK") == "1"
PAGE_TEXTS = ("completion", "reasoning", "program")


def verdict(*args, timeout=900):
    return subprocess.run([H.BINARY] + list(args), capture_output=True, timeout=timeout)


def audit_to_page(args, page, tmp, name):
    """verdict audit --json --explain --html PAGE ARGS: (report, exit code)."""
    r = verdict("audit", "--json", "--explain", "--cache-dir", os.path.join(tmp, "cache"), "--html", page, *args)
    if r.returncode not in (0, 1):
        t.ok(False, "%s: verdict audit ran" % name, r.stderr.decode("utf-8", "replace")[-2000:])
        return None
    return json.loads(r.stdout)


def keep(path, name):
    os.makedirs(ART, exist_ok=True)
    shutil.copyfile(path, os.path.join(ART, name))


# ------------------------------------------------------------- page checks

INERT_JS = r"""(() => {
  const all = Array.from(document.querySelectorAll('*'));
  return {
    pwned: typeof window.__pwned,
    title: document.title,
    images: document.images.length,
    frames: document.querySelectorAll('iframe, frame, object, embed, base, form, link').length,
    scripts: Array.from(document.scripts).map(s => s.type || 'classic'),
    offsite_links: Array.from(document.querySelectorAll('a[href]')).filter(a => !a.getAttribute('href').startsWith('#')).length,
    on_attributes: all.filter(e => Array.from(e.attributes).some(a => a.name.toLowerCase().startsWith('on'))).length,
    style_attributes: all.filter(e => e.hasAttribute('style')).length,
  };
})()"""


def check_page_clean(page, url, name):
    t.ok(not page.problems(url), "%s: loads with no console error and no network request" % name,
         "\n".join(page.problems(url)))


def check_inert(page, name, title):
    r = page.eval(INERT_JS)
    t.ok(r["pwned"] == "undefined" and r["title"] == title,
         "%s: no script of the fixtures ran (no global set, title unchanged)" % name, r)
    t.ok(r["images"] == 0 and r["frames"] == 0 and r["offsite_links"] == 0 and r["on_attributes"] == 0
         and r["style_attributes"] == 0,
         "%s: no <img>, frame, form or external link, no on* or style attribute in the DOM" % name, r)
    t.ok(r["scripts"] == ["application/json", "classic"],
         "%s: the only scripts are the page's data block and its own script" % name, r["scripts"])


FIGURES_JS = r"""(() => {
  const kpis = {};
  document.querySelectorAll('.kpi').forEach(k => { kpis[k.querySelector('.l').textContent] = k.querySelector('.v').textContent; });
  const figs = {};
  document.querySelectorAll('[data-fig]').forEach(e => { figs[e.getAttribute('data-fig')] = e.textContent; });
  const legend = {};
  document.querySelectorAll('#status-legend li').forEach(li => { legend[li.getAttribute('data-status')] = li.querySelector('.count').textContent; });
  const groups = {};
  document.querySelectorAll('#groups table.groups').forEach(tb => {
    const dim = tb.parentElement.querySelector('h3').textContent.replace(/^by /, '');
    groups[dim] = {};
    tb.querySelectorAll('tbody tr').forEach(tr => {
      const td = tr.querySelectorAll('td');
      groups[dim][td[0].textContent] = [td[1].textContent, td[2].textContent];
    });
  });
  const months = Array.from(document.querySelectorAll('#groups svg.columns rect.bar title')).map(x => x.textContent);
  return {kpis, figs, legend, groups, months,
          rows: document.querySelectorAll('#sample-list details.sample').length,
          data: JSON.parse(document.getElementById('report-data').textContent)};
})()"""


def fmt4(v):
    return "%.4f" % v


def without_texts(rep):
    out = json.loads(json.dumps(rep))
    for s in out.get("samples", []):
        for k in PAGE_TEXTS:
            s.pop(k, None)
    return out


def check_figures(page, rep, name):
    f = page.eval(FIGURES_JS)
    summ, aud = rep["summary"], rep["audit"]
    p1 = summ["pass_at_k"].get("1", {}).get("value")
    want_kpis = {"samples": str(summ["n_samples"])}
    if summ["executed"]:
        want_kpis["pass@1"] = fmt4(p1) if p1 is not None else "n/a"
        want_kpis["passed"] = str(summ["counts"]["passed"])
    if "reference_agreement" in summ:
        ra = summ["reference_agreement"]
        want_kpis["agrees with the file's verdicts"] = "%d/%d" % (ra["agree"], ra["known"])
    got_kpis = {k: f["kpis"].get(k) for k in want_kpis}
    t.ok(got_kpis == want_kpis, "%s: the headline figures equal the report's (%s)" % (name, got_kpis),
         (got_kpis, want_kpis))
    ch = aud["chars"]
    want_figs = {"n": str(aud["n"]), "empty": str(aud["empty"]), "fenced": str(aud["fenced"]),
                 "chars": "%d / %d / %d" % (ch["p10"], ch["p50"], ch["p90"]),
                 "verbatim": aud["verbatim_canonical"]["text"],
                 "score": (fmt4(p1) if p1 is not None else "n/a") if summ["executed"] else "not run"}
    got_figs = {k: f["figs"].get(k) for k in want_figs}
    t.ok(got_figs == want_figs, "%s: the audit table equals the report's audit (%s)" % (name, got_figs),
         (got_figs, want_figs))
    want_legend = {}
    for s in rep["samples"]:
        want_legend[s["status"]] = want_legend.get(s["status"], 0) + 1
    counted = {k: v for k, v in summ["counts"].items() if v}
    legend = {k: int(v) for k, v in f["legend"].items()}
    t.ok(legend == want_legend and all(legend.get(k) == v for k, v in counted.items())
         and legend.get("skipped", 0) == summ.get("skipped_samples", 0),
         "%s: the status legend equals summary.counts (and the skipped samples)" % name, (legend, counted))
    t.ok(f["rows"] == len(rep["samples"]), "%s: one row per sample (%d)" % (name, f["rows"]))
    t.ok(f["data"] == without_texts(rep), "%s: the page's data block is the report (without the long texts)" % name)
    if rep.get("groups"):
        ok = True
        for dim, vals in rep["groups"].items():
            if dim == "month":
                want = sorted("pass@1, %s: %s (%d tasks)" % (m, fmt4(v["pass_at_1"]), v["tasks"]) for m, v in vals.items())
                ok = ok and sorted(f["months"]) == want
                continue
            want = {k: [str(v["tasks"]), fmt4(v["pass_at_1"])] for k, v in vals.items()}
            ok = ok and f["groups"].get(dim) == want
        t.ok(ok, "%s: pass@1 by difficulty, platform and contest month equal the report's groups" % name,
             (f["groups"], f["months"], rep["groups"]))


VISIBLE_JS = r"""Array.from(document.querySelectorAll('#sample-list details.sample')).filter(d => !d.hidden)
  .map(d => [d.getAttribute('data-status'), d.getAttribute('data-task'),
             Array.from(d.querySelectorAll('summary .chip')).map(c => c.textContent)])"""


def check_filters(page, rep, name):
    statuses = sorted({s["status"] for s in rep["samples"]}, key=lambda x: -sum(s["status"] == x for s in rep["samples"]))
    ok = True
    detail = []
    for st in statuses[:3]:
        page.eval("Array.from(document.querySelectorAll('#status-legend a[data-only-status]'))"
                  ".find(a => a.getAttribute('data-only-status') === %s).click()" % json.dumps(st))
        vis = page.eval(VISIBLE_JS)
        want = sum(1 for s in rep["samples"] if s["status"] == st)
        shown = page.eval("document.getElementById('shown-count').textContent")
        good = len(vis) == want and all(v[0] == st for v in vis) and shown == str(want)
        ok = ok and good
        detail.append((st, len(vis), want, shown))
    t.ok(ok, "%s: a status in the legend shows exactly its samples %s" % (name, detail), detail)
    page.eval("document.querySelector('#filters [data-all]').click()")
    t.ok(len(page.eval(VISIBLE_JS)) == len(rep["samples"]), "%s: 'all' shows every sample again" % name)
    # A checkbox off hides its status, the others stay.
    st = statuses[0]
    page.eval("Array.from(document.querySelectorAll('#filters input[data-status]'))"
              ".find(b => b.getAttribute('data-status') === %s).click()" % json.dumps(st))
    vis = page.eval(VISIBLE_JS)
    t.ok(len(vis) == len(rep["samples"]) - sum(1 for s in rep["samples"] if s["status"] == st)
         and all(v[0] != st for v in vis), "%s: unchecking %s hides exactly those rows" % (name, st))
    page.eval("document.querySelector('#filters [data-all]').click()")
    flags = {}
    for s in rep["samples"]:
        for fl in s.get("flags", []):
            flags[fl] = flags.get(fl, 0) + 1
    if flags:
        fl = max(flags, key=flags.get)
        # The option is found by its text: "flag (count)".
        page.eval("(() => { const s = document.getElementById('flag-filter');"
                  " s.value = Array.from(s.options).find(o => o.textContent === %s).value;"
                  " s.dispatchEvent(new Event('change', {bubbles: true})); })()" % json.dumps("%s (%d)" % (fl, flags[fl])))
        vis = page.eval(VISIBLE_JS)
        t.ok(len(vis) == flags[fl] and all(fl in v[2] for v in vis),
             "%s: the flag filter (%s) shows its %d samples" % (name, fl, flags[fl]), (len(vis), flags[fl]))
        page.eval("(() => { const s = document.getElementById('flag-filter'); s.value = '';"
                  " s.dispatchEvent(new Event('change', {bubbles: true})); })()")
    task = rep["samples"][-1]["task_id"]
    q = task[-4:] if len(task) > 4 else task
    page.eval("(() => { const i = document.getElementById('task-filter'); i.value = %s;"
              " i.dispatchEvent(new Event('input', {bubbles: true})); })()" % json.dumps(q))
    vis = page.eval(VISIBLE_JS)
    want = sum(1 for s in rep["samples"] if q.lower() in s["task_id"].lower())
    t.ok(len(vis) == want, "%s: the task search (%r) shows the %d matching samples" % (name, q, want), (len(vis), want))
    page.eval("(() => { const i = document.getElementById('task-filter'); i.value = '';"
              " i.dispatchEvent(new Event('input', {bubbles: true})); })()")


def screenshot(page, name, open_status=None):
    """The page from its top; then, when asked, the first row of a status opened."""
    path = os.path.join(ART, name + ".png")
    os.makedirs(ART, exist_ok=True)
    page.screenshot(path, max_height=2600)
    t.ok(os.path.getsize(path) > 10000, "%s: screenshot kept at %s" % (name, path))
    if open_status:
        y = page.eval("(() => { const d = Array.from(document.querySelectorAll('details.sample'))"
                      ".find(e => e.getAttribute('data-status') === %s);"
                      " if (!d) return null; d.open = true; return d.getBoundingClientRect().top + window.scrollY; })()"
                      % json.dumps(open_status))
        if y is not None:
            rpath = os.path.join(ART, name + "-row.png")
            page.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1000, "deviceScaleFactor": 1,
                                                             "mobile": False})
            r = page.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
                "x": 0, "y": max(0, y - 40), "width": 1280, "height": 1000, "scale": 1}})
            import base64
            with open(rpath, "wb") as f:
                f.write(base64.b64decode(r["data"]))
            page.send("Emulation.clearDeviceMetricsOverride")


def open_page(b, path, name, title=None):
    url = "file://" + os.path.abspath(path)
    page = b.open(url)
    b.pump(0.5)
    check_page_clean(page, url, name)
    return page, url


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


# ------------------------------------------------------------- comparison

CMP_JS = r"""(() => {
  const rows = Array.from(document.querySelectorAll('table.sweep tbody tr')).map(tr => ({
    run: tr.querySelector('td b').textContent,
    passk: (tr.querySelector('[data-fig=passk]') || {}).textContent,
    delta: (tr.querySelector('[data-fig=delta]') || {}).textContent,
    p: (tr.querySelector('[data-fig=p]') || {}).textContent,
    flips: (tr.querySelector('[data-fig=flips]') || {}).textContent,
    bars: tr.querySelectorAll('svg.meter').length}));
  const heads = Array.from(document.querySelectorAll('table.flips thead th')).map(th => th.textContent).slice(1);
  const grid = {};
  document.querySelectorAll('table.flips tbody tr').forEach(tr => {
    const tds = Array.from(tr.querySelectorAll('td'));
    grid[tds[0].textContent] = tds.slice(1).map(td => [td.textContent, (td.querySelector('a') || {}).hash || null]);
  });
  return {rows, heads, grid, data: JSON.parse(document.getElementById('report-data').textContent)};
})()"""


def check_comparison_page(b, page_path, cmp, reports, name, title):
    """The sweep and the flips equal `verdict compare --json`'s; each flipped
    cell opens a section with both runs' programs of that task."""
    page, url = open_page(b, page_path, name)
    check_inert(page, name, title)
    f = page.eval(CMP_JS)
    ok_rows = len(f["rows"]) == len(cmp["runs"])
    for row, run in zip(f["rows"], cmp["runs"]):
        pk = run["pass_at_k"]["1"]["value"]
        ok_rows = ok_rows and row["run"] == run["name"] and row["passk"] == fmt4(pk) and row["bars"] >= 1
        vs = run.get("vs_baseline")
        if vs:
            ok_rows = ok_rows and row["delta"] == "%+.1f" % (100 * vs["delta"]) \
                and row["flips"] == "\u2212%d / +%d" % (vs["worse"], vs["better"]) and row["bars"] == 2
    t.ok(ok_rows, "%s: the sweep table equals compare --json (pass@1, delta, flips; intervals drawn)" % name,
         (f["rows"], [(r["name"], r["pass_at_k"]["1"]["value"], r.get("vs_baseline") and r["vs_baseline"]["delta"])
                      for r in cmp["runs"]]))
    want = {}
    for ri, run in enumerate(cmp["runs"]):
        vs = run.get("vs_baseline")
        for side in ("worse", "better"):
            for fl in (vs or {}).get("flips", {}).get(side, []):
                want.setdefault(fl["task_id"], {})[ri] = (side, fl["baseline"]["status"], fl["run"]["status"])
    grid_ok = set(f["grid"]) == set(want) and f["heads"] == [r["name"] for r in cmp["runs"]]
    for task, runs in want.items():
        cells = f["grid"].get(task, [])
        for ri, (side, base_st, run_st) in runs.items():
            arrow = "\u25bc " if side == "worse" else "\u25b2 "
            grid_ok = grid_ok and len(cells) > ri and cells[ri][0] == arrow + run_st \
                and (cells[ri][1] or "").startswith("#pair-") and cells[ri][1].endswith("-%d" % ri)
            grid_ok = grid_ok and cells[0][0] == base_st if cells else False
    t.ok(grid_ok, "%s: the flips grid holds every flipped task, coloured by each run's status (%d tasks)"
         % (name, len(want)), (f["grid"], want))
    t.ok(f["data"] == cmp, "%s: the page's data block is the comparison" % name)
    # Open a flipped cell of the last run: its pair shows both programs.
    task = next((tk for tk, runs in want.items() if len(cmp["runs"]) - 1 in runs), None)
    if task is not None:
        href = page.eval("Array.from(document.querySelectorAll('table.flips tbody tr')).find(tr => "
                         "tr.querySelector('td').textContent === %s).querySelectorAll('td')[%d].querySelector('a')"
                         ".getAttribute('href')" % (json.dumps(task), len(cmp["runs"])))
        page.eval("document.querySelector('a[href=\"%s\"]').click()" % href)
        shown = page.eval("(() => { const s = document.getElementById(%s); return {display: getComputedStyle(s).display,"
                          " pres: Array.from(s.querySelectorAll('pre.program, pre.completion')).map(p => p.textContent)}; })()"
                          % json.dumps(href[1:]))
        want_texts = []
        for rep in (reports[0], reports[-1]):
            for smp in rep["samples"]:
                if smp["task_id"] == task:
                    want_texts.append(smp.get("program") or smp.get("completion"))
        t.ok(shown["display"] != "none" and shown["pres"] == want_texts,
             "%s: a flipped cell (%s) opens the baseline's and the run's programs side by side" % (name, task),
             (shown, want_texts))
    return page


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

def part_real(b, tmp):
    shared = H.SHARED
    runs = []
    lm = os.path.join(shared, "samples/omnimergekit-gptoss20b-humaneval-chat/"
                              "samples_humaneval_chat_2026-05-17T13-55-45.807443.jsonl")
    if os.path.exists(lm):
        runs.append(("humaneval-chat", "gpt-oss-20b lm-eval HumanEval chat run", [lm], "passed"))
    else:
        t.skip("gpt-oss-20b lm-eval HumanEval chat page", "not in %s" % shared)
    ep_ds = os.path.join(shared, "datasets/humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz")
    ep = os.path.join(shared, "samples/evalplus-pr247-llama3/"
                              "meta-llama--Meta-Llama-3-8B-Instruct_vllm_temp_0.0-sanitized_eval_results.json")
    if os.path.exists(ep) and os.path.exists(ep_ds):
        # evalplus's differential tests need the canonical outputs of every
        # task first: a subset keeps the cost low.
        with open(ep) as f:
            doc = json.load(f)
        ids = sorted(doc["eval"], key=lambda k: int(k.split("/")[1]))[:12 if QUICK else 40]
        doc["eval"] = {k: doc["eval"][k] for k in ids}
        sub = os.path.join(tmp, "evalplus_llama3_instruct_%d_tasks.json" % len(ids))
        with open(sub, "w") as f:
            json.dump(doc, f)
        runs.append(("evalplus", "evalplus Llama-3-8B-Instruct results, %d tasks" % len(ids),
                     ["--dataset", ep_ds, sub], "failed"))
        base = ep.replace("meta-llama--Meta-Llama-3-8B-Instruct_", "meta-llama--Meta-Llama-3-8B_")
        if os.path.exists(base):
            with open(base) as f:
                doc = json.load(f)
            doc["eval"] = {k: doc["eval"][k] for k in ids}
            sub = os.path.join(tmp, "evalplus_llama3_base_%d_tasks.json" % len(ids))
            with open(sub, "w") as f:
                json.dump(doc, f)
            runs.append(("evalplus-base", "evalplus Llama-3-8B (base) results, %d tasks" % len(ids),
                         ["--dataset", ep_ds, sub], "failed"))
    else:
        t.skip("evalplus page", "evalplus files not in %s" % shared)
    lcb_ds = os.path.join(shared, "datasets/livecodebench/code_generation_lite-184.jsonl.gz")
    lcb = os.path.join(shared, "samples/lcb-submissions-o1-mini/"
                               "O1-Mini-2024-09-12_Scenario.codegeneration_1_0.2_eval_all.json.gz")
    if os.path.exists(lcb) and os.path.exists(lcb_ds):
        with gzip.open(lcb_ds, "rt") as f:
            qids = [json.loads(line)["question_id"] for line in f]
        # Every 8th problem: all platforms, difficulties and months.
        keep_ids = set(qids[::16 if QUICK else 8])
        with gzip.open(lcb, "rt") as f:
            rows = json.load(f)
        sub = os.path.join(tmp, "o1_mini_%d_problems.json" % len(keep_ids))
        with open(sub, "w") as f:
            json.dump([r for r in rows if r["question_id"] in keep_ids], f)
        runs.append(("livecodebench", "o1-mini LiveCodeBench submission, %d problems" % len(keep_ids),
                     ["--dataset", lcb_ds, "--skip-unknown", sub], "failed"))
        runs.append(("livecodebench-public-only", "o1-mini LiveCodeBench submission, %d problems, public tests only"
                     % len(keep_ids), ["--dataset", lcb_ds, "--skip-unknown", "--public-only", sub], "failed"))
        runs.append(("livecodebench-whole-no-exec", "o1-mini LiveCodeBench submission, all %d rows, --no-exec" % len(rows),
                     ["--dataset", lcb_ds, "--skip-unknown", "--no-exec", lcb], "skipped"))
    else:
        t.skip("LiveCodeBench page", "LiveCodeBench files not in %s" % shared)
    saved = {}
    for key, what, args, open_status in runs:
        page_path = os.path.join(tmp, key + ".html")
        rep = audit_to_page(args, page_path, tmp, what)
        if rep is None:
            continue
        saved[key] = (rep, os.path.join(ART, key + ".json"))
        keep(page_path, key + ".html")
        with open(os.path.join(ART, key + ".json"), "w") as f:
            json.dump(rep, f)
        page, url = open_page(b, page_path, what)
        check_inert(page, what, "verdict audit: " + rep["bench_label"])
        check_figures(page, rep, what)
        check_filters(page, rep, what)
        shown = page.eval("Array.from(document.querySelectorAll('#sample-list pre.completion, #sample-list pre.program'))"
                          ".filter(p => p.textContent.length > 0).length")
        with_text = sum(1 for s in rep["samples"] if s.get("completion")) + sum(1 for s in rep["samples"] if s.get("program"))
        t.ok(shown == with_text, "%s: every non-empty completion and program is on the page (%d)" % (what, shown),
             (shown, with_text))
        screenshot(page, key, open_status=open_status)
        b.send("Target.closeTarget", {"targetId": page.target})
    # Comparisons of the real runs, from their saved reports (nothing re-run):
    # Llama-3-8B against its Instruct model, and o1-mini's full tests against
    # the public tests alone.
    for key, a, b_key, what in (("compare-evalplus", "evalplus-base", "evalplus", "Llama-3-8B base against Instruct"),
                                ("compare-livecodebench", "livecodebench", "livecodebench-public-only",
                                 "o1-mini all tests against public tests only")):
        if a not in saved or b_key not in saved:
            continue
        page_path = os.path.join(tmp, key + ".html")
        r = verdict("compare", "--json", "--html", page_path, "%s=%s" % (a, saved[a][1]), "%s=%s" % (b_key, saved[b_key][1]))
        if not t.ok(r.returncode in (0, 1) and os.path.exists(page_path), "%s: verdict compare --html" % what,
                    r.stderr[-800:]):
            continue
        cmp = json.loads(r.stdout)
        keep(page_path, key + ".html")
        page = check_comparison_page(b, page_path, cmp, [saved[a][0], saved[b_key][0]], "comparison of " + what,
                                     "verdict compare: " + saved[a][0]["bench_label"])
        screenshot(page, key)
        b.send("Target.closeTarget", {"targetId": page.target})


def main():
    part = sys.argv[1] if len(sys.argv) > 1 else "hostile"
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    chromium = B.find()
    if not chromium:
        if os.environ.get("VERDICT_MUST_WORK") == "1":
            t.ok(False, "chromium is installed (VERDICT_MUST_WORK=1; ./bootstrap.sh test installs Debian's chromium)")
            return t.done()
        return t.skip_all("no chromium here (Debian: apt-get install chromium)")
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    os.makedirs(ART, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="verdict-html-test-") as tmp:
        if part == "hostile":
            part_cli_errors(tmp)
        with B.Browser(chromium) as b:
            if part == "hostile":
                part_hostile(b, tmp)
            else:
                if not os.path.isdir(os.path.join(H.SHARED, "samples")):
                    return t.skip_all("../shared/samples is absent (%s)" % H.SHARED)
                part_real(b, tmp)
    t.diag("pages and screenshots in %s" % ART)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
