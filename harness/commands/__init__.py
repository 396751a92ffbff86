"""`harness` subcommands with bodies of their own: ad hoc evaluation, fetch, lock and verify."""
