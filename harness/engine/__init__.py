"""Run a predictor over encoded inputs: length-sorted batches, padded, sharded over torchrun ranks."""
