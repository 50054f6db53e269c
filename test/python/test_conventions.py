"""The matrix and tensor operations follow KeOps 2.3's documented layouts.
Each reference is a NumPy einsum written from KeOps' documentation (vectors
hold matrices and tensors row-major, "C-contiguous"), on non-square shapes
where row- and column-major differ."""

import numpy as np
import pytest

from conftest import tolerance

N, M = 5, 7


def reduce_sum(front, formula, aliases, a, b, dtype):
    f = front.module.Genred(formula, aliases, reduction_op="Sum", axis=1)
    return front.to_numpy(f(front.array(a, dtype), front.array(b, dtype)))


def pairs(a, b):
    """(N, M, ...) views of a_i and b_j."""
    return (np.broadcast_to(a[:, None], (N, M) + a.shape[1:]),
            np.broadcast_to(b[None, :], (N, M) + b.shape[1:]))


# KeOps: MatVecMult(A, b), A of size n*p read as an n x p matrix, b of size p.
def matvecmult(A, b, n, p):
    return np.einsum("ijrc,ijc->ijr", A.reshape(N, M, n, p), b)


# KeOps: VecMatMult(b, A), b of size n, A an n x p matrix: b^T A.
def vecmatmult(b, A, n, p):
    return np.einsum("ijr,ijrc->ijc", b, A.reshape(N, M, n, p))


# KeOps: TensorProd(a, b) = a b^T, of size n*p.
def tensorprod(a, b):
    return np.einsum("ija,ijb->ijab", a, b).reshape(N, M, -1)


# KeOps: TensorDot(a, b, dims_a, dims_b, cont_a, cont_b[, perm]): tensordot of
# the tensors, kept axis k of the result moved to position perm[k].
def tensordot(a, b, dims_a, dims_b, cont_a, cont_b, perm=None):
    out = []
    for i in range(N):
        for j in range(M):
            t = np.tensordot(a[i, j].reshape(dims_a), b[i, j].reshape(dims_b),
                             (cont_a, cont_b))
            if perm is not None:
                t = np.transpose(t, np.argsort(perm))
            out.append(t.ravel())
    return np.array(out).reshape(N, M, -1)


# KeOps: Kron(a, b, dims_a, dims_b) = np.kron of the tensors, flattened.
def kron(a, b, dims_a, dims_b):
    out = [np.kron(a[i, j].reshape(dims_a), b[i, j].reshape(dims_b)).ravel()
           for i in range(N) for j in range(M)]
    return np.array(out).reshape(N, M, -1)


CASES = {
    # name: (formula, dim A, dim B, reference over (a_ij, b_ij))
    "matvecmult": ("MatVecMult(A, B)", 6, 2, lambda a, b: matvecmult(a, b, 3, 2)),
    "vecmatmult": ("VecMatMult(B, A)", 6, 2, lambda a, b: vecmatmult(b, a, 2, 3)),
    "tensorprod": ("TensorProd(A, B)", 3, 2, tensorprod),
    "tensordot": ("TensorDot(A, B, (2, 3), (3, 2), (1,), (0,))", 6, 6,
                  lambda a, b: tensordot(a, b, (2, 3), (3, 2), [1], [0])),
    "tensordot_two_axes": ("TensorDot(A, B, [2, 3, 2], [3, 2], [1, 2], [0, 1])", 12, 6,
                           lambda a, b: tensordot(a, b, (2, 3, 2), (3, 2), [1, 2], [0, 1])),
    "tensordot_outer_permuted": ("TensorDot(A, B, [2, 3], [4], [], [], [2, 0, 1])", 6, 4,
                                 lambda a, b: tensordot(a, b, (2, 3), (4,), [], [],
                                                        [2, 0, 1])),
    "tensordot_permuted": ("TensorDot(A, B, [2, 3], [3, 2, 2], [1], [0], [1, 2, 0])", 6, 12,
                           lambda a, b: tensordot(a, b, (2, 3), (3, 2, 2), [1], [0],
                                                  [1, 2, 0])),
    "kron": ("Kron(A, B, [2, 3], [2, 1])", 6, 2, lambda a, b: kron(a, b, (2, 3), (2, 1))),
}


@pytest.mark.parametrize("name", list(CASES))
def test_formula_layouts(front, dtype, name):
    formula, da, db, reference = CASES[name]
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((N, da)), rng.standard_normal((M, db))
    got = reduce_sum(front, formula, [f"A = Vi({da})", f"B = Vj({db})"], a, b, dtype)
    np.testing.assert_allclose(got, reference(*pairs(a, b)).sum(1), **tolerance(dtype))


def test_lazytensor_methods(front, dtype):
    """The LazyTensor methods build the same operations."""
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((N, 6)), rng.standard_normal((M, 2))
    c, d = rng.standard_normal((M, 3)), rng.standard_normal((M, 4))
    LT = front.module.LazyTensor
    la, lb = LT(front.array(a, dtype)[:, None]), LT(front.array(b, dtype)[None])
    lc, ld = LT(front.array(c, dtype)[None]), LT(front.array(d, dtype)[None])
    A, B = pairs(a, b)
    C, Dd = pairs(a, c)[1], pairs(a, d)[1]
    check = lambda lazy, ref: np.testing.assert_allclose(
        front.to_numpy(lazy.sum(dim=1)), ref.sum(1), **tolerance(dtype))
    check(la.matvecmult(lb), matvecmult(A, B, 3, 2))
    check(lb.vecmatmult(la), vecmatmult(B, A, 2, 3))
    check(lb.tensorprod(la), tensorprod(B, A))
    check(la.keops_tensordot(lc, (2, 3), (3,), (1,), (0,)), tensordot(A, C, (2, 3), (3,), [1], [0]))
    check(la.keops_tensordot(ld, (2, 3), (4,), (), (), (2, 0, 1)),
          tensordot(A, Dd, (2, 3), (4,), [], [], [2, 0, 1]))
    check(la.keops_kron(lb, (2, 3), (2, 1)), kron(A, B, (2, 3), (2, 1)))
