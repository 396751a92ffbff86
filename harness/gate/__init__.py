"""One pytest run: options, the session the hooks delegate to, progress, hypothesis profiles, benchmarks."""
