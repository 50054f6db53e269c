"""Ahead-of-time libraries (kred-aot) called through kred.aot.load: results
against dense float64 NumPy, NumPy and torch inputs, out=, batch
broadcasting, several kernels in one library; their argument errors equal
the runtime's (compile_module's) for the same kernel; their dependencies
are the C library, libm and libomp only."""

import os
import subprocess

import numpy as np
import pytest

import kred
import kred._kred as native
import kred.aot

torch = pytest.importorskip("torch")

KRED_AOT = os.path.join(os.path.dirname(kred.__file__), "..", "..", "bin", "kred-aot")

# A batched Gaussian convolution with a parameter, and k-NN indices.
MODULE = """
func.func @gauss(%x: memref<?x?x2xf64>, %y: memref<?x?x2xf64>, %s: memref<?x1xf64>,
                 %b: memref<?x?x1xf64>, %out: memref<?x?x1xf64>) {
  kred.reduce sum over j batch(1) ins(%x, %y, %s, %b : memref<?x?x2xf64>, memref<?x?x2xf64>, memref<?x1xf64>, memref<?x?x1xf64>)
      outs(%out : memref<?x?x1xf64>) {
    %xi = kred.var i 0 : vector<2xf64>
    %yj = kred.var j 1 : vector<2xf64>
    %sp = kred.var param 2 : vector<1xf64>
    %bj = kred.var j 3 : vector<1xf64>
    %d = kred.sqdist %xi, %yj : vector<2xf64>, vector<2xf64>
    %t = kred.mul %sp, %d : vector<1xf64>, vector<1xf64>
    %n = kred.minus %t : vector<1xf64>
    %e = kred.exp %n : vector<1xf64>
    %r = kred.mul %e, %bj : vector<1xf64>, vector<1xf64>
    kred.yield %r : vector<1xf64>
  }
  return
}
func.func @knn(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x4xi64>) {
  kred.reduce arg_k_min(4) over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x4xi64>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}
"""


def kernel_text(name):
    """One function of MODULE, for the runtime's compile_module."""
    start = MODULE.index(f"func.func @{name}")
    end = MODULE.find("func.func", start + 1)
    return MODULE[start:end if end > 0 else None]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("aot")
    source = folder / "kernels.mlir"
    source.write_text(MODULE)
    subprocess.run([KRED_AOT, str(source), "-o", str(folder / "libpair.so")], check=True)
    assert (folder / "pair.h").exists()
    return kred.aot.load(folder / "libpair.so")


def dense_gauss(x, y, s, b):
    d = ((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1)
    return np.exp(-s[:, :, None] * d) @ b  # s: [batch, 1]


def test_kernels_listed(library):
    assert sorted(library.kernels) == ["gauss", "knn"]
    assert library.gauss.inputs == ["input #0", "input #1", "input #2", "input #3"]


@pytest.mark.parametrize("as_torch", [False, True])
def test_batched_gauss_against_numpy(library, rng, as_torch):
    x = rng.standard_normal((3, 40, 2))
    y = rng.standard_normal((1, 55, 2))   # broadcast over the batch
    s = np.array([[0.5], [1.0], [2.0]])
    b = rng.standard_normal((3, 55, 1))
    args = [torch.from_numpy(a) for a in (x, y, s, b)] if as_torch else (x, y, s, b)
    out = library.gauss(*args)
    assert isinstance(out, torch.Tensor) == as_torch
    out = np.asarray(out)
    assert out.shape == (3, 40, 1)
    np.testing.assert_allclose(out, dense_gauss(x, y, s, b), rtol=1e-10, atol=1e-12)


def test_knn_and_out(library, rng):
    x = rng.standard_normal((30, 3)).astype(np.float32)
    y = rng.standard_normal((200, 3)).astype(np.float32)
    out = np.full((30, 4), -7, dtype=np.int64)
    result = library.knn(x, y, out=out)
    assert result is out
    d = ((x[:, None].astype(np.float64) - y[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(out, np.argsort(d, axis=1, kind="stable")[:, :4])


def test_non_contiguous_inputs_are_copied(library, rng):
    x = rng.standard_normal((30, 6)).astype(np.float32)[:, ::2]
    y = rng.standard_normal((50, 3)).astype(np.float32)
    d = ((x[:, None].astype(np.float64) - y[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(library.knn(x, y), np.argsort(d, axis=1, kind="stable")[:, :4])


@pytest.mark.parametrize("change", ["dimension", "rows", "dtype", "batch", "rank", "output"])
def test_errors_are_the_runtimes(library, rng, change):
    x = rng.standard_normal((2, 10, 2))
    y = rng.standard_normal((2, 12, 2))
    s = np.ones((2, 1))
    b = rng.standard_normal((2, 12, 1))
    out = np.zeros((2, 10, 1))
    if change == "dimension":
        y = y[..., :1].copy()
    elif change == "rows":
        b = b[:, :5].copy()
    elif change == "dtype":
        x = x.astype(np.float32)
    elif change == "batch":
        b = rng.standard_normal((3, 12, 1))
    elif change == "rank":
        s = np.ones(1)
    else:
        out = np.zeros((2, 9, 1))
    with pytest.raises(ValueError) as aot_error:
        library.gauss(x, y, s, b, out=out)
    runtime = native.compile_module(kernel_text("gauss"), disk_cache=False)
    with pytest.raises(ValueError) as runtime_error:
        runtime.run([x, y, s, b, out])
    assert str(aot_error.value) == f"kernel 'gauss': {runtime_error.value}"


def test_wrong_number_of_inputs(library):
    with pytest.raises(ValueError, match=r"kernel 'knn' takes 2 inputs \(input #0, input #1\), but 1 were given"):
        library.knn(np.zeros((2, 3), np.float32))


def test_dependencies_are_libc_libm_libomp(library):
    dynamic = subprocess.run(["readelf", "-d", library.path], check=True,
                             capture_output=True, text=True).stdout
    needed = [line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]
    assert needed and all(n.split(".so")[0] in ("libc", "libm", "libomp") for n in needed), needed


def test_kred_aot_errors(tmp_path):
    source = tmp_path / "k.mlir"
    source.write_text(kernel_text("knn"))
    bad = subprocess.run([KRED_AOT, str(source), "-o", str(tmp_path / "knn.so")],
                         capture_output=True, text=True)
    assert bad.returncode != 0
    assert "expected a path ending in lib<NAME>.so" in bad.stderr
    bad = subprocess.run([KRED_AOT, str(source), "-o", str(tmp_path / "lib2x.so")],
                         capture_output=True, text=True)
    assert "must be a C identifier" in bad.stderr
