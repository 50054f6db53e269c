"""The reductions of a LazyTensor (sum, min, argKmin, logsumexp, ...), its
use as a linear operator (K @ v, K.t()), and the callable it becomes when
it holds symbolic variables. pykeops' keyword arguments are accepted by
every reduction: backend, device_id, ranges, out at call time; dtype_acc,
use_double_acc, sum_scheme, enable_chunks, use_fast_math for compilation."""

import re

from .. import _kred
from .aliases import CATEGORY_CODE
from .genred import check_call_options, options_text

_PLACEHOLDER = re.compile(r"V#(\d+)#")


def first_array_position(symbolic):
    """pykeops numbers the arrays after the symbolic variables."""
    return 1 + max(s[0] for s in symbolic) if symbolic else 0


def substitute_leaves(template, text_of_leaf):
    """The formula with each array placeholder V#key# replaced."""
    return _PLACEHOLDER.sub(lambda m: text_of_leaf(int(m.group(1))), template)
COMPILE_OPTIONS = ("dtype_acc", "use_double_acc", "sum_scheme", "enable_chunks",
                   "use_fast_math", "rec_multVar_highdim", "compile_options")
CALL_OPTIONS = ("backend", "device_id", "ranges", "out")


def _split_options(name, options):
    """(compile options, call options) of a reduction's keyword arguments."""
    if not options:
        return {}, {}
    unknown = sorted(set(options) - set(COMPILE_OPTIONS) - set(CALL_OPTIONS) - {"call"})
    if unknown:
        raise TypeError(f"{name} got unexpected keyword argument(s) {', '.join(unknown)}; "
                        "reductions take " + ", ".join(CALL_OPTIONS + COMPILE_OPTIONS))
    compile_options = {k: v for k, v in options.items() if k in COMPILE_OPTIONS}
    compile_options.pop("rec_multVar_highdim", None)
    if "compile_options" in compile_options:  # a string: hashable, for the cache key
        compile_options["compile_options"] = options_text(compile_options["compile_options"])
    call_options = {k: v for k, v in options.items() if k in CALL_OPTIONS}
    check_call_options(call_options.get("backend", "auto"),
                       call_options.get("device_id", -1), call_options.get("ranges"))
    return compile_options, call_options


# Reductions remembered per LazyTensor class (LazyPlan); a program that
# keeps making new structures starts again from empty.
MAX_LAZY_PLANS = 256


class LazyPlan:
    """A LazyTensor reduction done before, for a call of the same structure
    (formula, leaf categories, reduction) on arrays of the same dtypes,
    shapes and devices: the arrays as given (pykeops' dummy axes kept) go
    to the kernel its Genred call planned (a CallPlan whose launch reads
    only addresses), and numbers become arrays of `numbers_dtype`. Nothing
    is parsed, hashed as text or checked again."""
    __slots__ = ("plan", "is_complex", "library", "numbers_dtype")

    def __init__(self, plan, is_complex, library, numbers_dtype):
        self.plan = plan
        self.is_complex, self.library, self.numbers_dtype = is_complex, library, numbers_dtype

    def __call__(self, arrays):
        library = self.library
        if self.numbers_dtype is not None:
            arrays = [library.array(a, self.numbers_dtype) if type(a) is list else a
                      for a in arrays]
        result = self.plan.run(arrays)
        return _as_complex(result, library) if self.is_complex else result


class LazyReduction:
    """A reduction waiting for arrays: the result of reducing a LazyTensor
    that holds symbolic variables (LazyTensor((ind, dim, cat)), Vi(0, 3)),
    or of call=False. Calling it with the arrays of the symbolic variables,
    in index order, runs the reduction; keyword arguments are pykeops'."""

    def __init__(self, genred, leaves, call_options, is_complex, library):
        self.genred, self._leaves = genred, leaves
        self.kwargs, self.is_complex = call_options, is_complex
        self._library = library
        self._has_numbers = any(isinstance(leaf.array, list) for leaf in leaves)

    def __call__(self, *args, **kwargs):
        options = {**self.kwargs, **kwargs} if kwargs else self.kwargs
        arrays = [leaf.array for leaf in self._leaves]
        if self._has_numbers:
            dtype = next((self._library.dtype_name(a) for a in list(args) + arrays
                          if self._library.is_array(a)), None)
            arrays = _leaf_arrays(self._leaves, self._library, dtype)
        result = self.genred(*args, *arrays, **options)
        return _as_complex(result, self._library) if self.is_complex else result

    def __repr__(self):
        g = self.genred
        return (f"LazyReduction({g.reduction_op} over {'j' if g.axis == 1 else 'i'} of "
                f"{g.formula!r})")


