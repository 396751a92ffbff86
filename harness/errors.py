"""What stops a check, as types: the policy a run applies follows from the base class.

``CannotCheck``: the claim cannot be checked here (a missing artifact, backend or feature): the test
is skipped, and fails under ``--harness-strict``. ``Refused``: the harness will not do what the
check needs (an unpinned pickle, a file that differs from the lock, a lost rank): the test fails,
strict or not. ``NotApplicable``: the check means nothing for this target: skipped, strict or not.
Anything else (a card, data or label error) fails with its message.
"""

from __future__ import annotations


class CannotCheck(Exception):
    """The claim cannot be checked on this machine or with these artifacts: skipped, or failed when strict."""


class Refused(Exception):
    """The harness refuses what the check would need: the claim fails, strict or not."""


class NotSupported(CannotCheck, RuntimeError):
    """The claim needs something this version of the harness does not do yet."""


class NotApplicable(RuntimeError):
    """The check does not apply to this target at all (not a gap of this machine): skipped, strict or not."""
