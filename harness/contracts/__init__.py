"""What every model must do whatever its accuracy: output rules, strategies, backend parity, zero-shot."""
