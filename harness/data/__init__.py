"""Dataset splits read from parquet files."""
