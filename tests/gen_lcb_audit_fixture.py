"""Writes fixtures/livecodebench/: a small LiveCodeBench dataset in the official
code_generation_lite row format, and completions for it in the official
output format, each completion chosen to exercise one rule of lcb_runner.

The expected verdict of every completion is in expected.json, with the reason,
so the end-to-end test (tests/test_lcb_audit.py) states what it checks. Those
verdicts follow lcb_runner's testing_util.py (read, not run: PyPI is not
reachable here):
  - functional tests: each input line is one JSON argument, the expected value
    is JSON, a returned tuple becomes a list, then exact equality (floats too);
  - stdin tests: the whole program runs with the input on stdin; outputs are
    compared line by line after stripping the whole text and each line, then
    as Decimal tokens when the lines differ as text;
  - int/str conversion allows 50,000 digits (the runner raises Python's 4,300);
  - 6 s per test, stop at the first failure.

The 10 MB stdin problem is made by the test at run time, not stored here.

usage: python3 tests/gen_lcb_audit_fixture.py [OUT_DIR]
"""
import base64
import json
import os
import pickle
import sys
import zlib

sys.set_int_max_str_digits(50000)


def private_field(tests, protocol=4):
    """The official encoding: base64 of zlib of a pickled JSON string."""
    text = json.dumps(tests)
    return base64.b64encode(zlib.compress(pickle.dumps(text, protocol=protocol))).decode()


def tests_of(pairs, testtype):
    return [{"input": i, "output": o, "testtype": testtype} for i, o in pairs]


def row(qid, title, platform, difficulty, date, public, private, func_name=None, starter="",
        private_raw=None):
    testtype = "functional" if func_name else "stdin"
    return {
        "question_title": title,
        "question_content": "Fixture problem %s: see tests/gen_lcb_audit_fixture.py." % qid,
        "platform": platform,
        "question_id": qid,
        "contest_id": qid.split("_")[0],
        "contest_date": date,
        "starter_code": starter,
        "difficulty": difficulty,
        "public_test_cases": json.dumps(tests_of(public, testtype)),
        "private_test_cases": private_raw if private_raw is not None else private_field(tests_of(private, testtype)),
        "metadata": json.dumps({"func_name": func_name} if func_name else {}),
    }


def fence(code):
    return "Here is my solution.\n```python\n" + code + "```\n"


BIG = 7 ** 6000                      # 5,071 digits: over Python's default 4,300
BIG_STDIN = 3 ** 10000               # 4,772 digits


# A private_test_cases field cut short: the zlib stream ends early.
TRUNCATED = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(
    tests_of([("2\n", "2\n")] * 50, "stdin")), protocol=4))[:-12]).decode()


