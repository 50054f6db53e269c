"""The processes of a torch.distributed group as a ring, for sharded
reductions (kred.torch.distributed): rank r passes blocks to r + 1 and
receives from r - 1, asynchronously, while it computes. A failed exchange
(a process died, or did not join within the group's timeout) is an error
naming the ranks, not a hang."""

import torch
import torch.distributed as dist


def _global_rank(group, rank):
    """The default group's rank of `group`'s `rank` (what isend/irecv take)."""
    if group is None or group is dist.group.WORLD:
        return rank
    convert = getattr(dist, "get_global_rank", None) or \
        dist.distributed_c10d._get_global_rank
    return convert(group, rank)


class Ring:
    def __init__(self, group=None):
        if not dist.is_available() or not dist.is_initialized():
            raise RuntimeError("kred.torch.distributed needs torch.distributed initialized "
                               "(torch.distributed.init_process_group, or torchrun)")
        self.group = group
        self.size = dist.get_world_size(group)
        self.rank = dist.get_rank(group)
        self.next = _global_rank(group, (self.rank + 1) % self.size)
        self.previous = _global_rank(group, (self.rank - 1) % self.size)
        self.bytes_sent = 0

    def _failed(self, what, error):
        return RuntimeError(f"kred.torch.distributed: rank {self.rank} of {self.size}: "
                            f"{what} failed (a process of the group died, or did not "
                            f"join within the group's timeout): {error}")

    def all_gather_object(self, obj):
        gathered = [None] * self.size
        try:
            dist.all_gather_object(gathered, obj, group=self.group)
        except RuntimeError as e:
            raise self._failed("exchanging the call's signature", e) from None
        return gathered

    def all_reduce(self, t):
        """The sum over ranks of `t`, differentiable where `t` requires grad."""
        try:
            if t.requires_grad:
                from torch.distributed.nn import all_reduce
                return all_reduce(t, group=self.group)
            t = t.clone()
            dist.all_reduce(t, group=self.group)
            return t
        except RuntimeError as e:
            raise self._failed("summing over ranks", e) from None

    def pass_on(self, tensors, shapes):
        """Starts sending `tensors` to the next rank and receiving, from the
        previous one, tensors of `shapes` (and the same dtypes); returns a
        function that waits and gives the received tensors."""
        received = [torch.empty(s, dtype=t.dtype, device=t.device)
                    for t, s in zip(tensors, shapes)]
        try:
            requests = [dist.isend(t, self.next, group=self.group) for t in tensors]
            requests += [dist.irecv(r, self.previous, group=self.group) for r in received]
        except RuntimeError as e:
            raise self._failed("passing a block around the ring", e) from None
        self.bytes_sent += sum(t.numel() * t.element_size() for t in tensors)

        def wait():
            try:
                for request in requests:
                    request.wait()
            except RuntimeError as e:
                raise self._failed(f"exchanging a block with ranks {self.previous} and "
                                   f"{self.next}", e) from None
            return received
        return wait
