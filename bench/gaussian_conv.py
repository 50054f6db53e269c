"""The seed's benchmark (shared/seeds/000): Gaussian convolutions
a_i = sum_j exp(-|x_i - y_j|^2) b_j on 3D point clouds, N = M = 100 ...
1,000,000, every routine of the seed's tables with kred's equivalents beside
them, timed by the seed's rules (bench/seed_timing.py).

usage: PYTHONPATH=build/python python3 bench/gaussian_conv.py [BUILD_DIR]
           [--quick] [--max-time 0.1] [--sizes ...] [--tables cpu gpu batch]
           [--out DIR]

Tables: "cpu" (the seed's CPU table plus the rows its GPU table has on the
CPU: use_fast_math=False and LazyTensor with a batch of 100), "gpu" (when
torch or kred sees a CUDA device), "batch" (Genred vs. LazyTensor vs. batched
LazyTensor). pykeops' rows run when pykeops is importable (a venv with
pykeops 2.3, see the README). All routines get the same data at a size;
every result is checked on up to 200 rows of the first and last batch
element against a float64 reference, relative to sum_j |exp(-|x_i-y_j|^2) b_j|.
Writes OUT/gaussian_conv.json and one PNG per table (OUT: BUILD_DIR/bench).
"""
import argparse
import os
import sys

import numpy as np

from all_cores import use_all_cores
from seed_timing import (Routine, Skipped, bench_routine, plot, print_summary,
                         write_json)

D = 3
FORMULA = "Exp(-SqDist(X,Y)) * B"
ALIASES = ("A = Vi(1)", f"X = Vi({D})", f"Y = Vj({D})", "B = Vj(1)")
CHECK_ROWS = 200
TOLERANCE = 1e-4  # float32 sums, as kred-run --check


def seed_sizes():
    return [m * 10**k for k in (2, 3, 4, 5) for m in (1, 2, 5)] + [10**6]


def optional_import(name):
    """(module, None) or (None, why it cannot be used)."""
    try:
        module = __import__(name, fromlist=["_"])
        return module, None
    except Exception as err:  # pykeops may fail for reasons of its own
        return None, f"{name} is not importable ({type(err).__name__}: {err})"


torch, NO_TORCH = optional_import("torch")
kred_numpy, NO_KRED = optional_import("kred.numpy")
kred_torch, NO_KRED_TORCH = optional_import("kred.torch")
os.environ.setdefault("PYKEOPS_VERBOSE", "0")
pykeops_torch, NO_PYKEOPS = optional_import("pykeops.torch")
if pykeops_torch is not None:
    import pykeops
    pykeops.set_verbose(False)


class Data:
    """The point clouds of one size: batch element 0 is the same for every
    routine; further batch elements come from a second generator."""

    def __init__(self):
        self.n, self.arrays, self.references = None, {}, {}

    def get(self, n, batch):
        if n != self.n:
            self.n, self.arrays, self.references = n, {}, {}
        if batch not in self.arrays:
            first = np.random.default_rng(n)
            parts = [[first.standard_normal((1, n, d), dtype=np.float32)
                      for d in (D, D, 1)]]
            if batch > 1:
                more = np.random.default_rng((n, batch))
                parts.append([more.standard_normal((batch - 1, n, d), dtype=np.float32)
                              for d in (D, D, 1)])
            self.arrays[batch] = tuple(np.concatenate(p) for p in zip(*parts))
        return self.arrays[batch]

    def reference(self, n, batch, k):
        """float64 sums and sums of |terms| on the first CHECK_ROWS rows of
        batch element k."""
        key = (batch if k else 1, k)
        if key not in self.references:
            x, y, b = (a[k].astype(np.float64) for a in self.get(n, batch))
            x = x[:CHECK_ROWS]
            sums, scale = np.zeros(len(x)), np.zeros(len(x))
            for start in range(0, n, 50_000):
                d2 = ((x[:, None, :] - y[None, start:start + 50_000]) ** 2).sum(-1)
                terms = np.exp(-d2) * b[start:start + 50_000, 0]
                sums += terms.sum(1)
                scale += np.abs(terms).sum(1)
            self.references[key] = sums, scale
        return self.references[key]

    def check(self, n, batch, out):
        """Largest relative difference on the checked rows."""
        if torch is not None and isinstance(out, torch.Tensor):
            out = out.detach().cpu().numpy()
        out = np.asarray(out, dtype=np.float64).reshape(batch, n)
        worst = 0.0
        for k in sorted({0, batch - 1}):
            sums, scale = self.reference(n, batch, k)
            rows = out[k, :len(sums)]
            worst = max(worst, float(np.max(np.abs(rows - sums) / np.maximum(scale, 1e-300))))
        return worst if np.all(np.isfinite(out)) else float("inf")


