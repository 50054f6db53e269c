"""Genred: a KeOps formula, aliases and a reduction, compiled by kred and
called on arrays. Backend-independent: kred.numpy and kred.torch give it a
Backend (backend.py) for their array type."""

from dataclasses import dataclass
from types import SimpleNamespace

from .. import _kred

# The reduction kinds' records (dialect/KredReductions.td), by pykeops name
# and older names: name, num_outputs, with_values, with_indices, takes_k,
# takes_weight, weighted_kind (pykeops spells it with formula2 under this
# name), indexed_kind, gradient_partial, gradient_reads_argmax.
REDUCTIONS = {name: SimpleNamespace(**record)
              for name, record in _kred.reductions().items()}
_SUM_SCHEMES = {"auto": "", "direct_sum": "direct", "block_sum": "block",
                "kahan_scheme": "kahan", "direct": "direct", "block": "block",
                "kahan": "kahan"}
FLOAT_DTYPES = _kred.float_dtypes()


@dataclass(frozen=True)
class Argument:
    """One array a formula takes: its name in messages, its category ("i",
    "j" or "param") and its last dimension."""
    name: str
    category: str
    dim: int

    @property
    def kind(self):
        return {"i": "Vi", "j": "Vj", "param": "Pm"}[self.category]

    @property
    def rows(self):
        return 0 if self.category == "param" else 1


_ROLES = {"i": "i", "j": "j", "param": "param"}


def _signature(signature):
    """The arguments of a kernel (its native signature), in position order,
    and the dimensions of its outputs."""
    arguments, output_dims = [], []
    for position, a in enumerate(signature):
        if a["role"] == "output":
            output_dims.append(a["dim"])
            continue
        name = a["name"] if not a["name"].startswith("input #") else f"#{position}"
        # A variable the formula does not read is still passed, as a
        # parameter of its dimension.
        arguments.append(Argument(name, _ROLES.get(a["role"], "param"), a["dim"]))
    return arguments, output_dims


# pykeops' GPU backend names; kred picks its own scheme, and copies host
# arrays to the device whatever the _host/_device suffix says.
GPU_BACKENDS = ("GPU", "GPU_1D", "GPU_2D", "GPU_1D_host", "GPU_1D_device", "GPU_2D_host",
                "GPU_2D_device", "gpu")


def options_text(compile_options):
    """The code generator's options (kred-cpu-pipeline's, or
    kred-gpu-pipeline's for a GPU: the flags kred-opt and kred-run take), as
    a "name=value ..." string; from None, a string or a dict."""
    if compile_options is None:
        return ""
    if isinstance(compile_options, str):
        return compile_options
    if isinstance(compile_options, dict):
        def value(v):
            return str(v).lower() if isinstance(v, bool) else str(v)
        return " ".join(f"{name}={value(v)}" for name, v in compile_options.items())
    raise TypeError("compile_options must be a dict or a 'name=value ...' string, got "
                    f"{type(compile_options).__name__}")


def check_call_options(backend, device_id, ranges):
    """pykeops' call options: backend "auto" (where the arrays are), "CPU"
    or "GPU" (also "GPU_1D", "GPU_2D": kred chooses its own scheme), a
    device id (-1: the arrays' GPU, else 0) and block-sparse ranges (six
    arrays)."""
    if backend not in ("auto", "CPU", "cpu") + GPU_BACKENDS:
        raise ValueError(f"backend must be 'auto', 'CPU' or 'GPU' (pykeops' 'GPU_1D', "
                         f"'GPU_2D' and their _host/_device forms are taken as 'GPU'), "
                         f"got {backend!r}")
    if isinstance(device_id, bool) or not isinstance(device_id, int):
        raise TypeError(f"device_id must be an integer, got {device_id!r}")
    if ranges is not None and (not isinstance(ranges, (tuple, list)) or len(ranges) != 6):
        raise ValueError("ranges must be KeOps' six arrays (ranges_i, slices_i, "
                         "redranges_j, ranges_j, slices_j, redranges_i), as "
                         "kred.numpy.cluster.from_matrix returns them; got "
                         f"{type(ranges).__name__}")


