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
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser as B  # noqa: E402
import http_harness as H  # noqa: E402
from html_page_checks import (  # noqa: E402
    ART, QUICK, audit_to_page, check_comparison_page, check_figures, check_filters, check_inert,
    keep, open_page, screenshot, t, verdict)
from html_report_hostile import part_cli_errors, part_hostile  # noqa: E402


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
