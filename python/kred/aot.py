"""Ahead-of-time kred kernel libraries (written by kred-aot) from Python.

    lib = kred.aot.load("build/libgauss.so")   # NAME from lib<NAME>.so
    out = lib.kernel(x, y, b)                  # NumPy arrays or CPU tensors
    lib.kernels                                # {name: AotKernel}

A kernel takes its inputs in order (arrays or torch tensors of the kernel's
dtype, on the CPU - or CUDA tensors, for a library with GPU code, kred-aot
--gpu-chip; non-contiguous ones are copied) and returns its outputs,
allocated by the shapes the library computes (one array, or a tuple);
out= gives them instead; a block-sparse kernel (kred-aot --ranges) takes
ranges=, KeOps' six arrays (as kred.numpy.cluster.from_matrix gives them).
Bad arguments raise ValueError with the library's message. No autograd: the
library holds the forward kernel only.
"""
import ctypes
import os

import numpy as np

__all__ = ["load", "AotLibrary", "AotKernel"]

# kred_aot.h's types.
_DTYPES = [np.float16, None, np.float32, np.float64, np.int64]  # bfloat16: torch only
_OUTPUT, _RANGES = 4, 5


class _Array(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64))]


class _Status(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("message", ctypes.c_char * 512)]


class _ArgInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("role", ctypes.c_int),
                ("dtype", ctypes.c_int), ("rank", ctypes.c_int32), ("dim", ctypes.c_int64)]


_CALL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Array), ctypes.POINTER(_Status))
_GPU_CALL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Array), ctypes.c_void_p,
                             ctypes.POINTER(_Status))
_OUTPUT_SHAPE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Array), ctypes.c_int32,
                                 ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(_Status))


class _KernelInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("batch_dims", ctypes.c_int32),
                ("outputs_indexed_by_i", ctypes.c_int32), ("num_args", ctypes.c_int32),
                ("args", ctypes.POINTER(_ArgInfo)), ("call", _CALL),
                ("output_shape", _OUTPUT_SHAPE), ("gpu_call", _GPU_CALL),
                ("max_terms", ctypes.c_int64)]


def _torch():
    import sys
    return sys.modules.get("torch")


def _torch_dtypes(torch):
    """torch's dtypes by kred_dtype."""
    return [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int64]


class _Marshalled:
    """An array or tensor as a kred_array (keeping what it points at alive)."""

    def __init__(self, value, name, output=False, device="cpu"):
        torch = _torch()
        contiguous = value.is_contiguous() if hasattr(value, "is_contiguous") \
            else getattr(value, "flags", {"C_CONTIGUOUS": True})["C_CONTIGUOUS"]
        if output and not contiguous:
            raise ValueError(f"'{name}' (out=) must be C-contiguous: the kernel writes it")
        if torch is not None and isinstance(value, torch.Tensor):
            if str(value.device) != device:
                raise ValueError(f"'{name}' lives on {value.device}, but the call runs "
                                 f"on {device} (where the first tensor is)")
            value = value.detach().contiguous()
            dtypes = _torch_dtypes(torch)
            dtype = dtypes.index(value.dtype) if value.dtype in dtypes else -1
            pointer = value.data_ptr()
        else:
            if device != "cpu":
                raise ValueError(f"'{name}' is a NumPy array, but the call runs on "
                                 f"{device}")
            value = np.ascontiguousarray(value)
            dtype = next((k for k, t in enumerate(_DTYPES)
                          if t is not None and value.dtype == t), -1)
            pointer = value.ctypes.data
        self.value = value
        self.shape = (ctypes.c_int64 * max(1, value.ndim))(*value.shape)
        self.array = _Array(pointer, dtype, value.ndim, self.shape, None)


