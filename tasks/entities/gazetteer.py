"""The company gazetteer: the shipped list (tasks/entities/data/companies.tsv) plus an optional user file, and its matcher.

Names match case-sensitively on word boundaries, longest first. The spaCy component
`polycorpus_gazetteer` stores (start, end, canonical name) of a Doc's matches in `doc._.companies` (the
matches are character offsets, since pyvi tokens may glue a final period: "Meta.") for the entity
rules that run after it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from spacy.tokens import Doc

from corpus.readers import BadRecord, read_lines

SHIPPED = Path(__file__).parent / "data" / "companies.tsv"


class GazetteerError(ValueError):
    """A gazetteer file that cannot be read; the message names the file and line."""


def read_gazetteer(path: str | Path) -> dict[str, str]:
    """Surface form -> canonical name from a `name<TAB>aliases<TAB>list` file (# comments, one header line)."""
    path = Path(path)
    try:
        lines = read_lines(str(path))
    except OSError as exc:
        raise GazetteerError(f"cannot read gazetteer {path}: {exc}") from exc
    except BadRecord as exc:
        raise GazetteerError(f"gazetteer {exc}") from None
    forms: dict[str, str] = {}
    header_seen = False
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen and fields[0] == "name":
            header_seen = True
            continue
        name = fields[0].strip()
        if not name:
            raise GazetteerError(f"{path}:{number}: empty company name")
        aliases = fields[1].split("|") if len(fields) > 1 else []
        for form in [name, *aliases]:
            if form.strip():
                forms[form.strip()] = name
    return forms


@functools.lru_cache(maxsize=8)
def load_gazetteer(extra: str | None = None) -> tuple[dict[str, str], re.Pattern[str]]:
    """The shipped gazetteer extended by `extra`, and one regex matching any of its forms (cached per process)."""
    forms = read_gazetteer(SHIPPED)
    if extra:
        forms.update(read_gazetteer(extra))
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w&'’-])(?:{alternatives})(?![\w&-]|['’]\w)")
    return forms, pattern


def find_companies(text: str, extra: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, canonical name) of every gazetteer company named in `text`."""
    forms, pattern = load_gazetteer(extra)
    return [(m.start(), m.end(), forms[m.group()]) for m in pattern.finditer(text)]


class GazetteerMatcher:
    """Puts the gazetteer companies of a Doc, as character offsets, into `doc._.companies`."""

    def __init__(self, extra: str | None) -> None:
        self.extra = extra
        load_gazetteer(extra)  # fail at build time on a bad user file

    def __call__(self, doc: Doc) -> Doc:
        doc._.companies = find_companies(doc.text, self.extra)
        return doc