def gaussianconv_numpy(x, y, b):
    """The seed's NumPy version: |x|^2 - 2<x,y> + |y|^2 through BLAS."""
    x, y, b = x[0], y[0], b[0]
    d_xx = np.sum(x**2, axis=-1)[:, None]
    d_xy = x @ y.T
    d_yy = np.sum(y**2, axis=-1)[None, :]
    return np.exp(-(d_xx - 2 * d_xy + d_yy)) @ b


def gaussianconv_pytorch(x, y, b, cdist=False):
    """The seed's PyTorch version. Its cdist variant took exp(-|x - y|), a
    different kernel; here the distance is squared so that results agree."""
    if cdist:
        d_xy = torch.cdist(x, y, p=2) ** 2
    else:
        d_xy = ((x * x).sum(-1).unsqueeze(2) - 2 * torch.matmul(x, y.permute(0, 2, 1))
                + (y * y).sum(-1).unsqueeze(1))
    return (-d_xy).exp() @ b


def lazytensor_conv(lazy_tensor, backend):
    """The seed's LazyTensor version, for pykeops.torch or kred.torch."""
    def run(x, y, b):
        x_i = lazy_tensor(x.unsqueeze(-2))
        y_j = lazy_tensor(y.unsqueeze(-3))
        d_ij = ((x_i - y_j) ** 2).sum(-1)
        return ((-d_ij).exp() * b.unsqueeze(-3)).sum(dim=2, backend=backend)
    return run


def genred_conv(library, backend, **options):
    """The seed's generic_sum version (batch dimension dropped)."""
    fn = library.generic_sum(FORMULA, *ALIASES, **options)
    return lambda x, y, b: fn(x[0], y[0], b[0], backend=backend)


def as_torch(device):
    return lambda data: tuple(torch.from_numpy(a).to(device) for a in data)


def as_numpy(data):
    return data


def tensorized_bytes(batch):
    """About three float32 N x M matrices alive at once."""
    return lambda n: 3 * 4 * batch * n * n


def routine(label, make_run, prepare, batch=1, why_not=None, device="cpu", memory=None):
    """A Routine, or a skipped one carrying the first reason it cannot run."""
    sync = torch.cuda.synchronize if device != "cpu" else None
    if why_not:
        return Routine(label, None, None, batch, skip=why_not)
    try:
        return Routine(label, make_run(), prepare, batch, sync=sync, memory=memory)
    except Skipped as err:
        return Routine(label, None, None, batch, skip=str(err))


def torch_compiled():
    if not hasattr(torch, "compile"):
        raise Skipped(f"torch {torch.__version__} has no torch.compile (PyTorch >= 2.0)")
    compiled = torch.compile(gaussianconv_pytorch, dynamic=True)
    return lambda x, y, b: compiled(x, y, b)


def torch_routines(where, device):
    on = as_torch(device)
    return [
        routine(f"PyTorch ({where}, matmul)", lambda: gaussianconv_pytorch, on,
                why_not=NO_TORCH, device=device, memory=tensorized_bytes(1)),
        routine(f"PyTorch ({where}, cdist)",
                lambda: lambda x, y, b: gaussianconv_pytorch(x, y, b, cdist=True), on,
                why_not=NO_TORCH, device=device, memory=tensorized_bytes(1)),
        routine(f"PyTorch ({where}, compiled with dynamic shapes)", torch_compiled, on,
                why_not=NO_TORCH, device=device, memory=tensorized_bytes(1)),
    ]


