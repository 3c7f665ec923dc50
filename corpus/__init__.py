"""The data side of polycorpus: Arrow schemas, sharded Parquet I/O, ingest, manifests. No NLP, no Dask."""
