"""Writes a formula specification built from a repeated pattern, for the
importer's limits: make_formula.py KIND COUNT OUT."""
import sys

kind, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
heads = "X = Vi(1)\nY = Vj(1)\n"
formula = {
    "exp": "Exp(" * count + "X" + ")" * count,
    "paren": "(" * count + "X" + ")" * count,
    "minus": "-" * count + "X",
    "power": "X" + " ** 2" * count,
    "sqdist": "SqDist(X, " * count + "X" + ")" * count,
    "sum": " + ".join(["X"] * count),
    "aliases": "X",
}[kind]
if kind == "aliases":
    heads += "".join(f"A{k} = Vi(1)\n" for k in range(count))
with open(path, "w") as f:
    f.write(heads + f"Sum_Reduction(({formula}) * Y, 0)\n")
