"""Bad input raises ValueError/TypeError naming the argument and what was
expected, computes nothing and caches nothing wrongly."""

import numpy as np
import pytest

import kred.numpy

GAUSS = ("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"])


@pytest.fixture
def arrays(front):
    rng = np.random.default_rng(0)
    return [front.array(a, "float32") for a in
            (rng.random((5, 3)), rng.random((7, 3)), rng.random((7, 1)))]


def genred(front, **kw):
    return front.module.Genred(*GAUSS, axis=1, **kw)


def test_wrong_number_of_arguments(front, arrays):
    with pytest.raises(ValueError, match=r"takes 3 arrays \(X, Y, B\), but 2 were given"):
        genred(front)(*arrays[:2])


def test_dimension_disagrees_with_alias(front, arrays):
    bad = front.array(np.zeros((7, 2)), "float32")
    with pytest.raises(ValueError, match=r"argument Y = Vj\(3\) expects shape \(\.\.\., N, 3\), "
                                         r"got \(7, 2\)"):
        genred(front)(arrays[0], bad, arrays[2])


def test_row_counts_disagree(front, arrays):
    short_b = front.array(np.zeros((6, 1)), "float32")
    with pytest.raises(ValueError, match="'B' has 6 rows, but 'Y' has 7; both are indexed by j"):
        genred(front)(arrays[0], arrays[1], short_b)


def test_batch_dimensions_disagree(front):
    rng = np.random.default_rng(1)
    x = front.array(rng.random((2, 5, 3)), "float32")
    y = front.array(rng.random((3, 7, 3)), "float32")
    b = front.array(rng.random((1, 7, 1)), "float32")
    with pytest.raises(ValueError, match=r"'Y' has batch dimension 0 of size 3, but another "
                                         r"array has 2 \(sizes must match or be 1\)"):
        genred(front)(x, y, b)


def test_mixed_dtypes(front, arrays):
    b64 = front.array(np.zeros((7, 1)), "float64")
    with pytest.raises(TypeError, match="all arrays must share one dtype, but X is float32, "
                                        "Y is float32, B is float64"):
        genred(front)(arrays[0], arrays[1], b64)


def test_wrong_rank(front, arrays):
    flat = front.array(np.zeros(3), "float32")
    with pytest.raises(ValueError, match=r"argument X = Vi\(3\) expects shape \(\.\.\., N, 3\), "
                                         r"got \(3,\)"):
        genred(front)(flat, arrays[1], arrays[2])


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_arrays(front, arrays, dtype):
    ints = front.array(np.zeros((5, 3)), dtype)
    with pytest.raises(TypeError, match=f"argument X has dtype {dtype}; expected float16"):
        genred(front)(ints, arrays[1], arrays[2])


def test_object_and_non_arrays(front, arrays):
    with pytest.raises(TypeError, match="argument X must be a"):
        genred(front)([[1.0, 2.0, 3.0]], arrays[1], arrays[2])
    if front.name == "numpy":
        objects = np.empty((5, 3), dtype=object)
        with pytest.raises(TypeError, match="argument X has dtype object"):
            genred(front)(objects, arrays[1], arrays[2])


def test_rows_disagree(front, arrays):
    short_b = front.array(np.zeros((6, 1)), "float32")
    with pytest.raises(ValueError, match="'B' has 6 rows, but 'Y' has 7; both are indexed by j"):
        genred(front)(arrays[0], arrays[1], short_b)


def test_out(front, arrays):
    f = genred(front)
    with pytest.raises(ValueError, match=r"out must have shape \(5, 1\) and dtype float32"):
        f(*arrays, out=front.array(np.zeros((4, 1)), "float32"))
    with pytest.raises(ValueError, match=r"out must have shape \(5, 1\) and dtype float32"):
        f(*arrays, out=front.array(np.zeros((5, 1)), "float64"))
    strided = front.array(np.zeros((5, 2)), "float32")[:, :1]
    with pytest.raises(ValueError, match="out must be C-contiguous"):
        f(*arrays, out=strided)
    with pytest.raises(TypeError, match="out must be a"):
        f(*arrays, out="out")


def test_unknown_reduction_and_options(front):
    with pytest.raises(ValueError, match="reduction_op 'Mean' is unknown; expected one of Sum"):
        front.module.Genred(*GAUSS, reduction_op="Mean")
    with pytest.raises(ValueError, match="axis must be 0"):
        front.module.Genred(*GAUSS, axis=2)
    with pytest.raises(ValueError, match="needs opt_arg = K"):
        front.module.Genred("SqDist(X, Y)", GAUSS[1], reduction_op="ArgKMin")
    with pytest.raises(ValueError, match="needs the weight formula formula2"):
        front.module.Genred("SqDist(X, Y)", GAUSS[1], reduction_op="SumSoftMaxWeight")
    with pytest.raises(ValueError, match="sum_scheme 'pairwise' is unknown"):
        front.module.Genred(*GAUSS, sum_scheme="pairwise")
    with pytest.raises(ValueError, match="backend must be 'auto', 'CPU' or 'GPU'.*'TPU'"):
        genred(front)(backend="TPU")


def test_malformed_formula_has_position(front):
    with pytest.raises(ValueError, match=r"invalid formula: formula 'SqDist\(X, Y\) \* / B' "
                                         r"at position 15: "):
        front.module.Genred("SqDist(X, Y) * / B", GAUSS[1])
    with pytest.raises(ValueError, match=r"formula 'Foo\(X\)' at position 0: .*Foo"):
        front.module.Genred("Foo(X)", GAUSS[1])
    with pytest.raises(ValueError, match="alias 'X = Vk\\(3\\)' at position 4: unknown "
                                         "operation 'Vk'; an alias declares a variable"):
        front.module.Genred("X", ["X = Vk(3)"])
    with pytest.raises(ValueError, match=r"alias 'Y = Vj\(0, 3\)' at position 4: variable at "
                                         r"position 0 is declared as j-variable"):
        front.module.Genred("X + Y", ["X = Vi(0, 3)", "Y = Vj(0, 3)"])
    with pytest.raises(TypeError, match="aliases must be strings"):
        front.module.Genred("X", [3])


