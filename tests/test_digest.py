#!/usr/bin/env python3
"""src/py/verdict_digest.py: two values of exact builtin types get the same
digest exactly when they are equal, with numpy (the fast paths) and without
it, on hand-picked cases (every cross-type equality Python has) and on
random nested values and their equal twins of other types; a NaN equals
nothing; values of other types are refused without running their code.
Prints TAP."""
import math
import os
import random
import sys

ROOT = os.environ.get("VERDICT_SOURCE_ROOT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "src", "py"))
import verdict_digest as vd  # noqa: E402

try:
    import numpy
except ImportError:
    numpy = None

N = [0]
FAILED = [0]


def ok(cond, name, detail=""):
    N[0] += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N[0], name))
    if not cond:
        FAILED[0] += 1
        for line in repr(detail)[:1500].splitlines():
            print("#   " + line)


def digests(v):
    """The digest without numpy and, when it is there, with it: they must
    agree (numpy only makes long lists faster)."""
    a = vd.digest(v, None)
    b = vd.digest(v, numpy) if numpy is not None else a
    return a, b


def same(a, b):
    da, db = digests(a), digests(b)
    return da[0] == da[1] and db[0] == db[1] and da[0] == db[0]


LONG = 100  # past the fast paths' threshold

EQUAL = [
    (1, 1.0), (True, 1), (False, 0.0), (1, 1 + 0j), (2.5, 2.5 + 0j), (-0.0, 0), (0.0, -0.0),
    (2 ** 60, float(2 ** 60)), (10 ** 400, 10 ** 400), (float("inf"), float("inf")),
    ("é\ud800x", "é\ud800x"), (b"ab", bytearray(b"ab")),
    ([1, 2.5, True], [1.0, 2.5, 1]), ((1, "a"), (1.0, "a")),
    ({1, 2}, frozenset({1.0, 2})), ({True, "x"}, {1, "x"}),
    ({"a": 1, 2: "b"}, {2: "b", "a": 1.0}), ({(1, 2): [3]}, {(1.0, 2): [3.0]}),
    (list(range(LONG)), [float(i) for i in range(LONG)]),
    ([i * 0.5 for i in range(LONG)], [i * 0.5 + 0j for i in range(LONG)]),
    ([-0.0] * LONG, [0] * LONG), ([True] * LONG, [1] * LONG),
    ([2 ** 53 + 1] * LONG, [2 ** 53 + 1] * LONG), ([float(2 ** 60)] * LONG, [2 ** 60] * LONG),
    (["x%d" % i for i in range(LONG)], ["x%d" % i for i in range(LONG)]),
    (tuple(range(LONG)), tuple(float(i) for i in range(LONG))),
    ([None, [1, [2, (3,)]], {"k": {4}}], [None, [1.0, [2, (3.0,)]], {"k": frozenset({4})}]),
]
UNEQUAL = [
    (1, 1.5), (1, "1"), (b"a", "a"), ((1,), [1]), ([1, 2], [2, 1]), ({1}, [1]), ({1: 2}, {1: 3}),
    ({1: 2}, {2: 1}), (2 ** 60 + 1, float(2 ** 60)), (0.1 + 0.2, 0.3), (None, 0), ("", b""),
    ([2 ** 53 + 1] * LONG, [float(2 ** 53 + 1)] * LONG), (list(range(LONG)), list(range(1, LONG + 1))),
    ([1] * LONG, [1] * (LONG + 1)), (["a"] * LONG, ["a"] * (LONG - 1) + ["b"]),
    (list(range(LONG)), tuple(range(LONG))), ([1.5] * LONG, [1.5] * (LONG - 1) + [1.5 + 1j]),
    ([[1, 2], [3]], [[1], [2, 3]]), (["ab", "c"], ["a", "bc"]), ((), []), ({}, set()),
    (1 + 2j, 1 - 2j), ([1, "1"], ["1", 1]),
]


def check_cases():
    for a, b in EQUAL:
        assert a == b, (a, b)
        ok(same(a, b), "equal: %.60r == %.60r" % (a, b), (digests(a), digests(b)))
    for a, b in UNEQUAL:
        assert a != b, (a, b)
        ok(not same(a, b), "unequal: %.60r != %.60r" % (a, b))


def check_nan():
    nan = float("nan")
    ok(vd.digest(nan) != vd.digest(nan), "a NaN equals nothing, itself included")
    ok(vd.digest([nan] * LONG, numpy) != vd.digest([nan] * LONG, numpy), "a long list with NaN matches nothing")
    ok(vd.digest(complex(nan, 1)) != vd.digest(complex(nan, 1)), "a complex with a NaN part matches nothing")


