"""Data-parallel evaluation under ``torchrun``: which batches are this rank's, and putting the results together.

Launched by ``torchrun`` (``RANK``/``WORLD_SIZE`` in the environment), the harness joins the process
group itself (nccl where each rank has a GPU of its own, gloo otherwise); nothing harness-specific is
set up. Every rank runs the same program; the engine gives each rank a share of the batches balanced
by the tokens they compute, and all ranks receive every rank's outputs, so each continues with the
full, ordered result and rank 0 alone writes reports. A rank that dies or hangs makes the others stop within
``HARNESS_DISTRIBUTED_TIMEOUT`` seconds (default 600) with a message naming it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from harness.errors import Refused

TIMEOUT_VARIABLE = "HARNESS_DISTRIBUTED_TIMEOUT"


class RankLost(Refused, RuntimeError):
    """A rank did not reach a point every rank must reach in time: it died or hangs."""


def assign(costs: Sequence[int], ranks: int) -> list[int]:
    """The rank that runs each batch: the costliest batch first, each to the rank with the least work
    so far (the lowest rank on a tie). Deterministic, so every rank computes the same assignment."""
    owner = [0] * len(costs)
    load = [0] * ranks
    for index in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        rank = min(range(ranks), key=lambda r: (load[r], r))
        owner[index] = rank
        load[rank] += costs[index]
    return owner


@dataclass
class Group:
    """This process's place in a torch.distributed process group, and the collectives the harness uses."""

    rank: int
    world: int
    timeout: float
    _step: int = 0

    def all_gather(self, value: object, *, what: str) -> list[object]:
        """Every rank's ``value``, in rank order, on every rank (after each rank has arrived)."""
        import torch.distributed as dist

        self._arrive(what)
        gathered: list[object] = [None] * self.world
        dist.all_gather_object(gathered, value)
        return gathered

    def broadcast(self, value: object, *, what: str) -> object:
        """Rank 0's ``value`` on every rank."""
        import torch.distributed as dist

        self._arrive(what)
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def _arrive(self, what: str) -> None:
        """Wait, up to the timeout, for every rank to reach this step; name the ones that do not.

        The rendezvous store answers even when a peer is gone, where a collective would only time
        out without saying who was missing.
        """
        import torch.distributed as dist

        store = dist.distributed_c10d._get_default_store()
        self._step += 1
        prefix = f"harness/step-{self._step}"
        store.set(f"{prefix}/{self.rank}", what)
        keys = [f"{prefix}/{rank}" for rank in range(self.world)]
        try:
            store.wait(keys, timedelta(seconds=self.timeout))
        except Exception:  # the store raises its own timeout error type, which differs between versions
            missing = [rank for rank, key in enumerate(keys) if not store.check([key])]
            names = ", ".join(f"rank {rank}" for rank in missing) or "a rank"
            raise RankLost(
                f"{names} of {self.world} did not reach step {self._step} ({what}) within {self.timeout:g} s: it died "
                f"or hangs (this is rank {self.rank}). Its own output says why; {TIMEOUT_VARIABLE} sets the wait."
            ) from None


_GROUP: Group | None = None


def launched() -> bool:
    """Whether this process was started by torchrun (or another launcher) as one of several ranks."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def join() -> Group | None:
    """Join the process group the launcher describes (once); None when this is a single process."""
    global _GROUP
    if _GROUP is not None or not launched():
        return _GROUP
    import torch
    import torch.distributed as dist

    timeout = float(os.environ.get(TIMEOUT_VARIABLE, "600"))
    # nccl where each of this machine's ranks has a GPU of its own (object collectives travel through
    # it); gloo otherwise, which is also what CPU-only backends need.
    local_ranks = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")))
    backend = "nccl" if torch.cuda.is_available() and torch.cuda.device_count() >= local_ranks else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, timeout=timedelta(seconds=timeout))
    _GROUP = Group(rank=dist.get_rank(), world=dist.get_world_size(), timeout=timeout)
    return _GROUP


def current() -> Group | None:
    """The group joined by ``join``, if any."""
    return _GROUP


def finish(status: int) -> int:
    """Every rank's exit status becomes rank 0's; a rank that cannot learn it (a peer is gone) fails."""
    group = current()
    if group is None:
        return status
    try:
        final = int(group.broadcast(status, what="the run's exit status"))
    except RankLost as exc:
        print(f"harness: {exc}", flush=True)
        return status or 1
    leave()
    return final


def leave() -> None:
    global _GROUP
    if _GROUP is None:
        return
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()
    _GROUP = None
