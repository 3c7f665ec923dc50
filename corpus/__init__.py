"""The data contract of polycorpus: pinned Arrow schemas, sharded Parquet I/O, ingest, typed run records. No NLP, no Dask."""
