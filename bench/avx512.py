"""AVX-512 measured, not only counted: each formula class compiled for this
machine's AVX-512 (16 lanes, 32 vector registers, VSCALEF) and for AVX2
(`cpu-features=-avx512f`: 8 lanes, 16 registers, no AVX-512 instruction),
timed in one run on the same data, float32, one core (OMP_NUM_THREADS=1 is
set before kred loads), and a mixed build (AVX-512 instructions, 8 lanes).
Run on an AVX-512 machine; on an AVX2 one only the AVX2 column is real.

usage: PYTHONPATH=build/python python3 bench/avx512.py [--n 10000] [--repeat 5]
"""
import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import kred.numpy as kn  # noqa: E402
from kred import _kred  # noqa: E402

BUILDS = {"AVX-512": None,
          "AVX2": {"cpu-features": "-avx512f"},
          "AVX-512, 8 lanes": {"vector-width": 8, "vector-registers": 16}}
# name: (formula, aliases, reduction, K, formula2, D)
CLASSES = {
    "Gaussian D = 3": ("Exp(-SqDist(X, Y)) * B", "Sum", None, None, 3),
    "Gaussian D = 64": ("Exp(-SqDist(X, Y)) * B", "Sum", None, None, 64),
    "LogSumExp D = 3": ("-SqDist(X, Y)", "LogSumExp", None, None, 3),
    "k-NN K = 10 D = 3": ("SqDist(X, Y)", "ArgKMin", 10, None, 3),
    "k-NN K = 10 D = 64": ("SqDist(X, Y)", "ArgKMin", 10, None, 64),
    "Matern-like D = 3": ("(IntCst(1) + Sqrt(SqDist(X, Y))) * Exp(-Sqrt(SqDist(X, Y))) * B",
                          "Sum", None, None, 3),
}


def timed(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"host: {_kred.host()}; N = M = {args.n}, float32, one core; best of "
          f"{args.repeat}, pairs/s")
    print(f"{'formula class':<22}" + "".join(f"{b:>18}" for b in BUILDS) + "   AVX-512 / AVX2")
    rng = np.random.default_rng(0)
    for name, (formula, reduction, k, weight, d) in CLASSES.items():
        x, y = (rng.random((args.n, d), dtype=np.float32) for _ in range(2))
        b = rng.standard_normal((args.n, 1)).astype(np.float32)
        aliases = [f"X = Vi({d})", f"Y = Vj({d})"] + (["B = Vj(1)"] if "B" in formula else [])
        arrays = (x, y, b) if "B" in formula else (x, y)
        rates = []
        for options in BUILDS.values():
            genred = kn.Genred(formula, aliases, reduction_op=reduction, axis=1, opt_arg=k,
                               compile_options=options)
            rates.append(args.n * args.n / timed(lambda: genred(*arrays), args.repeat))
        print(f"{name:<22}" + "".join(f"{r:18.3g}" for r in rates) +
              f"   {rates[0] / rates[1]:6.2f}x")


if __name__ == "__main__":
    main()
