"""Verdicts and run records to a text table, JSON, markdown and a picture."""