class Boom:
    """Any use of its comparison or conversion fails the test."""
    def __eq__(self, other):
        raise AssertionError("__eq__ ran")
    __hash__ = object.__hash__

    def __float__(self):
        raise AssertionError("__float__ ran")

    def __iter__(self):
        raise AssertionError("__iter__ ran")


class MyInt(int):
    pass


class MyList(list):
    pass


def refused(v):
    try:
        vd.digest(v, numpy)
    except vd.NotDigestible:
        return True
    return False


def check_refused():
    ok(refused(Boom()), "a user object is refused, none of its methods run")
    ok(refused([1] * LONG + [Boom()]), "... also inside a long list (the fast path reads exact types only)")
    ok(refused({"k": Boom()}) and refused({Boom()}), "... also as a dict value or a set element")
    ok(refused(MyInt(3)) and refused(MyList([1])), "subclasses of int and list are refused")
    deep = []
    for _ in range(100000):
        deep = [deep]
    ok(refused(deep), "a value nested too deeply is refused")
    if numpy is not None:
        ok(refused(numpy.int64(3)) and refused(numpy.arange(3)) and refused([numpy.float64(1.0)] * LONG),
           "numpy scalars and arrays are refused")
    e = vd.Expected(vd.digest([1, 2, 3]))
    ok(e.matches([1.0, 2, 3]) and not e.matches([1, 2]), "Expected.matches decides equality by digest")


def rand_value(rng, depth=0):
    kinds = ["int", "float", "bool", "str", "none", "big", "bytes"]
    if depth < 3:
        kinds += ["list", "tuple", "dict", "set", "longnum", "longstr"]
    k = rng.choice(kinds)
    if k == "int":
        return rng.randint(-5, 5)
    if k == "float":
        return rng.choice([0.5, -0.0, 2.0, 1e300, float("inf"), 3.0])
    if k == "bool":
        return rng.random() < 0.5
    if k == "str":
        return rng.choice(["", "a", "é", "\ud800", "[1]"])
    if k == "none":
        return None
    if k == "big":
        return rng.choice([2 ** 53, 2 ** 53 + 1, -2 ** 70, 10 ** 30])
    if k == "bytes":
        return rng.choice([b"", b"x\x00"])
    if k == "list":
        return [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if k == "tuple":
        return tuple(rand_value(rng, depth + 1) for _ in range(rng.randint(0, 3)))
    if k == "dict":
        return {rng.choice([1, "a", (1, 2), 2.5]): rand_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if k == "set":
        return {rng.choice([1, "a", (1, 2), 2.5, True]) for _ in range(rng.randint(0, 3))}
    if k == "longnum":
        return [rng.choice([1, 2.5, -0.0, 3, True, 2 ** 60]) for _ in range(rng.randint(60, 80))]
    return ["s%d" % rng.randint(0, 2) for _ in range(rng.randint(60, 80))]


def twin(rng, v):
    """A value equal to v, of other types where Python allows it."""
    t = type(v)
    if t is bool:
        return int(v) if rng.random() < 0.5 else v
    if t is int:
        f = float(v) if abs(v) < 2 ** 1000 else None
        return f if f is not None and f == v and rng.random() < 0.5 else v
    if t is float:
        if v.is_integer() and rng.random() < 0.5:
            return int(v)
        return complex(v, 0) if rng.random() < 0.3 else v
    if t is bytes:
        return bytearray(v) if rng.random() < 0.5 else v
    if t is list:
        return [twin(rng, x) for x in v]
    if t is tuple:
        return tuple(twin(rng, x) for x in v)
    if t is set:
        return frozenset(v) if rng.random() < 0.5 else set(v)
    if t is dict:
        items = list(v.items())
        rng.shuffle(items)
        return {k: twin(rng, x) for k, x in items}
    return v


def check_random():
    rng = random.Random(16)
    bad = []
    for _ in range(3000):
        a = rand_value(rng)
        b = twin(rng, a)
        c = rand_value(rng)
        if not same(a, b):
            bad.append(("twin", a, b))
        if (a == c) != same(a, c):
            bad.append(("pair", a, c))
    ok(not bad, "3000 random values: equal twins of other types share the digest; random pairs agree with ==",
       bad[:3])


def main():
    check_cases()
    check_nan()
    check_refused()
    check_random()
    print("1..%d" % N[0])
    return 1 if FAILED[0] else 0


if __name__ == "__main__":
    sys.exit(main())