# Genreds built with the same arguments share what the first one made (its
# attributes: the native formula, kernels and call plans): code that builds
# a Genred for each call, as pykeops' examples do, checks, imports and plans
# once (N = M = 100, a new Genred and its first call on a Zen 4: 73-144 us
# -> 18 us; pykeops 2.3 114-220 us).
_BUILT = {}
MAX_BUILT = 256


class GenredBase:
    """A generic reduction; see kred.numpy.Genred for the arguments."""

    backend = None  # set by the subclasses of kred.numpy / kred.torch
    # Whether Genreds built alike share their gradient and variant
    # reductions too (not where those carry an instance's own state).
    _shares_derived = True

    def __init__(self, formula, aliases, reduction_op="Sum", axis=0, dtype=None,
                 opt_arg=None, formula2=None, cuda_type=None, dtype_acc="auto",
                 use_double_acc=False, sum_scheme="auto", enable_chunks=True,
                 rec_multVar_highdim=None, use_fast_math=True, compile_options=None):
        arguments = (formula, aliases, reduction_op, axis, dtype, opt_arg, formula2,
                     dtype_acc, use_double_acc, sum_scheme, use_fast_math, compile_options)
        try:
            # opt_arg's type too: True equals 1, but is no K.
            key = (type(self), tuple(aliases) if type(aliases) is list else aliases,
                   type(opt_arg)) + arguments[:1] + arguments[2:]
            built = _BUILT.get(key)
        except TypeError:  # an unhashable argument (compile_options as a dict)
            key = built = None
        if built is not None:
            self.__dict__.update(built)
            return
        self._build(*arguments)
        if key is not None:
            if len(_BUILT) >= MAX_BUILT:
                _BUILT.clear()
            _BUILT[key] = dict(self.__dict__)

    def _build(self, formula, aliases, reduction_op, axis, dtype, opt_arg, formula2,
               dtype_acc, use_double_acc, sum_scheme, use_fast_math, compile_options):
        """Checks the arguments and makes the native formula."""
        if not isinstance(formula, str):
            raise TypeError(f"formula must be a string, got {type(formula).__name__}")
        if formula2 is not None and not isinstance(formula2, str):
            raise TypeError(f"formula2 must be a string, got {type(formula2).__name__}")
        if reduction_op not in REDUCTIONS:
            raise ValueError(f"reduction_op {reduction_op!r} is unknown; expected one of "
                             + ", ".join(REDUCTIONS))
        kind = REDUCTIONS[reduction_op]
        if kind.weighted_kind and formula2 is not None:
            kind = REDUCTIONS[kind.weighted_kind]
        reduction_op, needs_weight = kind.name, kind.takes_weight
        if needs_weight and formula2 is None:
            raise ValueError(f"reduction_op {reduction_op!r} needs the weight formula "
                             "formula2")
        if not needs_weight and formula2 is not None:
            raise ValueError(f"reduction_op {reduction_op!r} takes no formula2")
        if axis not in (0, 1):
            raise ValueError(f"axis must be 0 (reduce over i) or 1 (reduce over j), "
                             f"got {axis!r}")
        if kind.takes_k:
            if not isinstance(opt_arg, int) or isinstance(opt_arg, bool) or opt_arg < 1:
                raise ValueError(f"reduction_op {reduction_op!r} needs opt_arg = K, an "
                                 f"integer >= 1, got {opt_arg!r}")
        elif opt_arg is not None:
            raise ValueError(f"reduction_op {reduction_op!r} takes no opt_arg")
        if sum_scheme not in _SUM_SCHEMES:
            raise ValueError(f"sum_scheme {sum_scheme!r} is unknown; expected one of "
                             + ", ".join(_SUM_SCHEMES))
        if dtype_acc not in ("auto", "float32", "float64"):
            raise ValueError(f"dtype_acc {dtype_acc!r} is unknown; expected 'auto', "
                             "'float32' or 'float64'")
        is_sum = reduction_op == "Sum"
        self.acc_type = "float64" if use_double_acc else ("" if dtype_acc == "auto" else dtype_acc)
        self.sum_scheme = _SUM_SCHEMES[sum_scheme]
        if not is_sum:
            self.acc_type = self.sum_scheme = ""
        if dtype is not None and dtype not in FLOAT_DTYPES:
            raise ValueError(f"dtype {dtype!r} is unknown; expected one of "
                             + ", ".join(FLOAT_DTYPES))

        if isinstance(aliases, str):
            aliases = [aliases]
        for text in aliases:
            if not isinstance(text, str):
                raise TypeError(f"aliases must be strings like 'X = Vi(3)', got {text!r}")
        self.alias_texts = list(aliases)
        self.formula, self.formula2 = formula, formula2
        self.reduction_op, self.axis, self.k = reduction_op, axis, opt_arg
        self.num_outputs, self.has_indices = kind.num_outputs, kind.with_indices
        self.use_fast_math = bool(use_fast_math)
        self.compile_options = options_text(compile_options)
        # What a derived reduction (a gradient) is built with.
        self.options = {"dtype_acc": dtype_acc, "use_double_acc": use_double_acc,
                        "sum_scheme": sum_scheme, "use_fast_math": use_fast_math,
                        "compile_options": compile_options}
        # The formula crosses to C++ here, once; its import now says which
        # arrays it takes (aliases and inline variables such as
        # Var(3, 1, 1)), and a malformed formula fails here, with the
        # position of the error.
        self._formula = _kred.Formula(formula, self.alias_texts, reduction_op, axis,
                                      opt_arg, formula2, self.acc_type, self.sum_scheme)
        self._kernels, self._plans, self._last_kernel = {}, {}, None
        self.arguments, self.output_dims = _signature(
            self._formula.signature(dtype or "float32"))
        if type(self)._shares_derived:  # gradient() and variant()'s reductions
            self._gradients, self._variants = {}, {}

    def _derived(self, formula, axis):
        """The Sum reduction over `axis` of this class whose kernel is the
        native `formula` (a gradient of this one)."""
        derived = type(self).__new__(type(self))
        derived._formula, derived.axis = formula, axis
        derived.formula = derived.formula2 = derived.k = derived.alias_texts = None
        derived.reduction_op, derived.num_outputs, derived.has_indices = "Sum", 1, False
        derived.options, derived.use_fast_math = self.options, self.use_fast_math
        derived.compile_options = self.compile_options
        derived._kernels, derived._plans, derived._last_kernel = {}, {}, None
        derived.arguments, derived.output_dims = _signature(formula.signature())
        return derived

    def gradient(self, ks):
        """The Sum reduction giving d/d(arguments ks) <e, this reduction>, the
        gradients concatenated, built by kred-reduction-gradient (cached).
        It takes this reduction's arguments, the cotangent e, then what the
        kind needs of the forward pass (see gradient_extras). The arguments
        ks must all be variables of the reduced axis, or none."""
        ks = tuple(ks)
        cache = self.__dict__.setdefault("_gradients", {})
        if ks not in cache:
            reduced = "j" if self.axis == 1 else "i"
            transposed = any(self.arguments[k].category == reduced for k in ks)
            try:
                cache[ks] = self._derived(self._formula.gradient(list(ks)),
                                          1 - self.axis if transposed else self.axis)
            except ValueError as e:
                names = ", ".join(self.arguments[k].name for k in ks)
                raise ValueError(f"{self.reduction_op} reduction of {self.formula!r}: "
                                 f"no gradient with respect to {names}: {e}") from None
        return cache[ks]

    def gradient_extras(self, ks):
        """The names of the arrays gradient(ks) takes after this reduction's
        arguments: e, then result / indices / positions / partial."""
        return [a.name for a in self.gradient(ks).arguments[len(self.arguments):]]

    def partial_states(self):
        """This reduction's partial states, combine and finalize
        (_kred.PartialStates, the kind's C++ definition), made once."""
        states = self.__dict__.get("_partial_states")
        if states is None:
            states = self._partial_states = _kred.PartialStates(
                self.reduction_op, self.output_dims, self.k or 1)
        return states

    def variant(self, reduction_op):
        """This formula under another reduction (cached), with formula2 if
        that reduction takes one."""
        cache = self.__dict__.setdefault("_variants", {})
        if reduction_op not in cache:
            kind = REDUCTIONS[reduction_op]
            k = self.k if kind.takes_k else None
            weight = self.formula2 if kind.takes_weight else None
            cache[reduction_op] = type(self)(self.formula, self.alias_texts,
                                             reduction_op=reduction_op, axis=self.axis,
                                             opt_arg=k, formula2=weight, **self.options)
        return cache[reduction_op]

    def _kernel(self, dtype, batch, ranges=False, device="cpu"):
        key = (dtype, batch, ranges, device)
        entry = self._kernels.get(key)
        if entry is None:
            kernel = self._formula.compile(dtype, batch, ranges,
                                           fast_math=self.use_fast_math, device=device,
                                           pipeline_options=self.compile_options)
            outputs = [(s["dim"], s["dtype"]) for s in kernel.signature
                       if s["role"] == "output"]
            entry = self._kernels[key] = (kernel, outputs)
        self._last_kernel = entry[0]
        return entry

    def __call__(self, *args, backend="auto", device_id=-1, ranges=None, out=None):
        key = None
        if ranges is None and out is None:
            # A call like an earlier one (dtypes, shapes, devices, layouts):
            # its checks, kernel and output shapes are known (a CallPlan).
            key = self.backend.call_key(args, backend, device_id)
            plan = self._plans.get(key)
            if plan is not None:
                self._last_kernel = plan.kernel
                return plan.run(args)
        check_call_options(backend, device_id, ranges)
        return self.backend.call(self, args, out, ranges, backend, device_id, key)

    def _postprocess(self, outputs):
        """pykeops' output shapes: K values per row become (..., rows, K, D)
        when the formula has D > 1 components (kept (..., rows, K) for D = 1)."""
        if self.k is None:
            return outputs
        shaped = []
        for o in outputs:
            dim = o.shape[-1] // self.k
            shaped.append(o if dim == 1 else
                          self.backend.reshape(o, tuple(o.shape[:-1]) + (self.k, dim)))
        return shaped

    def _check_arguments(self, args):
        """Validated (by the native module: count, dtype, shapes),
        contiguous, batch-padded arrays, their dtype and the number of batch
        dimensions."""
        be = self.backend
        given = [(be.dtype_name(a), tuple(a.shape)) if be.is_array(a) else None
                 for a in args]
        try:
            dtype, batch = _kred.check_arguments(self._argument_rows, given,
                                                 be.array_name)
        except TypeError as e:
            if "must be a" not in str(e):
                raise
            bad = next(a for a, g in zip(args, given) if g is None)
            raise TypeError(f"{e}, got {type(bad).__name__}") from None
        arrays = []
        for arg, a in zip(self.arguments, args):
            missing = batch - (a.ndim - arg.rows - 1)
            if missing:
                a = be.reshape(a, (1,) * missing + tuple(a.shape))
            arrays.append(be.contiguous(a))
        return arrays, dtype, batch

    @property
    def _argument_rows(self):
        """(name, category, dim) of each argument, for the native checks."""
        rows = self.__dict__.get("_rows")
        if rows is None:
            rows = self._rows = [(a.name, a.category, a.dim) for a in self.arguments]
        return rows

    def _output_shapes(self, kernel, arrays, outputs):
        """Shapes (checked by the native module: batch broadcasting, rows
        along i and j) and dtypes of the outputs."""
        shapes = kernel.output_shapes([tuple(a.shape) for a in arrays])
        return shapes, [dtype for _, dtype in outputs]
