"""Instructions per pair of kred's CPU kernels, counted by callgrind
(deterministic whatever else the machine runs), and pairs per second per
core; pykeops 2.3 timed beside kred in the same run when importable.

usage: python3 bench/instructions_per_pair.py [BUILD_DIR] [--kernels ...]
           [--pipeline-options '...'] [--baseline OLD/bin/kred-run]
           [--no-pykeops] [--no-timing] [--json FILE]
           [--static-cpu skylake-avx512 [--static-options '...']]

Instructions: kred-run under `valgrind --tool=callgrind` on one thread (the
code compiled for the CPU valgrind reports: AVX2 "haswell" on x86) at
N = M = n, 2n and 4n (disk cache warm, so nothing is compiled in the
counted runs); (I(4n) - 3 I(2n) + 2 I(n)) / (6 n^2) cancels start-up and
every cost linear in N + M, leaving the cost of one pair. Also prints the
instruction mix of the kernel's innermost vector loops (objdump of the
cached code). Pairs per second: kred-run --bench on one thread (OpenMP on
one core) at the timing size, alternating with --baseline's kred-run when
given; kred and pykeops on all cores for the ratio. --static-cpu counts the
innermost loop of the code compiled for another CPU (kred-opt, LLVM's opt
and llc), for vector units this machine and valgrind lack (AVX-512).
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

KERNELS = {
    # name: (spec, callgrind base size n, timing size, pykeops formula or None)
    "gaussian-d3": ("X = Vi(3)\nY = Vj(3)\nB = Vj(1)\n"
                    "Sum_Reduction(Exp(-SqDist(X, Y)) * B, 0)\n", 1000, 10000,
                    ("Exp(-SqDist(X,Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"],
                     "Sum")),
    "gaussian-d64": ("X = Vi(64)\nY = Vj(64)\nB = Vj(1)\n"
                     "Sum_Reduction(Exp(-SqDist(X, Y)) * B, 0)\n", 400, 5000,
                     ("Exp(-SqDist(X,Y)) * B", ["X = Vi(64)", "Y = Vj(64)", "B = Vj(1)"],
                      "Sum")),
    "logsumexp-d3": ("X = Vi(3)\nY = Vj(3)\n"
                     "LogSumExp_Reduction(-SqDist(X, Y), 0)\n", 1000, 10000,
                     ("-SqDist(X,Y)", ["X = Vi(3)", "Y = Vj(3)"], "LogSumExp")),
    "knn-k10-d3": ("X = Vi(3)\nY = Vj(3)\n"
                   "ArgKMin_Reduction(SqDist(X, Y), 10, 0)\n", 1000, 10000, None),
}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "KMP_BLOCKTIME": "0"}


def kred_run(args, options, spec, extra, env=None, wrapper=(), path=None):
    path = path or args.kred_run
    cmd = list(wrapper) + [path, spec, "--quiet"] + extra
    if options:
        cmd += ["--pipeline-options", options]
    # One cache folder per build: their kernels never mix.
    cache = os.path.join(args.cache, "current" if path == args.kred_run else "baseline")
    full_env = dict(os.environ, KRED_CACHE_DIR=cache, **(env or {}))
    run = subprocess.run(cmd, capture_output=True, text=True, env=full_env)
    if run.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
    return run


def instructions(args, options, spec, n, path=None):
    """Instructions of one single-threaded run at N = M = n."""
    run = kred_run(args, options, spec, ["-n", str(n), "-m", str(n)], ONE_THREAD,
                   ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"],
                   path=path)
    return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def per_pair(args, options, spec, n, path=None):
    # Valgrind reports its own CPU (AVX2 "haswell" on x86): the kernel is
    # compiled for it once, outside the counted runs.
    instructions(args, options, spec, 64, path)
    i1, i2, i4 = (instructions(args, options, spec, k * n, path) for k in (1, 2, 4))
    return (i4 - 3 * i2 + 2 * i1) / (6 * n * n)


def pairs_per_second(args, options, spec, n, env, kred_runs):
    """Best pairs per second of each kred-run, alternating them five times
    (a shared machine drifts; alternation keeps the comparison fair)."""
    best = [float("inf")] * len(kred_runs)
    for _ in range(5):
        for k, path in enumerate(kred_runs):
            run = kred_run(args, options, spec, ["-n", str(n), "-m", str(n), "--bench",
                                                 "--json", "--repeat", "2"], env, path=path)
            times = json.loads(run.stdout.strip().splitlines()[-1])["times_s"]
            best[k] = min(best[k], min(times))
    return [n * n / t for t in best]


def newest_kernel(cache):
    return max(glob.glob(os.path.join(cache, "*.so")), key=os.path.getmtime)


def inner_loops(code):
    """The innermost loops with vector FMAs in the object file `code`: a
    list of [(mnemonic, operands)] lists."""
    text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", code],
                          capture_output=True, text=True).stdout
    insns = [(int(m.group(1), 16), m.group(2), m.group(3)) for m in
             re.finditer(r"^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$", text, re.M)]
    at = {a: k for k, (a, _, _) in enumerate(insns)}
    loops = []
    for k, (a, op, operand) in enumerate(insns):
        target = re.match(r"([0-9a-f]+) ", operand + " ")
        if op.startswith("j") and target and int(target.group(1), 16) in at:
            start = at[int(target.group(1), 16)]
            body = [(o, r) for _, o, r in insns[start:k + 1]]
            if start <= k and any(o.startswith("vfm") for o, _ in body) and \
                    not any(o.startswith("j") for o, _ in body[:-1]):
                loops.append(body)
    return loops


def columns_per_iteration(body):
    """Columns one row advances per iteration: the loop's index increment,
    in elements when the index is scaled by 4 in addresses, else bytes / 4."""
    for op, operands in reversed(body):
        step = re.match(r"\$0x([0-9a-f]+),%(\w+)$", operands)
        if op == "add" and step:
            scaled = any(f",%{step.group(2)},4)" in r for _, r in body)
            return int(step.group(1), 16) // (1 if scaled else 4)
    return None


def describe_mix(body):
    counts = collections.Counter(op for op, _ in body)
    return ", ".join(f"{op} {c}" for op, c in counts.most_common())


def static_loop(args, spec):
    """The innermost vector loop of the kernel compiled for --static-cpu,
    which this machine need not run (AVX-512 here, where callgrind cannot):
    kred-opt's CPU pipeline, then LLVM's O3 and llc for that CPU."""
    bindir = os.path.join(args.build, "bin")
    llvm = subprocess.run(["llvm-config-22", "--bindir"], capture_output=True,
                          text=True).stdout.strip() or "/usr/lib/llvm-22/bin"
    cpu = ["-mtriple=x86_64-pc-linux-gnu", f"-mcpu={args.static_cpu}"]
    with tempfile.TemporaryDirectory() as work:
        stage = lambda name: os.path.join(work, name)
        for cmd in ([os.path.join(bindir, "kred-translate"), "--import-formula", spec,
                     "-o", stage("kernel.mlir")],
                    [os.path.join(bindir, "kred-opt"),
                     f"--kred-cpu-pipeline={args.static_options}", stage("kernel.mlir"),
                     "-o", stage("llvm.mlir")],
                    [os.path.join(llvm, "mlir-translate"), "--mlir-to-llvmir",
                     stage("llvm.mlir"), "-o", stage("kernel.ll")],
                    [os.path.join(llvm, "opt"), "-O3", *cpu, stage("kernel.ll"),
                     "-o", stage("kernel.bc")],
                    [os.path.join(llvm, "llc"), "-O3", *cpu, "-filetype=obj",
                     stage("kernel.bc"), "-o", stage("kernel.o")]):
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
        loops = inner_loops(stage("kernel.o"))
    if not loops:
        return None
    return {"cpu": args.static_cpu, "options": args.static_options,
            "instructions": len(loops[0]), "columns": columns_per_iteration(loops[0]),
            "mix": describe_mix(loops[0])}


def time_genred(fn, arrays, repeat=3):
    fn(*arrays)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*arrays)
        best = min(best, time.perf_counter() - t)
    return best


def compare_pykeops(name, n, formula, aliases, reduction):
    """(kred seconds, pykeops seconds or None) on all cores, same arrays."""
    import kred.numpy as kn
    try:
        import pykeops
        import pykeops.numpy as pk
        pykeops.set_verbose(False)
    except ImportError:
        pk = None
    rng = np.random.default_rng(0)
    arrays = []
    for alias in aliases:
        dim = int(re.search(r"\((\d+)\)", alias).group(1))
        arrays.append(rng.standard_normal((n, dim)).astype(np.float32))
    make = lambda lib: lib.Genred(formula, aliases, reduction_op=reduction, axis=1)
    kred_s = time_genred(make(kn), arrays)
    keops_s = time_genred(make(pk), arrays, repeat=1) if pk is not None else None
    return kred_s, keops_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", nargs="?", default="build")
    parser.add_argument("--kernels", nargs="*", default=list(KERNELS), choices=list(KERNELS))
    parser.add_argument("--pipeline-options", default="",
                        help="kred-cpu-pipeline options, e.g. 'rows-per-chunk=2'")
    parser.add_argument("--kred-run", help="another build's kred-run")
    parser.add_argument("--baseline", nargs="?", const=None, default=None,
                        help="an earlier build's kred-run, measured alongside")
    parser.add_argument("--no-pykeops", action="store_true")
    parser.add_argument("--no-timing", action="store_true",
                        help="instructions only (deterministic)")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--static-cpu", metavar="CPU",
                        help="also count the innermost loop compiled for this LLVM CPU "
                             "(e.g. skylake-avx512), which need not run here")
    parser.add_argument("--static-options",
                        default="vector-width=16 vector-registers=32 avx512=1 "
                                "memory-operands=1",
                        help="kred-cpu-pipeline options for --static-cpu")
    args = parser.parse_args()
    args.baseline = [args.baseline] if args.baseline else []
    # pykeops is compared with this build's Python module only.
    compare = not args.kred_run and not args.no_pykeops
    args.kred_run = args.kred_run or os.path.join(args.build, "bin", "kred-run")
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        args.cache = cache
        for name in args.kernels:
            text, n, timing_n, peer = KERNELS[name]
            spec = os.path.join(cache, name + ".kf")
            with open(spec, "w") as f:
                f.write(text)
            first = kred_run(args, args.pipeline_options, spec, ["-n", "64", "-m", "64"])
            host = re.search(r"compiled in \S+ s \((.*)\)\s*$", first.stdout, re.M)
            row = {"kernel": name, "host": host.group(1) if host else None,
                   "instructions_per_pair": per_pair(args, args.pipeline_options, spec, n)}
            loops = inner_loops(newest_kernel(os.path.join(cache, "current")))
            row["inner_loops"] = [len(b) for b in loops]
            row["inner_loop_mix"] = describe_mix(loops[0]) if loops else None
            if args.static_cpu:
                row["static"] = static_loop(args, spec)
            if not args.no_timing:
                rates = pairs_per_second(args, args.pipeline_options, spec, timing_n,
                                         ONE_THREAD, [args.kred_run] + args.baseline)
                row["pairs_per_s_one_core"] = rates[0]
                if args.baseline:
                    row["baseline_pairs_per_s_one_core"] = rates[1]
                    row["baseline_instructions_per_pair"] = per_pair(
                        args, args.pipeline_options, spec, n, path=args.baseline[0])
                if peer and compare:
                    kred_s, keops_s = compare_pykeops(name, timing_n, *peer)
                    row.update(n=timing_n, kred_s=kred_s, pykeops_s=keops_s)
            rows.append(row)
            print_row(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


def print_row(row):
    print(f"{row['kernel']}: {row['instructions_per_pair']:.2f} instructions per pair "
          f"({row['host']})")
    print(f"  innermost vector loops: {row['inner_loops']} instructions; "
          f"the first: {row['inner_loop_mix']}")
    if row.get("static"):
        st = row["static"]
        print(f"  {st['cpu']} (static count, {st['options']}): innermost loop of "
              f"{st['instructions']} instructions per iteration of {st['columns']} columns "
              f"({st['instructions'] / st['columns']:.2f} per pair if it holds one row); "
              f"{st['mix']}")
    if "baseline_instructions_per_pair" in row:
        print(f"  baseline: {row['baseline_instructions_per_pair']:.2f} instructions per pair")
    if "pairs_per_s_one_core" in row:
        base = row.get("baseline_pairs_per_s_one_core")
        versus = f" (baseline {base:.3e}: {row['pairs_per_s_one_core'] / base:.2f}x)" \
            if base else ""
        print(f"  {row['pairs_per_s_one_core']:.3e} pairs/s on one core{versus}")
    if row.get("kred_s"):
        peer = row["pykeops_s"]
        ratio = f", pykeops 2.3 {peer * 1e3:.1f} ms: {peer / row['kred_s']:.1f}x" \
            if peer else ", pykeops not importable"
        print(f"  N = M = {row['n']}, all cores: kred {row['kred_s'] * 1e3:.1f} ms{ratio}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
