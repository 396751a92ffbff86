"""Numbers computed from arrays and weights: metrics, intervals, sparsity. No models, Hub or pytest."""
