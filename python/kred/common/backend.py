"""What kred needs from an array library; kred.numpy and kred.torch each
provide one. Arrays cross to the native module without copies when they are
C-contiguous with a supported dtype; otherwise they are made so, once."""

import os

from .. import _kred


RANGES_NAMES = ("ranges_i", "slices_i", "redranges_j", "ranges_j", "slices_j",
                "redranges_i")


def gpu_simulated():
    """Whether backend="GPU" runs host arrays on kred's SIMT simulator
    (KRED_GPU=sim): the GPU target's kernels executed on the CPU, with a race
    checker; slow, for testing GPU code where there is no GPU."""
    return os.environ.get("KRED_GPU", "") == "sim"


# Calls with new shapes, dtypes or devices remembered per reduction.
MAX_PLANS = 64


class CallPlan:
    """What a call found out, for the next call with arrays of the same
    dtypes, shapes, devices and layouts: each array's batch-padded shape
    (None: as given; `padded` is None when no array needs one),
    `output_makers` (one zero-argument callable per output) and
    `make_outputs()`, which makes them all, and `launch(arrays)`, which runs
    the kernel on them (reading only their addresses where
    `addresses_only`); `single`: the result is the one output as made;
    `run(args)`: the whole call (Backend.plan_runner)."""
    __slots__ = ("padded", "copied", "output_makers", "make_outputs", "single", "launch",
                 "kernel", "addresses_only", "run")

    def __init__(self, padded, copied, output_makers, single, launch, addresses_only,
                 kernel):
        self.padded = padded if any(p is not None for p in padded) else None
        # The arrays that are made contiguous first (None: none).
        self.copied = copied if any(copied) else None
        self.output_makers, self.single = output_makers, single
        self.make_outputs = all_outputs(output_makers)
        self.launch, self.addresses_only, self.kernel = launch, addresses_only, kernel


def all_outputs(makers):
    """make() -> [each maker's output]."""
    if len(makers) == 1:
        (make_one,) = makers
        return lambda: [make_one()]
    return lambda: [make() for make in makers]


