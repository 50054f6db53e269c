"""The native module's kernel handle: arrays the runtime refuses (strided
layouts, other devices) are named, and a module of several kernels is
refused by the single-kernel entry point."""

import numpy as np
import pytest

from kred import _kred

GAUSS = _kred.import_formula(
    "X = Vi(3); Y = Vj(3); B = Vj(1)\nSum_Reduction(Exp(-SqDist(X, Y)) * B, 0)",
    dtype="float64")


def arrays(n=5, m=7):
    rng = np.random.default_rng(0)
    return rng.random((n, 3)), rng.random((m, 3)), rng.random((m, 1)), np.zeros((n, 1))


def dense(x, y, b):
    return np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b


def test_runs_with_explicit_strides_and_device():
    kernel = _kred.compile_module(GAUSS, disk_cache=False)
    x, y, b, out = arrays()
    args = [(a.ctypes.data, "float64", a.shape, (a.shape[1], 1), "cpu") for a in (x, y, b, out)]
    kernel.run(args)
    np.testing.assert_allclose(out, dense(x, y, b), rtol=1e-12)


def test_strided_array_is_named():
    kernel = _kred.compile_module(GAUSS, disk_cache=False)
    x, y, b, out = arrays()
    yt = np.asfortranarray(y)
    with pytest.raises(ValueError, match=r"'Y' has strides \[1, 7\] \(in elements\) "
                                         r"for shape \[7, 3\]; kernels take C-contiguous"):
        kernel.run([x, yt, b, out])


def test_array_on_another_device_is_named():
    kernel = _kred.compile_module(GAUSS, disk_cache=False)
    x, y, b, out = arrays()
    args = [(a.ctypes.data, "float64", a.shape) for a in (x, y, b, out)]
    args[0] = args[0] + (None, "cuda:0")
    with pytest.raises(ValueError, match="'X' lives on cuda:0, but kernel 'kernel' runs on cpu"):
        kernel.run(args)
    args[0] = args[0][:3] + (None, "tpu")
    with pytest.raises(ValueError, match="device 'tpu'; expected 'cpu' or 'cuda:N'"):
        kernel.run(args)


def test_module_of_two_kernels_is_refused_by_compile_module():
    body = GAUSS[GAUSS.index("{") + 1:GAUSS.rindex("}")]
    two = "module {" + body + body.replace("@kernel", "@other") + "}"
    with pytest.raises(ValueError, match="exactly one kernel, found 2"):
        _kred.compile_module(two, disk_cache=False)


@pytest.mark.parametrize("entry", ["compile_module", "signature", "reduction_gradient"])
def test_a_huge_result_number_is_a_located_error(entry):
    """MLIR's parser would allocate 2^31 values and abort the process."""
    bad = GAUSS.replace("func.func", "func.func private @f(f32)\n  func.func", 1) \
        .replace("kred.yield %", "kred.yield %", 1)
    bad = bad.replace("return", "%z = arith.addf %a#2147483647, %a : f32\n    return", 1)
    call = {"compile_module": lambda: _kred.compile_module(bad, disk_cache=False),
            "signature": lambda: _kred.signature(bad),
            "reduction_gradient": lambda: _kred.reduction_gradient(bad, [0])}[entry]
    with pytest.raises(ValueError, match=r"kernel.mlir:\d+:\d+: error: result number "
                                         r"2147483647 is out of range"):
        call()


def test_a_kernel_may_have_any_name():
    """The code exports only kred-owned symbols: a kernel named like a C
    library function computes what any other does (it returned zeros)."""
    x, y, b, out = arrays()
    for name in ("exp", "malloc", "main"):
        kernel = _kred.compile_module(GAUSS.replace("@kernel", f"@{name}"), disk_cache=False)
        out[:] = 0
        kernel.run([x, y, b, out])
        np.testing.assert_allclose(out, dense(x, y, b), rtol=1e-12)
