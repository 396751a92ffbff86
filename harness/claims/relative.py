"""Reading a relative claim: ``relative_to`` a baseline model, with ``recovery`` or ``max_drop``.

A relative claim has no printed figure of its own: it asks that a model keep a share of another's
value (``recovery: 0.99``, as MLPerf asks of INT8 against FP32) or lose at most an amount
(``max_drop: 0.01``), both measured on the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.claims.model import Baseline, ModelRef, Relative
from harness.claims.schema import CardReader, join_key
from harness.claims.vocabulary import BACKENDS

RELATIVE_KEYS = {"relative_to", "recovery", "max_drop"}
# Metrics scored per example (or per row of a corpus-level score), on both sides of the same rows.
RELATIVE_METRICS = ("accuracy", "f1", "exact_match", "f1_macro")
_BASELINE_KEYS = {"model", "backend", "file"}


def read_relative(
    where: CardReader, key: str, raw: Mapping[str, Any], metric: str, models: Mapping[str, ModelRef]
) -> Relative | None:
    """The claim's Relative, None when it names no ``relative_to``; CardError when it is malformed."""
    if raw.get("relative_to") is None:
        for name in ("recovery", "max_drop"):
            if name in raw:
                raise where.fail(join_key(key, name), "only a claim with 'relative_to' takes it; add 'relative_to'.")
        return None
    if metric not in RELATIVE_METRICS:
        raise where.fail(
            join_key(key, "metric"),
            f"a relative claim compares {', '.join(RELATIVE_METRICS)}; {metric!r} is not one of them.",
        )
    for name in ("value", "tolerance", "bound"):
        if name in raw:
            raise where.fail(
                join_key(key, name),
                "a relative claim is judged against its baseline, not a figure: give 'recovery' or 'max_drop' instead.",
            )
    if ("recovery" in raw) == ("max_drop" in raw):
        raise where.fail(
            key, "a relative claim needs exactly one of 'recovery: 0.99' (a share of the baseline's value) "
            "or 'max_drop: 0.01' (an amount in the metric's units)."
        )  # fmt: skip
    recovery, max_drop = _share(where, raw, key), _amount(where, raw, key)
    return Relative(baseline=read_baseline(where, join_key(key, "relative_to"), raw["relative_to"], models),
                    recovery=recovery, max_drop=max_drop)  # fmt: skip


def _share(where: CardReader, raw: Mapping[str, Any], key: str) -> float | None:
    value = raw.get("recovery")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise where.fail(join_key(key, "recovery"), f"expected a share of the baseline in (0, 1], found {value!r}.")
    return float(value)


def _amount(where: CardReader, raw: Mapping[str, Any], key: str) -> float | None:
    value = raw.get("max_drop")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise where.fail(
            join_key(key, "max_drop"), f"expected an amount of zero or more in the metric's units, found {value!r}."
        )
    return float(value)


def read_baseline(where: CardReader, key: str, raw: Any, models: Mapping[str, ModelRef]) -> Baseline:
    """A ``baseline:`` (ratio claims) or ``relative_to:`` (relative claims) block: a model of the card on a backend."""
    raw = where.mapping(raw, key, _BASELINE_KEYS, required={"model", "backend"})
    if raw["model"] not in models:
        raise where.fail(
            join_key(key, "model"), f"{raw['model']!r} is not one of this card's models ({', '.join(models)})."
        )
    file = raw.get("file")
    if file is not None and (not isinstance(file, str) or not file.strip()):
        raise where.fail(join_key(key, "file"), f"expected a file name in the model repo, found {file!r}.")
    return Baseline(model=models[raw["model"]], backend=where.choice(raw, "backend", BACKENDS, key), file=file)

