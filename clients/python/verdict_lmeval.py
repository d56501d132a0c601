"""lm-evaluation-harness hooks that score HumanEval-style tasks with a verdict
server (sandboxed) instead of HF `code_eval` (unsandboxed). Standard library
only; see docs/api.md "lm-evaluation-harness" for the one-line change.

Where lm-eval calls these (lm-eval 0.4.x):

* Metric: ``lm_eval/api/task.py`` ``ConfigurableTask.process_results`` calls,
  once per document, ``fn(references=[gold], predictions=[result], **kwargs)``
  where ``gold = doc_to_target(doc)`` (HumanEval tasks render it as
  ``test + "\\ncheck(" + entry_point + ")"``), ``result`` is the list of
  filtered responses of the document (one string per repeat) and ``kwargs``
  holds ``k`` from the task YAML's metric_list. A dict result is spread into
  the document's metrics ({"pass@1": 1.0}). The stock function is
  ``lm_eval/tasks/humaneval/utils.py`` ``pass_at_k``, which returns
  ``hf_evaluate.load("code_eval").compute(...)[0]``.
* Filter: ``lm_eval/filters/custom.py`` ``CustomFilter.apply(resps, docs)``
  calls ``filter_fn(resps, docs)`` once for the whole task: ``resps`` is a
  list (per document) of lists of strings, ``docs`` the documents.

The server is $VERDICT_URL (default http://127.0.0.1:8080), or several
replicas in $VERDICT_URLS (comma-separated).

Profiles. By default programs are scored with verdict's own profile,
`verdict`: the program the model meant, run as real Python in the jail with
the benchmark's own tests (no harness guard), with the faithful harness's
verdict reported beside it. To reproduce a published lm-eval number exactly,
name the faithful profile: `human-eval` for pass_at_k and prescore (it runs
what HF code_eval runs), `lm-eval-chat` for build_predictions_chat (lm-eval's
chat extraction). Set $VERDICT_PROFILE, or pass `profile: human-eval` with
the metric in the task YAML (lm-eval hands the metric's YAML keys to it);
filters take only $VERDICT_PROFILE.

Equivalence with HF code_eval (profile human-eval): code_eval executes ``candidate + "\\n" +
reference``. pass_at_k sends the candidate as a ``solution`` with an inline
problem whose ``test`` is the reference up to its final ``check(NAME)`` line
and whose ``entry_point`` is NAME; verdict's human-eval runner executes
``program + "\\n" + test + "\\n" + "check(" + entry_point + ")"``: the same
text byte for byte. (A reference that does not end in such a call is sent
whole, with a no-op ``check`` appended, which runs the same statements.) The
verdict is pass when that exec raises nothing, as in code_eval; the limits
differ: verdict counts CPU seconds (3 s, wall cap 9 s) where code_eval
counts 3 s of wall clock.
"""

import hashlib
import os
import re
import sys
import threading

try:
    import verdict_client
except ImportError:  # loaded by lm-eval from a task directory by file path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import verdict_client

__all__ = ["pass_at_k", "prescore", "build_predictions_chat", "split_reference", "clear_cache"]

_CHECK_RE = re.compile(r"\ncheck\(([^\n]*)\)\Z")
_NOOP_CHECK = "\n\ndef check(_candidate):\n    pass\n"

# (profile, reference, program) -> passed. Filled by the filters (one batched
# run for the whole task) so the per-document metric calls need no request.
_cache = {}
_cache_lock = threading.Lock()
stats = {"metric_calls": 0, "cache_hits": 0, "scored": 0}


def clear_cache():
    with _cache_lock:
        _cache.clear()
    for k in stats:
        stats[k] = 0


def _profile(profile=None):
    """The profile asked for: the argument, else $VERDICT_PROFILE, else verdict."""
    return profile or os.environ.get("VERDICT_PROFILE") or "verdict"


def _urls():
    many = os.environ.get("VERDICT_URLS")
    if many:
        return [u.strip() for u in many.split(",") if u.strip()]
    return [os.environ.get("VERDICT_URL", verdict_client.DEFAULT_URL)]


def _client():
    return verdict_client.Client(_urls(), chunk_size=int(os.environ.get("VERDICT_CHUNK_SIZE", "500")))


def split_reference(reference):
    """(test, entry_point) such that test + "\\n" + "check(" + entry_point + ")"
    runs exactly what `reference` runs."""
    m = _CHECK_RE.search(reference)
    if m:
        return reference[:m.start()], m.group(1)
    return reference + _NOOP_CHECK, "None"


def _task_id(reference):
    return "lm-eval/" + hashlib.sha256(reference.encode("utf-8")).hexdigest()[:16]


def _benchmark_of(test):
    # lm-eval's HumanEval+ tests carry their inputs and a tolerance helper.
    return "humaneval_plus" if "def assertion(" in test and "inputs = " in test else "humaneval"


