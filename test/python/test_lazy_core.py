"""The common path of small calls in C (python/Lazy*.cpp, AddressLaunch.cpp,
TensorCallKey.cpp): leaves of torch tensors and NumPy arrays, operators,
nodes, plan keys and call keys made there agree with the Python paths they
shortcut (or replaced); their errors are the Python ones; nothing they hold
outlives the call."""

import copy
import gc
import weakref

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kred._kred as native  # noqa: E402
import kred.numpy as kn  # noqa: E402
import kred.torch as kt  # noqa: E402

LT = kt.LazyTensor


def as_python_leaf(t):
    """The same tensor as a type LazyNode does not make leaves of
    (nn.Parameter): LazyTensor goes through its Python constructor."""
    return torch.nn.Parameter(t, requires_grad=False)


@pytest.mark.parametrize("shape", [(5, 1, 3), (1, 7, 3), (1, 1, 3), (2, 5, 1, 3),
                                   (2, 1, 7, 2), (4, 1, 1, 2), (3, 1, 1, 1, 4)])
def test_leaves_made_in_c_are_those_python_makes(shape):
    t = torch.rand(shape, dtype=torch.float64)
    fast, slow = LT(t), LT(as_python_leaf(t))
    assert type(fast) is type(slow) is LT
    assert fast._shape == slow._shape and fast.ndim == slow.ndim
    assert (fast.ni, fast.nj, fast.batchdims) == (slow.ni, slow.nj, slow.batchdims)
    assert fast.formula == slow.formula
    (leaf_fast,), (leaf_slow,) = fast._leaves.values(), slow._leaves.values()
    assert leaf_fast.category == leaf_slow.category
    assert tuple(leaf_fast.shape) == tuple(leaf_slow.shape)
    assert torch.equal(leaf_fast.array, leaf_slow.array)
    assert leaf_fast.placeholder != leaf_slow.placeholder  # distinct leaves


class _Subclass(np.ndarray):
    """A NumPy array type LazyNode does not make leaves of."""


@pytest.mark.parametrize("shape", [(5, 1, 3), (1, 7, 3), (1, 1, 3), (2, 5, 1, 3)])
def test_numpy_leaves_made_in_c_are_those_python_makes(shape):
    a = np.random.rand(*shape)
    fast, slow = kn.LazyTensor(a), kn.LazyTensor(a.view(_Subclass))
    assert fast._shape == slow._shape and fast.formula == slow.formula
    (leaf_fast,), (leaf_slow,) = fast._leaves.values(), slow._leaves.values()
    assert (leaf_fast.category, tuple(leaf_fast.shape)) == \
        (leaf_slow.category, tuple(leaf_slow.shape))
    np.testing.assert_array_equal(leaf_fast.array, leaf_slow.array)


def test_numpy_arrays_a_plan_cannot_take_are_still_reduced_right():
    """Non-contiguous and byte-swapped arrays: no plan, the right values."""
    x, y = np.random.rand(6, 3), np.random.rand(8, 3)
    ref = ((x[:, None] - y[None]) ** 2).sum(-1).sum(1)
    strided = np.repeat(x, 2, axis=0)[::2]
    swapped = x.astype(x.dtype.newbyteorder())  # the same values, big-endian
    for xs in (strided, swapped, x):
        for _ in range(2):
            got = ((kn.LazyTensor(xs[:, None, :]) - kn.LazyTensor(y[None, :, :])) ** 2) \
                .sum(-1).sum(dim=1)
            np.testing.assert_allclose(got[:, 0], ref, rtol=1e-12)


def test_python_paths_still_decide_other_inputs():
    """Complex, 2-D with axis, integer-dtype and malformed tensors keep
    Python's behaviour and messages."""
    z = torch.rand(4, 1, 2, dtype=torch.complex64)
    assert type(LT(z)) is kt.ComplexLazyTensor
    assert LT(torch.rand(4, 2), axis=1).nj == 4
    with pytest.raises(ValueError, match="expects an array with a dummy axis"):
        LT(torch.rand(3, 4, 2))
    with pytest.raises(ValueError, match="needs axis=0"):
        LT(torch.rand(4, 2))