def keops_like_routines(name, torch_library, why_not, where, backend, device, batch):
    """LazyTensor, batched LazyTensor, Genred and use_fast_math=False rows of
    pykeops or kred, all through their torch modules."""
    on = as_torch(device)
    lazy = lambda: lazytensor_conv(torch_library.LazyTensor, backend)
    return [
        routine(f"{name} ({where}, LazyTensor)", lazy, on, why_not=why_not, device=device),
        routine(f"{name} ({where}, LazyTensor, batchsize={batch})", lazy, on, batch,
                why_not=why_not, device=device),
        routine(f"{name} ({where}, Genred)", lambda: genred_conv(torch_library, backend), on,
                why_not=why_not, device=device),
        routine(f"{name} ({where}, use_fast_math=False)",
                lambda: genred_conv(torch_library, backend, use_fast_math=False), on,
                why_not=why_not, device=device),
    ]


def cpu_table():
    torch_why = NO_TORCH or NO_KRED_TORCH
    return [
        routine("NumPy (CPU)", lambda: gaussianconv_numpy, as_numpy,
                memory=lambda n: 4 * 4 * n * n),
        *torch_routines("CPU", "cpu"),
        *keops_like_routines("KeOps", pykeops_torch, NO_PYKEOPS, "CPU", "CPU", "cpu", 100),
        *keops_like_routines("kred", kred_torch, torch_why, "CPU", "CPU", "cpu", 100),
        routine("kred (CPU, kred.numpy Genred)", lambda: genred_conv(kred_numpy, "CPU"),
                as_numpy, why_not=NO_KRED),
    ]


def gpu_unavailable():
    """Why there is no GPU table here, or None."""
    if torch is not None and torch.cuda.is_available():
        return None
    try:
        from kred import _kred
        if _kred.cuda_devices():
            return None
        kred_why = "kred sees no CUDA device"
    except (ImportError, ValueError) as err:
        kred_why = str(err)
    torch_why = NO_TORCH or f"torch {torch.__version__} sees no CUDA device"
    return f"no GPU here: {torch_why}; {kred_why}"


def gpu_table():
    cuda_why = None if torch is not None and torch.cuda.is_available() else \
        "torch has no CUDA device: the seed's GPU rows take torch CUDA tensors"
    rows = [routine("NumPy (CPU)", lambda: gaussianconv_numpy, as_numpy,
                    memory=lambda n: 4 * 4 * n * n)]
    if cuda_why:
        rows += [routine(f"PyTorch / KeOps / kred (GPU, torch tensors)", None, None,
                         why_not=cuda_why)]
    else:
        rows += torch_routines("GPU", "cuda")
        rows += keops_like_routines("KeOps", pykeops_torch, NO_PYKEOPS, "GPU", "GPU",
                                    "cuda", 100)
        rows += keops_like_routines("kred", kred_torch, NO_KRED_TORCH, "GPU", "GPU",
                                    "cuda", 100)
    rows.append(routine("kred (GPU, kred.numpy Genred, host arrays)",
                        lambda: genred_conv(kred_numpy, "GPU"), as_numpy, why_not=NO_KRED))
    return rows


def batch_table(backend, device):
    on = as_torch(device)
    rows = []
    for name, library, why_not in (("KeOps", pykeops_torch, NO_PYKEOPS),
                                   ("kred", kred_torch, NO_TORCH or NO_KRED_TORCH)):
        lazy = lambda library=library: lazytensor_conv(library.LazyTensor, backend)
        rows += [
            routine(f"{name} (Genred)", lambda library=library: genred_conv(library, backend),
                    on, why_not=why_not, device=device),
            routine(f"{name} (LazyTensor)", lazy, on, why_not=why_not, device=device),
            routine(f"{name} (LazyTensor, batchsize=10)", lazy, on, 10, why_not=why_not,
                    device=device),
        ]
    return rows


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "numpy": np.__version__,
            "python": sys.version.split()[0],
            "torch": torch.__version__ if torch is not None else None,
            "torch_threads": torch.get_num_threads() if torch is not None else None,
            "pykeops": pykeops.__version__ if pykeops_torch is not None else None}
    if kred_numpy is not None:
        from kred import _kred, __version__
        info.update(kred=__version__, kred_target=_kred.host())
    return info


