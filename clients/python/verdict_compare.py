"""Compare runs on the same problems with paired statistics (standard library only).

    import json, verdict_compare
    reports = [json.load(open(p)) for p in ("base.json", "tuned.json")]
    cmp = verdict_compare.compare(reports, names=["base", "tuned"], margin=1.0)
    print(cmp["runs"][1]["vs_baseline"]["delta"], cmp["runs"][1]["vs_baseline"]["p"])

`reports` are report objects as `verdict audit --json` prints them and
`POST /score` returns them (verdict_client.score's result too). The result
is the object `verdict compare --json` prints (docs/schema.md, "The
comparison"), computed the same way: Wilson or bootstrap intervals per run,
the paired bootstrap interval of the difference (xoshiro256** from the
seed: the same seed gives the same figures as the C command), McNemar's
exact test or the paired permutation test, the flips with both statuses,
two one-sided tests with a margin, Holm's adjustment for more than two runs,
HumanEval+'s base-only pass@1 beside base+plus.

Command line: ``python3 verdict_compare.py [--margin PP] [--seed N]
[--baseline NAME] [NAME=]REPORT.json ...`` prints the comparison as JSON.
"""

import argparse
import functools
import json
import math
import sys

__all__ = ["compare", "natural_cmp", "base_vs_plus"]

_UNSCORED = ("sandbox_error", "invalid", "skipped", "not_run")
_Z95 = 1.959963984540054
_LEVEL, _EQ_LEVEL, _ALPHA = 0.95, 0.90, 0.05
_M64 = (1 << 64) - 1
# Bounds of the exact permutation count (src/base/stats.c).
_EXACT_MAX_DENOMINATOR, _EXACT_MAX_TOTAL, _EXACT_MAX_WORK = 1000000, 1000000, 200000000


# ------------------------------------------------------------------ order --

def natural_cmp(a, b):
    """Runs of ASCII digits compare by their number, other bytes by value
    (UTF-8); ties ("a01", "a1") by plain byte order."""
    p, q = a.encode("utf-8"), b.encode("utf-8")
    i = j = 0
    digit = lambda c: 48 <= c <= 57  # noqa: E731
    while i < len(p) and j < len(q):
        if not (digit(p[i]) and digit(q[j])):
            if p[i] != q[j]:
                return -1 if p[i] < q[j] else 1
            i += 1
            j += 1
            continue
        ie, je = i, j
        while ie < len(p) and digit(p[ie]):
            ie += 1
        while je < len(q) and digit(q[je]):
            je += 1
        while i + 1 < ie and p[i] == 48:
            i += 1
        while j + 1 < je and q[j] == 48:
            j += 1
        if ie - i != je - j:
            return -1 if ie - i < je - j else 1
        if p[i:ie] != q[j:je]:
            return -1 if p[i:ie] < q[j:je] else 1
        i, j = ie, je
    if i < len(p) or j < len(q):
        return 1 if i < len(p) else -1
    return (p > q) - (p < q)


_natural_key = functools.cmp_to_key(natural_cmp)


# ------------------------------------------------------------ statistics --

class _Rng:
    """xoshiro256** seeded by splitmix64; below(n) rejects draws under
    (2^64 - n) mod n, then takes the draw mod n."""

    def __init__(self, seed):
        x, self.s = seed & _M64, []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & _M64
            z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def _rotl(v, k):
        return ((v << k) | (v >> (64 - k))) & _M64

    def next(self):
        s = self.s
        r = (self._rotl((s[1] * 5) & _M64, 7) * 9) & _M64
        t = (s[1] << 17) & _M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return r

    def below(self, n):
        threshold = ((1 << 64) - n) % n
        while True:
            v = self.next()
            if v >= threshold:
                return v % n


def _wilson(c, n, z=_Z95):
    if n == 0:
        return [0.0, 1.0]
    nn, p, z2 = float(n), c / n, z * z
    denom = 1.0 + z2 / nn
    centre = (p + z2 / (2.0 * nn)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn))
    lo, hi = centre - half, centre + half
    if lo < 0.0 or c == 0:
        lo = 0.0
    if hi > 1.0 or c == n:
        hi = 1.0
    return [lo, hi]


