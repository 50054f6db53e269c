"""The seed's benchmark (bench/gaussian_conv.py) cannot rot: its quick sweep
runs once and its JSON must hold every routine of the seed's tables plus
kred's, each measured and checked against float64 or skipped with a reason."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The seed's CPU table, the CPU versions of its GPU-only rows, and kred's rows.
CPU_ROUTINES = [
    "NumPy (CPU)", "PyTorch (CPU, matmul)", "PyTorch (CPU, cdist)",
    "PyTorch (CPU, compiled with dynamic shapes)",
    "KeOps (CPU, LazyTensor)", "KeOps (CPU, LazyTensor, batchsize=100)",
    "KeOps (CPU, Genred)", "KeOps (CPU, use_fast_math=False)",
    "kred (CPU, LazyTensor)", "kred (CPU, LazyTensor, batchsize=100)",
    "kred (CPU, Genred)", "kred (CPU, use_fast_math=False)",
    "kred (CPU, kred.numpy Genred)",
]
BATCH_ROUTINES = [
    f"{lib} ({kind})" for lib in ("KeOps", "kred")
    for kind in ("Genred", "LazyTensor", "LazyTensor, batchsize=10")
]
ALWAYS_MEASURED = ["NumPy (CPU)", "PyTorch (CPU, matmul)", "kred (CPU, Genred)",
                   "kred (CPU, LazyTensor, batchsize=100)", "kred (LazyTensor, batchsize=10)"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "gaussian_conv.py"), "--quick",
         "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with open(out / "gaussian_conv.json") as f:
        return json.load(f), run.stdout


def routines_of(report, key):
    (table,) = [t for t in report[0]["tables"] if t["key"] == key]
    return table, {r["label"]: r for r in table["routines"]}


@pytest.mark.parametrize("key, labels", [("cpu", CPU_ROUTINES), ("batch", BATCH_ROUTINES)])
def test_every_routine_is_measured_and_checked_or_skipped_with_a_reason(report, key, labels):
    table, routines = routines_of(report, key)
    assert list(routines) == labels
    tolerance = report[0]["tolerance"]
    for label, r in routines.items():
        if r["status"] == "skipped":
            assert r["reason"] and not r["sizes"], label
            continue
        assert r["sizes"], f"{label}: {r['status']} before the first size ({r['reason']})"
        for size in r["sizes"]:
            assert 0 <= size["max_rel_diff"] <= tolerance, (label, size)
            assert size["time_s"] > 0 and size["loops"] in (100, 10, 1)
        assert r["status"] in ("ok", "too slow", "memory overflow"), (label, r["reason"])


def test_the_routines_available_here_are_measured(report):
    routines = {**routines_of(report, "cpu")[1], **routines_of(report, "batch")[1]}
    for label in ALWAYS_MEASURED:
        assert routines[label]["sizes"], (label, routines[label]["reason"])
    batched = routines["kred (CPU, LazyTensor, batchsize=100)"]
    assert batched["batch"] == 100


def test_gpu_table_is_present_or_skipped_with_a_reason(report):
    table, routines = routines_of(report, "gpu")
    assert table.get("skipped") or routines
    if table.get("skipped"):
        assert "GPU" in report[1] and table["skipped"] in report[1]


def test_lines_follow_the_seed_format(report):
    stdout = report[1]
    assert "Benchmarking : Gaussian Matrix-Vector products (CPU) ====" in stdout
    assert "  1x100 loops of size  100 :   1x100x " in stdout
    assert "100x100 loops of size  100 : 100x100x " in stdout