def run_table(key, title, rows, sizes, args, data):
    print(f"\nBenchmarking : {title} ===============================")
    records = [bench_routine(r, sizes, data.get, data.check, args.max_time) for r in rows]
    for r in records:
        r["checked"] = all(s["max_rel_diff"] <= TOLERANCE for s in r["sizes"])
        if not r["checked"]:
            print(f"** WRONG RESULT: {r['label']} differs from the float64 reference "
                  f"by more than {TOLERANCE}")
    print_summary(title, records)
    png = os.path.join(args.out, f"gaussian_conv_{key}.png")
    if not plot(title, records, png):
        png = None
    return {"key": key, "title": title, "routines": records, "png": png}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", nargs="?", default="build")
    parser.add_argument("--out", help="folder of the JSON and PNGs (default BUILD/bench)")
    parser.add_argument("--max-time", type=float, default=0.1,
                        help="the seed's MAX_TIME: a routine stops after a run over it")
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--tables", nargs="*", default=["cpu", "gpu", "batch"],
                        choices=["cpu", "gpu", "batch"])
    parser.add_argument("--quick", action="store_true",
                        help="sizes 100 ... 1000 and max-time 0.01 (make test)")
    args = parser.parse_args()
    if args.sizes is None:
        args.sizes = [100, 200, 500, 1000] if args.quick else seed_sizes()
    if args.quick:
        args.max_time = min(args.max_time, 0.01)
    args.out = args.out or os.path.join(args.build, "bench")
    os.makedirs(args.out, exist_ok=True)
    return args


def main():
    use_all_cores()
    args = parse_args()
    info = machine()
    print(f"Gaussian convolution, D = {D}, float32, on {info['cpu']} ({info['cores']} cores); "
          f"torch {info['torch']} ({info['torch_threads']} threads), "
          f"pykeops {info['pykeops'] or '-'}, kred {info.get('kred', '-')}")
    data = Data()
    tables = []
    if "cpu" in args.tables:
        tables.append(run_table("cpu", "Gaussian Matrix-Vector products (CPU)",
                                cpu_table(), args.sizes, args, data))
    if "gpu" in args.tables:
        why = gpu_unavailable()
        if why:
            print(f"\nGaussian Matrix-Vector products (GPU): skipped, {why}")
            tables.append({"key": "gpu", "title": "Gaussian Matrix-Vector products (GPU)",
                           "skipped": why, "routines": []})
        else:
            tables.append(run_table("gpu", "Gaussian Matrix-Vector products (GPU)",
                                    gpu_table(), args.sizes, args, data))
    if "batch" in args.tables:
        gpu = "gpu" in args.tables and not gpu_unavailable() and torch.cuda.is_available()
        tables.append(run_table("batch", "Gaussian Matrix-Vector products (batch)",
                                batch_table("GPU" if gpu else "CPU", "cuda" if gpu else "cpu"),
                                args.sizes, args, data))
    path = os.path.join(args.out, "gaussian_conv.json")
    write_json(path, {"benchmark": "gaussian_conv", "d": D, "dtype": "float32",
                      "formula": FORMULA, "max_time_s": args.max_time,
                      "sizes": args.sizes, "tolerance": TOLERANCE, "machine": info,
                      "tables": tables})
    pngs = [t["png"] for t in tables if t.get("png")]
    print(f"\nwrote {path}" + (f" and {len(pngs)} PNG(s)" if pngs else
                              " (no matplotlib: no plots)"))
    return 0 if all(r["checked"] for t in tables for r in t["routines"]) else 1


if __name__ == "__main__":
    sys.exit(main())