def problems():
    rows = []
    rows.append(row("lc_tuple", "Min and max", "leetcode", "easy", "2024-03-02T00:00:00",
                    [("[3, 1, 2]", "[1, 3]")], [("[5]", "[5, 5]"), ("[-1, 7, 0]", "[-1, 7]")],
                    func_name="minMax",
                    starter="class Solution:\n    def minMax(self, nums: List[int]) -> List[int]:\n        "))
    rows.append(row("lc_float", "Average", "leetcode", "easy", "2024-03-09T00:00:00",
                    [("[1, 2]", "1.5")], [("[0.1, 0.2]", "0.15")],
                    func_name="average",
                    starter="class Solution:\n    def average(self, nums: List[float]) -> float:\n        "))
    rows.append(row("lc_mutate", "Sorted copy", "leetcode", "medium", "2024-04-06T00:00:00",
                    [("[3, 1, 2]\n2", "[1, 2]")], [("[9, 8, 7, 6]\n3", "[6, 7, 8]"), ("[5, 4]\n0", "[]")],
                    func_name="smallest",
                    starter="class Solution:\n    def smallest(self, nums: List[int], k: int) -> List[int]:\n        "))
    rows.append(row("lc_bigint", "Big power", "leetcode", "hard", "2024-05-11T00:00:00",
                    [("7\n6000", str(BIG))], [("2\n10", "1024")],
                    func_name="power",
                    starter="class Solution:\n    def power(self, a: int, b: int) -> int:\n        "))
    rows.append(row("lc_recursion", "Deep chain", "leetcode", "medium", "2024-06-01T00:00:00",
                    [("10", "10")], [("60000", "60000")],
                    func_name="depth",
                    starter="class Solution:\n    def depth(self, n: int) -> int:\n        "))
    rows.append(row("lc_slow", "Count pairs", "leetcode", "hard", "2024-07-13T00:00:00",
                    [("3", "3")], [("100000000", "4999999950000000")],
                    func_name="pairs",
                    starter="class Solution:\n    def pairs(self, n: int) -> int:\n        "))
    rows.append(row("abc900_a", "Division", "atcoder", "easy", "2024-03-16T00:00:00",
                    [("1 3\n", "0.3333333333\n")], [("2 8\n", "0.25\n")]))
    rows.append(row("abc900_b", "Grid", "atcoder", "medium", "2024-04-20T00:00:00",
                    [("2 3\n", "1 2 3\n4 5 6\n")], [("1 1\n", "1\n"), ("3 1\n", "1\n2\n3\n")]))
    rows.append(row("abc900_c", "Sum of lines", "atcoder", "easy", "2024-05-25T00:00:00",
                    [("3\n1\n2\n3\n", "6\n")], [("2\n10\n-4\n", "6\n"), ("1\n0\n", "0\n")]))
    rows.append(row("cf900_a", "Big product", "codeforces", "hard", "2024-08-03T00:00:00",
                    [("3 10000\n", str(BIG_STDIN * 2) + "\n")], [("2 3\n", "16\n")]))
    rows.append(row("cf900_b", "Parity", "codeforces", "medium", "2024-09-07T00:00:00",
                    [("4\n", "even\n")], [("7\n", "odd\n"), ("0\n", "even\n")]))
    rows.append(row("cf900_c", "Broken private tests", "codeforces", "easy", "2024-10-05T00:00:00",
                    [("1\n", "1\n")], [], private_raw=TRUNCATED))
    return rows


