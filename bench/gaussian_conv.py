"""The seed benchmark: Gaussian convolution a_i = sum_j exp(-|x_i - y_j|^2) b_j
on 3D point clouds, N = M = 100 ... 1,000,000, kred (through kred-run) against
the seed's tensorized NumPy implementation run in this process.

usage: gaussian_conv.py BUILD_DIR [--max-time 0.1] [--max-run 3] [--sizes ...]

Each size is repeated for at most --max-time seconds (like the seed); a method
stops at the first size where one run exceeds --max-run seconds or, for
NumPy, where the N x M matrices would not fit in a quarter of the memory.
Prints a table and writes BUILD_DIR/bench/gaussian_conv.{json,png}.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
D = 3


def sizes_of_seed():
    return [m * 10**k for k in (2, 3, 4, 5) for m in (1, 2, 5)] + [10**6]


def gaussianconv_numpy(x, y, b):
    """The seed's NumPy version: |x|^2 - 2<x, y> + |y|^2 through BLAS."""
    d_xx = np.sum(x**2, axis=-1)[:, None]
    d_xy = x @ y.T
    d_yy = np.sum(y**2, axis=-1)[None, :]
    return np.exp(-(d_xx - 2 * d_xy + d_yy)) @ b


def time_numpy(x, y, b, max_time):
    gaussianconv_numpy(x, y, b)  # warm-up
    times = []
    start = time.perf_counter()
    while not times or time.perf_counter() - start < max_time:
        t = time.perf_counter()
        out = gaussianconv_numpy(x, y, b)
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def run_kred(build, args, extra_env=None):
    env = dict(os.environ)
    env.update(extra_env or {})
    run = subprocess.run([os.path.join(build, "bin", "kred-run")] + args,
                         capture_output=True, text=True, env=env)
    if run.returncode != 0:
        sys.exit(f"kred-run failed:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def time_kred(build, tmp, x, y, b, max_time, out_path):
    for name, a in (("X", x), ("Y", y), ("B", b)):
        np.save(os.path.join(tmp, name + ".npy"), a)
    spec = os.path.join(HERE, "gaussian_conv.kf")
    inputs = []
    for n in "XYB":
        inputs += ["-i", f"{n}={os.path.join(tmp, n + '.npy')}"]
    # One timed run tells how many fit in max_time.
    probe = run_kred(build, [spec, "--bench", "--json", "--repeat", "1"] + inputs)
    one = probe["times_s"][0]
    repeat = max(1, min(1000, int(max_time / max(one, 1e-7))))
    result = run_kred(build, [spec, "--bench", "--json", "--repeat", str(repeat),
                              "-o", out_path] + inputs)
    return float(np.median(result["times_s"])), np.load(out_path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--max-time", type=float, default=0.1)
    parser.add_argument("--max-run", type=float, default=3.0)
    parser.add_argument("--sizes", type=int, nargs="*", default=sizes_of_seed())
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    rows, numpy_on, kred_on = [], True, True
    print(f"Gaussian convolution, D = {D}, float32, {os.cpu_count()} cores; "
          f"each size repeated for {args.max_time} s, a method stops after a "
          f"run over {args.max_run} s")
    print(f"{'N = M':>9} {'NumPy (s)':>11} {'kred (s)':>11} {'speed-up':>9} "
          f"{'kred pairs/s':>13} {'max rel. diff':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            x = rng.standard_normal((n, D)).astype(np.float32)
            y = rng.standard_normal((n, D)).astype(np.float32)
            b = rng.standard_normal((n, 1)).astype(np.float32)
            # NumPy holds about three N x M float32 matrices at once.
            if numpy_on and 3 * 4 * n * n > memory / 4:
                numpy_on = False
            t_np, out_np = time_numpy(x, y, b, args.max_time) if numpy_on else (None, None)
            t_kr, out_kr = (time_kred(args.build, tmp, x, y, b, args.max_time,
                                      os.path.join(tmp, "out.npy"))
                            if kred_on else (None, None))
            diff = None
            if out_np is not None and out_kr is not None:
                diff = float(np.max(np.abs(out_kr - out_np)) / np.max(np.abs(out_np)))
            rows.append({"n": n, "numpy_s": t_np, "kred_s": t_kr,
                         "max_rel_diff": diff})
            fmt = lambda t: f"{t:11.3e}" if t is not None else f"{'-':>11}"
            speedup = f"{t_np / t_kr:8.1f}x" if t_np and t_kr else f"{'-':>9}"
            pairs = f"{n * n / t_kr:13.3e}" if t_kr else f"{'-':>13}"
            d = f"{diff:14.2e}" if diff is not None else f"{'-':>14}"
            print(f"{n:9d} {fmt(t_np)} {fmt(t_kr)} {speedup} {pairs} {d}",
                  flush=True)
            numpy_on = numpy_on and t_np is not None and t_np < args.max_run
            kred_on = kred_on and t_kr is not None and t_kr < args.max_run

    out_dir = os.path.join(args.build, "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "gaussian_conv.json"), "w") as f:
        json.dump({"benchmark": "gaussian_conv", "d": D, "dtype": "float32",
                   "cores": os.cpu_count(), "rows": rows}, f, indent=2)
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
        plt.figure(figsize=(7, 5))
        for key, label in (("numpy_s", "NumPy (tensorized)"), ("kred_s", "kred (CPU)")):
            pts = [(r["n"], r[key]) for r in rows if r[key] is not None]
            if pts:
                plt.loglog(*zip(*pts), "o-", label=label)
        plt.xlabel("N = M (points)")
        plt.ylabel("time (s)")
        plt.title("Gaussian convolution, D = 3, float32")
        plt.grid(True, which="both", alpha=0.3)
        plt.legend()
        plt.savefig(os.path.join(out_dir, "gaussian_conv.png"), dpi=100)
        print(f"wrote {out_dir}/gaussian_conv.json and gaussian_conv.png")
    except ImportError:
        print(f"wrote {out_dir}/gaussian_conv.json (no matplotlib: no plot)")


if __name__ == "__main__":
    main()
