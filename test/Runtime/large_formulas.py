"""Writes the formulas of compile-scaling.test (issue 25): n aliases of
which the formula reads two, and an n-term sum.

usage: large_formulas.py aliases|terms|sin-terms N OUT
"""
import sys


def aliases(n):
    lines = [f"A{k} = Vi(1)" for k in range(n - 1)] + ["B = Vj(1)"]
    return "\n".join(lines + ["Sum_Reduction(A0 * B, 0)"])


def terms(n):
    return "X = Vi(1)\nY = Vj(1)\nSum_Reduction(" + " + ".join(
        "X" if k % 2 else "Y" for k in range(n)) + ", 0)"


def sin_terms(n):
    return "X = Vi(1)\nY = Vj(1)\nSum_Reduction(Sin(X - Y) + " + " + ".join(
        "X" if k % 2 else "Y" for k in range(n)) + ", 0)"


shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(out, "w") as f:
    f.write({"aliases": aliases, "terms": terms, "sin-terms": sin_terms}[shape](n) + "\n")
