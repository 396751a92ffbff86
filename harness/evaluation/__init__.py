"""Open a claim's model and split and run it: the context of a run, cached, batched, sharded."""
