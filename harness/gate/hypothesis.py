"""The contract suites' hypothesis profiles: few replayed examples in CI, many nightly."""

from __future__ import annotations

import os

HYPOTHESIS_PROFILES = {
    # Model calls take milliseconds to seconds, so no per-example deadline. CI replays the same
    # examples every run; nightly explores more.
    "harness-dev": dict(max_examples=25, deadline=None),
    "harness-ci": dict(max_examples=25, deadline=None, derandomize=True, print_blob=True),
    "harness-nightly": dict(max_examples=300, deadline=None, print_blob=True),
    # Reports the first counterexample as found, without shrinking it: for showing that a broken model
    # fails a contract, where each shrinking step costs model calls (or a hang's deadline).
    "harness-first-failure": dict(max_examples=25, deadline=None, derandomize=True, print_blob=True, shrink=False),
}


def register_profiles(*, chosen_on_command_line: bool, ci: bool) -> None:
    """Register the profiles; load one unless --hypothesis-profile chose already."""
    try:
        from hypothesis import settings
    except ImportError:  # only the contract suites need hypothesis
        return
    from hypothesis import Phase

    for name, values in HYPOTHESIS_PROFILES.items():
        values = dict(values)
        if not values.pop("shrink", True):
            values["phases"] = [phase for phase in Phase if phase not in (Phase.shrink, Phase.explain)]
        settings.register_profile(name, **values)
    if chosen_on_command_line:
        return
    settings.load_profile(os.environ.get("HARNESS_HYPOTHESIS_PROFILE") or ("harness-ci" if ci else "harness-dev"))
