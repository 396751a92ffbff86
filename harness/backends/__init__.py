"""Backends run a model; each one lives in its own module and imports its runtime lazily."""