def test_binary_dimension_errors_name_the_operation():
    x3, y2 = LT(torch.rand(5, 1, 3)), LT(torch.rand(1, 6, 2))
    with pytest.raises(ValueError, match=r"operands of - have dimensions 3 and 2; "
                                         r"expected equal dimensions or 1"):
        x3 - y2
    with pytest.raises(ValueError, match=r"operands of \| have dimensions 3 and 2; "
                                         r"expected equal dimensions$"):
        x3 | y2
    assert (x3 * LT(torch.rand(1, 6, 1))).ndim == 3  # 1 broadcasts
    assert (2.0 - x3).formula == "(Var(1,1,2) - Var(0,3,0))"  # self's leaves first


def test_nodes_merge_sizes_batches_and_ranges_as_python():
    a = LT(torch.rand(2, 1, 5, 1, 3))
    b = LT(torch.rand(3, 1, 6, 3))
    node = a - b  # batch shapes broadcast by Python's _merge_two
    assert node._shape == (2, 3, 5, 6, 3)
    ranges = tuple(torch.tensor(v, dtype=torch.int32) for v in
                   ([[0, 5]], [1], [[0, 6]], [[0, 6]], [1], [[0, 5]]))
    x, y = LT(torch.rand(5, 1, 3)), LT(torch.rand(1, 6, 3))
    x.ranges = ranges
    assert (x - y).ranges is not None and (-x).ranges is not None


def test_gradients_follow_requires_grad_read_at_the_reduction():
    """A leaf made before its tensor requires grad: the reduction builds the
    graph (no plan), with dense torch's gradient."""
    LT._lazy_plans.clear()
    x = torch.rand(5, 3, dtype=torch.float64)
    y = torch.rand(7, 3, dtype=torch.float64)
    p = torch.rand(1, 1, 3, dtype=torch.float64)

    def reduce(p_leaf):
        return ((LT(x[:, None]) - LT(y[None]) * p_leaf) ** 2).sum(-1).sum(dim=1)
    reduce(LT(p))
    reduce(LT(p))  # planned
    assert len(LT._lazy_plans) == 1
    leaf = LT(p)
    p.requires_grad_(True)
    got = reduce(leaf)
    assert got.requires_grad
    got.sum().backward()
    pd = p.detach().clone().requires_grad_(True)
    ((x[:, None] - y[None] * pd) ** 2).sum().backward()
    assert torch.allclose(p.grad, pd.grad)


@pytest.mark.parametrize("front", [kn, kt])
def test_planned_reductions_release_their_inputs(front):
    """Neither a plan nor LazyNode keeps the arrays of a call."""
    LazyTensor = front.LazyTensor
    make = (lambda a: torch.from_numpy(a)) if front is kt else (lambda a: a)
    rng = np.random.default_rng(0)
    refs = []
    for _ in range(3):
        x = make(rng.standard_normal((6, 3)).astype(np.float32))
        y = make(rng.standard_normal((4, 3)).astype(np.float32))
        refs.append(weakref.ref(x) if front is kt else None)
        got = ((LazyTensor(x[:, None, :]) - LazyTensor(y[None, :, :])) ** 2).sum(-1) \
            .sum(dim=1)
        ref = ((np.asarray(x)[:, None] - np.asarray(y)[None]) ** 2).sum(-1).sum(1)
        np.testing.assert_allclose(np.asarray(got)[:, 0], ref, rtol=1e-5)
        del x, y, got
    gc.collect()
    assert all(r is None or r() is None for r in refs)


def test_address_launch_checks_its_arguments():
    with pytest.raises(TypeError, match="takes a BoundKernel"):
        native.AddressLaunch(object())
    f = kn.Genred("SqDist(X, Y)", ["X = Vi(2)", "Y = Vj(2)"], axis=1)
    x, y = np.random.rand(3, 2).astype(np.float32), np.random.rand(4, 2).astype(np.float32)
    out = f(x, y)
    launch = native.AddressLaunch(f._last_kernel.bind([x, y, out]))
    with pytest.raises(TypeError, match="one list of arrays"):
        launch(x, y)
    with pytest.raises(TypeError, match="tensors, NumPy arrays or addresses, got a str"):
        launch([x, "not an array", out])
    out2 = np.zeros_like(out)
    assert launch([x, y, out2]) is None
    np.testing.assert_allclose(out2, out)


