"""Workloads latency benchmarks time, end to end as a user of the model sees it: tokenization, the
model, and the answer (argmax for classification, span selection for QA)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.backends.base import Predictor, require
from harness.backends.devices import settle
from harness.claims.model import Claim
from harness.data.splits import Split
from harness.evaluation.context import Settings
from harness.evaluation.opening import open_split, sample
from harness.evaluation.subject import open_subject
from harness.hub.resolve import Snapshot


@dataclass(frozen=True, kw_only=True)
class Job:
    kind: str  # "single query" or "throughput"
    examples: int
    run: Callable[[], object]


@dataclass(frozen=True, kw_only=True)
class Workload:
    single_query: Job
    throughput: Job
    info: dict[str, Any] = field(default_factory=dict)  # what a benchmark's extra_info records


def prepare(
    claim: Claim, backend: str, settings: Settings, *, opened: tuple[Snapshot, Split] | None = None
) -> Workload:
    """Load the claim's model on ``backend`` and a seeded sample of its dataset.

    The single query is the sample's example of median length: realistic, and the same every run.
    ``opened`` is the claim's dataset snapshot and split when the caller has read them already.
    """
    require(backend)  # before the dataset, so a missing backend is what the skip names
    device = settle(settings.device, backend)  # and a missing device
    data, split = opened or open_split(claim, settings)
    subject = open_subject(claim, backend, settings, split=split)
    # Examples per round, unless --harness-limit says otherwise: enough for several full batches, few
    # enough that a round takes about a second on 2 cores at true size (the task's throughput_examples).
    limit = settings.limit or subject.task.throughput_examples
    rows = split.take(sample(claim, split, limit=limit, seed=settings.seed))
    # A pre-split sentence (token classification's words) is asked as its text, as a user sends it.
    columns = [[" ".join(v) if isinstance(v, list) else v for v in rows.inputs[name]] for name in claim.dataset.inputs]
    lengths = subject.token_counts(*columns)
    query = sorted(range(len(rows)), key=lambda i: (lengths[i], i))[len(rows) // 2]
    one = [[column[query]] for column in columns]
    info = {
        "model": subject.model.repo,
        "revision": subject.model.revision,
        "backend": backend,
        "file": claim.file or "(the repo's PyTorch weights)",
        "artifact": subject.predictor.description,
        "dataset": claim.dataset.describe(data.repo),
        "dataset_revision": data.revision,
        "max_seq_length": subject.max_length,
        "query_tokens": lengths[query],
        "threads": threads(subject.predictor),
        "mode": settings.mode,
        "device": device.describe(),
    }
    return Workload(
        single_query=Job(kind="single query", examples=1, run=lambda: subject.respond(*one)),
        throughput=Job(kind="throughput", examples=len(rows), run=lambda: subject.respond(*columns)),
        info=info,
    )


def threads(predictor: Predictor) -> int | str:
    """The intra-op threads the backend computes with."""
    session = getattr(predictor, "session", None)
    if session is not None:
        configured = session.get_session_options().intra_op_num_threads
        return configured or f"onnxruntime default (one per physical core; {os.cpu_count()} logical cores)"
    import torch

    return torch.get_num_threads()