def test_generic_output_alias_errors(front):
    with pytest.raises(ValueError, match=r"the output 'A = Pm\(2\)' must be Vi\(...\) or Vj"):
        front.module.generic_sum("X", "A = Pm(2)", "X = Vi(2)")
    with pytest.raises(ValueError, match="the output 'A' must be an alias like 'A = Vi"):
        front.module.generic_sum("X", "A", "X = Vi(2)")
    with pytest.raises(ValueError, match=r"alias 'A = Vi\(x\)' at position 7: expected an "
                                         "integer"):
        front.module.generic_sum("X", "A = Vi(x)", "X = Vi(2)")


def test_nothing_cached_wrongly(front, arrays):
    f = genred(front)
    with pytest.raises(ValueError):
        f(arrays[0], front.array(np.zeros((7, 2)), "float32"), arrays[2])
    # The same Genred still works, and gives the right numbers.
    x, y, b = (front.to_numpy(a).astype(np.float64) for a in arrays)
    ref = np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b
    np.testing.assert_allclose(front.to_numpy(f(*arrays)), ref, rtol=1e-5)


def test_lazytensor_errors(front):
    LT = front.module.LazyTensor
    x = LT(front.array(np.zeros((4, 1, 3)), "float32"))
    y = LT(front.array(np.zeros((1, 5, 2)), "float32"))
    with pytest.raises(ValueError, match="operands of \\+ have dimensions 3 and 2"):
        x + y
    with pytest.raises(ValueError, match=r"a 2-D array of shape \(4, 3\) needs axis=0"):
        LT(front.array(np.zeros((4, 3)), "float32"))
    with pytest.raises(ValueError, match="expects an array with a dummy axis"):
        LT(front.array(np.zeros((4, 2, 3)), "float32"))
    with pytest.raises(TypeError, match="LazyTensor takes a"):
        LT("x")
    with pytest.raises(ValueError, match="min_argmin needs dim"):
        x.sqdist(x).min_argmin()
    with pytest.raises(ValueError, match="dim must be"):
        x.sum(dim=5)
    with pytest.raises(ValueError, match=r"elem: index 3 is out of bounds \[0, 3\)"):
        x.elem(3)


@pytest.mark.parametrize("formula", ["Exp(" * 5000 + "X" + ")" * 5000, "-" * 20000 + "X",
                                     "X" + " ** 2" * 20000,
                                     "SqDist(X," * 5000 + "X" + ")" * 5000])
def test_deep_formulas_are_an_error_not_a_crash(front, formula):
    with pytest.raises(ValueError, match=r"formula '.{120}'\.\.\. at position \d+: the "
                                         r"formula nests deeper than 256 levels"):
        front.module.Genred(formula, ["X = Vi(1)"], axis=1)


def test_formula_size_and_alias_count_are_limited(front):
    with pytest.raises(ValueError, match="more than 10000 operations, kred's limit"):
        front.module.Genred(" + ".join(["X"] * 100000), ["X = Vi(1)"], axis=1)
    with pytest.raises(ValueError, match="more than 10000 aliases, kred's limit"):
        front.module.Genred("X", [f"A{k} = Vi(1)" for k in range(10001)] + ["X = Vi(1)"],
                            axis=1)


def test_out_errors_say_what_is_wrong():
    f = kred.numpy.Genred("Sum(X) + 0 * Sum(Y)", ["X = Vi(3)", "Y = Vj(3)"],
                          reduction_op="Max", axis=1)
    x = np.arange(12, dtype="float32").reshape(4, 3)
    read_only = np.zeros((4, 1), "float32")
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match=r"out is read-only \(its writeable flag is off\)"):
        f(x, x, out=read_only)
    with pytest.raises(ValueError, match="out has the byte order of dtype '>f4'"):
        f(x, x, out=np.zeros((4, 1), ">f4"))


def test_big_endian_arrays_are_converted_once():
    f = kred.numpy.Genred("Sum(X) + 0 * Sum(Y)", ["X = Vi(3)", "Y = Vj(3)"],
                          reduction_op="Max", axis=1)
    x = np.arange(12, dtype=">f4").reshape(4, 3)
    np.testing.assert_array_equal(f(x, x).ravel(), [3, 12, 21, 30])
    # The native module refuses them rather than reading them wrongly.
    with pytest.raises(ValueError, match="in the other byte order"):
        f._last_kernel.run([x, x, np.zeros((4, 1), "float32")])


def test_an_unused_alias_counts_the_terms_and_none_means_one_term(front):
    x, y = (front.array(np.random.default_rng(0).random(s), "float64") for s in ((5, 1), (7, 1)))
    got = front.module.Genred("Exp(X)", ["X = Vi(1)", "Y = Vj(1)"], axis=1)(x, y)
    np.testing.assert_allclose(front.to_numpy(got), 7 * np.exp(front.to_numpy(x)), rtol=1e-12)
    # Without a j-variable, KeOps reduces over one term.
    got = front.module.Genred("Exp(X)", ["X = Vi(1)"], axis=1)(x)
    np.testing.assert_allclose(front.to_numpy(got), np.exp(front.to_numpy(x)), rtol=1e-12)