def test_operators_keep_pykeops_shortcuts_and_formulas():
    x, y = LT(torch.rand(5, 1, 3)), LT(torch.rand(1, 6, 3))
    assert (x + 0) is x and (0 + x) is x and (x - 0) is x and (x * 1) is x
    assert (x / 1) is x and (x * 0) == 0
    assert (x - y).formula == "(Var(0,3,0) - Var(1,3,1))"
    assert (x * y).formula == "(Var(0,3,0) * Var(1,3,1))"
    assert (x / y).formula == "(Var(0,3,0) / Var(1,3,1))"
    assert (-x).formula == "Minus(Var(0,3,0))" and (x * -1).formula == "Minus(Var(0,3,0))"
    assert (x ** 2).formula == "Square(Var(0,3,0))"
    assert (x ** 3).formula == "Pow(Var(0,3,0), 3)" and (x ** 0.5).formula == "Sqrt(Var(0,3,0))"
    assert (2 * x).formula == "(IntCst(2) * Var(0,3,0))"
    assert (2.0 * x).formula == "(Var(1,1,2) * Var(0,3,0))"
    with pytest.raises(TypeError):
        pow(x, 2, 3)
    z = LT(torch.rand(5, 1, 2, dtype=torch.complex64))
    assert (-z).formula.startswith("Minus(") and type(-z) is kt.ComplexLazyTensor
    with pytest.raises(ValueError, match="powers of complex LazyTensors"):
        z ** 2


def test_sum_over_features_i_j_and_its_errors():
    xn, yn = np.random.rand(5, 3), np.random.rand(6, 3)
    x, y = LT(torch.tensor(xn)[:, None]), LT(torch.tensor(yn)[None])
    d = ((x - y) ** 2).sum(-1)
    assert d.formula == "Sum(Square((Var(0,3,0) - Var(1,3,1))))" and d.ndim == 1
    dense = ((xn[:, None] - yn[None]) ** 2).sum(-1)
    for kwargs, ref in (({"dim": 1}, dense.sum(1)), ({"axis": 0}, dense.sum(0)),
                        ({"dim": -2}, dense.sum(1)), ({}, None)):
        got = d.sum(**kwargs)
        if ref is None:  # sum() is over the last axis
            assert got.formula == "Sum(" + d.formula + ")"
        else:
            np.testing.assert_allclose(got.numpy()[:, 0], ref)
    with pytest.raises(ValueError, match="dim must be 0 .* or 1 .* got 5"):
        d.sum(dim=5)
    lazy = d.sum(dim=1, call=False)  # options: Python's path
    np.testing.assert_allclose(lazy().numpy()[:, 0], dense.sum(1))


def test_lazytensors_copy_and_deepcopy():
    x = torch.rand(5, 3)
    k = (LT(x[:, None]) - LT(torch.rand(1, 6, 3))).sum(-1)
    shallow, deep = copy.copy(k), copy.deepcopy(k)
    assert shallow.formula == deep.formula == k.formula and deep._shape == k._shape
    assert shallow._leaves is k._leaves and deep._leaves is not k._leaves
    deep_leaf = next(iter(deep._leaves.values()))
    assert deep_leaf.raw is not next(iter(k._leaves.values())).raw
    np.testing.assert_allclose(deep.sum(dim=1).numpy(), k.sum(dim=1).numpy(), rtol=1e-6)


def random_expression(rng, leaves, depth):
    """(LazyTensor, dense torch tensor) of one random formula over `leaves`
    [(LazyTensor, dense broadcastable tensor)], built by the same operators
    on both: the C paths (two LazyTensors of one class, ** 2, unary -, sum)
    and Python's (numbers, the feature sum's dimension)."""
    if depth == 0:
        return leaves[rng.integers(len(leaves))]
    a_lazy, a_dense = random_expression(rng, leaves, depth - 1)
    b_lazy, b_dense = random_expression(rng, leaves, depth - 1)
    choice = rng.integers(9)
    if choice == 0:
        return a_lazy + b_lazy, a_dense + b_dense
    if choice == 1:
        return a_lazy - b_lazy, a_dense - b_dense
    if choice == 2:
        return a_lazy * b_lazy, a_dense * b_dense
    if choice == 3:
        return a_lazy / (b_lazy ** 2 + 1.0), a_dense / (b_dense ** 2 + 1.0)
    if choice == 4:
        return -a_lazy, -a_dense
    if choice == 5:
        return (-(a_lazy ** 2)).exp(), (-(a_dense ** 2)).exp()
    if choice == 6:
        return a_lazy.sum(-1), a_dense.sum(-1, keepdim=True)
    if choice == 7:
        return 0.5 * a_lazy - 2, 0.5 * a_dense - 2
    return a_lazy * 1, a_dense  # pykeops' shortcut: the same LazyTensor


