"""Where and how polycorpus runs: configuration, Dask clients, the shard runner and the command line."""
