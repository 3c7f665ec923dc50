"""spaCy's French tokenizer exceptions without the regex that costs seconds per process to compile.

`spacy.lang.fr.tokenizer_exceptions` ends by compiling TOKEN_MATCH, a 1.45 MB pattern (a few hundred
hyphenated prefixes, each with spaCy's letter classes spelled out): about 3 s of every process that
imports spacy.lang.fr, and a French model's tokenizer compiles the same pattern again when it loads
(tasks/spacy/pipelines.py loads a model's tokenizer without it). polycorpus replaces that matcher
anyway (tasks/spacy/compounds.py keeps every hyphenated compound whole), so `install` adds an import
hook: when spaCy imports the module, the hook runs spaCy's own source without its TOKEN_MATCH statement
and sets TOKEN_MATCH to None. The exceptions themselves are spaCy's, unchanged.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

MODULE = "spacy.lang.fr.tokenizer_exceptions"


class _Loader(importlib.machinery.SourceFileLoader):
    """Runs the module's source with the TOKEN_MATCH assignment left out (the original, if it has none)."""

    def source_to_code(self, data: bytes, path: str, *, _optimize: int = -1) -> object:  # type: ignore[override]
        tree = ast.parse(data, path)
        kept = [node for node in tree.body if not (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TOKEN_MATCH" for t in node.targets))]
        if len(kept) == len(tree.body) - 1:
            tree.body = [*kept, *ast.parse("TOKEN_MATCH = None").body]
        return compile(tree, path, "exec", dont_inherit=True)

    def get_code(self, fullname: str) -> object:
        """Compiled from source every time: a cached .pyc would be spaCy's own."""
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != MODULE or not path:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Loader(fullname, spec.origin), origin=spec.origin)


_FINDER = _Finder()


def install() -> None:
    """Add the import hook (once); it takes effect if spaCy's French data is not imported yet."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
