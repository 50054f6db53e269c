"""Preconditioners of KernelSolve's conjugate gradient, built from entries
of K that the solver's own Sum reduction computes with the rows as a batch
dimension (no new formula):
- jacobi: divides by the diagonal of alpha * Id + K;
- nystrom: a randomized Nystrom approximation of K from its columns at m
  landmark rows (see _nystrom). For smooth kernels the preconditioned
  system is well conditioned, so CG needs few iterations.
The small dense algebra runs in float64 NumPy."""

import numpy as np

PRECONDITIONERS = (None, "jacobi", "nystrom")
DEFAULT_LANDMARKS = 200
_UNIT_ROUNDOFF = {"float64": 2.0 ** -53, "float32": 2.0 ** -24, "float16": 2.0 ** -11,
                  "bfloat16": 2.0 ** -8}


def check_preconditioner(precond, landmarks, alpha):
    if precond not in PRECONDITIONERS:
        raise ValueError(f"precond must be None, 'jacobi' or 'nystrom', got {precond!r}")
    if landmarks is not None:
        if precond != "nystrom":
            raise ValueError("landmarks is an option of precond='nystrom'")
        if isinstance(landmarks, bool) or not isinstance(landmarks, int) or landmarks < 1:
            raise ValueError(f"landmarks must be an integer >= 1, got {landmarks!r}")
    if precond == "nystrom" and not alpha > 0:
        raise ValueError("precond='nystrom' needs alpha > 0 (it divides by alpha)")


def make_preconditioner(solver, args, call, options):
    """r -> P^-1 r for options["precond"], or None."""
    precond = options["precond"]
    if precond is None:
        return None
    be = solver.genred.backend
    if any(a.ndim != arg.rows + 1 for a, arg in zip(args, solver.genred.arguments)):
        raise ValueError(f"precond={precond!r} takes arrays without batch dimensions")
    if precond == "jacobi":
        inverse = 1 / (_diagonal(solver, args, call) + options["alpha"])
        return lambda r: r * inverse
    return _nystrom(solver, args, call, options, be)


def _unit_columns(solver, args, call, rows, d, diagonal):
    """K applied to the unit vectors e_(l, d) for l in `rows`, one batch
    entry per l, each reduced over that one row: (m, n, Dv) arrays of K's
    columns, or (m, 1, Dv) of its diagonal entries with `diagonal`."""
    be, genred = solver.genred.backend, solver.genred
    index = be.as_array(np.asarray(rows, dtype=np.int64))
    reduced = "j" if solver.axis == 1 else "i"
    arrays = []
    for k, (arg, a) in enumerate(zip(genred.arguments, args)):
        if k == solver.position:
            unit = be.zeros_like(a[index][:, None, :])
            unit[..., d] = 1
            arrays.append(unit)
        elif arg.category == reduced or (diagonal and arg.category != "param"):
            arrays.append(a[index][:, None, :])
        else:
            arrays.append(a[None])
    return genred(*arrays, **call)


def _diagonal(solver, args, call):
    b = args[solver.position]
    rows = range(b.shape[-2])
    be = solver.genred.backend
    return be.concat_columns([_unit_columns(solver, args, call, rows, d, True)[:, 0, d:d + 1]
                              for d in range(b.shape[-1])])


def _nystrom(solver, args, call, options, be):
    """The randomized Nystrom preconditioner of Frangella, Tropp and Udell
    (2021), with landmark columns as the sketch: Y = C + nu * Omega (a small
    shift for stability), B = Y chol(Omega^T Y)^-T = U Sigma V^T, Lambda =
    Sigma^2 - nu; P^-1 = (lambda_min + alpha) U (Lambda + alpha)^-1 U^T +
    (Id - U U^T). U is kept as Y R (R small), computed from the k x k
    matrix B^T B: no decomposition of a tall matrix."""
    b = args[solver.position]
    n, dims = b.shape[-2], b.shape[-1]
    m = min(n, options["landmarks"] or DEFAULT_LANDMARKS)
    landmarks = np.sort(np.random.default_rng(0).choice(n, m, replace=False))
    # y[(i, e), (l, d)] = K[(i, e), (landmark l, d)]
    y = np.stack([be.to_numpy(_unit_columns(solver, args, call, landmarks, d, False))
                  for d in range(dims)], axis=-1).astype(np.float64)
    k = m * dims
    y = y.transpose(1, 2, 0, 3).reshape(n * dims, k)
    sketch_rows = (landmarks[:, None] * dims + np.arange(dims)).reshape(k)
    # The shift covers the rounding of K's entries (computed in b's dtype);
    # doubled until the core is numerically positive definite.
    nu = np.sqrt(n * dims) * _UNIT_ROUNDOFF[be.dtype_name(b)] * np.linalg.norm(y)
    core = y[sketch_rows]
    core = (core + core.T) / 2
    for _ in range(60):
        try:
            chol_inverse = np.linalg.inv(np.linalg.cholesky(core + nu * np.eye(k)))
            break
        except np.linalg.LinAlgError:
            nu *= 2
    y[sketch_rows, np.arange(k)] += nu
    gram = chol_inverse @ (y.T @ y) @ chol_inverse.T
    squares, v = np.linalg.eigh((gram + gram.T) / 2)
    keep = squares > squares.max() * 1e-14
    sigma = np.sqrt(squares[keep])
    r = chol_inverse.T @ (v[:, keep] / sigma)
    lam = np.maximum(sigma ** 2 - nu, 0)
    alpha = options["alpha"]
    scale = (lam.min() + alpha) / (lam + alpha) - 1

    def apply(residual):
        flat = be.to_numpy(residual).astype(np.float64).reshape(n * dims)
        coefficients = r.T @ (y.T @ flat)
        flat = flat + y @ (r @ (scale * coefficients))
        return be.from_numpy(flat.reshape(n, dims), residual)
    return apply