class Backend:
    array_name = "array"

    # Array-library specifics (overridden).
    def is_array(self, a): raise NotImplementedError
    def dtype_name(self, a): raise NotImplementedError
    def reshape(self, a, shape): raise NotImplementedError
    def contiguous(self, a): raise NotImplementedError
    def is_contiguous(self, a): raise NotImplementedError
    def output_makers(self, shapes, dtypes, like):
        """[make() -> a new array of this shape and dtype where `like` is
        (without keeping `like`)], one per output: a call's, and its plan's."""
        raise NotImplementedError
    def describe(self, a): raise NotImplementedError
    # For LazyTensor: arrays from Python numbers, coercion of the right
    # operand of K @ v, and complex arrays as interleaved (re, im) reals.
    def array(self, values, dtype): raise NotImplementedError
    def as_array(self, a): raise NotImplementedError
    def is_complex(self, a): raise NotImplementedError
    def view_as_real(self, a): raise NotImplementedError
    def view_as_complex(self, a): raise NotImplementedError
    def index_array(self, a, name, device="cpu"):
        """A block-sparse ranges array as contiguous int64 on `device`, where
        the other arrays are."""
        raise NotImplementedError
    def output_problem(self, a):
        """Why `a` cannot receive a result in place (besides its shape,
        dtype and layout), or None."""
        return None

    # For KernelSolve's iteration.
    def sum_rows(self, a): raise NotImplementedError  # over axis -2, kept
    def zeros_like(self, a): raise NotImplementedError
    def copy(self, a): raise NotImplementedError
    def all_finite(self, a): raise NotImplementedError
    def concat_columns(self, arrays): raise NotImplementedError
    def to_numpy(self, a): raise NotImplementedError
    def from_numpy(self, a, like): raise NotImplementedError

    # Where arrays live ("cpu", "cuda:N") and the GPU stream to launch on.
    def device_of(self, a): return "cpu"
    def stream(self, device): return 0

    def call_key(self, args, backend, device_id):
        """What a call's checks and kernel depend on (each array's dtype,
        shape, device and layout, the options), hashable, or None where it
        cannot be told cheaply (something that is not an array, an array a
        plan cannot take). In C: _kred.array_call_key, tensor_call_key."""
        raise NotImplementedError

    # (array type, {dtype: name}) of the arrays that LazyNode makes leaves
    # of in C, and whose layouts LazyTensor plans hold (_kred.plan_layout:
    # where a plan can pass them as they are); (None, {}): none.
    leaf_arrays = (None, {})

    def call(self, genred, args, out, ranges=None, backend="auto", device_id=-1, key=None):
        arrays, dtype, batch = genred._check_arguments(args)
        if ranges is not None and batch:
            raise ValueError("block-sparse ranges take arrays without batch dimensions "
                             "(as in KeOps): stack the batch entries along the i and j "
                             "axes and give block-diagonal ranges instead")
        home, device = self._devices(arrays, backend, device_id)
        kernel, output_specs = genred._kernel(dtype, batch, ranges is not None, device)
        shapes, dtypes = genred._output_shapes(kernel, arrays, output_specs)
        if out is None:
            makers = self.output_makers(shapes, dtypes, arrays[0] if arrays else None)
            outputs = [make() for make in makers]
        else:
            outputs = self._given_outputs(out, shapes, dtypes)
        ranges = [] if ranges is None else [self.index_array(r, name, home) for r, name
                                            in zip(ranges, RANGES_NAMES)]
        self._run(kernel, arrays + outputs + ranges, home, device)
        # (Only without out=; none for the simulated GPU, a switch of tests
        # that a plan, shared by Genreds built alike, would outlive.)
        if key is not None and device != "gpu-sim":
            if len(genred._plans) >= MAX_PLANS:  # shapes that keep changing
                genred._plans.clear()
            plan = CallPlan(
                [tuple(a.shape) if a.ndim != given.ndim else None
                 for a, given in zip(arrays, args)],
                [not self.is_contiguous(given) for given in args],
                makers, len(outputs) == 1 and genred.k is None,
                *self._launcher(kernel, arrays + outputs, home, device), kernel)
            plan.run = self.plan_runner(genred, plan)
            genred._plans[key] = plan
        return self._results(genred, outputs)

    def _launcher(self, kernel, arrays, home, device):
        """(launch(arrays) for arrays laid out as these, whether it reads
        only their addresses)."""
        return (lambda arrays: self._run(kernel, arrays, home, device)), False

    def plan_runner(self, genred, plan):
        """run(args) -> the result of a call with this plan: where the arrays
        go to the kernel as given and make one output, without the steps
        run_plan would skip (small calls are dominated by Python steps)."""
        if plan.single and plan.copied is None and \
                (plan.padded is None or plan.addresses_only):
            if isinstance(plan.launch, _kred.AddressLaunch):  # all in C
                return _kred.AddressLaunch(plan.launch, plan.output_makers[0])
            make_outputs, launch = plan.make_outputs, plan.launch

            def run(args):
                outputs = make_outputs()
                launch([*args, *outputs])
                return outputs[0]
            return run
        return lambda args: self.run_plan(genred, plan, args)

    def run_plan(self, genred, plan, args):
        """A call with a plan: the arrays only need the copies and batch
        padding the plan names."""
        arrays = args if plan.copied is None else [
            self.contiguous(a) if copy else a for a, copy in zip(args, plan.copied)]
        if plan.padded is not None and not plan.addresses_only:
            arrays = [a if shape is None else self.reshape(a, shape)
                      for a, shape in zip(arrays, plan.padded)]
        outputs = plan.make_outputs()
        plan.launch([*arrays, *outputs])
        return outputs[0] if plan.single else self._results(genred, outputs)

    @staticmethod
    def _results(genred, outputs):
        outputs = genred._postprocess(outputs)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def _devices(self, arrays, backend, device_id):
        """Where the arrays are and where the kernel runs (the native
        module's choice, from pykeops' backend and device_id)."""
        return _kred.choose_device([self.device_of(a) for a in arrays], backend,
                                   device_id, gpu_simulated())

    def _run(self, kernel, arrays, home, device):
        if home == device:
            kernel.run([self.describe(a) for a in arrays], stream=self.stream(device))
        elif home == "cpu":
            kernel.run([self.describe(a) for a in arrays], host_arrays=True)
        else:
            raise ValueError(f"the arrays are on {home} but the kernel runs on {device}; "
                             "move them (or pass device_id to match)")

    def _given_outputs(self, out, shapes, dtypes):
        """out=, checked: the arrays the results are written into."""
        given = list(out) if isinstance(out, (tuple, list)) else [out]
        if len(given) != len(shapes):
            raise ValueError(f"out must hold {len(shapes)} array(s) for this reduction, "
                             f"got {len(given)}")
        for o, s, d in zip(given, shapes, dtypes):
            if not self.is_array(o):
                raise TypeError(f"out must be a {self.array_name}, got {type(o).__name__}")
            if tuple(o.shape) != s or self.dtype_name(o) != d:
                raise ValueError(f"out must have shape {s} and dtype {d}, got shape "
                                 f"{tuple(o.shape)} and dtype {self.dtype_name(o)}")
            problem = self.output_problem(o)
            if problem:
                raise ValueError(f"out {problem}")
            if not self.is_contiguous(o):
                raise ValueError("out must be C-contiguous (the result is written in "
                                 "place); got a non-contiguous array")
        return given
