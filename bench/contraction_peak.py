"""How close kred's contractions come to the core's arithmetic peak:
Gaussian convolutions exp(-|x_i - y_j|^2) b_j and scalar products
(x_i | y_j) at D = 16, 64, 256, N = M = 10,000, float32, against the vector
instructions per second one core retires (bench/fma_peak.c: independent
fused multiply-adds, compiled here for this CPU).

A coordinate of a pair costs one subtraction and one fused multiply-add in
the exact (x - y)^2 form, one fused multiply-add in a scalar product and in
the opt-in |x|^2 + |y|^2 - 2 <x, y> form (compile option sqdist-expansion,
its squared norms computed once per row; its largest error against the
float64 result is printed beside it); the fraction printed is (pairs/s per
core) * D * (vector operations per coordinate) / lanes / (peak vector
operations per second): the share of the core's two arithmetic ports spent
on the contraction itself.

usage: PYTHONPATH=build/python python3 bench/contraction_peak.py
"""
import os
import subprocess
import tempfile
import time

import numpy as np

import kred
import kred.numpy as kn

HERE = os.path.dirname(os.path.abspath(__file__))


def peak():
    with tempfile.TemporaryDirectory() as folder:
        binary = os.path.join(folder, "fma_peak")
        subprocess.run(["cc", "-O2", "-march=native", os.path.join(HERE, "fma_peak.c"),
                        "-o", binary], check=True)
        rate, lanes, _ = subprocess.run([binary], check=True, capture_output=True,
                                        text=True).stdout.split()
    return float(rate), int(lanes)


def best(fn, *args):
    fn(*args)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    rate, lanes = peak()
    cores = os.cpu_count()
    print(f"host {kred._kred.host()}, {cores} cores; one core: {rate:.3g} "
          f"{lanes}-lane FMAs/s (bench/fma_peak.c)")
    rng = np.random.default_rng(0)
    n = 10000
    print(f"{'formula':28s} {'D':>4s} {'time':>9s} {'pairs/s/core':>13s} {'of peak':>8s} "
          f"{'max error':>10s}")
    gaussian = "Exp(-SqDist(X, Y)) * B"
    for name, formula, ops, options in (
            ("Exp(-SqDist(X,Y)) * B", gaussian, 2, {}),
            ("  |x|^2+|y|^2-2<x,y> form", gaussian, 1, {"sqdist-expansion": True}),
            ("(X | Y)", "(X | Y)", 1, {})):
        for d in (16, 64, 256):
            x = (rng.random((n, d), dtype=np.float32) / np.sqrt(d)).astype(np.float32)
            y = (rng.random((n, d), dtype=np.float32) / np.sqrt(d)).astype(np.float32)
            b = rng.random((n, 1), dtype=np.float32)
            aliases = [f"X = Vi({d})", f"Y = Vj({d})"] + (["B = Vj(1)"] if "B" in formula else [])
            f = kn.Genred(formula, aliases, reduction_op="Sum", axis=1,
                          compile_options=options)
            args = (x, y, b) if "B" in formula else (x, y)
            t = best(f, *args)
            per_core = n * n / t / cores
            fraction = per_core * d * ops / lanes / rate
            error = ""
            if options:  # against the exact form in float64, on 1,000 rows
                exact = kn.Genred(formula, aliases, reduction_op="Sum", axis=1)
                rows = [a.astype(np.float64) for a in (args[0][:1000],) + args[1:]]
                reference = exact(*rows)
                error = f"{np.abs(f(*args)[:1000] - reference).max() / np.abs(reference).max():10.1e}"
            print(f"{name:28s} {d:4d} {t * 1e3:7.1f}ms {per_core:13.3g} {fraction:7.0%} {error}")


if __name__ == "__main__":
    main()
