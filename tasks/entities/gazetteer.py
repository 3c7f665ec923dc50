"""The organization gazetteer: the shipped list (tasks/entities/data/companies.tsv) plus an optional user file, and its matcher.

Names match case-sensitively on characters and word boundaries, longest first, whatever the tokenizer
did ("L'Oréal", "AT&T", "Coca-Cola", "JD.com" are found whole). The spaCy component `polycorpus_gazetteer`
stores the `GazetteerMatch`es of a Doc (character offsets) in `doc._.companies` for the entity rules that
run after it. A name marked needs_cue (a common word or place: Apple, Amazon, Shell) is typed by those
rules only with a cue or a confirmation in the same document.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from spacy.tokens import Doc

from corpus.readers import BadRecord, read_lines
from tasks.spacy.sentence_starts import doc_text

SHIPPED = Path(__file__).parent / "data" / "companies.tsv"


class GazetteerError(ValueError):
    """A gazetteer file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Organization:
    """One gazetteer entry: its canonical name, and whether the name alone is too ambiguous to type it (needs_cue)."""

    name: str
    needs_cue: bool = False


class GazetteerMatch(NamedTuple):
    """A gazetteer name found in a text: code-point offsets (end exclusive), canonical name, needs_cue."""

    start: int
    end: int
    canonical: str
    needs_cue: bool


def read_gazetteer(path: str | Path) -> dict[str, Organization]:
    """Surface form -> Organization from a `name<TAB>aliases<TAB>list[<TAB>needs_cue]` file (# comments, one header line)."""
    path = Path(path)
    try:
        lines = read_lines(str(path))
    except OSError as exc:
        raise GazetteerError(f"cannot read gazetteer {path}: {exc}") from exc
    except BadRecord as exc:
        raise GazetteerError(f"gazetteer {exc}") from None
    forms: dict[str, Organization] = {}
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
        entry = Organization(name, len(fields) > 3 and fields[3].strip().lower() == "yes")
        for form in [name, *aliases]:
            if form.strip():
                forms[form.strip()] = entry
    return forms


@functools.lru_cache(maxsize=8)
def load_gazetteer(extra: str | None = None) -> tuple[dict[str, Organization], re.Pattern[str]]:
    """The shipped gazetteer extended by `extra`, and one regex matching any of its forms (cached per process)."""
    forms = read_gazetteer(SHIPPED)
    if extra:
        forms.update(read_gazetteer(extra))
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w&'’-])(?:{alternatives})(?![\w&-]|['’]\w)")
    return forms, pattern


def find_companies(text: str, extra: str | None = None) -> list[GazetteerMatch]:
    """Every gazetteer organization named in `text`, left to right."""
    forms, pattern = load_gazetteer(extra)
    return [GazetteerMatch(m.start(), m.end(), forms[m.group()].name, forms[m.group()].needs_cue) for m in pattern.finditer(text)]


class GazetteerMatcher:
    """Puts the gazetteer matches of a Doc (`GazetteerMatch`, character offsets) into `doc._.companies`."""

    def __init__(self, extra: str | None) -> None:
        self.extra = extra
        load_gazetteer(extra)  # fail at build time on a bad user file

    def __call__(self, doc: Doc) -> Doc:
        doc._.companies = find_companies(doc_text(doc), self.extra)
        return doc