@pytest.mark.parametrize("seed", range(6))
def test_random_expressions_match_dense_torch_planned_or_not(seed):
    """Random formulas over i, j and parameter leaves (batched for odd
    seeds), each reduced twice over i and over j (the second call through
    its plan): dense torch's values, float64."""
    rng = np.random.default_rng(seed)
    batch = (2,) if seed % 2 else ()
    n, m, d = 5, 7, 3
    x = torch.rand(*batch, n, d, dtype=torch.float64)
    y = torch.rand(*batch, m, d, dtype=torch.float64)
    p = torch.rand(d, dtype=torch.float64)
    LT._lazy_plans.clear()
    for _ in range(8):
        def build():
            leaves = [(LT(x[..., :, None, :]), x[..., :, None, :]),
                      (LT(y[..., None, :, :]), y[..., None, :, :]),
                      (LT(p[None, None, :]), p[None, None, :])]
            lazy, dense = random_expression(np.random.default_rng(state), leaves, 3)
            return leaves[0][0] * 0.25 + lazy, x[..., :, None, :] * 0.25 + dense
        state = int(rng.integers(1 << 30))
        for axis in (0, 1):
            for _ in range(2):
                lazy, dense = build()
                # (M or N is 1 where the formula has no j or i variable.)
                dense = dense.expand(*lazy._shape[:-1], dense.shape[-1])
                got = lazy.sum(dim=len(batch) + axis)
                torch.testing.assert_close(got, dense.sum(len(batch) + axis),
                                           rtol=1e-10, atol=1e-12)
    assert LT._lazy_plans  # the second calls ran plans


@pytest.mark.parametrize("front", [kn, kt])
def test_planned_matmul_agrees_with_matmul(front):
    """K @ v from C (the plan of an identical earlier call) and what matmul
    does with other arguments after it: dense float64 values, matmul's
    errors, autograd where v requires grad."""
    rng = np.random.default_rng(11)
    x, y, v = rng.random((6, 3)), rng.random((8, 3)), rng.standard_normal((8, 2))
    make = torch.from_numpy if front is kt else (lambda a: a)
    dense = np.exp(-((x[:, None] - y[None]) ** 2).sum(-1))

    def kernel():
        x_i = front.LazyTensor(make(x)[:, None, :])
        y_j = front.LazyTensor(make(y)[None, :, :])
        return (-((x_i - y_j) ** 2).sum(-1)).exp()
    front.LazyTensor._lazy_plans.clear()
    for _ in range(3):  # the last calls run the plan
        got = kernel() @ make(v)
        np.testing.assert_allclose(np.asarray(got), dense @ v, rtol=1e-12)
    assert front.LazyTensor._lazy_plans
    np.testing.assert_allclose(np.asarray(kernel() @ make(v[:, 0])), dense @ v[:, 0],
                               rtol=1e-12)
    with pytest.raises(ValueError, match=r"v has shape \(7, 2\), with 7 rows"):
        kernel() @ make(v[:7])
    with pytest.raises(TypeError, match="all arrays must share one dtype"):
        kernel() @ make(v.astype(np.float32))
    with pytest.raises(TypeError, match="matvecmult"):
        kernel() @ kernel()
    with pytest.raises(TypeError, match="unsupported operand"):
        make(v.T) @ kernel()
    if front is kt:
        w = torch.from_numpy(v).requires_grad_(True)
        (kernel() @ w).sum().backward()
        np.testing.assert_allclose(w.grad.numpy(), dense.sum(0)[:, None].repeat(2, 1),
                                   rtol=1e-12)


