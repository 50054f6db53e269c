"""Runs kred-run --check on every formula of a file, in several variable
layouts and dtypes; fails listing the formulas whose compiled results
disagree with the float64 reference evaluator.

usage: check_formulas.py KRED_RUN FORMULAS [kred-run options...]
       check_formulas.py --ptxas PTXAS --chip CHIP KRED_RUN FORMULAS [...]
Each line of FORMULAS is a reduction over the aliases X (dimension 3),
Y (3), S (1) and M (9). With --ptxas, each kernel's PTX (kred-run
--emit-ptx) must be accepted by ptxas for CHIP instead (no GPU needed).
"""
import os
import subprocess
import sys
import tempfile

LAYOUTS = [
    "X = Vi(3); Y = Vj(3); S = Vj(1); M = Pm(9)",
    "X = Vj(3); Y = Vi(3); S = Pm(1); M = Vi(9)",
]


def assemble(kred_run, ptxas, chip, cmd):
    """kred-run --emit-ptx then ptxas; the failure's output, or None."""
    with tempfile.TemporaryDirectory() as folder:
        ptx = os.path.join(folder, "kernel.ptx")
        run = subprocess.run(cmd + [f"--emit-ptx={ptx}", f"--pipeline-options=chip={chip}"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            return run.stdout + run.stderr
        run = subprocess.run([ptxas, f"-arch={chip}", ptx, "-o", os.devnull],
                             capture_output=True, text=True)
        return run.stdout + run.stderr if run.returncode != 0 else None


def main():
    args = sys.argv[1:]
    ptxas = chip = None
    if args[0] == "--ptxas":
        ptxas, chip, args = args[1], args[3], args[4:]
    kred_run, path, extra = args[0], args[1], args[2:]
    formulas = [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
    failures, checked = [], 0
    for formula in formulas:
        for dtype in ("float32", "float64"):
            for layout in LAYOUTS:
                spec = f"{layout}; {formula}"
                cmd = [kred_run, "--formula", spec, "--dtype", dtype] + extra
                if ptxas:
                    checked += 1
                    error = assemble(kred_run, ptxas, chip, cmd)
                    if error is not None:
                        failures.append(f"{dtype}: {spec}\n{error}")
                    continue
                cmd += ["-n", "19", "-m", "37", "--check", "--quiet"]
                run = subprocess.run(cmd, capture_output=True, text=True)
                out = run.stdout + run.stderr
                checked += 1
                if run.returncode != 0 or "check: OK" not in out:
                    failures.append(f"{dtype}: {spec}\n{out}")
    for f in failures:
        print("FAIL", f)
    print(f"checked {checked} kernels, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
