"""Ahead-of-time libraries (kred-aot) called through kred.aot.load: results
against dense float64 NumPy, NumPy and torch inputs, out=, batch
broadcasting, several kernels in one library; their argument errors equal
the runtime's (compile_module's) for the same kernel; their dependencies
are the C library, libm and libomp only."""

import ctypes
import os
import subprocess
import sys

import numpy as np
import pytest

import kred
import kred._kred as native
import kred.aot
import kred.numpy
import kred.numpy.cluster

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


def test_k_best_kernels_reduce_at_most_2_31_terms(library):
    """Their indices (K >= 2) are kept in 32 bits: a larger call is refused,
    by the runtime and by the AOT library alike (shapes only: nothing is
    read)."""
    too_many = [(5, 3), (2 ** 31, 3)]
    runtime = native.compile_module(kernel_text("knn"), disk_cache=False)
    assert runtime.output_shapes([(5, 3), (2 ** 31 - 1, 3)]) == [(5, 4)]
    with pytest.raises(ValueError) as runtime_error:
        runtime.output_shapes(too_many)
    assert "'input #1' has 2147483648 rows, but kernel 'knn' reduces at most " \
           "2147483647 terms per output row" in str(runtime_error.value)
    argmin = native.compile_module(native.import_formula(  # K = 1: 64-bit indices
        "X = Vi(3); Y = Vj(3); ArgMin_Reduction(SqDist(X, Y), 0)"), disk_cache=False)
    assert argmin.output_shapes(too_many) == [(5, 1)]
    info = library.knn._info
    assert (info.max_terms, library.gauss._info.max_terms) == (2 ** 31 - 1, 2 ** 63 - 1)
    sizes = [(ctypes.c_int64 * 2)(*shape) for shape in too_many]
    placeholder = ctypes.create_string_buffer(16)  # an address, never read
    never_read = ctypes.addressof(placeholder)
    arrays = (kred.aot._Array * 2)(*[kred.aot._Array(never_read, 2, 2, size, None)
                                     for size in sizes])
    status, shape = kred.aot._Status(), (ctypes.c_int64 * 2)()
    assert info.output_shape(arrays, 0, shape, ctypes.byref(status)) != 0
    assert status.message.decode() == str(runtime_error.value)


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


@pytest.fixture(scope="module")
def block_sparse(tmp_path_factory):
    """A block-sparse Gaussian convolution (kred-aot --ranges on the seed's
    formula, float64)."""
    folder = tmp_path_factory.mktemp("aot_ranges")
    kf = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "gaussian_conv.kf")
    subprocess.run([KRED_AOT, kf, "--ranges", "--dtype=float64",
                    "-o", str(folder / "libsparse.so")], check=True)
    return kred.aot.load(folder / "libsparse.so").kernel


def clusters(rng, n, m):
    """Points, cluster ranges and a keep matrix with an i-cluster that keeps
    nothing."""
    x, y, b = rng.standard_normal((n, 3)), rng.standard_normal((m, 3)), rng.standard_normal((m, 1))
    ranges_i = np.array([[0, 11], [11, 20], [20, n]])
    ranges_j = np.array([[0, 7], [7, 30], [30, m]])
    keep = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 1]], dtype=bool)
    mask = np.zeros((n, m), dtype=bool)
    for k, (i0, i1) in enumerate(ranges_i):
        for l, (j0, j1) in enumerate(ranges_j):
            mask[i0:i1, j0:j1] = keep[k, l]
    return (x, y, b), kred.numpy.cluster.from_matrix(ranges_i, ranges_j, keep), mask


@pytest.mark.parametrize("as_torch", [False, True])
def test_block_sparse_kernel_keeps_only_its_blocks(block_sparse, rng, as_torch):
    (x, y, b), ranges, mask = clusters(rng, 27, 41)
    assert block_sparse.ranges == ["ranges_i", "slices_i", "redranges_j", "ranges_j",
                                   "slices_j", "redranges_i"]
    dense = (np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) * mask) @ b
    args = [torch.from_numpy(a) for a in (x, y, b)] if as_torch else [x, y, b]
    given = [torch.from_numpy(r) for r in ranges] if as_torch else ranges
    got = block_sparse(*args, ranges=given)
    np.testing.assert_allclose(np.asarray(got), dense, rtol=1e-12, atol=1e-300)
    assert not np.asarray(got)[11:20].any()  # the i-cluster that keeps nothing


