"""A printed figure read in the harness's units: percent or fraction decided per metric, the tolerance from
the printed precision plus the metric's usual noise, and values out of range refused."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from harness.hubcards.words import FRACTION, NOISE, PERCENT, UNBOUNDED, scale_of


@dataclass(frozen=True, kw_only=True)
class Reading:
    value: float  # in the harness's units
    printed: str  # as the card prints it
    read_as: str  # how it was read, e.g. "percent, divided by 100"
    tolerance: float
    tolerance_note: str


class OutOfRange(ValueError):
    """A printed value no reading makes sense of; the message says what was found and what is allowed."""


def read_value(printed: Any, *, task: str, metric: str) -> Reading:
    text = _text(printed)
    has_percent_sign = text.endswith("%")
    try:
        number = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        raise OutOfRange(f"{printed!r} is not a number") from None
    if not number.is_finite():
        raise OutOfRange(f"{printed!r} is not a finite number")
    value, half_unit = float(number), 0.5 * 10.0 ** number.as_tuple().exponent
    scale = scale_of(task, metric)
    factor, read_as = _factor(value, scale, metric, percent_sign=has_percent_sign)
    value, half_unit = float(number * Decimal(repr(factor))), half_unit * factor
    noise = NOISE.get(metric, NOISE.get(scale, 0.0))
    why = "MB printed for MiB, and rounding" if metric == "size_mib" else "batching, padding and runtimes move it"
    note = f"{noise:g} ({why}) + {half_unit:.2g} (half the last printed digit)"
    return Reading(value=value, printed=text, read_as=read_as, tolerance=_round(noise + half_unit), tolerance_note=note)


def _factor(value: float, scale: str, metric: str, *, percent_sign: bool) -> tuple[float, str]:
    if scale == UNBOUNDED:
        if value < 0:
            raise OutOfRange(f"{metric} cannot be negative, found {value:g}")
        return 1.0, "as printed"
    if value < 0 or value > 100:
        raise OutOfRange(f"{metric} lies between 0 and 1 (or 0 and 100 in percent), found {value:g}")
    as_percent = percent_sign or value > 1
    if scale == FRACTION:
        return (0.01, "percent, divided by 100") if as_percent else (1.0, "a fraction, as printed")
    assert scale == PERCENT
    return (1.0, "percent, as printed") if as_percent else (100.0, "a fraction, multiplied by 100")


def _text(printed: Any) -> str:
    if isinstance(printed, bool):
        raise OutOfRange(f"{printed!r} is not a number")
    if isinstance(printed, float):
        if not math.isfinite(printed):
            raise OutOfRange(f"{printed!r} is not a finite number")
        return repr(printed)  # YAML's float keeps the printed digits: 90.37 -> "90.37"
    if isinstance(printed, int):
        return str(printed)
    if isinstance(printed, str):
        return re.sub(r"\s+", "", printed)
    raise OutOfRange(f"expected a number, found {type(printed).__name__} {printed!r}")


def _round(amount: float) -> float:
    return float(f"{amount:.6g}")
