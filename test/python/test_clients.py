"""Client libraries written for pykeops run unchanged on kred, through the
compatibility layer (build/compat: `pykeops`, `keopscore`): GeomLoss 0.3.1
and GPyTorch 1.11 (installed by make test into build/client-libs), and
Falkon's Genred calls. References are the libraries' own dense paths
(GeomLoss' backend="tensorized", GPyTorch's non-KeOps kernels) and, for
GeomLoss, pykeops 2.3's own numbers (keops_reference/geomloss.json)."""

import json
import os

import numpy as np
import pytest
import torch

import kred.torch

# make test installs the clients; elsewhere the tests skip unless asked not to.
REQUIRED = os.environ.get("KRED_REQUIRE_CLIENTS") == "1"


def client(name):
    if REQUIRED:
        return __import__(name)
    return pytest.importorskip(name)


def test_pykeops_resolves_to_kred():
    import keopscore
    import keopscore.config.config
    import pykeops
    import pykeops.numpy
    import pykeops.torch
    from pykeops.torch.cluster import from_matrix, grid_cluster  # noqa: F401

    assert "compat" in pykeops.__file__ and pykeops.__version__ == "2.3"
    assert pykeops.torch.LazyTensor is kred.torch.LazyTensor
    assert pykeops.torch.Genred is kred.torch.Genred
    assert pykeops.numpy.Genred is kred.numpy.Genred
    assert pykeops.torch.KernelSolve is kred.torch.KernelSolve
    # The settings clients read, in both generations of keopscore's API.
    gpu = bool(pykeops.config.gpu_available)
    assert keopscore.config.use_cuda is gpu and keopscore.config.config.use_cuda is gpu
    assert keopscore.config.cuda_config.get_use_cuda() is gpu
    assert pykeops.get_build_folder() == kred.get_cache_dir()
    assert pykeops.test_torch_bindings() and pykeops.test_numpy_bindings()


def test_pykeops_names_kred_lacks_raise_not_implemented():
    import pykeops
    import pykeops.numpy.utils
    import pykeops.torch.utils

    for missing in (pykeops.numpy.utils.np_kernel, pykeops.torch.utils.torch_kernel,
                    pykeops.pykeops_nvrtc_name):
        with pytest.raises(NotImplementedError, match=r"pykeops[\w.]+ is part of pykeops "
                                                      r"2\.3's API, but"):
            missing()
    for module in (pykeops, pykeops.numpy, pykeops.torch):
        for name in module.__all__ if hasattr(module, "__all__") else ():
            assert getattr(module, name) is not None


def test_set_build_folder_moves_the_kernel_cache(tmp_path):
    import pykeops

    before = os.environ.get("KRED_CACHE_DIR")
    try:
        pykeops.set_build_folder(str(tmp_path))
        assert pykeops.get_build_folder() == str(tmp_path)
        f = kred.torch.Genred("Exp(-SqDist(X, Y)) * B * 3",
                              ["X = Vi(2)", "Y = Vj(2)", "B = Vj(1)"], axis=1)
        f(*(torch.rand(4, d) for d in (2, 2, 1)))
        assert os.listdir(tmp_path)
        pykeops.clean_pykeops()
        assert not [p for p in tmp_path.iterdir() if p.is_file()]
    finally:
        pykeops.set_build_folder(before)


# --- GeomLoss -------------------------------------------------------------------
def exact_distances(geomloss):
    """GeomLoss' tensorized backend takes sqrt(max(D, 1e-8)): each zero
    distance becomes 1e-4. The exact reference takes the floor at 1e-300
    (gradient 0 below it, as KeOps' rsqrt(0) = 0 gives)."""
    utils = geomloss._legacy.utils

    def distances(x, y, use_keops=False):
        return torch.sqrt(torch.clamp_min(utils.squared_distances(x, y), 1e-300))
    return distances


@pytest.fixture
def geomloss(monkeypatch):
    geomloss = client("geomloss")
    import geomloss._legacy.kernel_samples as kernels
    import geomloss._legacy.sinkhorn_samples as sinkhorn
    exact = exact_distances(geomloss)
    monkeypatch.setattr(kernels, "distances", exact)
    monkeypatch.setattr(sinkhorn, "distances", exact)
    return geomloss


def loss_and_grad(geomloss, name, backend, x, y, **options):
    x = x.clone().requires_grad_(True)
    value = geomloss.SamplesLoss(name, backend=backend, **options)(x, y)
    (g,) = torch.autograd.grad(value.sum(), [x])
    return value.detach(), g


def clouds(n, m, batch=()):
    rng = np.random.default_rng(3)
    x, y = rng.random(batch + (n, 3)), rng.random(batch + (m, 3))
    y[..., :10, :] = x[..., :10, :]  # coincident points: the singular diagonal
    return torch.from_numpy(x), torch.from_numpy(y)


LOSSES = [("sinkhorn", {"p": 2, "blur": 0.05}, 1e-7), ("sinkhorn", {"p": 1, "blur": 0.05}, 1e-7),
          ("gaussian", {"blur": 0.5}, 1e-10), ("laplacian", {"blur": 0.5}, 1e-10),
          ("energy", {}, 1e-10)]


