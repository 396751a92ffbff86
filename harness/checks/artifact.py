"""Claims on the artifact itself, whatever the task: its size on disk and its sparsity."""

from __future__ import annotations

from harness.claims.model import Claim
from harness.claims.verdict import CARD, NOT_CHECKABLE, STAND_IN, Verdict, outcome
from harness.errors import NotSupported
from harness.evaluation.context import Settings
from harness.evaluation.opening import resolve_model


def check_size(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """MiB of the artifact the claim names, against the card; on a stand-in only where the stand-in
    shares what decides the size (else: not checkable here, with the reason)."""
    from harness.checks import sizes

    model = resolve_model(claim, settings.location)
    measured, how = sizes.measure(model.path, backend=backend, task=claim.task, file=claim.file)
    common = dict(mode=settings.mode, measured=measured, model=model.repo, model_revision=model.revision, notes=(how,))
    target_from = None
    expectations = settings.expectations
    if expectations is not None:
        reason = expectations.not_checkable(claim, backend)
        if reason is not None:
            reason = f"not checkable on this stand-in: {reason}"
            return Verdict.for_claim(claim, backend, status=NOT_CHECKABLE, reason=reason, **common)
        if not expectations.held_to_card(claim, backend):
            raise NotSupported(
                f"the replica at {expectations.root} says nothing of {claim.id} on {backend}; rebuild it"
            )
        target_from = expectations.reference(claim, backend)
    passed = claim.tolerance.admits(claimed=claim.value, measured=measured)
    return Verdict.for_claim(
        claim, backend, status=outcome(passed), target=claim.value, target_from=target_from, **common
    )


def check_sparsity(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """The least sparse encoder Linear weight's share of zeros: every one must meet the card."""
    from harness.measures import sparsity

    model = resolve_model(claim, settings.location)
    fractions = sparsity.zero_fractions(sparsity.encoder_linear_weights(model.path))
    least = min(fractions, key=fractions.get)
    overall = sum(fractions.values()) / len(fractions)
    passed = claim.tolerance.admits(claimed=claim.value, measured=fractions[least])
    on_stand_in = settings.expectations is not None
    return Verdict.for_claim(
        claim, backend, mode=settings.mode,
        # The stand-in was pruned to the card's figure: a pass shows the measurement, not the real model.
        status=outcome(passed, compared_with=STAND_IN if on_stand_in else CARD), target=claim.value,
        target_from="what the stand-in was pruned to (the card's figure, by magnitude): checks the harness's "
        "measurement, not the real model" if on_stand_in else None,
        measured=fractions[least], model=model.repo, model_revision=model.revision,
        notes=(
            f"zeros in each of {len(fractions)} encoder nn.Linear weights (embeddings and cls head excluded); "
            f"least sparse: {least} at {fractions[least]:.4f}; mean {overall:.4f}",
        ),
    )  # fmt: skip