class AotKernel:
    """One kernel of an AOT library, callable on arrays."""

    def __init__(self, library, info):
        self._library = library  # keeps the shared object loaded
        self._info = info
        self.name = info.name.decode()
        args = [info.args[k] for k in range(info.num_args)]
        self.inputs = [a.name.decode() for a in args if a.role not in (_OUTPUT, _RANGES)]
        self._outputs = [a for a in args if a.role == _OUTPUT]
        self.ranges = [a.name.decode() for a in args if a.role == _RANGES]
        # The library's GPU code (kred-aot --gpu-chip) runs CUDA tensors.
        self.has_gpu = bool(ctypes.cast(info.gpu_call, ctypes.c_void_p).value)

    def __repr__(self):
        return f"AotKernel({self.name!r}, inputs={self.inputs})"

    def _check(self, code, status):
        if code != 0:
            raise ValueError(f"kernel '{self.name}': {status.message.decode()}")

    def __call__(self, *inputs, out=None, ranges=None):
        if len(inputs) != len(self.inputs):
            raise ValueError(f"kernel '{self.name}' takes {len(self.inputs)} inputs "
                             f"({', '.join(self.inputs)}), but {len(inputs)} were given")
        ranges = self._ranges(ranges)
        device = self._device(inputs)
        ins = [_Marshalled(v, n, device=device) for v, n in zip(inputs, self.inputs)]
        if out is None:
            out = self._allocate(ins, inputs, device)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        if len(outs) != len(self._outputs):
            raise ValueError(f"kernel '{self.name}' has {len(self._outputs)} outputs, "
                             f"but out= gives {len(outs)}")
        marshalled = ins + [_Marshalled(o, a.name.decode(), output=True, device=device)
                            for o, a in zip(outs, self._outputs)] + ranges
        arrays = (_Array * len(marshalled))(*[m.array for m in marshalled])
        status = _Status()
        if device == "cpu":
            code = self._info.call(arrays, ctypes.byref(status))
        else:  # on torch's current stream of that GPU, ordered with its work
            stream = _torch().cuda.current_stream(device).cuda_stream
            code = self._info.gpu_call(arrays, stream, ctypes.byref(status))
        self._check(code, status)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _device(self, inputs):
        """Where the call runs: "cpu", or the CUDA device of the first CUDA
        tensor (the library's GPU code)."""
        torch = _torch()
        if torch is None:
            return "cpu"
        device = next((str(v.device) for v in inputs
                       if isinstance(v, torch.Tensor) and v.device.type != "cpu"), "cpu")
        if device != "cpu" and not self.has_gpu:
            raise ValueError(f"kernel '{self.name}' has no GPU code for the tensors on "
                             f"{device}: build the library with kred-aot --gpu-chip")
        return device

    def _ranges(self, ranges):
        """The six ranges arrays, marshalled as int64, for a block-sparse
        kernel; none for the others."""
        if not self.ranges:
            if ranges is not None:
                raise ValueError(f"kernel '{self.name}' is not block-sparse: it takes no "
                                 "ranges (kred-aot --ranges writes kernels that do)")
            return []
        if not isinstance(ranges, (tuple, list)) or len(ranges) != len(self.ranges):
            raise ValueError(f"kernel '{self.name}' is block-sparse: ranges= must be "
                             f"KeOps' {len(self.ranges)} arrays ({', '.join(self.ranges)})")
        torch = _torch()
        marshalled = []
        for r, name in zip(ranges, self.ranges):
            if torch is not None and isinstance(r, torch.Tensor):
                r = r.detach().cpu().numpy()
            r = np.asarray(r)
            if r.dtype.kind not in "iu":
                raise ValueError(f"ranges array '{name}' must hold integers, got "
                                 f"dtype {r.dtype}")
            marshalled.append(_Marshalled(r.astype(np.int64), name))
        return marshalled

    def _allocate(self, ins, inputs, device):
        arrays = (_Array * len(ins))(*[m.array for m in ins])
        torch = _torch()
        as_torch = torch is not None and any(isinstance(v, torch.Tensor) for v in inputs)
        outs = []
        for k, spec in enumerate(self._outputs):
            shape = (ctypes.c_int64 * (self._info.batch_dims + 2))()
            status = _Status()
            self._check(self._info.output_shape(arrays, k, shape, ctypes.byref(status)), status)
            if as_torch:
                outs.append(torch.empty(tuple(shape), dtype=_torch_dtypes(torch)[spec.dtype],
                                        device=device))
            else:
                outs.append(np.empty(tuple(shape), dtype=_DTYPES[spec.dtype]))
        return outs


class AotLibrary:
    """The kernels of lib<NAME>.so, as attributes and in `kernels`."""

    def __init__(self, path, name=None):
        self.path = os.fspath(path)
        if name is None:
            base = os.path.basename(self.path)
            if not (base.startswith("lib") and base.endswith(".so")):
                raise ValueError(f"'{self.path}' is not named lib<NAME>.so; pass name=")
            name = base[3:-3]
        self._handle = ctypes.CDLL(self.path)
        try:
            listing = getattr(self._handle, f"{name}_kernels")
        except AttributeError:
            raise ValueError(f"'{self.path}' has no function {name}_kernels: "
                             "not a library written by kred-aot") from None
        listing.restype = ctypes.POINTER(_KernelInfo)
        listing.argtypes = [ctypes.POINTER(ctypes.c_int32)]
        count = ctypes.c_int32()
        infos = listing(ctypes.byref(count))
        self.kernels = {}
        for k in range(count.value):
            kernel = AotKernel(self, infos[k])
            self.kernels[kernel.name] = kernel

    def __getattr__(self, name):
        kernels = self.__dict__.get("kernels", {})
        if name in kernels:
            return kernels[name]
        raise AttributeError(f"no kernel '{name}' in {self.__dict__.get('path')} "
                             f"(kernels: {', '.join(kernels)})")


def load(path, name=None):
    """The kernels of an AOT library (kred-aot FILE -o lib<NAME>.so)."""
    return AotLibrary(path, name)