@pytest.mark.parametrize("name,options,rtol", LOSSES, ids=lambda v: str(v))
@pytest.mark.parametrize("batch", [(), (2,)], ids=["single", "batched"])
def test_geomloss_online_matches_tensorized(geomloss, name, options, rtol, batch):
    x, y = clouds(120, 90, batch)
    value, grad = loss_and_grad(geomloss, name, "online", x, y, **options)
    ref_value, ref_grad = loss_and_grad(geomloss, name, "tensorized", x, y, **options)
    assert torch.isfinite(grad).all()
    torch.testing.assert_close(value, ref_value, rtol=rtol, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=rtol, atol=1e-9)


def test_geomloss_multiscale_matches_tensorized(geomloss):
    """The multiscale backend anneals on clusters first, so it approaches
    the tensorized result only as its cells shrink; pykeops' own numbers
    are checked tightly below."""
    x, y = clouds(400, 300)
    options = {"p": 2, "blur": 0.05, "scaling": 0.8}
    value, grad = loss_and_grad(geomloss, "sinkhorn", "multiscale", x, y,
                                cluster_scale=0.05, truncate=None, **options)
    ref_value, ref_grad = loss_and_grad(geomloss, "sinkhorn", "tensorized", x, y, **options)
    torch.testing.assert_close(value, ref_value, rtol=2e-3, atol=0)
    assert (grad - ref_grad).norm() <= 1e-2 * ref_grad.norm()


def test_geomloss_as_pykeops():
    """Online and multiscale, value and gradient, against pykeops 2.3
    running the same GeomLoss calls (measure_pykeops.py)."""
    geomloss = client("geomloss")
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keops_reference")
    with open(os.path.join(here, "geomloss.json")) as f:
        reference = json.load(f)["cases"]
    x, y = (torch.tensor(reference[k], dtype=torch.float64) for k in ("x", "y"))
    for case in reference["losses"]:
        value, grad = loss_and_grad(geomloss, case["loss"], case["backend"], x, y,
                                    **case["options"])
        what = f"{case['loss']} {case['backend']} {case['options']}"
        assert value.item() == pytest.approx(case["value"], rel=1e-9), what
        np.testing.assert_allclose(grad.numpy(), case["grad_x"], rtol=1e-7, atol=1e-12,
                                   err_msg=what)


# --- GPyTorch -------------------------------------------------------------------
def gp_problem():
    rng = np.random.default_rng(5)
    x = rng.random((160, 2))
    x[7] = x[3]  # a repeated input: the distance 0 off the diagonal
    y = np.sin(6 * x[:, 0]) + 0.1 * rng.standard_normal(160)
    return torch.from_numpy(x), torch.from_numpy(y)


def gp_fit(gpytorch, kernel, x, y):
    """-MLL, its gradient with respect to every hyperparameter and the
    predictive mean, with the kernel in CG mode (N above max_cholesky_size)."""

    class GP(gpytorch.models.ExactGP):
        def __init__(self):
            super().__init__(x, y, gpytorch.likelihoods.GaussianLikelihood())
            self.mean = gpytorch.means.ConstantMean()
            self.cov = gpytorch.kernels.ScaleKernel(kernel)

        def forward(self, t):
            return gpytorch.distributions.MultivariateNormal(self.mean(t), self.cov(t))

    torch.manual_seed(0)  # the same probe vectors for both kernels
    model = GP().double()
    model.likelihood.noise = 0.5
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(model.likelihood, model)
    settings = [gpytorch.settings.max_cholesky_size(100), gpytorch.settings.cg_tolerance(1e-9),
                gpytorch.settings.eval_cg_tolerance(1e-9),
                gpytorch.settings.max_cg_iterations(1000)]
    for s in settings:
        s.__enter__()
    try:
        model.train()
        loss = -mll(model(x), y)
        names, params = zip(*model.named_parameters())
        grads = torch.autograd.grad(loss, params)
        model.eval()
        with torch.no_grad():
            mean = model(x[:15] + 0.01).mean
    finally:
        for s in reversed(settings):
            s.__exit__(None, None, None)
    return loss.detach(), dict(zip(names, grads)), mean


@pytest.mark.filterwarnings("ignore:CG terminated")
@pytest.mark.parametrize("kind", ["rbf", "matern0.5", "matern1.5", "matern2.5", "periodic"])
def test_gpytorch_keops_kernels_match_dense_ones(kind):
    gpytorch = client("gpytorch")
    from gpytorch.kernels import keops

    def kernels(module):
        if kind.startswith("matern"):
            return module.MaternKernel(nu=float(kind[6:]))
        return {"rbf": module.RBFKernel, "periodic": module.PeriodicKernel}[kind]()

    x, y = gp_problem()
    loss, grads, mean = gp_fit(gpytorch, kernels(keops), x, y)
    ref_loss, ref_grads, ref_mean = gp_fit(gpytorch, kernels(gpytorch.kernels), x, y)
    assert torch.isfinite(loss) and all(torch.isfinite(g).all() for g in grads.values())
    torch.testing.assert_close(loss, ref_loss, rtol=1e-7, atol=0)
    assert grads.keys() == ref_grads.keys() and len(grads) >= 4
    for name in grads:
        torch.testing.assert_close(grads[name], ref_grads[name], rtol=1e-5, atol=1e-7,
                                   msg=name)
    # The predictive mean comes from GPyTorch's CG solve, which stops near a
    # relative residual of 1e-6 whatever the tolerance asked for.
    torch.testing.assert_close(mean, ref_mean, rtol=1e-4, atol=1e-5)


