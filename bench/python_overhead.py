"""Python-side costs of kred, measured in one run:

- a cached Genred call at N = M = 100 (total, the native kernel alone as
  the call launches it - bound to its arrays' layouts, reading only their
  addresses -, and the difference: the Python overhead), and the native
  kernel run with every argument checked (Kernel.run);
- a cached LazyTensor reduction at N = M = 100, building the LazyTensors
  each call as user code does;
- the seed's Gaussian convolution written with kred.torch.LazyTensor at
  N = M = 10,000, against the C++ path (kred-run) on the same data;
- side by side with pykeops (when importable: run it with a Python that has
  pykeops 2.3, e.g. ~/keops-venv/bin/python), one call per row, the same
  data: Genred (built once, and built per call as pykeops' examples do) and
  LazyTensor (built per call, as user code does), NumPy and torch,
  N = M = 10 and 100, torch with autograd (forward + backward); the two
  libraries take turns in rounds, each row the median of all its calls.

usage: PYTHONPATH=build/python python3 bench/python_overhead.py BUILD_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import kred.numpy as kn

from all_cores import use_all_cores

HERE = os.path.dirname(os.path.abspath(__file__))


def call_times(fn, count):
    """The seconds of `count` calls of fn, one each."""
    times = []
    for _ in range(count):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def median_time(fn, repeat):
    call_times(fn, 20)
    return float(np.median(call_times(fn, repeat)))


def main():
    use_all_cores()
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    rng = np.random.default_rng(0)
    x, y, b = (rng.standard_normal((100, d)).astype(np.float32) for d in (3, 3, 1))
    f = kn.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"],
                  reduction_op="Sum", axis=1)
    out = f(x, y, b)
    kernel = f._last_kernel
    (plan,) = f._plans.values()
    native = median_time(lambda: plan.launch([x, y, b, out]), 5000)
    checked = median_time(lambda: kernel.run([x, y, b, out]), 5000)
    genred = median_time(lambda: f(x, y, b), 5000)

    def lazy():
        xi, yj, bj = kn.LazyTensor(x[:, None, :]), kn.LazyTensor(y[None, :, :]), \
            kn.LazyTensor(b[None, :, :])
        return ((-((xi - yj) ** 2).sum(-1)).exp() * bj).sum(dim=1)
    lazy_t = median_time(lazy, 5000)

    results = {"native_run_n100_s": native, "checked_run_n100_s": checked,
               "genred_n100_s": genred,
               "genred_overhead_s": genred - native, "lazytensor_n100_s": lazy_t,
               "lazytensor_overhead_s": lazy_t - native}

    try:
        import torch
        import kred.torch as kt
        n = 10_000
        xt, yt, bt = (torch.from_numpy(rng.standard_normal((n, d)).astype(np.float32))
                      for d in (3, 3, 1))

        def gaussian_lazy():
            x_i = kt.LazyTensor(xt.unsqueeze(-2))
            y_j = kt.LazyTensor(yt.unsqueeze(-3))
            d_ij = ((x_i - y_j) ** 2).sum(-1)
            return ((-d_ij).exp() * kt.LazyTensor(bt.unsqueeze(-3))).sum(dim=1)
        torch_t = median_time(gaussian_lazy, 20)
        with tempfile.TemporaryDirectory() as tmp:
            args = []
            for name, a in (("X", xt), ("Y", yt), ("B", bt)):
                np.save(os.path.join(tmp, name + ".npy"), a.numpy())
                args += ["-i", f"{name}={os.path.join(tmp, name + '.npy')}"]
            run = subprocess.run([os.path.join(build, "bin", "kred-run"),
                                  os.path.join(HERE, "gaussian_conv.kf"), "--bench",
                                  "--repeat", "20", "--json"] + args,
                                 capture_output=True, text=True, check=True)
            cpp_t = float(np.median(json.loads(run.stdout.splitlines()[-1])["times_s"]))
        results.update({"torch_lazytensor_n10k_s": torch_t, "cpp_n10k_s": cpp_t,
                        "torch_vs_cpp": torch_t / cpp_t})
    except ImportError:
        pass

    print("kred Python front-end costs (median)")
    print(f"  native kernel alone, N = M = 100        {native * 1e6:8.1f} us"
          "  (target <= 4 us)")
    print(f"  native kernel, arguments checked         {checked * 1e6:8.1f} us")
    print(f"  Genred call, N = M = 100                 {genred * 1e6:8.1f} us"
          f"  (overhead {(genred - native) * 1e6:.1f} us, target < 30 us)")
    print(f"  LazyTensor reduction, N = M = 100        {lazy_t * 1e6:8.1f} us"
          f"  (overhead {(lazy_t - native) * 1e6:.1f} us, target < 60 us)")
    if "torch_vs_cpp" in results:
        print(f"  Gaussian conv N = M = 10k: kred.torch.LazyTensor "
              f"{results['torch_lazytensor_n10k_s'] * 1e3:.2f} ms, C++ (kred-run) "
              f"{results['cpp_n10k_s'] * 1e3:.2f} ms: ratio {results['torch_vs_cpp']:.3f}"
              " (target within 10%)")
    os.makedirs(os.path.join(build, "bench"), exist_ok=True)
    with open(os.path.join(build, "bench", "python_overhead.json"), "w") as fjson:
        json.dump(results, fjson, indent=2)


FORMULA = "Exp(-SqDist(X, Y)) * B"
ALIASES = ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"]


def call_rows(module, n, rng, torch=None, grad=False):
    """{surface: one call} of a pykeops-like module on N = M = n."""
    data = [rng.standard_normal((n, d)).astype(np.float32) for d in (3, 3, 1)]
    if torch is not None:
        data = [torch.from_numpy(a).requires_grad_(grad and k == 0) for k, a in enumerate(data)]
    x, y, b = data
    genred = module.Genred(FORMULA, ALIASES, reduction_op="Sum", axis=1)
    LT = module.LazyTensor

    def lazy():
        x_i, y_j, b_j = LT(x[:, None, :]), LT(y[None, :, :]), LT(b[None, :, :])
        return ((-((x_i - y_j) ** 2).sum(-1)).exp() * b_j).sum(dim=1)

    def genred_built_per_call():  # as pykeops' examples write it
        return module.Genred(FORMULA, ALIASES, reduction_op="Sum", axis=1)(x, y, b)

    def with_backward(fn):
        return lambda: fn().sum().backward()
    calls = {"Genred": lambda: genred(x, y, b), "Genred built per call": genred_built_per_call,
             "LazyTensor": lazy}
    if grad:
        calls = {name: with_backward(fn) for name, fn in calls.items()}
    return calls


def alternated_medians(calls, repeat, rounds=10):
    """{library: {surface: median seconds}}: the libraries take turns, a
    round of every surface each, so that the machine's slow and fast
    phases (a shared VM's) weigh on all of them alike."""
    times = {name: {s: [] for s in rows} for name, rows in calls.items()}
    for rows in calls.values():
        for fn in rows.values():
            call_times(fn, 20)
    for _ in range(rounds):
        for name, rows in calls.items():
            for surface, fn in rows.items():
                times[name][surface] += call_times(fn, max(1, repeat // rounds))
    return {name: {s: float(np.median(ts)) for s, ts in rows.items()}
            for name, rows in times.items()}


def side_by_side():
    import importlib
    libraries = {"kred": "kred"}
    try:
        import pykeops
        pykeops.set_verbose(False)
        libraries["pykeops"] = "pykeops"
    except ImportError:
        print("(pykeops is not importable here: kred's rows only)")
    try:
        import torch
    except ImportError:
        torch = None
    print(f"{'surface':<44}" + "".join(f"{name:>12}" for name in libraries) +
          ("   ratio" if len(libraries) > 1 else ""))
    for front in ("numpy", "torch"):
        if front == "torch" and torch is None:
            continue
        for n in (10, 100):
            for grad in ((False, True) if front == "torch" else (False,)):
                calls = {name: call_rows(importlib.import_module(f"{package}.{front}"),
                                         n, np.random.default_rng(0),
                                         torch if front == "torch" else None, grad)
                         for name, package in libraries.items()}
                times = alternated_medians(calls, 300 if grad else 2000)
                for surface in times["kred"]:
                    label = f"{front} {surface} N = M = {n}" + (" + backward" if grad else "")
                    line = f"{label:<44}" + "".join(f"{t[surface] * 1e6:10.1f}us"
                                                   for t in times.values())
                    if len(times) > 1:
                        line += f"  {times['pykeops'][surface] / times['kred'][surface]:6.1f}x"
                    print(line)


if __name__ == "__main__":
    main()
    print()
    side_by_side()
