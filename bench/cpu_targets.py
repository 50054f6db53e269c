"""The CPU performance targets of kred, measured in one run:

- Gaussian convolution at N = M = 10,000, D = 3, float32: kred against the
  seed's NumPy implementation on the same data, in this process;
- cold compile time of that kernel, and the time a second process takes to
  get it from the disk cache;
- time of one call at N = M = 100 (the call overhead);
- peak resident memory at N = M = 1,000,000 (skipped with --quick).

usage: cpu_targets.py BUILD_DIR [--quick]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gaussian_conv import gaussianconv_numpy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "gaussian_conv.kf")


def kred_run(build, args, env):
    start = time.perf_counter()
    run = subprocess.run([os.path.join(build, "bin", "kred-run"), SPEC] + args,
                         capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"kred-run failed:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1]), wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--quick", action="store_true",
                        help="skip the N = M = 1,000,000 memory run (minutes)")
    args = parser.parse_args()
    cores = os.cpu_count()
    results = {}

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, KRED_CACHE_DIR=os.path.join(tmp, "cache"))
        env.pop("KRED_VERBOSE", None)

        # Compile in a fresh cache, then load in a second process.
        cold, cold_wall = kred_run(build=args.build, env=env,
                                   args=["-n", "100", "-m", "100", "--json"])
        warm, warm_wall = kred_run(build=args.build, env=env,
                                   args=["-n", "100", "-m", "100", "--json"])
        assert cold["origin"] == "compiled" and warm["origin"] == "disk cache"
        results["cold_compile_s"] = cold["compile_s"]
        results["disk_cache_hit_s"] = warm["compile_s"]
        results["disk_cache_process_wall_s"] = warm_wall

        # Call overhead: median of many calls at N = M = 100.
        small, _ = kred_run(args.build, ["-n", "100", "-m", "100", "--bench",
                                         "--repeat", "20000", "--json"], env)
        results["call_n100_s"] = float(np.median(small["times_s"]))

        # Throughput at N = M = 10,000 against NumPy on the same data.
        rng = np.random.default_rng(0)
        n = 10_000
        x = rng.standard_normal((n, 3)).astype(np.float32)
        y = rng.standard_normal((n, 3)).astype(np.float32)
        b = rng.standard_normal((n, 1)).astype(np.float32)
        paths = []
        for name, a in (("X", x), ("Y", y), ("B", b)):
            np.save(os.path.join(tmp, name + ".npy"), a)
            paths += ["-i", f"{name}={os.path.join(tmp, name + '.npy')}"]
        out = os.path.join(tmp, "out.npy")
        big, _ = kred_run(args.build, paths + ["--bench", "--repeat", "30",
                                               "--json", "-o", out], env)
        # The seed's NumPy routine takes a batch of one.
        batched = (x[None], y[None], b[None])
        gaussianconv_numpy(*batched)
        numpy_times = []
        for _ in range(5):
            t = time.perf_counter()
            ref = gaussianconv_numpy(*batched)
            numpy_times.append(time.perf_counter() - t)
        t_kred = float(np.median(big["times_s"]))
        t_numpy = float(np.median(numpy_times))
        results.update({
            "n10k_kred_s": t_kred, "n10k_numpy_s": t_numpy,
            "n10k_speedup": t_numpy / t_kred,
            "n10k_pairs_per_s_per_core": n * n / t_kred / cores,
            "n10k_max_rel_diff": float(np.max(np.abs(np.load(out) - ref)) /
                                       np.max(np.abs(ref))),
        })

        if not args.quick:
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            huge, wall = kred_run(args.build, ["-n", "1000000", "-m", "1000000",
                                               "--bench", "--repeat", "1",
                                               "--json"], env)
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            results["n1m_rss_mb"] = max(rss, before) / 1024.0
            results["n1m_kred_s"] = huge["times_s"][0]

    targets = [
        ("speed-up over NumPy at N = M = 10k", "n10k_speedup", ">=", 50, "x"),
        ("pairs/s per core at N = M = 10k", "n10k_pairs_per_s_per_core", ">=", 2e9, ""),
        ("cold compile", "cold_compile_s", "<", 0.5, "s"),
        ("disk cache hit (second process)", "disk_cache_hit_s", "<", 0.02, "s"),
        ("one call at N = M = 100", "call_n100_s", "<", 20e-6, "s"),
        ("peak RSS at N = M = 1e6", "n1m_rss_mb", "<", 200, "MB"),
    ]
    print(f"kred CPU targets ({cores} cores); NumPy at N = M = 10k: "
          f"{results['n10k_numpy_s']:.3f} s, kred: {results['n10k_kred_s']:.4f} s "
          f"(max rel. diff {results['n10k_max_rel_diff']:.1e})")
    for label, key, op, target, unit in targets:
        if key not in results:
            print(f"  {label:40s} skipped (--quick)")
            continue
        v = results[key]
        ok = v >= target if op == ">=" else v < target
        print(f"  {label:40s} {v:12.4g} {unit:3s} target {op} {target:g} {unit}"
              f"  {'ok' if ok else 'MISSED'}")
    out_dir = os.path.join(args.build, "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "cpu_targets.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
