"""Every side of a benchmark on all cores. torch's default thread count
(its count of physical cores: 1 on a 2-vCPU VM) also caps OpenMP in
pykeops' CPU kernels, which share torch's OpenMP runtime (pykeops imports
torch where it is installed); kred's kernels use every core."""
import os


def use_all_cores():
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(os.cpu_count())
