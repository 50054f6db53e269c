"""Sharded reductions over torch.distributed (kred.torch.distributed): 2, 3
and 4 ranks over Gloo on 127.0.0.1, each a process running
distributed_worker.py, which checks its rows against one-process kred."""

import os
import socket
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
WORKER = os.path.join(os.path.dirname(__file__), "distributed_worker.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ranks(size, *scenarios, timeout=600, backend="gloo"):
    """The ranks' (exit status, stderr), after all of them ended."""
    env = dict(os.environ, WORLD_SIZE=str(size), MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(free_port()), OMP_NUM_THREADS="1",
               KRED_TEST_BACKEND=backend)
    ranks = [subprocess.Popen([sys.executable, WORKER, *scenarios],
                              env=dict(env, RANK=str(r)), stderr=subprocess.PIPE, text=True)
             for r in range(size)]
    results = []
    for rank in ranks:
        try:
            _, err = rank.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for r in ranks:
                r.kill()
            pytest.fail(f"the ranks did not finish in {timeout} s (a hang)")
        results.append((rank.returncode, err))
    return results


def assert_all_passed(results):
    failed = [f"rank {rank} failed:\n{err[-3000:]}"
              for rank, (status, err) in enumerate(results) if status]
    assert not failed, "\n".join(failed)


def test_every_reduction_kind_on_two_ranks():
    assert_all_passed(run_ranks(2, "reductions", "batches", "dense_reference"))


@pytest.mark.parametrize("size", [3, 4])
def test_uneven_and_empty_shards(size):
    assert_all_passed(run_ranks(size, "few_reductions", "batches", "lazy_tensors"))


def test_gradients_are_those_of_the_summed_losses():
    assert_all_passed(run_ranks(3, "gradients", "second_order"))


def test_kernel_solve_and_lazy_tensors():
    assert_all_passed(run_ranks(2, "solve", "lazy_tensors"))


def test_what_is_not_sharded_is_refused():
    assert_all_passed(run_ranks(1, "refusals"))


def test_the_readme_example_runs():
    assert_all_passed(run_ranks(2, "readme_example"))


def test_ranks_calling_different_reductions_all_report_it():
    results = run_ranks(3, "mismatch")
    assert_all_passed(results)
    # Each rank names the first difference it sees.
    assert "the dtype is float32 on rank 0 but float64 on rank 1" in results[0][1]
    assert "the dtype is float64 on rank 1 but float32 on rank 0" in results[1][1]
    assert "the reduction is Sum over axis 1 of 'SqDist(X, Y) * 2' with X = Vi(3); " \
           "Y = Vj(3) on rank 2 but Sum over axis 1 of 'SqDist(X, Y)'" in results[2][1]


def test_a_dead_rank_is_an_error_not_a_hang():
    results = run_ranks(3, "killed", timeout=120)
    assert results[1][0] == 17
    for rank in (0, 2):
        status, err = results[rank]
        assert status == 0, f"rank {rank}:\n{err[-4000:]}"
        assert "a process of the group died" in err


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason="GPU ranks need CUDA devices (torch here sees none)")
def test_gpu_ranks_over_nccl():
    size = min(2, torch.cuda.device_count())
    assert_all_passed(run_ranks(size, "gpu_reductions", backend="nccl"))