def reference_call_key(args, backend, device_id):
    """TorchBackend.call_key as Python wrote it before it moved to C."""
    key = [backend, device_id]
    grad = torch.is_grad_enabled()
    for a in args:
        if type(a) is not torch.Tensor or (grad and a.requires_grad):
            return None
        key.append((a.dtype, a.shape, a.device) if a.is_contiguous() else
                   (a.dtype, a.shape, a.device, a.stride()))
    return tuple(key)


def test_tensor_call_keys_are_those_python_made():
    x, t = torch.rand(4, 3), torch.rand(3, 4).t()
    g = torch.rand(4, 3, requires_grad=True)
    cases = [[x], [x, t], [x, t.double()], [x, g], [x, 1.0], [torch.nn.Parameter(x)], [],
             [x[:, None, :]], [torch.rand(2, 4, 3)[:, :, 1:]]]
    for args in cases:
        for backend, device_id in (("auto", -1), ("CPU", 0)):
            assert native.tensor_call_key(args, backend, device_id) == \
                reference_call_key(args, backend, device_id)
            with torch.no_grad():
                assert native.tensor_call_key(args, backend, device_id) == \
                    reference_call_key(args, backend, device_id)
    assert native.tensor_call_key([g], "auto", -1) is None
    with torch.no_grad():
        assert native.tensor_call_key([g], "auto", -1) is not None


def reference_array_call_key(args, backend, device_id):
    """NumpyBackend.call_key as Python wrote it before it moved to C."""
    key = [backend, device_id]
    for a in args:
        if not isinstance(a, np.ndarray) or not a.dtype.isnative:
            return None
        key.append((a.dtype, a.shape) if a.flags.c_contiguous else
                   (a.dtype, a.shape, a.strides))
    return tuple(key)


def test_array_call_keys_are_those_python_made():
    x = np.random.rand(4, 3).astype(np.float32)
    cases = [[x], [x, x.T], [x, x.astype(np.float64)], [x, x[:, 1:]], [x, 1.0], [],
             [x, x.astype(x.dtype.newbyteorder())], [x.view(_Subclass)], [x, x.tolist()],
             [np.arange(3)[::2]], [np.zeros((2, 0, 3))], [x[:, None, :]],
             [np.ones(3, np.int8), np.ones(2, bool)], [torch.rand(4, 3)]]
    for args in cases:
        for backend, device_id in (("auto", -1), ("CPU", 0)):
            assert native.array_call_key(args, backend, device_id) == \
                reference_array_call_key(args, backend, device_id)
    assert native.array_call_key((x, x), "auto", -1) is not None  # any sequence
    # A strided view and a contiguous array of the same shape: two plans.
    assert native.array_call_key([x.T.copy()], "auto", -1) != \
        native.array_call_key([x.T], "auto", -1)
    with pytest.raises(TypeError, match="array_call_key takes"):
        native.array_call_key([x], "auto")
    with pytest.raises(TypeError):
        native.array_call_key(3, "auto", -1)


def test_bare_native_types_refuse_clearly():
    """The C types used without kred.common.lazy_tensor's classes: Python
    errors, not crashes."""
    a, b = native.LazyNode(), native.LazyNode()
    assert a._leaves == {} and a._symbolic == () and a.formula_template is None
    with pytest.raises(ValueError, match="without formula"):
        a._binary(b, "({} + {})", "+")
    for call in (lambda: a + 1, lambda: -a, lambda: a.sum(), lambda: native.LazyNode(1)):
        with pytest.raises(AttributeError):
            call()
    assert a._plan_key("Sum", 1, None, None) == (None, None)
    with pytest.raises(AttributeError):
        native.LazyLeaf("i", 1, 3, "V#1#")  # an int has no shape


def test_plan_layouts_are_the_rule_plans_need():
    """_kred.plan_layout (what a LazyPlan key holds for an array): the
    array as a plan can pass it, numbers by count, nothing else."""
    t = torch.rand(4, 3)
    a = np.random.rand(4, 3)
    assert native.plan_layout(t) == (t.dtype, t.shape)
    assert native.plan_layout(a) == (a.dtype, a.shape)
    assert native.plan_layout([1.0, 2.0]) == ("numbers", 2)
    for no_plan in (t.t(), t.clone().requires_grad_(True), torch.nn.Parameter(t),
                    a.T, a.astype(a.dtype.newbyteorder()), a.view(_Subclass), (1.0,), 2.0):
        assert native.plan_layout(no_plan) is None
