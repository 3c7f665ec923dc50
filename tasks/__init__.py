"""The language work on one shard or one document: spaCy pipelines, tokens, entities, alignment. No Dask."""
