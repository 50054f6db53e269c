"""Every LazyTensor method and reduction against dense float64 NumPy."""

import numpy as np
import pytest

from conftest import tolerance

N, M, D = 11, 17, 3


def dense(rng):
    """x (N, D), y (M, D), b (M, 1), a positive p (D,) and 3x3 matrices."""
    return dict(x=rng.uniform(-1, 1, (N, D)), y=rng.uniform(-1, 1, (M, D)),
                b=rng.uniform(-1, 1, (M, 1)), p=rng.uniform(0.5, 1.5, (D,)),
                a=rng.uniform(-1, 1, (N, D * D)))


def lazy(front, arrays, dtype):
    LT = front.module.LazyTensor
    arr = lambda k: front.array(arrays[k], dtype)
    return dict(x=LT(arr("x")[:, None, :]), y=LT(arr("y")[None, :, :]),
                b=LT(arr("b")[None, :, :]), p=LT(arr("p")), a=LT(arr("a")[:, None, :]))


def npd(arrays):
    """The same, broadcast to (N, M, .)."""
    return dict(x=arrays["x"][:, None, :], y=arrays["y"][None, :, :],
                b=arrays["b"][None, :, :], p=arrays["p"], a=arrays["a"][:, None, :])


def rsqrt(v):
    with np.errstate(divide="ignore"):
        return np.where(v == 0, 0.0, 1 / np.sqrt(v))


def sinxdivx(v):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(v == 0, 1.0, np.sin(v) / v)


def keops_round(v, d=0):
    s = 10.0 ** d
    return np.sign(v * s) * np.floor(np.abs(v * s) + 0.5) / s


def one_hot(v, dim):
    r = keops_round(v[..., 0])
    return (np.arange(dim) == r[..., None]).astype(float)


def matvec(a, v):
    """KeOps' MatVecMult(A, v): A holds an n x p matrix row-major (KeOps 2:
    A.reshape(n, p) in NumPy terms)."""
    p = v.shape[-1]
    n = a.shape[-1] // p
    return np.einsum("...rc,...c->...r", a.reshape(a.shape[:-1] + (n, p)), v)


def vecmat(v, a):
    """KeOps' VecMatMult(v, A): v^T A with A an n x p row-major matrix."""
    n = v.shape[-1]
    p = a.shape[-1] // n
    return np.einsum("...r,...rc->...c", v, a.reshape(a.shape[:-1] + (n, p)))


