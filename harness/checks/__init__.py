"""One claim on one backend to a Verdict, one module per kind of metric.

Adding a kind of claim is one module here and one line in ``CHECKS``; every metric not listed is a
quality metric of a task (accuracy, F1, loss). Modules are imported when a claim needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from harness.backends.base import require

if TYPE_CHECKING:
    from harness.claims.model import Claim
    from harness.claims.verdict import Verdict
    from harness.evaluation.context import Settings

CHECKS: dict[str, str] = {
    "size_mib": "harness.checks.artifact:check_size",
    "sparsity": "harness.checks.artifact:check_sparsity",
    "speedup": "harness.checks.speedup:check_speedup",
}
QUALITY = "harness.checks.quality:check_quality"
RELATIVE = "harness.checks.relative:check_relative"  # any metric, judged against a baseline model (relative_to)


def check(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """Raises BackendUnavailable, NotSupported or ArtifactMissing (``CannotCheck``) when the claim cannot
    be run here; a checkpoint the backend refuses to load (an unpinned pickle) fails the claim."""
    from dataclasses import replace

    from harness.backends.devices import settle

    require(backend)
    device = settle(settings.device, backend)  # a device that is not here: skipped (strict: failed) with why
    module, attr = (RELATIVE if claim.relative else CHECKS.get(claim.metric, QUALITY)).split(":")
    verdict = getattr(importlib.import_module(module), attr)(claim, backend, replace(settings, device=device.name))
    return replace(verdict, device=device.describe())
