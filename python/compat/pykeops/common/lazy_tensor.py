"""pykeops.common.lazy_tensor: the LazyTensor base class, for isinstance
checks."""

from kred.common.complex_lazy_tensor import ComplexGenericLazyTensor
from kred.common.lazy_tensor import GenericLazyTensor
