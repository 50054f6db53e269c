"""kred for torch tensors (CPU), with pykeops.torch's API: Genred,
LazyTensor, ComplexLazyTensor, Vi, Vj, Pm, generic_sum, generic_logsumexp,
generic_argmin, generic_argkmin. Gradients are not supported yet: a
backward pass through a kred reduction raises an error."""

import torch

from ..common.backend import Backend
from ..common.generic import make_generic
from ..common.genred import GenredBase
from ..common.complex_lazy_tensor import make_lazy_tensor_classes
from ..common.lazy_tensor import make_variables

_DTYPES = {torch.float16: "float16", torch.bfloat16: "bfloat16",
           torch.float32: "float32", torch.float64: "float64",
           torch.int64: "int64"}
_TORCH_DTYPES = {name: dtype for dtype, name in _DTYPES.items()}


class _NoGradient(torch.autograd.Function):
    """Connects outputs to the inputs that require grad, and refuses to
    differentiate."""

    @staticmethod
    def forward(ctx, output, *inputs):
        return output.view_as(output)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("kred: gradients of kernel reductions are not supported "
                           "yet (symbolic differentiation is a later issue); compute "
                           "the reduction under torch.no_grad() or detach its inputs")


class TorchBackend(Backend):
    array_name = "torch.Tensor"

    def is_array(self, a):
        return isinstance(a, torch.Tensor)

    def dtype_name(self, a):
        return _DTYPES.get(a.dtype, str(a.dtype).replace("torch.", ""))

    def reshape(self, a, shape):
        return a.reshape(shape)

    def contiguous(self, a):
        if a.device.type != "cpu":
            raise ValueError(f"kred.torch runs on CPU tensors; got a tensor on "
                             f"{a.device} (GPU support arrives with the GPU backend)")
        return a.detach().contiguous()

    def is_contiguous(self, a):
        return a.is_contiguous() and a.device.type == "cpu"

    def empty(self, shape, dtype, like):
        return torch.empty(shape, dtype=_TORCH_DTYPES[dtype])

    def describe(self, a):
        return (a.data_ptr(), self.dtype_name(a), tuple(a.shape), a.stride(),
                str(a.device))

    def array(self, values, dtype):
        return torch.tensor(values, dtype=_TORCH_DTYPES[dtype])

    def as_array(self, a):
        return a if isinstance(a, torch.Tensor) else torch.as_tensor(a)

    def is_complex(self, a):
        return isinstance(a, torch.Tensor) and a.is_complex()

    def view_as_real(self, a):
        return torch.view_as_real(a.contiguous()).reshape(
            tuple(a.shape[:-1]) + (2 * a.shape[-1],))

    def view_as_complex(self, a):
        return torch.view_as_complex(
            a.contiguous().reshape(tuple(a.shape[:-1]) + (a.shape[-1] // 2, 2)))

    def guard_gradients(self, outputs, inputs):
        if not torch.is_grad_enabled():
            return outputs
        needs = [a for a in inputs if isinstance(a, torch.Tensor) and a.requires_grad]
        if not needs:
            return outputs
        return [o if not o.is_floating_point() else _NoGradient.apply(o, *needs)
                for o in outputs]


class Genred(GenredBase):
    __doc__ = GenredBase.__doc__
    backend = TorchBackend()


LazyTensor, ComplexLazyTensor = make_lazy_tensor_classes(TorchBackend(), Genred)

Var, Vi, Vj, Pm = make_variables(LazyTensor)

generic_sum, generic_logsumexp, generic_argmin, generic_argkmin = make_generic(Genred)

__all__ = ["Genred", "LazyTensor", "ComplexLazyTensor", "Vi", "Vj", "Pm",
           "generic_sum", "generic_logsumexp", "generic_argmin", "generic_argkmin"]
