"""Values the compare tests compute on their own (never through verdict's
code): Wilson's interval, McNemar's exact p with fractions, Holm's
adjustment, and a JSON comparison that allows the last digits cJSON drops."""
import math
from fractions import Fraction
from statistics import NormalDist

Z = NormalDist().inv_cdf(0.975)


def close(a, b, rel=1e-9):
    return abs(a - b) <= max(1e-12, rel * max(abs(a), abs(b)))


def wilson(c, n):
    p = c / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar(b, c):
    n, k = b + c, min(b, c)
    if n == 0:
        return 1.0
    return float(min(Fraction(1), 2 * Fraction(sum(math.comb(n, i) for i in range(k + 1)), 2 ** n)))


def holm(p):
    order = sorted(range(len(p)), key=lambda i: (p[i], i))
    adj, run = [0.0] * len(p), 0.0
    for j, i in enumerate(order):
        run = max(run, min(1.0, (len(p) - j) * p[i]))
        adj[i] = run
    return adj


def same_json(a, b, path=""):
    """None when equal, floats to 1e-12 relative (cJSON prints 15 digits
    when they read back within an epsilon); else the first difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return "%s: keys %s" % (path, sorted(set(a) ^ set(b)))
        for k in a:
            d = same_json(a[k], b[k], path + "/" + k)
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: %d items against %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = same_json(x, y, "%s/%d" % (path, i))
            if d:
                return d
        return None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and close(a, b, 1e-12):
            return None
    elif a == b:
        return None
    return "%s: %r against %r" % (path, a, b)
