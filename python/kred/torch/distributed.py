"""One kernel reduction over many processes, on torch.distributed.

Every rank of a process group calls the reduction with its own shard of each
variable: i-variables are its rows of the output axis, j-variables its part
of the reduced axis (shards may differ in size, and be empty), parameters are
the same everywhere. Each rank gets its rows of the result: the rows one
process would compute over the shards concatenated in rank order, indices
(ArgMin, ArgKMin, ...) as positions on the whole reduced axis.

The reduced axis' shards travel around the ring of ranks (the next block is
sent and received while the current one is reduced); each rank keeps the
partial state of its rows and merges the blocks' states with the kind's own
combine (C++: _kred.PartialStates), then finalizes once. Memory per rank:
its shards and one block in flight.

    kred.torch.distributed.Genred(formula, aliases, reduction_op, axis, group=None)
    with kred.torch.distributed.sharded(group): ...   # LazyTensor reductions
    kred.torch.distributed.KernelSolve(formula, aliases, varinvalias, axis, group=None)

Gradients are those of the sum over ranks of each rank's loss: an
i-variable's stays local, a j-shard's is collected around the ring by the
transposed gradient reduction, a parameter's is summed over ranks. Every rank
must call each reduction, and backward, in the same order (as with any
collective).
"""

import contextlib
import hashlib
import time

import torch

from ..common.genred import REDUCTIONS, GenredBase
from . import ComplexLazyTensor, Genred as LocalGenred, KernelSolve as LocalKernelSolve, \
    LazyTensor, TorchBackend
from .ring import Ring


