"""The float32 polynomial of kred's exp (lib/Transforms/ApproximateMath.cpp):
2^f on [-1/2, 1/2] as 1 + c1 f + ... + cd f^d, fitted for the smallest
maximum relative error (Lawson's iteratively reweighted least squares), the
coefficients rounded to float32, then evaluated the way the kernel does
(Horner with fused multiply-adds in float32) to count the error in ulp.

usage: python3 scripts/fit_exp2_polynomial.py [DEGREE ...]

Prints, per degree, the fitted relative error (in units of 2^-24), the
largest error in ulp after float32 evaluation, and the coefficients. Degree
5 gives 2.02 ulp, over the documented 2-ulp bound; degree 6 gives 0.93.
"""
import sys

import numpy as np


def fit(degree, iterations=3000):
    """Coefficients c0 = 1, c1..cd minimizing max |p(f) / 2^f - 1|."""
    f = np.linspace(-0.5, 0.5, 20001)
    f = f[f != 0]
    target = np.exp2(f)
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


def ulp_error(coefficients):
    """Largest error of the float32 Horner evaluation, in ulp of 2^f."""
    f = to_f32(np.linspace(-0.5, 0.5, 2_000_001))
    p = np.full_like(f, coefficients[-1])
    for c in coefficients[-2::-1]:
        p = to_f32(p * f + c)  # one rounding: a fused multiply-add
    exact = np.exp2(f)
    ulp = np.spacing(exact.astype(np.float32)).astype(np.float64)
    return float(np.max(np.abs(p - exact) / ulp))


def main():
    for degree in [int(d) for d in sys.argv[1:]] or [5, 6]:
        c, relative = fit(degree)
        c = to_f32(c)
        print(f"degree {degree}: fitted {relative / 2**-24:.3f} x 2^-24, "
              f"{ulp_error(c):.2f} ulp in float32; coefficients "
              + ", ".join(repr(float(x)) for x in c))


if __name__ == "__main__":
    main()