def test_block_sparse_errors_are_the_runtimes(block_sparse, rng):
    (x, y, b), ranges, _ = clusters(rng, 27, 41)
    with pytest.raises(ValueError, match="is block-sparse: ranges= must be KeOps' 6 arrays"):
        block_sparse(x, y, b)
    bad = list(ranges)
    bad[1] = np.array([2, 1, 3])  # slices_i must not decrease
    with pytest.raises(ValueError) as aot_error:
        block_sparse(x, y, b, ranges=bad)
    genred = kred.numpy.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"],
                               axis=1, dtype="float64")
    with pytest.raises(ValueError) as runtime_error:
        genred(x, y, b, ranges=bad)
    assert "slices_i[1] = 1 is not a slice end" in str(aot_error.value)
    assert str(aot_error.value) == f"kernel 'kernel': {runtime_error.value}"
    bad = list(ranges)
    bad[3] = np.array([[0, 7], [7, 30], [30, 42]])  # past M = 41
    with pytest.raises(ValueError, match=r"ranges_j\[2\] = \[30, 42\) is not a range of rows "
                       r"within \[0, 41\)"):
        block_sparse(x, y, b, ranges=bad)
    bad[3] = np.array([7, 30, 41])
    with pytest.raises(ValueError, match=r"ranges array 'ranges_j' has shape \[3\], expected "
                       r"\[clusters, 2\]"):
        block_sparse(x, y, b, ranges=bad)


def test_ranges_only_for_block_sparse_kernels(library):
    with pytest.raises(ValueError, match="is not block-sparse"):
        library.knn(np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32),
                    ranges=[np.zeros((0, 2), np.int64)] * 6)


@pytest.fixture(scope="module")
def gpu_library(tmp_path_factory):
    """The seed's Gaussian convolution with its GPU code for sm_80."""
    folder = tmp_path_factory.mktemp("aot_gpu")
    kf = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "gaussian_conv.kf")
    subprocess.run([KRED_AOT, kf, "--gpu-chip=sm_80", "-o", str(folder / "libgg.so")],
                   check=True)
    return folder / "libgg.so"


def embedded_ptx(path):
    data = path.read_bytes()
    start = data.index(b"//\n// Generated by LLVM NVPTX Back-End")
    return data[start:data.index(b"\0", start)].decode()


def test_gpu_code_is_embedded_valid_ptx_and_needs_no_cuda_to_link(gpu_library, tmp_path):
    header = (gpu_library.parent / "gg.h").read_text()
    assert "int gg_kernel_gpu(const kred_array *X, const kred_array *Y, const kred_array *B, " \
           "kred_array *output_0, void *stream, kred_status *status);" in header
    ptx = embedded_ptx(gpu_library)
    assert ".target sm_80" in ptx and ".entry kred_aot_gg_0(" in ptx
    dynamic = subprocess.run(["readelf", "-d", str(gpu_library)], check=True,
                             capture_output=True, text=True).stdout
    assert "libcuda" not in dynamic  # opened at the first GPU call
    ptxas = "/usr/local/cuda/bin/ptxas"
    if not os.path.exists(ptxas):
        pytest.skip("no ptxas to assemble the embedded PTX with")
    (tmp_path / "k.ptx").write_text(ptx)
    subprocess.run([ptxas, "-arch=sm_80", str(tmp_path / "k.ptx"), "-o",
                    str(tmp_path / "k.cubin")], check=True)


# Calls the GPU function of libgg.so on host arrays standing in for device
# memory (argv[2] output rows), in a process whose libcuda.so.1 is the one
# in argv[3] (or none; argv[4]: it refuses launches),
# and prints the status and what the driver recorded.
GPU_CALL = r"""
import ctypes, sys
import numpy as np
import kred.aot
kernel = kred.aot.load(sys.argv[1]).kernel
x, y, b = np.ones((1000, 3), np.float32), np.ones((7, 3), np.float32), np.ones((7, 1), np.float32)
out = np.zeros((int(sys.argv[2]), 1), np.float32)
if len(sys.argv) > 4:  # the driver refuses launches
    ctypes.CDLL(sys.argv[3]).fake_fail_launches(1)
arrays = [kred.aot._Marshalled(a, "a") for a in (x, y, b, out)]
array_list = (kred.aot._Array * 4)(*[m.array for m in arrays])
for call in range(2):
    status = kred.aot._Status()
    code = kernel._info.gpu_call(array_list, 1234, ctypes.byref(status))
    print("status", code, status.message.decode())
if len(sys.argv) > 3:
    driver = ctypes.CDLL(sys.argv[3])
    driver.fake_report.restype = ctypes.c_char_p
    print(driver.fake_report().decode())
    print("pointers", x.ctypes.data, y.ctypes.data, b.ctypes.data, out.ctypes.data)
"""