class Genred(LocalGenred):
    """pykeops' Genred, sharded over the ranks of `group` (the default group
    when None); see the module's documentation."""

    default_group = None  # set by sharded()
    _plans_are_calls = False  # its plans are the local parts of a ring's steps
    _shares_derived = False  # its gradients and variants hold its group

    def __init__(self, *args, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group if group is not None else type(self).default_group

    def variant(self, reduction_op):
        derived = super().variant(reduction_op)
        derived.group = self.group
        return derived

    def _derived(self, formula, axis):
        derived = super()._derived(formula, axis)
        derived.group = self.group
        return derived

    def _call(self, args, options, out=None):
        if options.get("ranges") is not None:
            raise ValueError("block-sparse ranges are not supported by sharded reductions "
                             "in this version of kred; reduce without ranges, or with "
                             "kred.torch.Genred on one process")
        with torch.no_grad():
            outputs = _RingReduction(self, args, options).run()
        if out is not None:
            given = out if isinstance(out, (tuple, list)) else [out]
            for o, result in zip(given, outputs):
                o.copy_(result)
            outputs = given
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def _total(self, t):
        return Ring(self.group).all_reduce(t)

    def _positions(self, size, like):
        ring = Ring(self.group)
        offset = sum(ring.all_gather_object(size)[:ring.rank])
        return torch.arange(offset, offset + size, dtype=like.dtype,
                            device=like.device).reshape(size, 1)

    def _fingerprint(self):
        """What every rank's reduction must share, as errors name it: the
        formula, or (for a gradient) its kernel's MLIR, hashed."""
        if "_description" not in self.__dict__:
            if self.formula is not None:
                extra = "".join(f", {name} {value!r}" for name, value in
                                (("K", self.k), ("formula2", self.formula2)) if value)
                self._description = (f"{self.reduction_op} over axis {self.axis} of "
                                     f"{self.formula!r}{extra} with "
                                     f"{'; '.join(self.alias_texts)}")
            else:
                text = self._formula.text()
                self._description = "a gradient reduction with MLIR hash " + \
                    hashlib.sha256(text.encode()).hexdigest()[:16]
        return self._description

    def _state_genred(self, states):
        """The local reduction giving a block's partial states: this one, or
        the kind's state kind (Min_ArgMin for ArgMin, Max_SumShiftExp for
        LogSumExp, ...)."""
        if states.state_kind == self.reduction_op:
            return self
        if "_state" not in self.__dict__:
            kind = REDUCTIONS[states.state_kind]
            weight = self.formula2 if kind.takes_weight else None
            if states.state_weight_leads_with_one:
                weight = f"Concat(IntCst(1), {weight})"
            self._state = LocalGenred(self.formula, self.alias_texts,
                                      reduction_op=kind.name, axis=self.axis,
                                      opt_arg=self.k if kind.takes_k else None,
                                      formula2=weight, **self.options)
        return self._state


class _RingReduction:
    """One call of a sharded reduction: checks that the ranks agree, passes
    the reduced axis' blocks around the ring and merges their states."""

    def __init__(self, genred, args, options):
        self.genred, self.options = genred, options
        self.ring = Ring(genred.group)
        self.arrays, self.dtype, self.batch = genred._check_arguments(args)
        reduced = "j" if genred.axis == 1 else "i"
        self.travelling = [k for k, a in enumerate(genred.arguments) if a.category == reduced]
        if not self.travelling:
            raise ValueError("a sharded reduction needs a variable of the reduced axis "
                             f"(V{reduced}) to shard it")
        self.sizes = self._agree()
        self.offsets = [sum(self.sizes[:r]) for r in range(self.ring.size)]
        self.states = genred.partial_states()
        self.state_genred = genred._state_genred(self.states)

    def _agree(self):
        """The reduced axis' length on every rank, after checking that all
        ranks call the same reduction with matching arrays."""
        mine = {"the reduction": self.genred._fingerprint(), "the dtype": self.dtype}
        for k, (arg, a) in enumerate(zip(self.genred.arguments, self.arrays)):
            shape = tuple(a.shape)
            if arg.category == "param":
                values = a.detach().to("cpu").contiguous().numpy().tobytes()
                mine[f"parameter {arg.name}"] = (shape, hashlib.sha256(values).hexdigest())
            else:
                mine[f"argument {arg.name}"] = shape[:-2] + shape[-1:]
        size = self.arrays[self.travelling[0]].shape[-2]
        gathered = self.ring.all_gather_object((mine, size))
        for rank, (theirs, _) in enumerate(gathered):
            for key, value in mine.items():
                if theirs.get(key) != value:
                    raise ValueError(
                        f"kred.torch.distributed: the ranks call different reductions: "
                        f"{key} is {value} on rank {self.ring.rank} but {theirs.get(key)} "
                        f"on rank {rank} (shards differ only in their row counts)")
        return [s for _, s in gathered]

    def run(self):
        home, device = self.genred.backend._devices(self.arrays, self.options["backend"],
                                                    self.options["device_id"])
        kernel, specs = self.state_genred._kernel(self.dtype, self.batch, False, device)
        shapes, _ = self.state_genred._output_shapes(kernel, self.arrays, specs)
        rows_shape = shapes[0][:-1]  # (batch..., rows)
        total = self.states.identity(_count(rows_shape))
        block, owner = [self.arrays[k] for k in self.travelling], self.ring.rank
        compute = waiting = 0.0
        for step in range(self.ring.size):
            wait = None
            if step + 1 < self.ring.size:
                incoming = (owner - 1) % self.ring.size
                wait = self.ring.pass_on(block, [_with_rows(b, self.sizes[incoming])
                                                 for b in block])
            start = time.perf_counter()
            if self.sizes[owner] and _count(rows_shape):
                self.states.combine(total, self._block_states(block, owner))
            compute += time.perf_counter() - start
            if wait is not None:
                start = time.perf_counter()
                block, owner = wait(), incoming
                waiting += time.perf_counter() - start
        # What bench/distributed.py reports of the last call.
        self.genred.last_call = {"bytes_sent": self.ring.bytes_sent, "compute_s": compute,
                                 "wait_s": waiting}
        return self._finalize(total, rows_shape, home)

    def _block_states(self, block, owner):
        arrays = list(self.arrays)
        for k, b in zip(self.travelling, block):
            arrays[k] = b
        outputs = GenredBase.__call__(self.state_genred, *arrays, **self.options)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        flat = [o.reshape(-1, width).to("cpu", torch.float64).numpy()
                for o, width in zip(outputs, self.states.state_output_dims)]
        return self.states.pack(flat, self.offsets[owner])

    def _finalize(self, total, rows_shape, home):
        like = self.arrays[0]
        outputs = []
        for values, (dim, is_index) in zip(self.states.finalize(total), self.states.outputs):
            dtype = torch.int64 if is_index else like.dtype
            outputs.append(torch.from_numpy(values).to(home if home != "cpu" else "cpu",
                                                       dtype).reshape(rows_shape + (dim,)))
        return self.genred._postprocess(outputs)


def _count(shape):
    count = 1
    for n in shape:
        count *= n
    return count


def _with_rows(a, rows):
    return tuple(a.shape[:-2]) + (rows, a.shape[-1])


class _ShardedRowsBackend(TorchBackend):
    """Torch arrays whose rows are spread over the ranks: sums over rows
    (KernelSolve's dot products) are summed over ranks."""

    def __init__(self, group):
        self.group = group

    def sum_rows(self, a):
        return Ring(self.group).all_reduce(a.sum(-2, keepdim=True))


class KernelSolve(LocalKernelSolve):
    """pykeops' KernelSolve with its rows sharded over the ranks of `group`:
    each rank passes its rows of every variable (the same rows of the i and
    j axes: the system is square) and gets its rows of the solution.
    Conjugate gradients with the product by the sharded reduction and dot
    products summed over ranks; precond="jacobi" distributes (a row's
    diagonal is local), "nystrom" is refused."""

    genred_class = Genred
    _iterates_in_c = False  # its dot products are summed over the ranks

    def __init__(self, *args, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        if group is not None:
            self.genred.group = group
        self.genred.backend = _ShardedRowsBackend(self.genred.group)
        self._local_arguments = (args, kwargs)

    def _preconditioner(self, args, call, options):
        # A row's diagonal entry is local: Jacobi's is computed by one
        # process, with a solver of its own (made when first needed).
        if "_local" not in self.__dict__:
            local_args, local_kwargs = self._local_arguments
            self._local = LocalKernelSolve(*local_args, **local_kwargs)
        return self._local._preconditioner(args, call, options)

    def _solve(self, args, call, x0, options):
        if options["precond"] == "nystrom":
            raise ValueError("precond='nystrom' is not supported by the sharded "
                             "KernelSolve (its landmarks span every rank); use "
                             "precond='jacobi' or None")
        if options["maxiter"] is None:
            # Every rank must iterate alike: the default from the global rows.
            rows = Ring(self.genred.group).all_gather_object(args[self.position].shape[-2])
            options = dict(options, maxiter=max(2 * sum(rows), 100))
        return super()._solve(args, call, x0, options)


# The classes sharded() gives LazyTensor, per group: LazyTensor's cache of
# reductions is keyed by them.
_SHARDED_CLASSES = {}


@contextlib.contextmanager
def sharded(group=None):
    """Inside, LazyTensor reductions (and K.solve) are sharded over `group`:
    each rank's LazyTensors hold its shards (see the module's documentation)."""
    if group not in _SHARDED_CLASSES:
        genred = type("Genred", (Genred,), {"default_group": group})
        _SHARDED_CLASSES[group] = (genred, type("KernelSolve", (KernelSolve,),
                                                {"genred_class": genred}))
    genred, solver = _SHARDED_CLASSES[group]
    classes = (LazyTensor, ComplexLazyTensor)
    saved = [(c.genred_class, c.solver_class) for c in classes]
    try:
        for c in classes:
            c.genred_class, c.solver_class = genred, solver
        yield
    finally:
        for c, (g, s) in zip(classes, saved):
            c.genred_class, c.solver_class = g, s


__all__ = ["Genred", "KernelSolve", "sharded"]