# --- Falkon ---------------------------------------------------------------------
# Falkon's kernel-vector products (falkon/kernels: GaussianKernel,
# LaplacianKernel, MaternKernel, LinearKernel, PolynomialKernel), called as
# Falkon calls Genred: dtype_acc, sum_scheme, out=, backend="CPU".
FALKON = {
    "gaussian": ("Exp(IntInv(-2) * SqDist(x1 / g, x2 / g)) * v",
                 lambda d, p: np.exp(-0.5 * d ** 2)),
    "laplacian": ("Exp(-Sqrt(SqDist(x1 / g, x2 / g))) * v", lambda d, p: np.exp(-d)),
    "matern1.5": ("(IntCst(1) + Sqrt(IntCst(3)) * Norm2(x1 / g - x2 / g)) * "
                  "Exp(-Sqrt(IntCst(3)) * Norm2(x1 / g - x2 / g)) * v",
                  lambda d, p: (1 + np.sqrt(3) * d) * np.exp(-np.sqrt(3) * d)),
    "matern2.5": ("(IntCst(1) + Sqrt(IntCst(5)) * Norm2(x1 / g - x2 / g) + "
                  "IntInv(3) * IntCst(5) * SqNorm2(x1 / g - x2 / g)) * "
                  "Exp(-Sqrt(IntCst(5)) * Norm2(x1 / g - x2 / g)) * v",
                  lambda d, p: (1 + np.sqrt(5) * d + 5 / 3 * d ** 2) * np.exp(-np.sqrt(5) * d)),
}
DOT = {
    "linear": ("(IntCst(1) + g * (x1 | x2)) * v", lambda s, p: 1 + p * s),
    "polynomial": ("Powf((IntCst(1) + g * (x1 | x2)), IntCst(3)) * v",
                   lambda s, p: (1 + p * s) ** 3),
}


@pytest.mark.parametrize("kernel", list(FALKON) + list(DOT))
@pytest.mark.parametrize("dtype_acc,sum_scheme", [("auto", "auto"), ("float64", "block_sum"),
                                                  ("float32", "kahan_scheme"),
                                                  ("auto", "direct_sum")])
def test_falkon_style_genred(kernel, dtype_acc, sum_scheme):
    from pykeops.torch import Genred

    rng = np.random.default_rng(11)
    x1, x2, v = rng.random((70, 5)), rng.random((90, 5)), rng.standard_normal((90, 2))
    x2[:4] = x1[:4]
    distance_kernel = kernel in FALKON
    formula, dense = (FALKON if distance_kernel else DOT)[kernel]
    g = np.full(5, 0.7) if distance_kernel else np.array([0.3])
    aliases = ["x1 = Vi(5)", "x2 = Vj(5)", "v = Vj(2)", f"g = Pm({g.size})"]
    fn = Genred(formula, aliases, reduction_op="Sum", axis=1, dtype_acc=dtype_acc,
                sum_scheme=sum_scheme)
    out = torch.empty(70, 2, dtype=torch.float32)
    args = [torch.from_numpy(a).float() for a in (x1, x2, v, g)]
    result = fn(*args, out=out, backend="CPU", device_id=-1)
    assert result.data_ptr() == out.data_ptr()
    if distance_kernel:
        d = np.sqrt((((x1[:, None] - x2[None]) / g) ** 2).sum(-1))
        matrix = dense(d, g)
    else:
        matrix = dense(x1 @ x2.T, g[0])
    np.testing.assert_allclose(out.numpy(), matrix @ v, rtol=2e-5, atol=2e-5)


def test_the_compatibility_layer_is_its_own_distribution(tmp_path):
    """python/compat installs with pip (kred-pykeops) into an environment
    that has kred, and its pykeops is kred's."""
    import subprocess
    import sys

    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python",
                          "compat")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--disable-pip-version-check",
                    "--root-user-action=ignore", source], check=True, cwd=tmp_path)
    # kred itself comes from the build folder (an installed kred does too).
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(kred.__file__))}
    probe = ("import pykeops, keopscore, kred.torch, pykeops.torch; "
             "assert pykeops.torch.LazyTensor is kred.torch.LazyTensor; "
             "print(pykeops.__file__)")
    out = subprocess.run([python, "-c", probe], env=env, check=True, capture_output=True,
                         text=True, cwd=tmp_path).stdout
    assert out.startswith(str(venv))
