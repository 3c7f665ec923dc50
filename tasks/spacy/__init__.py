"""spaCy plumbing: pipelines built once per process, annotation in batches and chunks, sentence starts, factories registered once."""
