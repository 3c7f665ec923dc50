"""What every entity module shares: a mention (`Entity`), the task's options, the canonical form of a name, and spans.

Its own module so that the rules, links and the task import it without importing each other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from tasks.base import OptionError, option


@dataclass(frozen=True)
class EntityOptions:
    """The options of the `entities` task (the `entities:` config section); the defaults are the shipped behaviour."""

    gazetteer: str | None = option(None, "a file of companies (companies.tsv format) added to the shipped gazetteer")
    dollar: str = option("USD", 'the ISO 4217 code a bare "$", "dollar(s)", "đô la" or "đô" means')
    project: bool = option(True, "a name typed confidently in one translation types it in the others of its group")

    def __post_init__(self) -> None:
        """Reject a dollar that is no ISO 4217 code and a gazetteer file that cannot be read (OptionError names the option)."""
        from tasks.entities.money import MoneyPolicy

        try:
            MoneyPolicy(dollar=self.dollar)  # the one check of a currency code
        except ValueError:
            raise OptionError("dollar", f"must be an ISO 4217 code such as USD (got {self.dollar!r})") from None
        if self.gazetteer is not None:
            from tasks.entities.gazetteer import GazetteerError, read_gazetteer

            try:
                read_gazetteer(self.gazetteer)
            except GazetteerError as exc:
                raise OptionError("gazetteer", str(exc)) from None


@dataclass(frozen=True)
class Entity:
    """One mention: code-point offsets into the document text, end exclusive; `amount` and `currency` for MONEY only."""

    start: int
    end: int
    label: str
    text: str
    norm: str
    amount: Decimal | None = None
    currency: str | None = None
    source: str = "model"
    score: float | None = None


def normalize(surface: str) -> str:
    """Canonical form of a PERSON / ORG mention: NFC, single spaces, curly apostrophes straightened."""
    text = unicodedata.normalize("NFC", surface).replace("’", "'")
    return " ".join(text.split()).strip(" .,;:")


class Located(Protocol):
    """A span of text by code-point offsets, end exclusive: an `Entity`, a rules `Mention`, a `Money`."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def overlaps(a: Located, b: Located) -> bool:
    """Whether the spans [a.start, a.end) and [b.start, b.end) intersect."""
    return a.start < b.end and b.start < a.end


def whole_word(text: str) -> re.Pattern[str]:
    """A regex matching `text` literally where no word character (`\\w`) touches it on either side."""
    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")


_WORD_BEFORE = re.compile(r"(\S+) $")
_SENTENCE_END = frozenset('.!?:;\n"«“”')


def whole_name(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands alone as a name: no capitalized word right before or after it, one space away.

    "Dương" in "Bắc Băng Dương" and "Hà" in "Hà Nội" are parts of longer names; a capitalized word that
    only opens its sentence ("Theo Kowalczyk") does not count.
    """
    before = _WORD_BEFORE.search(text[max(0, start - 40) : start])
    if before and before.group(1)[0].isupper():
        prefix = text[: start - len(before.group(1)) - 1].rstrip()
        if prefix and prefix[-1] not in _SENTENCE_END:
            return False
    after = text[end : end + 2]
    return not (len(after) == 2 and after[0] == " " and after[1].isupper())