def _mcnemar(b, c):
    n, k = b + c, min(b, c)
    if n == 0 or b == c:
        return 1.0
    pk = math.exp(math.lgamma(n + 1.0) - math.lgamma(k + 1.0) - math.lgamma(n - k + 1.0) - n * math.log(2.0))
    total = pk
    for i in range(k, 0, -1):
        pk *= i / (n - i + 1)
        total += pk
    return min(1.0, 2.0 * total)


def _bootstrap_means(x, seed, resamples):
    rng, m, out = _Rng(seed), len(x), []
    for _ in range(resamples):
        s = 0.0
        for _ in range(m):
            s += x[rng.below(m)]
        out.append(s / m)
    return out


def _percentile(values, level):
    v = sorted(values)
    n = len(v)
    k = max(1, min(n, math.ceil(n * (1.0 - level) / 2.0 - 1e-9)))
    return [v[k - 1], v[n - k]]


def _difference(na, ca, nb, cb):
    num, den = cb * na - ca * nb, na * nb
    if num == 0:
        return None
    g = math.gcd(abs(num), den)
    return num // g, den // g


def _exact_permutation(pairs):
    """The sign-flip p counted exactly, or None past the bounds."""
    diffs = [d for d in (_difference(*p) for p in pairs) if d]
    common_den = 1
    for _, den in diffs:
        common_den = common_den // math.gcd(common_den, den) * den
        if common_den > _EXACT_MAX_DENOMINATOR:
            return None
    a, signed, total = [], 0, 0
    for num, den in diffs:
        v = abs(num) * (common_den // den)
        if v > (1 << 40) or total > (1 << 60):
            return None
        a.append(v)
        signed += v if num > 0 else -v
        total += v
    common = 0
    for v in a:
        common = math.gcd(common, v)
    if common > 1:
        a = [v // common for v in a]
        signed //= common  # exact: common divides every term
        total //= common
    if total > _EXACT_MAX_TOTAL or len(a) * total > _EXACT_MAX_WORK:
        return None
    observed = abs(signed)
    if not a or observed == 0:
        return 1.0
    zero, reach = total, 0
    cur = [0.0] * (2 * total + 1)
    cur[zero] = 1.0
    for step in a:
        nxt = [0.0] * (2 * total + 1)
        for s in range(zero - reach, zero + reach + 1):
            if cur[s] == 0.0:
                continue
            nxt[s - step] += 0.5 * cur[s]
            nxt[s + step] += 0.5 * cur[s]
        reach += step
        cur = nxt
    p = 0.0
    for s in range(zero - reach, zero + reach + 1):
        if abs(s - zero) >= observed:
            p += cur[s]
    return min(p, 1.0)


def _monte_carlo_permutation(pairs, seed, draws):
    d = [cb / nb - ca / na for na, ca, nb, cb in pairs]
    observed = 0.0
    scale = 0.0
    for x in d:
        observed += x
    for x in d:
        scale += abs(x)
    observed = abs(observed)
    slack = 1e-12 * (scale + 1.0)
    rng, hits = _Rng(seed), 0
    for _ in range(draws):
        s = 0.0
        for x in d:
            s += x if rng.next() >> 63 else -x
        hits += abs(s) >= observed - slack
    return (1.0 + hits) / (1.0 + draws)


def _holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: (p[i], i))
    adj, running = [0.0] * m, 0.0
    for j, i in enumerate(order):
        running = max(running, min(1.0, (m - j) * p[i]))
        adj[i] = running
    return adj


def _pass_at_k(n, c, k):
    if k == 0 or k > n or c > n:
        return None
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


# ------------------------------------------------------------------ runs --

def _run(report, name, source):
    if not isinstance(report, dict) or not isinstance(report.get("benchmark"), str):
        raise ValueError("%s: benchmark is missing or not a string" % source)
    if not isinstance(report.get("samples"), list):
        raise ValueError("%s: samples is missing or not an array" % source)
    summary = report.get("summary")
    if not isinstance(summary, dict):
        raise ValueError("%s: summary is missing or not an object" % source)
    run = {"name": name, "source": source, "report": report, "tasks": {}, "sandbox_error": 0, "invalid": 0,
           "not_run": 0, "has_base": False, "executed": summary.get("executed") is True,
           "complete": summary.get("complete") is True}
    skipped = summary.get("skipped_lines")
    run["skipped_lines"] = int(skipped) if isinstance(skipped, (int, float)) and skipped > 0 else 0
    ds = report.get("dataset")
    run["sha256"] = ds.get("sha256") if isinstance(ds, dict) and isinstance(ds.get("sha256"), str) else None
    profile = report.get("profile")
    run["profile"] = profile if isinstance(profile, str) else None
    for i, s in enumerate(report["samples"]):
        for key in ("task_id", "status"):
            if not isinstance(s, dict) or not isinstance(s.get(key), str):
                raise ValueError("%s: samples[%d].%s is missing or not a string" % (source, i, key))
        if not isinstance(s.get("passed"), bool):
            raise ValueError("%s: samples[%d].passed is missing or not true/false" % (source, i))
        if s["status"] in _UNSCORED:
            if s["status"] in ("sandbox_error", "invalid", "not_run"):
                run[s["status"]] += 1
            continue
        base = s.get("base_status") if isinstance(s.get("base_status"), str) else None
        run["has_base"] |= base is not None
        t = run["tasks"].setdefault(s["task_id"], {"task_id": s["task_id"], "n": 0, "passed": 0,
                                                   "base_passed": 0, "statuses": {}})
        t["n"] += 1
        t["passed"] += s["passed"]
        t["base_passed"] += base == "passed"
        t["statuses"][s["status"]] = t["statuses"].get(s["status"], 0) + 1
    return run


def _statuses_text(t):
    items = sorted(t["statuses"].items(), key=lambda kv: (-kv[1], kv[0].encode("utf-8")))
    if t["n"] == 1 and len(items) == 1:
        return items[0][0]
    return ", ".join("%s %d" % kv for kv in items)


def _side(t):
    return {"status": _statuses_text(t), "n": t["n"], "passed": t["passed"], "statuses": dict(t["statuses"])}


def _plus(tasks, available):
    if not available:
        return None
    out = {"tasks": 0, "samples": 0, "base_passed": 0, "base_plus_passed": 0}
    base_sum = both_sum = 0.0
    dropped = []
    for t in tasks:
        out["tasks"] += 1
        out["samples"] += t["n"]
        out["base_passed"] += t["base_passed"]
        out["base_plus_passed"] += t["passed"]
        base_sum += t["base_passed"] / t["n"]
        both_sum += t["passed"] / t["n"]
        if t["base_passed"] > t["passed"]:
            dropped.append(t["task_id"])
    base_only = base_sum / out["tasks"] if out["tasks"] else 0.0
    base_plus = both_sum / out["tasks"] if out["tasks"] else 0.0
    out.update(base_only_pass_at_1=base_only, base_plus_pass_at_1=base_plus, drop=base_only - base_plus,
               tasks_base_not_plus=sorted(dropped, key=_natural_key))
    return out


def base_vs_plus(records):
    """A report's `summary.base_vs_plus` from its sample records (None when
    no scored record carries a base_status): what the server computes, for
    reports merged from chunks."""
    tasks, available = {}, False
    for s in records:
        if s["status"] in _UNSCORED:
            continue
        base = s.get("base_status") if isinstance(s.get("base_status"), str) else None
        available |= base is not None
        t = tasks.setdefault(s["task_id"], {"task_id": s["task_id"], "n": 0, "passed": 0, "base_passed": 0})
        t["n"] += 1
        t["passed"] += bool(s["passed"])
        t["base_passed"] += base == "passed"
    return _plus([tasks[k] for k in sorted(tasks, key=_natural_key)], available)


def _pass_at_k_entry(tasks, k, seed, resamples):
    x, passed, one_each = [], 0, True
    total = 0.0
    for t in tasks:
        v = _pass_at_k(t["n"], t["passed"], k)
        if v is None:
            continue
        x.append(v)
        total += v
        passed += t["passed"]
        one_each = one_each and t["n"] == 1
    if not x:
        return {"tasks": 0, "value": None, "ci": None, "method": None}
    entry = {"tasks": len(x), "value": total / len(x)}
    if one_each and k == 1:
        entry.update(ci=_wilson(passed, len(x)), method="wilson")
    else:
        entry.update(ci=_percentile(_bootstrap_means(x, seed, resamples), _LEVEL), method="bootstrap")
    return entry


def _against(a, b, seed, resamples, draws, margin):
    d, total, one_each, pairs, worse, better = [], 0.0, True, [], [], []
    for ta, tb in zip(a, b):
        x = tb["passed"] / tb["n"] - ta["passed"] / ta["n"]
        d.append(x)
        total += x
        one_each = one_each and ta["n"] == 1 and tb["n"] == 1
        pairs.append((ta["n"], ta["passed"], tb["n"], tb["passed"]))
        lhs, rhs = tb["passed"] * ta["n"], ta["passed"] * tb["n"]
        if lhs != rhs:
            (worse if lhs < rhs else better).append({"task_id": ta["task_id"], "baseline": _side(ta),
                                                     "run": _side(tb)})
    out = {"delta": total / len(d)}
    if one_each:
        out["test"], out["p"] = "mcnemar_exact", _mcnemar(len(worse), len(better))
    else:
        p = _exact_permutation(pairs)
        if p is None:
            out["test"], out["p"] = "permutation_monte_carlo", _monte_carlo_permutation(pairs, seed, draws)
        else:
            out["test"], out["p"] = "permutation_exact", p
    means = _bootstrap_means(d, seed, resamples)
    out["ci"] = _percentile(means, _LEVEL)
    out.update(worse=len(worse), better=len(better), flips={"worse": worse, "better": better})
    if margin:
        le = sum(1 for v in means if v <= -margin) / len(means)
        ge = sum(1 for v in means if v >= margin) / len(means)
        out["equivalence"] = {"margin": margin, "ci90": _percentile(means, _EQ_LEVEL), "p": max(le, ge)}
    else:
        out["equivalence"] = None
    return out


def compare(reports, names=None, baseline=None, margin=None, seed=0, resamples=10000, ks=(1,),
            permutation_draws=100000, sources=None):
    """The comparison of `reports` (report dicts, at least two, one
    benchmark), as `verdict compare --json` computes it. names: one per
    report (default run1, run2, ...); baseline: a name (default the first);
    margin: the equivalence margin in percentage points (None: no test);
    seed and resamples: the bootstrap's. Raises ValueError on bad input."""
    reports = list(reports)
    names = list(names) if names is not None else ["run%d" % (i + 1) for i in range(len(reports))]
    sources = list(sources) if sources is not None else list(names)
    if len(reports) < 2:
        raise ValueError("a comparison needs at least two runs")
    if len(names) != len(reports) or len(sources) != len(reports):
        raise ValueError("one name and one source per report")
    if not 0 <= seed < 2 ** 53:
        raise ValueError("seed must be in [0, 2^53)")
    margin = margin / 100.0 if margin else 0.0
    runs = [_run(r, n, s) for r, n, s in zip(reports, names, sources)]
    base = 0
    if len(set(names)) != len(names):
        raise ValueError("two runs have the same name")
    if baseline is not None:
        if baseline not in names:
            raise ValueError("baseline %r is not the name of a run" % baseline)
        base = names.index(baseline)
    for r in runs:
        if not r["executed"]:
            raise ValueError("%s: the report has no verdicts (scored with --no-exec): nothing to compare"
                             % r["source"])
        if r["report"]["benchmark"] != runs[0]["report"]["benchmark"]:
            raise ValueError("the runs are of different benchmarks: %s is %s, %s is %s" % (
                runs[0]["name"], runs[0]["report"]["benchmark"], r["name"], r["report"]["benchmark"]))
    union = sorted({tid for r in runs for tid in r["tasks"]}, key=_natural_key)
    shared = [tid for tid in union if all(tid in r["tasks"] for r in runs)]
    if not shared:
        raise ValueError("no task has a scored sample in every run (%d tasks in all)" % len(union))
    p0, d0 = runs[0]["profile"], runs[0]["sha256"]
    profiles_differ = any((p0 or r["profile"]) and (not p0 or not r["profile"] or p0 != r["profile"]) for r in runs)
    datasets_differ = any(d0 and r["sha256"] and d0 != r["sha256"] for r in runs)
    holm = len(runs) > 2
    out_runs = []
    for i, r in enumerate(runs):
        tasks = [r["tasks"][tid] for tid in shared]
        counts = [t["n"] for t in tasks]
        row = {
            "name": r["name"], "source": r["source"], "origin": "report", "profile": r["profile"],
            "baseline": i == base,
            "complete": not (r["sandbox_error"] or r["invalid"] or r["not_run"] or r["skipped_lines"]
                             or not r["complete"]),
            "not_counted": {"sandbox_error": r["sandbox_error"], "invalid": r["invalid"], "not_run": r["not_run"],
                            "skipped_lines": r["skipped_lines"]},
            "tasks_in_run": len(r["tasks"]),
            "tasks_missing": [tid for tid in union if tid not in r["tasks"]],
            "samples": sum(counts), "samples_per_task": {"min": min(counts), "max": max(counts)},
            "pass_at_k": {str(k): _pass_at_k_entry(tasks, k, seed, resamples) for k in ks},
            "base_vs_plus": _plus(tasks, r["has_base"]),
            "vs_baseline": None,
        }
        if i != base:
            row["vs_baseline"] = _against([runs[base]["tasks"][tid] for tid in shared], tasks, seed, resamples,
                                          permutation_draws, margin)
        out_runs.append(row)
    others = [row["vs_baseline"] for row in out_runs if row["vs_baseline"]]
    if holm:
        for v, q in zip(others, _holm([v["p"] for v in others])):
            v["p_holm"] = q
        if margin:
            for v, q in zip(others, _holm([v["equivalence"]["p"] for v in others])):
                v["equivalence"]["p_holm"] = q
    for v in others:
        eq = v["equivalence"]
        if eq:
            eq["equivalent"] = eq.get("p_holm", eq["p"]) < _ALPHA
    return {
        "verdict_version": reports[base].get("verdict_version"),
        "comparison": {
            "benchmark": runs[base]["report"]["benchmark"],
            "bench_label": runs[base]["report"].get("bench_label"),
            "baseline": names[base], "tasks_shared": len(shared), "tasks_union": len(union), "confidence": 0.95,
            "bootstrap": {"resamples": resamples, "seed": seed}, "permutation_draws": permutation_draws,
            "margin": margin or None, "holm": holm, "profiles_differ": bool(profiles_differ),
            "datasets_differ": bool(datasets_differ),
        },
        "runs": out_runs,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare saved verdict reports (JSON out).")
    ap.add_argument("runs", nargs="+", help="[NAME=]REPORT.json")
    ap.add_argument("--baseline")
    ap.add_argument("--margin", type=float)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resamples", type=int, default=10000)
    ap.add_argument("-k", default="1", help="pass@k values, comma separated")
    a = ap.parse_args(argv)
    names, paths = [], []
    for spec in a.runs:
        name, sep, path = spec.partition("=")
        if not sep or "/" in name:
            name, path = spec.rsplit("/", 1)[-1].split(".json")[0], spec
        names.append(name)
        paths.append(path)
    reports = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            reports.append(json.load(f))
    try:
        out = compare(reports, names=names, baseline=a.baseline, margin=a.margin, seed=a.seed,
                      resamples=a.resamples, ks=[int(k) for k in a.k.split(",")], sources=paths)
    except ValueError as e:
        print("verdict_compare: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
