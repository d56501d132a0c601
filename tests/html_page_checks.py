"""The checks every HTML report page gets in headless Chromium, shared by
test_html_report.py's parts: the page loads clean and inert, its figures
equal the JSON report's, its filters work; the comparison page's sweep and
flips equal `verdict compare --json`'s. Also the one TAP stream (t), where
pages and screenshots are kept, and running verdict."""
import json
import os
import shutil
import subprocess
import tempfile

import http_harness as H

t = H.Tap()
ART = os.environ.get("VERDICT_ARTEFACTS") or os.path.join(tempfile.gettempdir(), "verdict-html-artefacts")
QUICK = os.environ.get("VERDICT_FIDELITY_QUICK") == "1"
PAGE_TEXTS = ("completion", "reasoning", "program")


def verdict(*args, timeout=900):
    return subprocess.run([H.BINARY] + list(args), capture_output=True, timeout=timeout)


def audit_to_page(args, page, tmp, name):
    """verdict audit --json --explain --html PAGE ARGS: (report, exit code)."""
    # The build's shared test cache when there is one (tests/meson.build).
    cache = os.environ.get("VERDICT_TEST_CACHE") or os.path.join(tmp, "cache")
    r = verdict("audit", "--json", "--explain", "--cache-dir", cache, "--html", page, *args)
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
    # No flip (a subset where the runs agree): no grid, no heads to check.
    grid_ok = set(f["grid"]) == set(want) and (not want or f["heads"] == [r["name"] for r in cmp["runs"]])
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

