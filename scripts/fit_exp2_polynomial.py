"""The float32 polynomials of kred's exp (lib/Transforms/ApproximateMath.cpp):
2^(f / L) on [-1/2, 1/2] as 1 + c1 f + ... + cd f^d, fitted for the smallest
maximum relative error (Lawson's iteratively reweighted least squares), the
coefficients rounded to float32, then evaluated the way the kernel does
(Horner with fused multiply-adds in float32, then, with a table of L > 1
entries, times the entry 2^(k / L) rounded to float32) to count the error
in ulp.

usage: python3 scripts/fit_exp2_polynomial.py [--table L] [DEGREE ...]

Prints, per degree, the fitted relative error (in units of 2^-24), the
largest error in ulp after float32 evaluation, and the coefficients.
Without a table (L = 1), degree 5 gives 2.02 ulp, over the documented
2-ulp bound; degree 6 gives 0.93. With the AVX-512 table of 16 entries,
degree 3 gives 1.64 ulp (degree 2: 8.4).
"""
import sys

import numpy as np


def fit(degree, table=1, iterations=3000):
    """Coefficients c0 = 1, c1..cd minimizing max |p(f) / 2^(f/L) - 1|."""
    f = np.linspace(-0.5, 0.5, 20001)
    f = f[f != 0]
    target = np.exp2(f / table)
    powers = np.vander(f, degree + 1, increasing=True)[:, 1:]
    weights = np.full(len(f), 1.0 / len(f))
    for _ in range(iterations):
        root = np.sqrt(weights) / target
        c, *_ = np.linalg.lstsq(powers * root[:, None], (target - 1) * root, rcond=None)
        error = np.abs(powers @ c - (target - 1)) / target
        weights *= error
        weights /= weights.sum()
    return np.concatenate([[1.0], c]), error.max()


def to_f32(x):
    return np.asarray(x, np.float64).astype(np.float32).astype(np.float64)


def ulp_error(coefficients, table=1):
    """Largest error of the float32 evaluation, in ulp of 2^((k + f) / L),
    over every table entry k."""
    f = to_f32(np.linspace(-0.5, 0.5, 2_000_001))
    p = np.full_like(f, coefficients[-1])
    for c in coefficients[-2::-1]:
        p = to_f32(p * f + c)  # one rounding: a fused multiply-add
    worst = 0.0
    for k in range(table):
        entry = to_f32(np.exp2(k / table))
        result = to_f32(p * entry) if table > 1 else p
        exact = np.exp2((k + f) / table)
        ulp = np.spacing(exact.astype(np.float32)).astype(np.float64)
        worst = max(worst, float(np.max(np.abs(result - exact) / ulp)))
    return worst


def main():
    args = sys.argv[1:]
    table = 1
    if args[:1] == ["--table"]:
        table, args = int(args[1]), args[2:]
    for degree in [int(d) for d in args] or ([3] if table > 1 else [5, 6]):
        c, relative = fit(degree, table)
        c = to_f32(c)
        print(f"table {table}, degree {degree}: fitted {relative / 2**-24:.3f} x 2^-24, "
              f"{ulp_error(c, table):.2f} ulp in float32; coefficients "
              + ", ".join(repr(float(x)) for x in c))


if __name__ == "__main__":
    main()
