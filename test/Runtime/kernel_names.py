"""Runs one kernel under each of the given function names with
`kred-run --check`: a kernel named like a C library or runtime symbol
(exp, malloc, main, ...) must compute the same as any other (issue 25: such
names once resolved to libm's symbols, and every output was 0). Two kernels
of one module with colliding names on purpose (exp and sin, which the code
calls) run too. Prints one line per name and a summary."""

import subprocess
import sys

KERNEL = """func.func @{name}(%x: memref<?x3xf64> {{kred.alias = "X"}},
             %y: memref<?x3xf64> {{kred.alias = "Y"}},
             %out: memref<?x1xf64> {{kred.output}}) {{
  kred.reduce sum over j ins(%x, %y : memref<?x3xf64>, memref<?x3xf64>)
      outs(%out : memref<?x1xf64>) {{
    %xi = kred.var i 0 : vector<3xf64>
    %yj = kred.var j 1 : vector<3xf64>
    %d = kred.sqdist %xi, %yj : vector<3xf64>, vector<3xf64>
    %s = kred.sqrt %d : vector<1xf64>
    %e = kred.exp %s : vector<1xf64>
    %c = kred.sin %e : vector<1xf64>
    kred.yield %c : vector<1xf64>
  }}
  return
}}
"""


def main():
    kred_run, folder, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    failures = []
    for name in names:
        path = f"{folder}/{name}.mlir"
        with open(path, "w") as f:
            f.write(KERNEL.format(name=name))
        run = subprocess.run([kred_run, path, "--no-cache", "-n", "13", "-m", "17",
                              "--check", "--quiet"], capture_output=True, text=True)
        out = run.stdout + run.stderr
        ok = run.returncode == 0 and "check: OK" in out
        print(f"{name}: {'OK' if ok else 'FAILED'}")
        if not ok:
            failures.append(f"{name}:\n{out}")
    for failure in failures:
        print(failure)
    print(f"{len(names)} names, {len(failures)} failed")


if __name__ == "__main__":
    main()
