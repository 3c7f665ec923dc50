"""Vietnamese with pyvi: the CRF model loader and rewriter, the word segmenter, the spaCy tokenizer and sentencizer (see README.md here)."""
