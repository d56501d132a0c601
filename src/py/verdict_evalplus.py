"""evalplus's differential-testing oracle (evalplus/eval/__init__.py,
`unsafe_execute`): master from May 2024 (PR #201) through PyPI 0.3.1, the
code that wrote the `base_status` / `plus_status` result files of mid-2024.

Per input i, after `out = fn(*inp)` (no deep copy; the inputs are the
child's own copy, as they are in evalplus's forked checker):
  1. exact = (out == exp)
  2. HumanEval/32 (`find_zero`, dataset "humaneval"): accepted iff
     abs(_poly(*inp, out)) <= atol, expected output unused. In 0.3.1 an
     accepted input is then skipped with a bare `continue` that never
     records it (no details[i] = True, no progress += 1), so the split's
     details come out short and untrusted_check() turns the run into
     "fail": HumanEval/32 cannot pass, and evalplus's reported failing
     input is always inputs[0]. Later master records it (version "master").
  3. if atol == 0 and is_floats(exp): atol = 1e-6   -- and it STAYS 1e-6
     for every later input of the run (evalplus reassigns its argument).
  4. if not exact and atol != 0: type(out) == type(exp), equal len for a
     list/tuple exp, np.allclose(out, exp, rtol=1e-07, atol=atol);
     otherwise exact must hold.
Any exception in 1-4 is a failure of input i, like an assertion.

is_floats: a float; a NON-EMPTY list/tuple of floats only; a float32/64
ndarray. _poly(xs, x) = sum(c * math.pow(x, i)).
"""
import math

from verdict_digest import Expected, NotDigestible

FLOAT_ATOL = 1e-6


class TimeoutException(Exception):
    """evalplus's per-input time-out (an Exception there too, so a bare
    `except Exception` in a candidate swallows it in both)."""


VERSIONS = ("0.3.1", "master")


class Oracle:
    """Stateful comparison for one split run (the atol reassignment of
    step 3 persists across inputs)."""

    def __init__(self, entry_point, atol, dataset, np, version="0.3.1"):
        self.entry_point = entry_point
        self.atol = atol
        self.dataset = dataset
        self.np = np
        self.version = version
        # An input accepted but left unrecorded (0.3.1's find_zero branch).
        self.unrecorded = 0

    def is_floats(self, x):
        return is_floats(x, self.np)

    def check(self, inp, out, exp):
        """Raise (AssertionError or whatever the comparison raises) when
        `out` is not accepted for input `inp` with expected `exp`. `exp`
        may be known by its digest only (verdict_digest.Expected, where the
        tolerance cannot apply): the digests then decide `out == exp`, or
        NotDigestible says the real value is needed."""
        if type(exp) is Expected:
            exact_match = exp.matches(out, self.np)
        else:
            exact_match = out == exp
        if self.dataset == "humaneval" and self.entry_point == "find_zero":
            assert abs(poly(*inp, out)) <= self.atol
            if self.version == "0.3.1":
                self.unrecorded += 1
            return
        if self.atol == 0 and self.is_floats(exp):
            self.atol = FLOAT_ATOL
        if not exact_match and self.atol != 0:
            if type(exp) is Expected:
                # Never by construction (expected.c keeps the values a
                # tolerance may need); if it were, the value is needed.
                raise NotDigestible("a tolerance needs the expected value itself")
            assert type(out) == type(exp)
            if isinstance(exp, (list, tuple)):
                assert len(out) == len(exp)
            assert self.np.allclose(out, exp, rtol=1e-07, atol=self.atol)
        else:
            assert exact_match


def is_floats(x, np=None):
    """evalplus's is_floats: a float; a NON-EMPTY list/tuple of floats only;
    a float32/64 ndarray (when numpy is given)."""
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    if np is not None and isinstance(x, np.ndarray):
        return x.dtype == np.float64 or x.dtype == np.float32
    return False


def poly(xs, x):
    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])


def time_limits(ref_times_s, min_time_limit=1.0, gt_time_limit_factor=4.0):
    """The per-input limits evalplus derives from the canonical solution's
    times (seconds): max(min_time_limit, factor * t). Defaults are evalplus
    v0.2+ (CLI --min-time-limit 1, --gt-time-limit-factor 4.0, later
    DEFAULT_MIN_TIME_LIMIT / DEFAULT_GT_TIME_LIMIT_FACTOR in config.py).
    For reference and tests; the C side computes the same."""
    return [max(min_time_limit, gt_time_limit_factor * t) for t in ref_times_s]


def split_timeout(limits_s, per_task_cap_s=60.0):
    """Wall time evalplus grants one split's process before killing it and
    recording "timeout": join(timeout + 1) with timeout =
    min(EVALPLUS_TIMEOUT_PER_TASK=60, sum(limits)) + 1, +1 more when not
    fast_check. verdict runs with fast_check (evalplus's default), so
    min(60, sum) + 2."""
    return min(per_task_cap_s, sum(limits_s)) + 2.0
