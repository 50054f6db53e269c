"""Differential testing: writes COUNT random formulas (from SEED) over the
aliases of check_formulas.py, one reduction per line, to OUT.

usage: random_formulas.py SEED COUNT OUT

Formulas combine arithmetic, smooth functions (kept in their domains, so
that float32 rounding cannot flip a discontinuity) and vector ops, under a
random reduction.
"""
import random
import sys

UNARY = [
    "Sin({})", "Cos({})", "Abs({})", "Square({})", "Exp(-Abs({}))",
    "Sqrt(Abs({}))", "Log(1 + Abs({}))", "Atan({})", "ReLU({})",
    "Inv(1 + Square({}))", "Rsqrt(1 + Abs({}))", "SinXDivX({})",
    "XLogX(1 + Abs({}))", "Pow({}, 3)",
]
BINARY = ["({} + {})", "({} - {})", "({} * {})", "Atan2({}, {})"]
TO_SCALAR = ["SqNorm2({})", "Sum({})", "Norm2({})", "Elem({}, 1)",
             "SqDist({}, Y)", "({} | X)"]
REDUCTIONS = [
    "Sum_Reduction({v}, {a})", "Min_Reduction({v}, {a})",
    "Max_ArgMax_Reduction({v}, {a})", "KMin_Reduction({v}, 3, {a})",
    "LogSumExp_Reduction({s}, {a})",
    "SumSoftMaxWeight_Reduction({s}, {a}, {v})",
]


def vector(rng, depth):
    """An expression of dimension 3 (or 1, which broadcasts)."""
    if depth == 0:
        return rng.choice(["X", "Y", "S", "X", "Y", f"{rng.uniform(-2, 2):.3f}"])
    kind = rng.random()
    if kind < 0.4:
        return rng.choice(UNARY).format(vector(rng, depth - 1))
    if kind < 0.8:
        return rng.choice(BINARY).format(vector(rng, depth - 1),
                                         vector(rng, depth - 1))
    return scalar(rng, depth - 1)


def scalar(rng, depth):
    return rng.choice(TO_SCALAR).format(vector3(rng, depth))


def vector3(rng, depth):
    """An expression of dimension exactly 3."""
    return f"({vector(rng, depth)} + 0 * X)"


def main():
    seed, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    with open(out, "w") as f:
        for _ in range(count):
            depth = rng.randint(1, 4)
            reduction = rng.choice(REDUCTIONS)
            f.write(reduction.format(v=vector(rng, depth),
                                     s=scalar(rng, depth),
                                     a=rng.randint(0, 1)) + "\n")


if __name__ == "__main__":
    main()
