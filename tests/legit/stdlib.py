"""Legitimate: every stdlib module HumanEval and LiveCodeBench solutions
import, each used once."""
import bisect
import collections
import copy
import datetime
import decimal
import fractions
import functools
import hashlib
import heapq
import itertools
import json
import math
import operator
import os.path
import random
import re
import statistics
import string
import sys
import typing

checks = [
    math.gcd(12, 18) == 6,
    re.findall(r"\d+", "a1b22") == ["1", "22"],
    list(itertools.accumulate([1, 2, 3])) == [1, 3, 6],
    collections.Counter("aab")["a"] == 2,
    heapq.nsmallest(2, [5, 1, 3]) == [1, 3],
    bisect.bisect_left([1, 2, 4], 3) == 2,
    functools.reduce(operator.mul, [1, 2, 3, 4]) == 24,
    string.ascii_lowercase[:3] == "abc",
    typing.List[int] is not None,
    fractions.Fraction(1, 3) + fractions.Fraction(1, 6) == fractions.Fraction(1, 2),
    decimal.Decimal("0.1") + decimal.Decimal("0.2") == decimal.Decimal("0.3"),
    statistics.median([3, 1, 2]) == 2,
    hashlib.sha256(b"").hexdigest().startswith("e3b0c442"),
    random.Random(1).randint(1, 10) in range(1, 11),
    datetime.date(2024, 3, 1) - datetime.timedelta(days=1) == datetime.date(2024, 2, 29),
    json.loads(json.dumps({"a": [1, 2]})) == {"a": [1, 2]},
    copy.deepcopy([[1], [2]]) == [[1], [2]],
    sys.maxsize > 2**31,
    os.path.join("a", "b") == "a/b",
]
print("observed: stdlib %d/%d" % (sum(checks), len(checks)))