SQ = lambda v: (v ** 2).sum(-1, keepdims=True)
CASES = {
    # name: (lazy expression, dense expression), both over the dicts.
    "add": (lambda l: l["x"] + l["y"], lambda d: d["x"] + d["y"]),
    "sub_scalar": (lambda l: l["x"] - 2.5 * l["b"], lambda d: d["x"] - 2.5 * d["b"]),
    "rsub": (lambda l: 1 - l["y"] * l["x"], lambda d: 1 - d["y"] * d["x"]),
    "mul_broadcast": (lambda l: l["x"] * l["b"], lambda d: d["x"] * d["b"]),
    "div": (lambda l: l["x"] / (2 + l["y"]), lambda d: d["x"] / (2 + d["y"])),
    "rdiv": (lambda l: 1 / (2 + l["y"] - l["x"]), lambda d: 1 / (2 + d["y"] - d["x"])),
    "neg": (lambda l: -(l["x"] - l["y"]), lambda d: -(d["x"] - d["y"])),
    "pow2": (lambda l: (l["x"] - l["y"]) ** 2, lambda d: (d["x"] - d["y"]) ** 2),
    "pow3": (lambda l: (l["x"] - l["y"]) ** 3, lambda d: (d["x"] - d["y"]) ** 3),
    "pow_half": (lambda l: (l["x"] - l["y"]).abs() ** 0.5, lambda d: np.abs(d["x"] - d["y"]) ** 0.5),
    "pow_mhalf": (lambda l: (1 + l["x"] - l["y"]).abs() ** -0.5,
                  lambda d: rsqrt(np.abs(1 + d["x"] - d["y"]))),
    "powf": (lambda l: (l["x"] - l["y"]).abs() ** 1.7, lambda d: np.abs(d["x"] - d["y"]) ** 1.7),
    "powf_lazy": (lambda l: l["p"] ** (l["x"] * l["y"]), lambda d: d["p"] ** (d["x"] * d["y"])),
    "lt": (lambda l: l["x"] < l["y"], lambda d: (d["x"] < d["y"]) * 1.0),
    "le": (lambda l: l["x"] <= l["y"], lambda d: (d["x"] <= d["y"]) * 1.0),
    "gt": (lambda l: l["x"] > l["y"], lambda d: (d["x"] > d["y"]) * 1.0),
    "ge": (lambda l: l["x"] >= l["y"], lambda d: (d["x"] >= d["y"]) * 1.0),
    "eq": (lambda l: ((3 * l["x"]).floor() == (3 * l["y"]).floor()),
           lambda d: (np.floor(3 * d["x"]) == np.floor(3 * d["y"])) * 1.0),
    "ne": (lambda l: l["x"] != l["y"], lambda d: (d["x"] != d["y"]) * 1.0),
    "scalprod": (lambda l: l["x"] | l["y"], lambda d: (d["x"] * d["y"]).sum(-1, keepdims=True)),
    "exp": (lambda l: (l["x"] - l["y"]).exp(), lambda d: np.exp(d["x"] - d["y"])),
    "log": (lambda l: (2 + l["x"] - l["y"]).log(), lambda d: np.log(2 + d["x"] - d["y"])),
    "sin": (lambda l: (l["x"] * l["y"]).sin(), lambda d: np.sin(d["x"] * d["y"])),
    "cos": (lambda l: (l["x"] * l["y"]).cos(), lambda d: np.cos(d["x"] * d["y"])),
    "asin": (lambda l: (l["x"] * l["y"]).asin(), lambda d: np.arcsin(d["x"] * d["y"])),
    "acos": (lambda l: (l["x"] * l["y"]).acos(), lambda d: np.arccos(d["x"] * d["y"])),
    "atan": (lambda l: (l["x"] - l["y"]).atan(), lambda d: np.arctan(d["x"] - d["y"])),
    "atan2": (lambda l: l["x"].atan2(l["y"]), lambda d: np.arctan2(d["x"], d["y"])),
    "sqrt": (lambda l: (l["x"] - l["y"]).abs().sqrt(), lambda d: np.sqrt(np.abs(d["x"] - d["y"]))),
    "rsqrt": (lambda l: (1 + l["x"] * l["y"]).rsqrt(), lambda d: rsqrt(1 + d["x"] * d["y"])),
    "abs": (lambda l: abs(l["x"] - l["y"]), lambda d: np.abs(d["x"] - d["y"])),
    "sign": (lambda l: (l["x"] - l["y"]).sign(), lambda d: np.sign(d["x"] - d["y"])),
    "step": (lambda l: (l["x"] - l["y"]).step(), lambda d: (d["x"] - d["y"] >= 0) * 1.0),
    "relu": (lambda l: (l["x"] - l["y"]).relu(), lambda d: np.maximum(d["x"] - d["y"], 0)),
    "square": (lambda l: (l["x"] - l["y"]).square(), lambda d: (d["x"] - d["y"]) ** 2),
    "inv": (lambda l: (3 + l["x"] - l["y"]).inv(), lambda d: 1 / (3 + d["x"] - d["y"])),
    "floor": (lambda l: (3 * l["x"] - l["y"]).floor(), lambda d: np.floor(3 * d["x"] - d["y"])),
    "round": (lambda l: (3 * l["x"] * l["y"]).round(1), lambda d: keops_round(3 * d["x"] * d["y"], 1)),
    "xlogx": (lambda l: (l["x"] - l["y"]).abs().xlogx(),
              lambda d: np.abs(d["x"] - d["y"]) * np.log(np.abs(d["x"] - d["y"]))),
    "sinxdivx": (lambda l: (3 * l["x"] - l["y"]).sinxdivx(), lambda d: sinxdivx(3 * d["x"] - d["y"])),
    "clamp": (lambda l: l["x"].clamp(-0.3, l["y"] + 1.5),
              lambda d: np.minimum(np.maximum(d["x"], -0.3), d["y"] + 1.5)),
    "clampint": (lambda l: (4 * l["x"] - l["y"]).clampint(-1, 2),
                 lambda d: np.clip(4 * d["x"] - d["y"], -1, 2)),
    "ifelse": (lambda l: (l["x"] - l["y"]).ifelse(l["x"], l["y"] * 2),
               lambda d: np.where(d["x"] - d["y"] >= 0, d["x"], d["y"] * 2)),
    "mod": (lambda l: (3 * l["x"] * l["y"]).mod(0.7, 0.1),
            lambda d: 3 * d["x"] * d["y"] - 0.7 * np.floor((3 * d["x"] * d["y"] - 0.1) / 0.7)),
    "sqnorm2": (lambda l: (l["x"] - l["y"]).sqnorm2(), lambda d: SQ(d["x"] - d["y"])),
    "norm2": (lambda l: (l["x"] - l["y"]).norm2(), lambda d: np.sqrt(SQ(d["x"] - d["y"]))),
    "normalize": (lambda l: (l["x"] - l["y"]).normalize(),
                  lambda d: (d["x"] - d["y"]) / np.sqrt(SQ(d["x"] - d["y"]))),
    "sqdist": (lambda l: l["x"].sqdist(l["y"]), lambda d: SQ(d["x"] - d["y"])),
    "weightedsqnorm": (lambda l: (l["x"] - l["y"]).weightedsqnorm(l["p"]),
                       lambda d: (d["p"] * (d["x"] - d["y"]) ** 2).sum(-1, keepdims=True)),
    "weightedsqdist": (lambda l: l["x"].weightedsqdist(l["y"], l["p"]),
                       lambda d: (d["p"] * (d["x"] - d["y"]) ** 2).sum(-1, keepdims=True)),
    "elem": (lambda l: (l["x"] * l["y"]).elem(1), lambda d: (d["x"] * d["y"])[..., 1:2]),
    "extract": (lambda l: (l["x"] - l["y"]).extract(1, 2), lambda d: (d["x"] - d["y"])[..., 1:3]),
    "concat": (lambda l: l["x"].concat(l["b"]),
               lambda d: np.concatenate(np.broadcast_arrays(d["x"], d["b"])[:1] +
                                        [np.broadcast_to(d["b"], (N, M, 1))], -1)),
    "one_hot": (lambda l: (2 * l["b"] + 2 + (l["x"].elem(0) - l["x"].elem(0))).one_hot(4),
                lambda d: one_hot(np.broadcast_to(2 * d["b"] + 2, (N, M, 1)), 4)),
    "matvecmult": (lambda l: l["a"].matvecmult(l["y"]), lambda d: matvec(d["a"], d["y"])),
    "vecmatmult": (lambda l: l["y"].vecmatmult(l["a"]), lambda d: vecmat(d["y"], d["a"])),
    "tensorprod": (lambda l: l["x"].tensorprod(l["y"]),
                   lambda d: np.einsum("...a,...b->...ab", *np.broadcast_arrays(d["x"], d["y"]))
                   .reshape(N, M, D * D)),
    "tensordot": (lambda l: l["a"].tensordot(l["y"], (3, 3), (3,), (1,), (0,)),
                  lambda d: np.einsum("...ab,...b->...a", d["a"].reshape(N, 1, 3, 3), d["y"])),
    "feature_sum": (lambda l: (l["x"] * l["y"]).sum(-1), lambda d: (d["x"] * d["y"]).sum(-1, keepdims=True)),
    "feature_max": (lambda l: (l["x"] - l["y"]).max(-1), lambda d: (d["x"] - d["y"]).max(-1, keepdims=True)),
    "feature_min": (lambda l: (l["x"] - l["y"]).min(-1), lambda d: (d["x"] - d["y"]).min(-1, keepdims=True)),
    "feature_argmax": (lambda l: (l["x"] - l["y"]).argmax(-1),
                       lambda d: (d["x"] - d["y"]).argmax(-1)[..., None] * 1.0),
    "feature_argmin": (lambda l: (l["x"] - l["y"]).argmin(-1),
                       lambda d: (d["x"] - d["y"]).argmin(-1)[..., None] * 1.0),
    "transpose": (lambda l: (l["x"] - l["y"]).t().t(), lambda d: d["x"] - d["y"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_method(front, dtype, rng, name):
    arrays = dense(rng)
    lazy_fn, dense_fn = CASES[name]
    got = front.to_numpy(lazy_fn(lazy(front, arrays, dtype)).sum(dim=1))
    ref = np.broadcast_to(dense_fn(npd(arrays)), (N, M, got.shape[-1])).sum(1)
    tol = tolerance(dtype)
    if dtype == "float32" and name in ("floor", "round", "sign", "step", "clampint", "one_hot", "mod"):
        tol = dict(rtol=1e-3, atol=1.0)  # float32 rounding may move a discontinuity
    np.testing.assert_allclose(got, ref, **tol)


def test_reductions_both_axes(front, dtype, rng):
    arrays = dense(rng)
    l, d = lazy(front, arrays, dtype), npd(arrays)
    dist = SQ(d["x"] - d["y"])[..., 0]  # (N, M)
    for axis in (0, 1):
        e = l["x"].sqdist(l["y"])
        tol = tolerance(dtype)
        check = lambda got, ref: np.testing.assert_allclose(front.to_numpy(got), ref, **tol)
        check(e.sum(dim=axis), dist.sum(axis)[:, None])
        check(e.sum(axis=axis), dist.sum(axis)[:, None])
        check(e.min(dim=axis), dist.min(axis)[:, None])
        check(e.max(dim=axis), dist.max(axis)[:, None])
        np.testing.assert_array_equal(front.to_numpy(e.argmin(dim=axis)), dist.argmin(axis)[:, None])
        np.testing.assert_array_equal(front.to_numpy(e.argmax(dim=axis)), dist.argmax(axis)[:, None])
        values, indices = e.min_argmin(dim=axis)
        check(values, dist.min(axis)[:, None])
        np.testing.assert_array_equal(front.to_numpy(indices), dist.argmin(axis)[:, None])
        values, indices = e.max_argmax(dim=axis)
        check(values, dist.max(axis)[:, None])
        np.testing.assert_array_equal(front.to_numpy(indices), dist.argmax(axis)[:, None])
        ordered = np.sort(dist, axis=axis)
        ordered = ordered[:3] if axis == 0 else ordered[:, :3]
        check(e.Kmin(3, dim=axis), ordered.T if axis == 0 else ordered)
        order = np.argsort(dist, axis=axis, kind="stable")
        order = order[:3].T if axis == 0 else order[:, :3]
        np.testing.assert_array_equal(front.to_numpy(e.argKmin(3, dim=axis)), order)
        values, indices = e.Kmin_argKmin(3, dim=axis)
        np.testing.assert_array_equal(front.to_numpy(indices), order)
        check((-e).logsumexp(dim=axis), np.log(np.exp(-dist).sum(axis))[:, None])
        w = np.exp(-dist)
        bb = arrays["b"][:, 0]
        if axis == 1:
            check((-e).logsumexp(dim=1, weight=l["b"].exp()), np.log(w @ np.exp(bb))[:, None])
            check((-e).sumsoftmaxweight(l["b"], dim=1), ((w @ bb) / w.sum(1))[:, None])


def test_batched_lazytensor(front, dtype, rng):
    x = rng.standard_normal((2, 1, 4, 1, 3))
    y = rng.standard_normal((1, 3, 1, 5, 3))
    LT = front.module.LazyTensor
    xi, yj = LT(front.array(x, dtype)), LT(front.array(y, dtype))
    assert xi.shape == (2, 1, 4, 1, 3)
    k = (-((xi - yj) ** 2).sum(-1)).exp()
    assert k._shape == (2, 3, 4, 5, 1) and k.shape == (2, 3, 4, 5)
    got = front.to_numpy(k.sum(dim=3))  # over j, batch dims first
    ref = np.exp(-((x - y) ** 2).sum(-1)).sum(3)[..., None]
    assert got.shape == (2, 3, 4, 1)
    np.testing.assert_allclose(got, ref, **tolerance(dtype))
    np.testing.assert_allclose(front.to_numpy(k.sum(dim=-2)), ref, **tolerance(dtype))


def test_vi_vj_pm(front, dtype, rng):
    arrays = dense(rng)
    m = front.module
    x, y, p = (front.array(arrays[k], dtype) for k in "xyp")
    got = front.to_numpy((m.Vi(x) * m.Pm(p) - m.Vj(y)).sqnorm2().sum(dim=1))
    ref = (((arrays["x"][:, None] * arrays["p"] - arrays["y"][None]) ** 2).sum(-1)).sum(1)[:, None]
    np.testing.assert_allclose(got, ref, **tolerance(dtype))
    got = front.to_numpy((m.Vi(x) * m.Pm(2.0)).sqdist(m.Vj(y)).sum(dim=1))
    ref = ((2 * arrays["x"][:, None] - arrays["y"][None]) ** 2).sum(-1).sum(1)[:, None]
    np.testing.assert_allclose(got, ref, **tolerance(dtype))


def test_reduction_out(front, dtype, rng):
    arrays = dense(rng)
    l = lazy(front, arrays, dtype)
    out = front.array(np.zeros((N, 1)), dtype)
    got = l["x"].sqdist(l["y"]).sum(dim=1, out=out)
    assert got is out
    np.testing.assert_allclose(front.to_numpy(out),
                               SQ(npd(arrays)["x"] - npd(arrays)["y"])[..., 0].sum(1)[:, None],
                               **tolerance(dtype))


def test_repeated_reductions_reuse_a_plan_and_stay_right(front, rng):
    """A reduction of the same structure on arrays of the same layouts
    runs the plan of the first call (pykeops' dummy axes kept, no formula
    text made again); new data, new numbers, batch dimensions, a strided
    array, other shapes and arrays that need gradients all still give the
    reference."""
    LT = front.module.LazyTensor
    plans = LT._lazy_plans
    plans.clear()

    def gaussian(x, y, b, scale):
        x_i, y_j, b_j = LT(x[..., :, None, :]), LT(y[..., None, :, :]), LT(b[..., None, :, :])
        return ((-((x_i - y_j) ** 2).sum(-1) * scale).exp() * b_j).sum(dim=x.ndim - 1)

    def reference(x, y, b, scale):
        d = ((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1)
        return np.exp(-d * scale) @ b

    cases = []
    for shape_x, shape_y, scale in [((5, 3), (7, 3), 0.5), ((5, 3), (7, 3), 2.0),
                                    ((6, 3), (4, 3), 1.0), ((2, 5, 3), (2, 7, 3), 0.7)]:
        x, y = rng.standard_normal(shape_x), rng.standard_normal(shape_y)
        b = rng.standard_normal(shape_y[:-1] + (2,))
        cases.append((x, y, b, scale))
    for _ in range(3):
        for x, y, b, scale in cases:
            got = gaussian(*(front.array(a, "float32") for a in (x, y, b)), scale)
            np.testing.assert_allclose(front.to_numpy(got), reference(x, y, b, scale),
                                       rtol=2e-5, atol=1e-6)
    # One plan per layout: the scale is a number parameter, not part of the plan.
    assert len(plans) == 3
    x, y, b, scale = cases[0]
    wide = front.array(np.repeat(x, 2, axis=0), "float32")[::2]
    got = gaussian(wide, front.array(y, "float32"), front.array(b, "float32"), scale)
    np.testing.assert_allclose(front.to_numpy(got), reference(x, y, b, scale), rtol=2e-5,
                               atol=1e-6)
    assert len(plans) == 3  # a strided array is copied, by the unplanned call
    if front.name == "torch":
        import torch
        xt = torch.tensor(x, requires_grad=True)
        gaussian(xt, torch.tensor(y), torch.tensor(b), scale).sum().backward()
        assert xt.grad is not None and len(plans) == 3
