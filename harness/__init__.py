"""harness: turn the claims printed on model cards into tests that pass or fail."""

__version__ = "0.1.0"
