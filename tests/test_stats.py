#!/usr/bin/env python3
"""The statistics of `verdict compare` (src/base/stats.c, through
tests/stats_tool) against values computed another way: published Wilson
intervals, exact binomial tails with fractions and math.comb, the sign-flip
distribution enumerated by brute force, the bootstrap mean of 0/1 values
(whose distribution is Binomial(m, c/m) / m exactly), Holm's adjustment by
hand, and xoshiro256** written here from its published description.

    test_stats.py STATS_TOOL

Prints TAP."""
import itertools
import json
import math
import os
import random
import subprocess
import sys
from fractions import Fraction
from statistics import NormalDist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()
TOOL = sys.argv[1] if len(sys.argv) > 1 else None


def ask(queries):
    """One answer per query, from one run of the tool."""
    text = "".join(json.dumps(q) + "\n" for q in queries)
    r = subprocess.run([TOOL], input=text, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return [json.loads(line) for line in r.stdout.splitlines()]


def close(a, b, rel=1e-9, abs_=1e-12):
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


# ------------------------------------------------------------------ Wilson --

def test_wilson():
    # Newcombe (1998), "Two-sided confidence intervals for the single
    # proportion", Table I, method 3 (Wilson score), to 4 places.
    published = [((81, 263), (0.2553, 0.3662)), ((15, 148), (0.0624, 0.1605)),
                 ((0, 20), (0.0, 0.1611)), ((1, 29), (0.0061, 0.1718))]
    got = ask([{"op": "wilson", "c": c, "n": n} for (c, n), _ in published])
    for ((c, n), (lo, hi)), g in zip(published, got):
        t.ok(round(g["lo"], 4) == lo and round(g["hi"], 4) == hi,
             "Wilson %d/%d is Newcombe's [%.4f, %.4f]" % (c, n, lo, hi), g)
    z = NormalDist().inv_cdf(0.975)
    cases = [(c, n) for n in (1, 2, 10, 164, 1000) for c in sorted({0, 1, n // 3, n // 2, n - 1, n}) if c <= n]
    got = ask([{"op": "wilson", "c": c, "n": n} for c, n in cases])
    bad = []
    for (c, n), g in zip(cases, got):
        p = c / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lo, hi = max(0.0, centre - half), min(1.0, centre + half)
        if c == 0:
            lo = 0.0
        if c == n:
            hi = 1.0
        if not (close(g["lo"], lo) and close(g["hi"], hi)):
            bad.append(((c, n), g, (lo, hi)))
    t.ok(not bad, "Wilson intervals equal the closed form for %d cases (0 and n give 0 and 1 exactly)" % len(cases),
         bad[:5])
    g = ask([{"op": "wilson", "c": 0, "n": 0}])[0]
    t.ok(g["lo"] == 0 and g["hi"] == 1, "no task: [0, 1]", g)


# ----------------------------------------------------------------- McNemar --

def exact_mcnemar(b, c):
    n, k = b + c, min(b, c)
    if n == 0:
        return Fraction(1)
    tail = Fraction(sum(math.comb(n, i) for i in range(k + 1)), 2 ** n)
    return min(Fraction(1), 2 * tail)


def test_mcnemar():
    by_hand = [((0, 5), 0.0625), ((1, 9), 0.021484375), ((3, 3), 1.0), ((0, 0), 1.0), ((0, 1), 1.0), ((2, 0), 0.5)]
    got = ask([{"op": "mcnemar", "b": b, "c": c} for (b, c), _ in by_hand])
    t.ok(all(close(g["p"], p, rel=1e-12) for (_, p), g in zip(by_hand, got)),
         "McNemar by hand: 0/5 -> 1/16, 1/9 -> 22/1024, ties and nothing -> 1", list(zip(by_hand, got)))
    rng = random.Random(17)
    cases = [(4, 59), (12, 29), (8, 48), (59, 4), (500, 560), (1500, 1400), (0, 3000), (7, 7), (1, 2)]
    cases += [(rng.randrange(0, 80), rng.randrange(0, 80)) for _ in range(40)]
    got = ask([{"op": "mcnemar", "b": b, "c": c} for b, c in cases])
    bad = [((b, c), g["p"], float(exact_mcnemar(b, c))) for (b, c), g in zip(cases, got)
           if not close(g["p"], float(exact_mcnemar(b, c)), rel=1e-9, abs_=1e-300)]
    t.ok(not bad, "McNemar's p equals the exact binomial tail (fractions, math.comb) for %d cases up to 3000 "
         "discordant tasks" % len(cases), bad[:5])
    sym = ask([{"op": "mcnemar", "b": c, "c": b} for b, c in cases])
    t.ok(all(a["p"] == s["p"] for a, s in zip(got, sym)), "McNemar's p is symmetric in b and c")


# ------------------------------------------------------------- permutation --

def brute_permutation(pairs):
    """P(|sum of signed d| >= |sum d|) by enumerating every sign pattern."""
    d = [Fraction(cb, nb) - Fraction(ca, na) for na, ca, nb, cb in pairs]
    d = [x for x in d if x != 0]
    obs = abs(sum(d))
    hits = 0
    for signs in itertools.product((1, -1), repeat=len(d)):
        if abs(sum(s * x for s, x in zip(signs, d))) >= obs:
            hits += 1
    return Fraction(hits, 2 ** len(d))


def test_permutation():
    rng = random.Random(5)
    cases = []
    for _ in range(25):
        m = rng.randrange(1, 13)
        pairs = []
        for _ in range(m):
            na, nb = rng.choice((1, 2, 3, 5, 10)), rng.choice((1, 2, 3, 5, 10))
            pairs.append([na, rng.randrange(0, na + 1), nb, rng.randrange(0, nb + 1)])
        cases.append(pairs)
    cases.append([[10, 3, 10, 3]] * 4)  # no difference at all
    got = ask([{"op": "permutation", "pairs": p, "seed": 0, "draws": 1000} for p in cases])
    bad = [(p, g, float(brute_permutation(p))) for p, g in zip(cases, got)
           if not (g["exact"] and close(g["p"], float(brute_permutation(p)), rel=1e-12))]
    t.ok(not bad, "exact permutation p equals brute-force enumeration of every sign pattern (%d cases, mixed "
         "sample counts)" % len(cases), bad[:3])
    # One sample per task: the sign-flip test is McNemar's exact test.
    one = []
    for b, c, same in ((4, 59, 101), (12, 29, 123), (0, 7, 3), (5, 5, 20)):
        one.append([[1, 1, 1, 0]] * b + [[1, 0, 1, 1]] * c + [[1, 1, 1, 1]] * same)
    got = ask([{"op": "permutation", "pairs": p, "seed": 0} for p in one] +
              [{"op": "mcnemar", "b": b, "c": c} for b, c in ((4, 59), (12, 29), (0, 7), (5, 5))])
    perm, mc = got[:4], got[4:]
    t.ok(all(close(a["p"], b["p"], rel=1e-9) and a["exact"] for a, b in zip(perm, mc)),
         "with one sample per task the permutation test gives McNemar's exact p", list(zip(perm, mc)))
    # Denominators past the exact bound: random sign flips, p near the
    # enumerated value (100000 draws: standard error below 0.0016).
    primes = [101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157]
    big = [[primes[i], rng.randrange(0, primes[i] + 1), primes[(i + 5) % 12], rng.randrange(0, primes[(i + 5) % 12])]
           for i in range(12)]
    g = ask([{"op": "permutation", "pairs": big, "seed": 3, "draws": 100000}])[0]
    want = float(brute_permutation(big))
    t.ok(not g["exact"] and abs(g["p"] - want) < 0.01,
         "past the exact bound: Monte Carlo p %.4f within 0.01 of the enumerated %.4f" % (g["p"], want), g)
    again = ask([{"op": "permutation", "pairs": big, "seed": 3, "draws": 100000}])[0]
    t.ok(again == g, "the Monte Carlo p is the same for the same seed")


# --------------------------------------------------------------- bootstrap --

def binomial_quantiles(m, c, level):
    """The k-th smallest and largest of the bootstrap means are, for many
    resamples, near these quantiles of Binomial(m, c/m) / m."""
    p = c / m
    cdf, acc = [], 0.0
    for j in range(m + 1):
        acc += math.comb(m, j) * p ** j * (1 - p) ** (m - j)
        cdf.append(acc)
    a = (1 - level) / 2
    lo = next(j for j in range(m + 1) if cdf[j] >= a)
    hi = next(j for j in range(m + 1) if cdf[j] >= 1 - a)
    return lo / m, hi / m


def test_bootstrap():
    cases = [(164, 39, 0.95), (164, 94, 0.95), (400, 120, 0.95), (164, 39, 0.90), (50, 25, 0.95)]
    got = ask([{"op": "bootstrap", "x": [1.0] * c + [0.0] * (m - c), "seed": 1, "resamples": 20000, "level": lv}
               for m, c, lv in cases])
    for (m, c, lv), g in zip(cases, got):
        lo, hi = binomial_quantiles(m, c, lv)
        t.ok(abs(g["lo"] - lo) <= 1.0 / m + 1e-12 and abs(g["hi"] - hi) <= 1.0 / m + 1e-12,
             "bootstrap %d%% interval of %d/%d ones: [%.4f, %.4f], the Binomial quantiles [%.4f, %.4f] within one "
             "step" % (round(lv * 100), c, m, g["lo"], g["hi"], lo, hi), g)
        t.ok(all(abs(x * m - round(x * m)) < 1e-9 for x in g["means"]),
             "bootstrap means of %d values are multiples of 1/%d" % (m, m), g["means"])
    same = ask([{"op": "bootstrap", "x": [0.25, 0.5, 1.0], "seed": 9, "resamples": 500}] * 2 +
               [{"op": "bootstrap", "x": [0.25, 0.5, 1.0], "seed": 10, "resamples": 500}])
    t.ok(same[0] == same[1] and same[0]["means"] != same[2]["means"],
         "the same seed gives the same resamples; another seed others", same)
    const = ask([{"op": "bootstrap", "x": [0.7] * 30, "seed": 2, "resamples": 1000}])[0]
    t.ok(close(const["lo"], 0.7) and close(const["hi"], 0.7), "a constant resamples to itself", const)
    neg = ask([{"op": "bootstrap", "x": [1.0, 0.0, -1.0, 1.0, 0.0], "seed": 4, "resamples": 999},
               {"op": "bootstrap", "x": [-1.0, 0.0, 1.0, -1.0, 0.0], "seed": 4, "resamples": 999}])
    t.ok(neg[0]["lo"] == -neg[1]["hi"] and neg[0]["hi"] == -neg[1]["lo"],
         "negating the values negates and swaps the interval exactly (the same tasks resampled)", neg)


# -------------------------------------------------------------------- Holm --

def holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: (p[i], i))
    adj, run = [0.0] * m, 0.0
    for j, i in enumerate(order):
        run = max(run, min(1.0, (m - j) * p[i]))
        adj[i] = run
    return adj


def test_holm():
    by_hand = [0.01, 0.04, 0.03, 0.005]
    g = ask([{"op": "holm", "p": by_hand}])[0]
    t.ok(all(close(a, b) for a, b in zip(g["adj"], [0.03, 0.06, 0.06, 0.02])),
         "Holm by hand: [0.01, 0.04, 0.03, 0.005] -> [0.03, 0.06, 0.06, 0.02]", g)
    g = ask([{"op": "holm", "p": [0.5, 0.9]}])[0]
    t.ok(g["adj"] == [1.0, 1.0], "Holm caps at 1", g)
    rng = random.Random(8)
    cases = [[rng.random() ** 3 for _ in range(rng.randrange(1, 9))] for _ in range(30)]
    got = ask([{"op": "holm", "p": p} for p in cases])
    t.ok(all(all(close(a, b) for a, b in zip(g["adj"], holm(p))) for p, g in zip(cases, got)),
         "Holm's adjustment equals the step-down definition on 30 random sets")


# ------------------------------------------------------------------ random --

M64 = (1 << 64) - 1


def xoshiro_draws(seed, n, count):
    """xoshiro256** (Blackman and Vigna) seeded by splitmix64, and an index
    below n by rejection: the algorithm docs/schema.md describes."""
    x = seed
    s = []
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & M64
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        s.append(z ^ (z >> 31))

    def rotl(v, k):
        return ((v << k) | (v >> (64 - k))) & M64

    def nxt():
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        tt = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= tt
        s[3] = rotl(s[3], 45)
        return result

    threshold = ((1 << 64) - n) % n
    out = []
    while len(out) < count:
        v = nxt()
        if v >= threshold:
            out.append(v % n)
    return out


def test_rng():
    cases = [(0, 164, 50), (1, 7, 50), (2 ** 53 - 1, 1000003, 20), (12345, 2, 64)]
    got = ask([{"op": "rng", "seed": s, "n": n, "count": c} for s, n, c in cases])
    t.ok(all(g["draws"] == xoshiro_draws(s, n, c) for (s, n, c), g in zip(cases, got)),
         "the draws equal xoshiro256** written from its description (4 seeds, 1 to 2^53 - 1)")
    g = ask([{"op": "rng", "seed": 6, "n": 10, "count": 20000}])[0]["draws"]
    counts = [g.count(i) for i in range(10)]
    chi2 = sum((c - 2000) ** 2 / 2000 for c in counts)
    t.ok(chi2 < 27.9, "indices below 10 look uniform (chi-square %.1f < 27.9, p = 0.001 with 9 df)" % chi2, counts)


def main():
    if not TOOL or not os.path.exists(TOOL):
        return t.skip_all("no stats_tool given")
    for test in (test_wilson, test_mcnemar, test_permutation, test_bootstrap, test_holm, test_rng):
        test()
    return t.done()


sys.exit(main())