def _score_programs(pairs, profile):
    """Score (reference, program) pairs not in the cache; fill the cache.
    Programs run as they are (`solution`); under the chat profile's name a
    program is what the human-eval profile runs: lm-eval already extracted it."""
    with _cache_lock:
        todo = list(dict.fromkeys(p for p in pairs if (profile,) + p not in _cache))
    if not todo:
        return
    samples = []
    for ref, prog in todo:
        test, entry = split_reference(ref)
        samples.append({"task_id": _task_id(ref), "solution": prog,
                        "problem": {"test": test, "entry_point": entry}})
    report = _client().score(samples, benchmark=_benchmark_of(todo[0][0]),
                             profile="human-eval" if profile == "lm-eval-chat" else profile, k=[1])
    _check_complete(report)
    with _cache_lock:
        for pair, rec in zip(todo, report["samples"]):
            _cache[(profile,) + pair] = bool(rec["passed"])
    stats["scored"] += len(todo)


def _check_complete(report):
    bad = report["summary"]["counts"].get("sandbox_error", 0) + report["summary"]["counts"].get("invalid", 0)
    if bad:
        raise RuntimeError("verdict could not score %d sample(s) (sandbox_error/invalid): the score would be "
                           "wrong, refusing to report it" % bad)


def _estimate(n, c, k):
    # HF code_eval's estimator: 1 - comb(n - c, k) / comb(n, k), product form.
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def pass_at_k(references, predictions, k=None, profile=None):
    """Drop-in for lm_eval/tasks/humaneval/utils.py pass_at_k: the same
    arguments, and the value HF code_eval's compute(...)[0] gives: a dict
    {"pass@K": mean over references of the unbiased estimate}, with only the
    k that every reference has enough predictions for. profile: see the
    module doc (human-eval gives code_eval's verdicts exactly)."""
    assert k is not None
    profile = _profile(profile)
    ks = [k] if isinstance(k, int) else list(k)
    if len(references) != len(predictions):
        raise ValueError("references and predictions differ in length")
    stats["metric_calls"] += 1
    pairs = [(ref, prog) for ref, progs in zip(references, predictions) for prog in progs]
    with _cache_lock:
        stats["cache_hits"] += sum(1 for p in pairs if (profile,) + p in _cache)
    _score_programs(pairs, profile)
    totals, correct = [], []
    with _cache_lock:
        for ref, progs in zip(references, predictions):
            totals.append(len(progs))
            correct.append(sum(1 for prog in progs if _cache[(profile, ref, prog)]))
    out = {}
    for kk in ks:
        if all(t >= kk for t in totals):
            out["pass@%d" % kk] = sum(_estimate(t, c, kk) for t, c in zip(totals, correct)) / len(totals)
    return out


def _reference_of(doc):
    # What humaneval YAMLs render with doc_to_target "{{test}}\ncheck({{entry_point}})".
    return doc["test"] + "\ncheck(" + doc["entry_point"] + ")"


def prescore(resps, docs):
    """A pass-through filter for the end of a task's filter chain (after
    lm-eval's own build_predictions*): scores every program of every
    document in one chunked, concurrent run, so the per-document pass_at_k
    calls are answered from memory. Returns resps unchanged."""
    _score_programs([(_reference_of(doc), prog) for progs, doc in zip(resps, docs) for prog in progs], _profile())
    return resps


def build_predictions_chat(resps, docs):
    """A filter for chat tasks: sends the raw responses to verdict (profile
    $VERDICT_PROFILE, default verdict: the program the model meant, run as
    real Python; lm-eval-chat: verdict removes reasoning, extracts the code
    the way lm-eval's chat extractor does, and runs it as code_eval would),
    and returns, per document, the programs verdict ran: they are what
    lm-eval logs as filtered_resps, and their verdicts are cached for
    pass_at_k."""
    profile = _profile()
    samples, where = [], []
    for d, (rs, doc) in enumerate(zip(resps, docs)):
        problem = {k: doc[k] for k in ("prompt", "test", "entry_point", "canonical_solution") if k in doc}
        problem["task_id"] = str(doc.get("task_id", _task_id(_reference_of(doc))))
        for j, r in enumerate(rs):
            samples.append({"task_id": problem["task_id"], "completion": r, "problem": problem})
            where.append((d, j))
    out = [[None] * len(rs) for rs in resps]
    if not samples:
        return out
    report = _client().score(samples, benchmark=_benchmark_of(docs[0]["test"]), profile=profile, k=[1],
                             include_programs=True)
    _check_complete(report)
    with _cache_lock:
        for (d, j), rec in zip(where, report["samples"]):
            program = rec.get("program") or ""
            out[d][j] = program
            key = (profile, _reference_of(docs[d]), program)
            # Two responses can extract to one program; they then share a verdict.
            _cache[key] = _cache.get(key, False) or bool(rec["passed"])
    stats["scored"] += len(samples)
    return out
