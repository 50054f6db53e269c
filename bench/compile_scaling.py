"""Compile time and peak memory of kred-run as formulas grow, up to the
importer's limits (10,000 aliases, 10,000 operations): end to end (import,
kred-cpu-pipeline, LLVM, link, one run on N = M = 100), with no kernel
cache, each in a fresh process whose peak resident memory is read from
getrusage.

usage: python3 bench/compile_scaling.py [BUILD] [--sizes 10 100 1000 10000]
           [--json FILE]

Shapes:
- aliases: n aliases, n - 1 of them Vi(1) and one Vj(1), formula A0 * B
  (the kernel takes all n arrays);
- terms: a sum of n terms, Y + X + Y + ..., n - 1 additions (the
  operation limit counts them).
(Nesting is bounded by the importer's depth limit, 256, well inside these
sizes.)
The targets (issue 25): 10,000 aliases and a 10,000-term sum each <= 5 s
and <= 300 MB.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from clients import cpu_name

HERE = os.path.dirname(os.path.abspath(__file__))


def aliases(n):
    lines = [f"A{k} = Vi(1)" for k in range(n - 1)] + ["B = Vj(1)"]
    return "; ".join(lines + ["Sum_Reduction(A0 * B, 0)"])


def terms(n):
    body = " + ".join("X" if k % 2 else "Y" for k in range(n))
    return f"X = Vi(1); Y = Vj(1); Sum_Reduction({body}, 0)"


SHAPES = {"aliases": aliases, "terms": terms}


def measure(kred_run, formula, timeout):
    """(seconds, peak MB, error) of one kred-run, the only child of the
    calling process (measure_fresh), so that the children's peak resident
    memory is its own."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "formula.kf")
        with open(path, "w") as f:
            f.write(formula.replace("; ", "\n"))
        start = time.perf_counter()
        try:
            run = subprocess.run([kred_run, path, "--no-cache", "-n", "100", "-m", "100",
                                  "--quiet"], capture_output=True, text=True,
                                 timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, None, f"did not finish in {timeout} s"
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        error = None if run.returncode == 0 else (run.stderr or run.stdout).strip()[:200]
        return seconds, peak, error


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("build", nargs="?", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000, 10000])
    p.add_argument("--shapes", nargs="*", default=list(SHAPES))
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--json")
    args = p.parse_args()
    kred_run = os.path.join(os.path.abspath(args.build), "bin", "kred-run")
    print(f"CPU: {cpu_name()}; kred-run end to end, no cache")
    print(f"{'shape':<10}{'n':>8}{'seconds':>10}{'peak MB':>10}")
    rows = []
    for shape in args.shapes:
        for n in args.sizes:
            seconds, peak, error = measure_fresh(kred_run, SHAPES[shape](n), args.timeout)
            rows.append({"shape": shape, "n": n, "seconds": seconds, "peak_mb": peak,
                         "error": error})
            shown_s = "-" if seconds is None else f"{seconds:.2f}"
            shown_mb = "-" if peak is None else f"{peak:.0f}"
            print(f"{shape:<10}{n:>8}{shown_s:>10}{shown_mb:>10}"
                  + (f"  {error}" if error else ""), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cpu": cpu_name(), "rows": rows}, f, indent=1)


def measure_fresh(kred_run, formula, timeout):
    """measure() in a fresh Python child, so that the children's peak
    memory is this run's alone."""
    code = (f"import json, sys; sys.path.insert(0, {HERE!r}); import compile_scaling as c; "
            f"print(json.dumps(c.measure({kred_run!r}, sys.stdin.read(), {timeout})))")
    run = subprocess.run([sys.executable, "-c", code], input=formula, capture_output=True,
                         text=True)
    if run.returncode != 0:
        return None, None, run.stderr.strip()[-200:]
    return tuple(json.loads(run.stdout))


if __name__ == "__main__":
    main()