def run_gpu_call(library, driver=None, rows=1000, failing=False):
    env = dict(os.environ)
    if driver is not None:
        env["LD_LIBRARY_PATH"] = str(driver.parent)
    args = [str(library), str(rows)] + ([str(driver)] if driver else []) + \
        (["failing"] if failing else [])
    run = subprocess.run([sys.executable, "-c", GPU_CALL] + args, capture_output=True,
                         text=True, env=env)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_gpu_call_without_a_driver_says_so(gpu_library):
    try:
        ctypes.CDLL("libcuda.so.1")
        pytest.skip("this machine has a CUDA driver")
    except OSError:
        pass
    got = run_gpu_call(gpu_library)
    assert got.count("status 2 no CUDA driver: libcuda.so.1 cannot be loaded") == 2, got


def test_gpu_launch_through_a_recording_driver(gpu_library, tmp_path):
    """The library's launches as a stand-in libcuda.so.1 records them:
    device 0's primary context made current once, the PTX loaded once, the
    kernel's symbol, grid ceil(N / 192) x batch, the block the PTX was
    compiled for, each array's memref descriptor fields, the caller's
    stream; a bad argument stops before the driver."""
    driver = tmp_path / "libcuda.so.1"
    subprocess.run(["cc", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o", str(driver),
                    os.path.join(os.path.dirname(__file__), "fake_cuda.c")], check=True)
    got = run_gpu_call(gpu_library, driver)
    lines = got.splitlines()
    assert lines.count("status 0 ") == 2, got
    assert got.count("retain device 0") == 1 and got.count("set-current") == 1
    ptx = embedded_ptx(gpu_library)
    assert got.count(f"load {ptx[:40]}|{len(ptx)}") == 1
    assert got.count("function kred_aot_gg_0") == 1
    px, py, pb, po = (int(p) for p in lines[-1].split()[1:])
    descriptors = [px, px, 0, 1000, 3, 3, 1, py, py, 0, 7, 3, 3, 1, pb, pb, 0, 7, 1, 1, 1,
                   po, po, 0, 1000, 1, 1, 1]
    launch = "launch grid 6 1 1 block 192 1 1 shared 0 stream 1234 params " + \
        " ".join(map(str, descriptors))
    assert got.count(launch) == 2, got
    # Rows that disagree: the argument check's message, nothing launched.
    bad = run_gpu_call(gpu_library, driver, rows=999)
    assert "status 1 'output #0' has 999 rows, but 'X' has 1000; both are indexed by i" in bad
    assert "launch" not in bad and "load" not in bad
    refused = run_gpu_call(gpu_library, driver, failing=True)
    assert refused.count("status 3 launching the GPU kernel: CUDA error 700 (an illegal "
                         "memory access was encountered)") == 2, refused


def test_cpu_tensors_and_arrays_run_on_the_cpu_in_a_gpu_library(gpu_library, rng):
    kernel = kred.aot.load(gpu_library).kernel
    assert kernel.has_gpu
    x, y, b = (rng.standard_normal(s).astype(np.float32) for s in ((30, 3), (20, 3), (20, 1)))
    dense = np.exp(-((x[:, None].astype(np.float64) - y[None]) ** 2).sum(-1)) @ b
    np.testing.assert_allclose(kernel(x, y, b), dense, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(kernel(*map(torch.from_numpy, (x, y, b))).numpy(), dense,
                               rtol=1e-4, atol=1e-6)


def test_kred_aot_gpu_errors(tmp_path):
    kf = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "gaussian_conv.kf")
    bad = subprocess.run([KRED_AOT, kf, "--gpu-chip=80", "-o", str(tmp_path / "libg.so")],
                         capture_output=True, text=True)
    assert "--gpu-chip is '80'; expected a CUDA architecture such as sm_80" in bad.stderr
    bad = subprocess.run([KRED_AOT, kf, "--ranges", "--gpu-chip=sm_90", "-o",
                          str(tmp_path / "libg.so")], capture_output=True, text=True)
    assert bad.returncode != 0
    assert "takes block-sparse ranges, which GPU libraries of kred-aot do not take yet" \
        in bad.stderr


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU (scripts/gpu_check.sh)")
def test_gpu_library_on_cuda_tensors_matches_the_cpu(gpu_library, rng):
    kernel = kred.aot.load(gpu_library).kernel
    x, y, b = (torch.from_numpy(rng.standard_normal(s).astype(np.float32))
               for s in ((3000, 3), (2000, 3), (2000, 1)))
    on_gpu = kernel(x.cuda(), y.cuda(), b.cuda())
    assert on_gpu.device.type == "cuda"
    torch.testing.assert_close(on_gpu.cpu(), kernel(x, y, b), rtol=1e-4, atol=1e-5)