# (question_id, code, expected status, official error code or None, why)
SAMPLES = [
    ("lc_tuple", "class Solution:\n    def minMax(self, nums):\n        return (min(nums), max(nums))\n",
     "passed", None, "a returned tuple is compared as a list"),
    ("lc_tuple", "class Solution:\n    def minMax(self, nums):\n        return [min(nums), max(nums)]\n",
     "passed", None, "a list"),
    ("lc_tuple", "class Solution:\n    def minMax(self, nums):\n        return [max(nums), min(nums)]\n",
     "failed", -2, "wrong order: wrong answer"),
    ("lc_float", "class Solution:\n    def average(self, nums):\n        return sum(nums) / len(nums)\n",
     "failed", -2, "0.15000000000000002 != 0.15: functional floats compare exactly"),
    ("lc_float", "class Solution:\n    def average(self, nums):\n        return round(sum(nums) / len(nums), 9)\n",
     "passed", None, "rounded: exact"),
    ("lc_mutate", "class Solution:\n    def smallest(self, nums, k):\n        nums.sort()\n        del nums[k:]\n        return nums\n",
     "passed", None, "mutating the argument is harmless: each test parses its input afresh"),
    ("lc_mutate", "class Solution:\n    seen = []\n    def smallest(self, nums, k):\n        Solution.seen += nums\n        return sorted(Solution.seen)[:k]\n",
     "failed", -2, "state kept across tests (one process, like the official runner)"),
    ("lc_bigint", "class Solution:\n    def power(self, a, b):\n        return a ** b\n",
     "passed", None, "5,071-digit expected value: the runner allows 50,000 digits"),
    ("lc_recursion", "import sys\nsys.setrecursionlimit(10 ** 6)\nclass Solution:\n    def depth(self, n):\n        return 0 if n == 0 else 1 + self.depth(n - 1)\n",
     "passed", None, "60,000 frames once the limit is raised"),
    ("lc_recursion", "class Solution:\n    def depth(self, n):\n        return 0 if n == 0 else 1 + self.depth(n - 1)\n",
     "error", -4, "default recursion limit: RecursionError is a runtime error"),
    ("lc_slow", "class Solution:\n    def pairs(self, n):\n        t = 0\n        for i in range(n):\n            for j in range(i + 1, n):\n                t += 1\n        return t\n",
     "timeout", -3, "quadratic on n = 10^8: over the per-test limit"),
    ("lc_slow", "class Solution:\n    def pairs(self, n):\n        return n * (n - 1) // 2\n",
     "passed", None, "closed form"),
    ("abc900_a", "a, b = map(int, input().split())\nprint('%.12f' % (a / b))\n",
     "failed", -2, "0.333333333333 != 0.3333333333: Decimal tokens must be equal, no tolerance"),
    ("abc900_a", "a, b = map(int, input().split())\nprint(a / b)\n",
     "failed", -2, "0.3333333333333333 != 0.3333333333 as Decimal"),
    ("abc900_a", "a, b = map(int, input().split())\nprint('%.10f' % (a / b) + '000')\n",
     "passed", None, "0.3333333333000 == 0.3333333333 as Decimal; 0.2500000000000 == 0.25"),
    ("abc900_b", "h, w = map(int, input().split())\nfor r in range(h):\n    print(*range(r * w + 1, r * w + w + 1), end='   \\n')\nprint()\nprint('  ')\n",
     "passed", None, "trailing spaces and blank lines at the end are stripped"),
    ("abc900_b", "h, w = map(int, input().split())\nfor r in range(h):\n    print(*range(r * w + 1, r * w + w + 1))\n    print()\n",
     "failed", -2, "a blank line between rows changes the line count"),
    ("abc900_c", "import sys\ndata = sys.stdin.read().split()\nprint(sum(map(int, data[1:])))\n",
     "passed", None, "all of stdin at once"),
    ("abc900_c", "n = int(input())\nprint(sum(int(input()) for _ in range(n)))\n",
     "passed", None, "line by line with input()"),
    ("abc900_c", "import sys\nn = int(sys.stdin.buffer.readline())\nsys.stdout.buffer.write(b'%d\\n' % sum(int(l) for l in sys.stdin.buffer))\n",
     "passed", None, "bytes through sys.stdin.buffer and sys.stdout.buffer"),
    ("abc900_c", "import sys\nlines = sys.stdin.readlines()\nprint(sum(int(x) for x in lines[1:]))\n",
     "passed", None, "readlines()"),
    ("cf900_a", "a, b = map(int, input().split())\nprint(2 * a ** b)\n",
     "passed", None, "printing a 4,772-digit number (allowed up to 50,000)"),
    ("cf900_b", "n = int(input())\nprint('even' if n % 2 == 0 else 'odd')\n",
     "passed", None, "public and private tests"),
    ("cf900_b", "n = int(input())\nprint('even' if n != 0 and n % 2 == 0 else 'odd')\n",
     "failed", -2, "passes the public test, fails a private one (passes with --public-only)"),
    ("cf900_b", "print(undefined_name)\n",
     "error", -4, "NameError: runtime error"),
    ("cf900_c", "print(input())\n",
     "invalid", None, "the problem's private_test_cases cannot be decoded: the sample is invalid, the rest scored"),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "fixtures", "livecodebench")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "problems.jsonl"), "w") as f:
        for r in problems():
            f.write(json.dumps(r) + "\n")
    # The official output format: one entry per problem, its generations in
    # output_list, the extracted code in code_list.
    by_q = {}
    for qid, code, *_ in SAMPLES:
        by_q.setdefault(qid, []).append(code)
    official = [{"question_id": q, "output_list": [fence(c) for c in codes], "code_list": codes}
                for q, codes in by_q.items()]
    with open(os.path.join(out, "samples.json"), "w") as f:
        json.dump(official, f, indent=1)
        f.write("\n")
    expected = [{"question_id": q, "index": by_q[q].index(c), "status": s, "error_code": e, "why": why}
                for q, c, s, e, why in SAMPLES]
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
