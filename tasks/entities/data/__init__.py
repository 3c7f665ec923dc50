"""Data files of the language tasks (money, gazetteers, cues): a package so that setuptools installs them."""
