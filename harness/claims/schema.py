"""Checks for one card file's values; each error names the file, the key path, what was found and
what is allowed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


class CardError(ValueError):
    """A card file does not follow the schema; the message says where and how to fix it."""


class CardReader:
    """Validation helpers that know which file they are reading."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> CardError:
        at = f" at {key!r}" if key else ""
        return CardError(f"{self.path}{at}: {message}")

    def mapping(
        self, value: Any, key: str, allowed: set[str] | None = None, required: set[str] = frozenset()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping, found {type(value).__name__}.")
        if allowed is not None:
            for name in value:
                if name not in allowed:
                    hint = difflib.get_close_matches(str(name), sorted(allowed), n=1)
                    did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
                    raise self.fail(
                        join_key(key, name),
                        f"unknown key.{did_you_mean} Allowed keys: {', '.join(sorted(allowed))}.",
                    )
        for name in sorted(required):
            if name not in value or value[name] is None:
                raise self.fail(join_key(key, name), "required key is missing; add it.")
        return value

    def text(self, mapping: Mapping[str, Any], key: str, where: str = "") -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(join_key(where, key), f"expected a non-empty string, found {value!r}.")
        return value

    def choice(self, mapping: Mapping[str, Any], key: str, allowed: Iterable[str], where: str) -> str:
        value = mapping.get(key)
        allowed = list(allowed)
        if value not in allowed:
            hint = difflib.get_close_matches(str(value), allowed, n=1)
            did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
            raise self.fail(
                join_key(where, key), f"{value!r} is not allowed.{did_you_mean} Allowed: {', '.join(allowed)}."
            )
        return value

    def positive_int(self, mapping: Mapping[str, Any], key: str, where: str) -> int | None:
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(join_key(where, key), f"expected a positive integer, found {value!r}.")
        return value


def join_key(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else str(key)
