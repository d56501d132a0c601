"""Legitimate: deep recursion, as recursive DP solutions do."""
import sys

sys.setrecursionlimit(10500)


def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)


print("observed: depth", depth(10000))
