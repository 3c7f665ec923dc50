"""The language work on one shard or one document, as registered tasks (base.py, registry.py, steps/) over spacy/, vi/, entities/ and align/. No Dask."""
