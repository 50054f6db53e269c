"""Sharded reductions (kred.torch.distributed) on the seed kernel,
a_i = sum_j exp(-|x_i - y_j|^2) b_j in 3D, float32, N = M: 1 and 2 ranks
(one core each, Gloo on 127.0.0.1, started with torchrun's environment). Prints per size and rank
count: the time of one call, the speed-up over one rank, the bytes each rank
sent, the share of the time spent waiting for blocks, and the time with the
ring's exchanges replaced by local copies (communication hidden when the
two times agree). Then a model of N = M = 1e8 on 64 and 256 nodes from the
measured pairs/s per core.

usage: PYTHONPATH=build/python python3 bench/distributed.py
           [--sizes 100000 1000000] [--ranks 1 2] [--repeat 3]
           [--cores-per-node 32] [--network-gbps 10]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

FORMULA = "Exp(-SqDist(X, Y)) * B"
ALIASES = ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"]


def worker(n, repeat, local_copies, out):
    """One rank (under torchrun): times the sharded call on its shards."""
    import torch
    import torch.distributed as dist
    import kred.torch.distributed as kd
    from kred.torch import ring

    dist.init_process_group("gloo")
    rank, size = dist.get_rank(), dist.get_world_size()
    if local_copies:  # the ring without communication: blocks copied locally
        ring.Ring.pass_on = lambda self, tensors, shapes: \
            (lambda: [t.clone() for t in tensors])
    rows = n // size
    generator = torch.Generator().manual_seed(rank)
    x, y = (torch.rand(rows, 3, generator=generator) for _ in range(2))
    b = torch.randn(rows, 1, generator=generator)
    genred = kd.Genred(FORMULA, ALIASES, axis=1)
    genred(x[:100], y[:100], b[:100])  # compiles
    times = []
    for _ in range(repeat):
        dist.barrier()
        start = time.perf_counter()
        genred(x, y, b)
        dist.barrier()
        times.append(time.perf_counter() - start)
    if rank == 0:
        with open(out, "w") as f:
            json.dump({"time": min(times), **genred.last_call}, f)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(n, ranks, repeat, local_copies):
    """Starts the ranks as torchrun would (its environment variables: the
    worker runs unchanged under torchrun). Debian's torch 1.13 torchrun
    fails on Python 3.11 before starting any worker (an IntFlag change), so
    the ranks are started here."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "rank0.json")
        command = [sys.executable, os.path.abspath(__file__), "--worker", str(n),
                   "--repeat", str(repeat), "--out", out] + \
            (["--local-copies"] if local_copies else [])
        env = dict(os.environ, OMP_NUM_THREADS="1", WORLD_SIZE=str(ranks),
                   LOCAL_WORLD_SIZE=str(ranks), MASTER_ADDR="127.0.0.1",
                   MASTER_PORT=str(free_port()))
        processes = [subprocess.Popen(command, env=dict(env, RANK=str(r), LOCAL_RANK=str(r)))
                     for r in range(ranks)]
        if any(p.wait() for p in processes):
            sys.exit("a rank failed")
        with open(out) as f:
            return json.load(f)


def model(pairs_per_core_s, cores, bandwidth_gbps, n=10**8):
    """(compute s, communication s per node) of N = M = n over the ranks:
    each node receives every other node's y and b (16 bytes a point)."""
    for nodes in (64, 256):
        compute = n * n / (pairs_per_core_s * cores * nodes)
        received = n * 16 * (nodes - 1) / nodes
        communication = received / (bandwidth_gbps * 1e9 / 8)
        print(f"  N = M = {n:.0e} on {nodes} nodes x {cores} cores: compute "
              f"{compute:8.0f} s, each node receives {received / 1e9:.1f} GB "
              f"({communication:.1f} s at {bandwidth_gbps} Gb/s: "
              f"{communication / compute:.1e} of the compute, hidden by the ring)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100000, 1000000])
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores-per-node", type=int, default=32)
    parser.add_argument("--network-gbps", type=float, default=10.0)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--local-copies", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.repeat, args.local_copies, args.out)

    from kred import _kred
    print(f"host: {_kred.host()}; {os.cpu_count()} cores; one core per rank, Gloo")
    print(f"{'N = M':>9} {'ranks':>5} {'time s':>9} {'speed-up':>8} {'sent/rank':>10} "
          f"{'waiting':>8} {'local-copy s':>12} {'ratio':>6}")
    rate = None
    for n in args.sizes:
        base = None
        for ranks in args.ranks:
            run = launch(n, ranks, args.repeat, False)
            base = base or run["time"] * ranks  # one rank's time
            copies = launch(n, ranks, args.repeat, True) if ranks > 1 else run
            rate = n * n / (run["time"] * ranks)
            print(f"{n:>9} {ranks:>5} {run['time']:>9.3f} {base / run['time']:>8.2f} "
                  f"{run['bytes_sent'] / 1e6:>8.1f}MB {run['wait_s'] / run['time']:>8.1%} "
                  f"{copies['time']:>12.3f} {run['time'] / copies['time']:>6.2f}")
    print(f"model from the last row's {rate:.3g} pairs/s per core:")
    model(rate, args.cores_per_node, args.network_gbps)


if __name__ == "__main__":
    main()