def _single_array(lazy):
    """The array of a LazyTensor that is one i-variable (pykeops' Vi(b))."""
    leaves = list(lazy._leaves.values())
    if len(leaves) != 1 or leaves[0].category != "i" or \
            not lazy.formula_template.startswith("V#"):
        raise ValueError("K.solve takes b as an array, or a LazyTensor Vi(b) of one "
                         "array indexed by i")
    return leaves[0].array


def _leaf_arrays(leaves, library, dtype):
    """The arrays of the leaves; lists of numbers become arrays of `dtype`."""
    arrays = []
    for leaf in leaves:
        if isinstance(leaf.array, list):
            if dtype is None:
                raise ValueError("this reduction has only number parameters; pass at "
                                 "least one array so that its dtype is known")
            arrays.append(library.array(leaf.array, dtype))
        else:
            arrays.append(leaf.array)
    return arrays


def _as_complex(result, library):
    if isinstance(result, tuple):
        return tuple(library.view_as_complex(r) for r in result)
    return library.view_as_complex(result)


class ReductionMixin:
    """Reductions of GenericLazyTensor."""

    def _axis(self, dim, axis, name, features=False):
        """0 (over i), 1 (over j) or "features" (the last axis) from pykeops'
        axis/dim arguments: batch dims + 0 or 1, or the last axis."""
        if dim is None:
            dim = axis
        batch = len(self._sizes()[0])
        if dim is None:
            raise ValueError(f"{name} needs dim (or axis): {batch} reduces over "
                             f"i, {batch + 1} over j")
        rank = batch + 3
        if dim < 0:
            dim += rank
        if features and dim == rank - 1:
            return "features"
        if dim - batch in (0, 1):
            return dim - batch
        last = f" or {rank - 1} / -1 (the last axis)" if features else ""
        raise ValueError(f"{name}: dim must be {batch} (reduce over i) or "
                         f"{batch + 1} (over j){last} for this LazyTensor of "
                         f"{rank} dimensions, got {dim}")

    # _reduce(reduction, axis, k=None, weight=None, **options) is LazyNode's
    # (C): the plan of an identical earlier call, else _reduce_general.
    def _reduce_general(self, reduction, axis, k=None, weight=None, **options):
        call = options.pop("call", True)
        plan_key = None
        if call and not options:
            plan_key, arrays = self._plan_key(reduction, axis, k, weight)
            if plan_key is not None:
                plan = type(self)._lazy_plans.get(plan_key)
                if plan is not None:
                    return plan(arrays)
        if self.ranges is not None:
            options.setdefault("ranges", self.ranges)
        if self.backend is not None:
            options.setdefault("backend", self.backend)
        compile_options, call_options = _split_options(reduction, options)
        if self.is_complex and reduction != "Sum":
            raise ValueError(f"{reduction} of a complex LazyTensor is not defined; "
                             "complex LazyTensors are reduced by sums")
        weight = None if weight is None else self._wrap(weight)
        formula, formula2, aliases, leaves, symbolic = self._specification(weight)
        key = (self.genred_class, formula, formula2, tuple(aliases), reduction, axis, k,
               tuple(sorted(compile_options.items())) if compile_options else ())
        cache = type(self)._genred_cache
        genred = cache.get(key)
        if genred is None:
            genred = self.genred_class(formula, aliases, reduction_op=reduction,
                                       axis=axis, opt_arg=k, formula2=formula2,
                                       **compile_options)
            cache[key] = genred
        pending = LazyReduction(genred, list(leaves.values()), call_options,
                                self.is_complex, self.library)
        if symbolic or not call:
            return pending
        result = pending()
        if plan_key is not None:
            self._remember_plan(plan_key, pending)
        return result

    # _plan_key(reduction, axis, k, weight) -> (what a LazyPlan of this
    # reduction depends on, the leaves' arrays as given), or (None, None)
    # where there is no plan to make, is LazyNode's: the formula with its
    # leaves numbered in order and named by category ("i0", "j1"), the
    # arrays' layouts (_kred.plan_layout).

    def _remember_plan(self, plan_key, pending):
        """A LazyPlan from the call `pending` just made, where its Genred
        planned it without copying an array and its launch reads only
        addresses (the CPU): the arrays' dummy axes do not matter there."""
        leaves, genred, library = pending._leaves, pending.genred, self.library
        numbers_dtype = None
        if pending._has_numbers:
            numbers_dtype = next(library.dtype_name(leaf.raw) for leaf in leaves
                                 if type(leaf.raw) is not list)
        arrays = _leaf_arrays(leaves, library, numbers_dtype)
        call_plan = genred._plans.get(library.call_key(arrays, "auto", -1))
        if call_plan is None or call_plan.copied is not None or \
                not call_plan.addresses_only:
            return
        plans = type(self)._lazy_plans
        if len(plans) >= MAX_LAZY_PLANS:
            plans.clear()
        plans[plan_key] = call_plan.run if numbers_dtype is None and not self.is_complex \
            else LazyPlan(call_plan, self.is_complex, library, numbers_dtype)

    def _specification(self, weight=None):
        """(formula, formula2, aliases, leaves, symbolic variables) of this
        LazyTensor and an optional weight: the array at position P is the
        alias a_P = Var(P, ...), after the symbolic variables."""
        leaves, symbolic = self._leaves, self._symbolic
        if weight is not None:
            leaves = {**leaves, **weight._leaves}
            symbolic += tuple(s for s in weight._symbolic if s not in symbolic)
        first = first_array_position(symbolic)
        names = {key: f"a{first + n}" for n, key in enumerate(leaves)}
        formula = substitute_leaves(self.formula_template, names.__getitem__)
        formula2 = substitute_leaves(weight.formula_template, names.__getitem__) \
            if weight is not None else None
        aliases = [f"{names[key]} = Var({first + n}, {leaf.dim}, "
                   f"{CATEGORY_CODE[leaf.category]})"
                   for n, (key, leaf) in enumerate(leaves.items())]
        return formula, formula2, aliases, leaves, symbolic

    def solve(self, other, var=None, call=True, alpha=1e-10, eps=1e-6, maxiter=None,
              x0=None, precond=None, **options):
        """pykeops' K.solve(b, alpha=...): a with (alpha * Id + K) a = b,
        (K a)_i = sum_j K_ij a_j, by conjugate gradient (see KernelSolve for
        eps, maxiter, x0 and precond). b: an array (N,) or (..., N, E), or a
        Vi LazyTensor of one; K: scalar values, or E of them (each column its
        own kernel), symmetric positive semi-definite. Returns a, of b's
        shape."""
        if var is not None:
            raise NotImplementedError("K.solve(b, var=v) is not supported; solve the "
                                      "system with KernelSolve(formula, aliases, 'v')")
        if not call or self._symbolic or self.is_complex:
            raise ValueError("K.solve needs a real LazyTensor K without symbolic "
                             "variables, and call=True")
        if isinstance(other, ReductionMixin):  # a LazyTensor
            other = _single_array(other)
        b = self.library.as_array(other)
        shape = tuple(b.shape)
        if len(shape) == 0:
            raise ValueError("K.solve takes b of shape (N,) or (..., N, E), got a 0-d array")
        columns = (shape[0], 1) if len(shape) == 1 else shape
        if self._dim not in (1, columns[-1]):
            raise ValueError(f"K.solve: K has {self._dim} values per pair; expected 1 (a "
                             f"scalar kernel) or b's last dimension {columns[-1]}")
        b = b.reshape(columns)
        unknown = self.real_class(b, axis=1)
        formula, _, aliases, leaves, _ = (self * unknown)._specification()
        position = list(leaves).index(next(iter(unknown._leaves)))
        compile_options, call_options = _split_options("solve", options)
        call_options.pop("out", None)
        key = (self.solver_class, formula, tuple(aliases),
               tuple(sorted(compile_options.items())) if compile_options else ())
        cache = type(self)._genred_cache
        if key not in cache:
            cache[key] = self.solver_class(formula, aliases, f"a{position}", axis=1,
                                           **compile_options)
        arrays = _leaf_arrays(list(leaves.values()), self.library,
                              self.library.dtype_name(b))
        result = cache[key](*arrays, alpha=alpha, eps=eps, maxiter=maxiter, x0=x0,
                            precond=precond, **call_options)
        return result.reshape(shape)

    # Reductions, or the same operation over the features (axis -1), as
    # pykeops. sum(axis=-1, dim=None, **kw) is LazyNode's (C), which calls
    # _sum_general off its common path.
    def _sum_general(self, axis=-1, dim=None, **kw):
        a = self._axis(dim, axis, "sum", features=True)
        if a == "features":
            return self._feature_sum()
        return self._reduce("Sum", a, **kw)

    def _feature_sum(self):
        return self._unary("Sum", dim=1)

    def min(self, axis=-1, dim=None, **kw):
        return self._reduce_or_features("Min", "min", dim, axis, kw)

    def max(self, axis=-1, dim=None, **kw):
        return self._reduce_or_features("Max", "max", dim, axis, kw)

    def argmin(self, axis=-1, dim=None, **kw):
        return self._reduce_or_features("ArgMin", "argmin", dim, axis, kw)

    def argmax(self, axis=-1, dim=None, **kw):
        return self._reduce_or_features("ArgMax", "argmax", dim, axis, kw)

    def _reduce_or_features(self, reduction, name, dim, axis, options):
        """The reduction over i or j, or the feature op of the same name
        (Min, ArgMax, ...) over the last axis."""
        a = self._axis(dim, axis, name, features=True)
        if a == "features":
            return self._unary(reduction, dim=1)
        return self._reduce(reduction, a, **options)

    def __min__(self, **kw): return self.min(**kw)
    def __max__(self, **kw): return self.max(**kw)

    def Kmin(self, K, axis=None, dim=None, **kw):
        return self._reduce("KMin", self._axis(dim, axis, "Kmin"), k=K, **kw)

    def argKmin(self, K, axis=None, dim=None, **kw):
        return self._reduce("ArgKMin", self._axis(dim, axis, "argKmin"), k=K, **kw)

    def Kmin_argKmin(self, K, axis=None, dim=None, **kw):
        return self._reduce("KMin_ArgKMin", self._axis(dim, axis, "Kmin_argKmin"), k=K,
                            **kw)

    def Kmin_reduction(self, **kw): return self.Kmin(**kw)
    def argKmin_reduction(self, **kw): return self.argKmin(**kw)
    def Kmin_argKmin_reduction(self, **kw): return self.Kmin_argKmin(**kw)

    def logsumexp(self, axis=None, dim=None, weight=None, **kw):
        """log sum_j exp(self) (or weighted, log sum_j exp(self) weight)."""
        a = self._axis(dim, axis, "logsumexp")
        return self._reduce("LogSumExp", a, weight=weight, **kw)

    def logsumexp_reduction(self, **kw): return self.logsumexp(**kw)
    lse = logsumexp
    lse_reduction = logsumexp_reduction

    def sumsoftmaxweight(self, weight, axis=None, dim=None, **kw):
        """sum_j softmax_j(self) * weight."""
        return self._reduce("SumSoftMaxWeight", self._axis(dim, axis, "sumsoftmaxweight"),
                            weight=weight, **kw)

    def sumsoftmaxweight_reduction(self, **kw): return self.sumsoftmaxweight(**kw)

    @property
    def ranges(self):
        """The block-sparse pattern (KeOps' six arrays, see
        kred.numpy.cluster.from_matrix) that this LazyTensor's reductions use
        unless given ranges=; None: dense. Operations pass it on (operands
        with different patterns cannot be combined); K.t() swaps its axes."""
        return self._ranges

    @ranges.setter
    def ranges(self, value):
        check_call_options("auto", -1, value)
        self._ranges = None if value is None else tuple(value)

    # --- LazyTensors as linear operators ------------------------------------------
    def matmul(self, v, **kwargs):
        """K @ v: the kernel matrix-vector (or matrix-matrix) product.
        K's values must be scalars (trailing dimension 1, or one complex
        number); v is an array of shape (N,) or (..., N, E), N being K's
        number of columns. Returns an array of shape (M,) or (..., M, E).
        Keyword arguments are those of the reductions. For the product of
        matrices held in K's values, see matvecmult."""
        if isinstance(v, ReductionMixin):  # a LazyTensor
            raise TypeError("K @ v takes an array v; the product of the matrices held "
                            "in two LazyTensors is K.matvecmult(v)")
        scalar_dim = 2 if self.is_complex else 1
        if self._dim != scalar_dim:
            raise ValueError(f"K @ v needs a LazyTensor K whose trailing dimension is "
                             f"1 (a scalar kernel); here K.shape = {self.shape}. For the "
                             "product of the matrices held in K, use K.matvecmult(v)")
        v = self.library.as_array(v)
        shape = tuple(v.shape)
        if len(shape) == 0:
            raise ValueError("K @ v takes an array v of shape (N,) or (..., N, E), got a "
                             "0-d array")
        rows = shape[0] if len(shape) == 1 else shape[-2]
        if self.nj is not None and rows != self.nj:
            raise ValueError(f"K @ v: K has {self.nj} columns (N), but v has shape "
                             f"{shape}, with {rows} rows; expected shape (N,) or "
                             "(..., N, E)")
        # v as a j-variable, K * v summed over j. A real v is given with
        # axis=1 (no dummy axis to add and remove); a complex one is viewed
        # as (re, im) pairs from its (..., 1, N, E) form.
        if self.library.is_complex(v):
            columns = (1, rows, 1) if len(shape) == 1 else shape[:-2] + (1,) + shape[-2:]
            v = self.complex_class(v.reshape(columns))
        else:
            v = self.real_class(v, axis=1)
        result = (self * v)._reduce("Sum", 1, **kwargs)
        if isinstance(result, LazyReduction):
            return result
        return result.reshape(-1) if len(shape) == 1 else result

    def matvec(self, v):
        """K @ v, for scipy.sparse.linalg.aslinearoperator."""
        return self @ v

    def rmatvec(self, v):
        """K.T @ v, for scipy.sparse.linalg.aslinearoperator."""
        return self.T @ v

    def t(self):
        """Swaps the roles of i and j: K.t() has shape (..., N, M, D)."""
        node = _kred.LazyNode.__new__(type(self))
        leaves = {}
        for key, leaf in self._leaves.items():
            swapped = {"i": "j", "j": "i"}.get(leaf.category, leaf.category)
            leaves[key] = type(leaf)(swapped, leaf.array, leaf.dim, leaf.placeholder)
        swap = {0: 1, 1: 0, 2: 2}
        formula = re.sub(r"Var\((\d+),(\d+),([01])\)",
                         lambda m: f"Var({m.group(1)},{m.group(2)},"
                                   f"{swap[int(m.group(3))]})", self.formula_template)
        symbolic = [(s[0], s[1], swap[s[2]]) for s in self._symbolic]
        node._init_node(formula, self._dim, leaves, symbolic)
        if self.ranges is not None:
            node.ranges = (*self.ranges[3:6], *self.ranges[0:3])
        return node

    @property
    def T(self):
        return self.t()


def _axis_reduction(reduction, name):
    """pykeops' NAME(axis=None, dim=None, **options): a reduction over i
    (dim = batch dims) or j (batch dims + 1)."""
    def method(self, axis=None, dim=None, **options):
        return self._reduce(reduction, self._axis(dim, axis, name), **options)
    method.__name__ = name
    method.__doc__ = f"The {reduction} reduction over i or j."
    return method


for _name, _reduction in (("sum_reduction", "Sum"), ("min_reduction", "Min"),
                          ("max_reduction", "Max"), ("argmin_reduction", "ArgMin"),
                          ("argmax_reduction", "ArgMax"), ("min_argmin", "Min_ArgMin"),
                          ("max_argmax", "Max_ArgMax"),
                          ("min_argmin_reduction", "Min_ArgMin"),
                          ("max_argmax_reduction", "Max_ArgMax")):
    setattr(ReductionMixin, _name, _axis_reduction(_reduction, _name))
