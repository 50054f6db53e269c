"""The on-disk kernel cache across processes: each case runs a fresh Python
process on a cache folder prepared to be damaged or unusable, and checks
that it computes the right numbers (against NumPy) instead of crashing or
loading a wrong kernel."""

import os
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = """
import numpy as np, kred.numpy as kn
rng = np.random.default_rng(0)
x, y, b = rng.random((50, 3)), rng.random((40, 3)), rng.random((40, 1))
f = kn.Genred({formula!r}, ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"], axis=1, dtype="float64")
out = f(x, y, b)
ref = np.exp(-{scale} * ((x[:, None] - y[None]) ** 2).sum(-1)) @ b
assert np.allclose(out, ref, rtol=1e-12), "wrong numbers"
print("kernel", f._last_kernel.origin)
"""
GAUSS = ("Exp(-SqDist(X, Y)) * B", 1)
OTHER = ("Exp(-2 * SqDist(X, Y)) * B", 2)


def run(cache, kernel=GAUSS, verbose=False):
    env = dict(os.environ, KRED_CACHE_DIR=str(cache), KRED_VERBOSE="1" if verbose else "0")
    script = SCRIPT.format(formula=kernel[0], scale=kernel[1])
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def entry(cache):
    (code,) = [p for p in cache.iterdir() if p.suffix == ".so"]
    return code


def test_entries_are_reused(tmp_path):
    assert "kernel compiled" in run(tmp_path)
    assert "kernel disk cache" in run(tmp_path)
    assert (tmp_path / (entry(tmp_path).name + ".sha256")).exists()


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "no hash"])
def test_damaged_entries_are_rebuilt(tmp_path, damage):
    run(tmp_path)
    code = entry(tmp_path)
    data = bytearray(code.read_bytes())
    if damage == "truncate":  # a full disk, an interrupted copy
        data = data[:len(data) // 2]
    elif damage == "flip":  # 64 flipped bytes in the code
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(255 - v for v in data[middle:middle + 64])
    elif damage == "empty":
        data = bytearray()
    else:
        (tmp_path / (code.name + ".sha256")).unlink()
    code.write_bytes(bytes(data))
    out = run(tmp_path, verbose=True)
    assert "damaged or incomplete; recompiling it" in out and "kernel compiled" in out
    assert "kernel disk cache" in run(tmp_path)


def test_another_kernels_code_under_an_entrys_name_is_not_run(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    run(first)
    run(second, OTHER)
    # The other kernel's code and hash, moved under the first one's name.
    target = entry(first)
    for suffix in ("", ".sha256"):
        (first / (target.name + suffix)).write_bytes(
            (second / (entry(second).name + suffix)).read_bytes())
    assert "kernel compiled" in run(first)


def test_unusable_cache_folders_fall_back_to_memory(tmp_path):
    as_file = tmp_path / "a-file"
    as_file.write_text("not a folder")
    out = run(as_file)
    assert out.count("cannot be used (not a writable folder)") == 1
    run(tmp_path / "cache")
    code = entry(tmp_path / "cache")
    code.unlink()
    code.mkdir()  # an entry that is a folder
    out = run(tmp_path / "cache")
    assert "is not a file; this kernel is kept in memory only" in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_folder_falls_back_to_memory(tmp_path):
    tmp_path.chmod(0o555)
    try:
        assert "cannot be used" in run(tmp_path)
    finally:
        tmp_path.chmod(0o755)
