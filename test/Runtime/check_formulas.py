"""Runs kred-run --check on every formula of a file, in several variable
layouts and dtypes; fails listing the formulas whose compiled results
disagree with the float64 reference evaluator.

usage: check_formulas.py KRED_RUN FORMULAS [kred-run options...]
Each line of FORMULAS is a reduction over the aliases X (dimension 3),
Y (3), S (1) and M (9).
"""
import subprocess
import sys

LAYOUTS = [
    "X = Vi(3); Y = Vj(3); S = Vj(1); M = Pm(9)",
    "X = Vj(3); Y = Vi(3); S = Pm(1); M = Vi(9)",
]


def main():
    kred_run, path, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    formulas = [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
    failures, checked = [], 0
    for formula in formulas:
        for dtype in ("float32", "float64"):
            for layout in LAYOUTS:
                spec = f"{layout}; {formula}"
                cmd = [kred_run, "--formula", spec, "--dtype", dtype,
                       "-n", "19", "-m", "37", "--check", "--quiet"] + extra
                run = subprocess.run(cmd, capture_output=True, text=True)
                out = run.stdout + run.stderr
                # A layout without j-variables has nothing to reduce over;
                # the other layout covers the formula.
                if "no j-variable" in out:
                    continue
                checked += 1
                if run.returncode != 0 or "check: OK" not in out:
                    failures.append(f"{dtype}: {spec}\n{out}")
    for f in failures:
        print("FAIL", f)
    print(f"checked {checked} kernels, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
