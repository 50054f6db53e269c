"""The native module's kernel handle: arrays the runtime refuses (strided
layouts, other devices) are named, and a module of several kernels is
refused by the single-kernel entry point; the tables generated from the
dialect (KeOps functions, reduction kinds) are KeOps' language."""

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


@pytest.mark.parametrize("describe, error, message", [
    (lambda a: (a.ctypes.data, "float64"), TypeError, "argument #0: expected \\(address, dtype"),
    (lambda a: (a.ctypes.data, "int8", a.shape), TypeError, "argument #0 has dtype int8"),
    (lambda a: (a.ctypes.data, "float64", ("5", 3)), TypeError,
     "argument #0: its shape and strides must be integers"),
    (lambda a: (a.ctypes.data, "float64", a.shape, None, "tpu"), ValueError,
     "argument #0 is on device 'tpu'; expected 'cpu' or 'cuda:N'")])
def test_described_arrays_that_are_malformed_are_named(describe, error, message):
    kernel = _kred.compile_module(GAUSS, disk_cache=False)
    x, y, b, out = arrays()
    with pytest.raises(error, match=message):
        kernel.run([describe(x), y, b, out])


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


# KeOps' formula language as pykeops 2.3 documents it (the "math operation"
# table of its API docs): name -> number of formula arguments.
_KEOPS_FUNCTIONS = {
    "Minus": 1, "Add": 2, "Subtract": 2, "Mult": 2, "Divide": 2, "Square": 1,
    "Inv": 1, "Exp": 1, "Log": 1, "XLogX": 1, "Sin": 1, "Cos": 1, "Asin": 1,
    "Acos": 1, "Atan": 1, "Atan2": 2, "SinXDivX": 1, "Sqrt": 1, "Rsqrt": 1,
    "Abs": 1, "Sign": 1, "Step": 1, "ReLU": 1, "Floor": 1, "Pow": 1, "Powf": 2,
    "Round": 1, "ClampInt": 1, "Clamp": 3, "IfElse": 3, "Mod": 3, "SqNorm2": 1,
    "Norm2": 1, "Normalize": 1, "Sum": 1, "Max": 1, "Min": 1, "ArgMax": 1,
    "ArgMin": 1, "SumT": 1, "SqDist": 2, "Scalprod": 2, "WeightedSqNorm": 2,
    "WeightedSqDist": 3, "Elem": 1, "ElemT": 1, "Extract": 1, "ExtractT": 1,
    "Concat": 2, "OneHot": 1, "MatVecMult": 2, "VecMatMult": 2, "TensorProd": 2,
    "TensorDot": 2, "Kron": 2, "Grad": 3, "Diff": 3, "GradMatrix": 2,
    "Laplacian": 2, "Divergence": 2,
}


def test_the_function_table_generated_from_the_ops_is_keops_language():
    functions = _kred.formula_functions()
    arities = {name: functions[name]["arity"] for name in _KEOPS_FUNCTIONS
               if name in functions}
    assert arities == _KEOPS_FUNCTIONS


def test_every_componentwise_function_is_a_lazytensor_method():
    from kred.torch import LazyTensor
    for name, f in _kred.formula_functions().items():
        if f["componentwise"] and name != "Minus":
            assert callable(getattr(LazyTensor, name.lower())), name


# pykeops' reductions (Genred's reduction_op) and their outputs.
_KEOPS_REDUCTIONS = {
    "Sum": 1, "Min": 1, "Max": 1, "ArgMin": 1, "ArgMax": 1, "Min_ArgMin": 2,
    "Max_ArgMax": 2, "KMin": 1, "ArgKMin": 1, "KMin_ArgKMin": 2, "LogSumExp": 1,
    "LogSumExpWeight": 1, "SumSoftMaxWeight": 1, "SoftMax": 1,
    "Max_SumShiftExp": 1, "Max_SumShiftExpWeight": 1,
}


def test_the_reduction_records_are_pykeops_reductions():
    records = _kred.reductions()
    assert {name: r["num_outputs"] for name, r in records.items()} == _KEOPS_REDUCTIONS
    assert records["SoftMax"]["name"] == "SumSoftMaxWeight"
    assert [n for n, r in records.items() if r["takes_k"]] == ["KMin", "ArgKMin",
                                                                "KMin_ArgKMin"]


def test_the_device_a_call_runs_on():
    """pykeops' backend and device_id: "auto" runs where the arrays are,
    "CPU" only on host arrays, "GPU" on device_id (the arrays' GPU for -1,
    else cuda:0), on the simulator for host arrays under KRED_GPU=sim."""
    choose = _kred.choose_device
    assert choose(["cpu", "cpu"], "auto", -1, False) == ("cpu", "cpu")
    assert choose(["cuda:1"], "auto", -1, False) == ("cuda:1", "cuda:1")
    assert choose([], "CPU", -1, False) == ("cpu", "cpu")
    assert choose(["cpu"], "GPU", -1, False) == ("cpu", "cuda:0")
    assert choose(["cpu"], "GPU_1D", 2, False) == ("cpu", "cuda:2")
    assert choose(["cuda:1"], "GPU", -1, False) == ("cuda:1", "cuda:1")
    assert choose(["cpu"], "GPU", -1, True) == ("cpu", "gpu-sim")
    with pytest.raises(ValueError, match="all arrays must be on one device, got cpu, cuda:0"):
        choose(["cuda:0", "cpu"], "auto", -1, False)
    with pytest.raises(ValueError, match="backend='CPU' runs on arrays in host memory; "
                                         "these are on cuda:0"):
        choose(["cuda:0"], "CPU", -1, False)
