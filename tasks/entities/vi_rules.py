"""spaCy component `polycorpus_vi_entities`: Vietnamese PERSON / ORG from pyvi POS tags, cues and the gazetteer.

spaCy has no Vietnamese NER. Candidates are runs of capitalized words (every syllable capitalized);
a run is typed by, in order: place names and non-entities (left out), the company gazetteer, a cue
before it (titles "ông", "bà" -> PERSON; "công ty", "tập đoàn", "CEO" -> ORG), an appositive role
after it ("X, CEO Y" -> X is PERSON), a common family name followed by given names, a multi-word
foreign name, or an acronym / CamelCase company name. A sentence-initial capital alone never makes
a PERSON. Spans follow the news convention: titles and type words stay outside ("ông Phạm Nhật
Vượng" -> "Phạm Nhật Vượng", "Tập đoàn Hòa Phát" -> "Hòa Phát").
"""

from __future__ import annotations

import re
from dataclasses import replace

from pyvi import ViPosTagger
from spacy.tokens import Doc, Span, Token

from tasks.entities.rules import (
    PRIORITY_CUE,
    PRIORITY_GAZETTEER,
    PRIORITY_MODEL,
    PRIORITY_TITLE,
    Mention,
    alias_mentions,
    cue,
    select,
    write_mentions,
)

_ACRONYM = re.compile(r"^[A-ZĐ][A-ZĐ0-9&]{1,5}$")
_CAMEL = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+$")
_ORG_WORDS = frozenset(w for w in cue("en", "org_suffixes") if w[0].isupper()) | {"Bank", "Group", "Corp"}


def syllables_capitalized(text: str) -> bool:
    """Every syllable starts with an upper-case letter ("Phạm Nhật Vượng", "OpenAI"; not "Thung lũng")."""
    parts = text.split()
    return bool(parts) and all(p[0].isupper() for p in parts)


class ViEntities:
    """Types the capitalized runs of each sentence; see the module docstring."""

    def __init__(self) -> None:
        self.places = cue("vi", "places")
        self.not_entities = cue("vi", "not_entities")
        self.surnames = cue("vi", "surnames")
        self.non_name_words = cue("vi", "foreign_non_name_words")
        self.titles = sorted(cue("vi", "person_titles"), key=len, reverse=True)
        self.org_nouns = sorted({w.lower() for w in cue("vi", "org_cue_nouns")}, key=len, reverse=True)
        self.org_heads = cue("vi", "org_strip_heads")
        self.roles = sorted({w.lower() for w in cue("vi", "role_words")}, key=len, reverse=True)
        self.role_links = cue("vi", "role_links")

    def __call__(self, doc: Doc) -> Doc:
        companies = {(s, e): canonical for s, e, canonical in doc._.companies or ()}
        proposals: list[Mention] = []
        for sent in doc.sents:
            proposals += self._sentence(sent, companies)
        chosen = select(proposals)
        write_mentions(doc, select(chosen + [m for m in alias_mentions(doc, chosen) if self._free(doc, m)]))
        return doc

    def _is_cue(self, text: str) -> bool:
        """A capitalized title, role or type word that starts (or cuts) a run: "Ông", "CEO", "Tập đoàn"."""
        lower = text.lower()
        return lower in self.titles or lower in self.roles or text in self.org_heads

    def _free(self, doc: Doc, m: Mention) -> bool:
        return doc.text[m.start : m.end] not in self.places

    def _sentence(self, sent: Span, companies: dict[tuple[int, int], str]) -> list[Mention]:
        words = [t for t in sent if not t.is_space]
        if not words:
            return []
        _, tags = ViPosTagger.postagging(" ".join(t.text.replace(" ", "_") for t in words))
        tag_of = dict(zip((t.i for t in words), tags)) if len(tags) == len(words) else {}
        out: list[Mention] = []
        k = 0
        while k < len(words):
            if not syllables_capitalized(words[k].text) or words[k].is_punct:
                k += 1
                continue
            end = k + 1
            while end < len(words) and syllables_capitalized(words[end].text) and not words[end].is_punct and not self._is_cue(words[end].text):
                end += 1
            mention = self._classify(words, k, end, tag_of, companies, sent_start=k == 0)
            out.extend(mention)
            k = end
        return out

    def _classify(self, words: list[Token], a: int, b: int, tag_of: dict[int, str], companies: dict[tuple[int, int], str], sent_start: bool) -> list[Mention]:
        before = " ".join(w.text for w in words[max(0, a - 4) : a]).lower()
        first = words[a]
        lead_cue: str | None = None
        if self._is_cue(first.text):
            lead_cue = "PERSON" if first.text.lower() in self.titles else "ORG"
            a += 1
            sent_start = False
        # A gazetteer company inside the run ("Đại diện Techcombank"), typed before anything else.
        for c in range(a, b):
            for d in range(b, c, -1):
                canonical = companies.get((words[c].idx, words[d - 1].idx + len(words[d - 1].text)))
                if canonical is not None:
                    rest = self._classify(words, d, b, tag_of, companies, False) if d < b else []
                    found = self._mention(words, c, d, "ORG", "gazetteer", 0.9, PRIORITY_GAZETTEER)
                    return [replace(found, norm=canonical)] + rest
        if sent_start and lead_cue is None and tag_of.get(first.i) not in ("Np", "Ny") and not _foreign_given_name(words, a, b, tag_of):
            a += 1  # capitalized only because it starts the sentence: "Cổ phiếu", "Đồn"
            sent_start = False
        if a >= b:
            return []
        text = " ".join(w.text for w in words[a:b])
        if text in self.places or text in self.not_entities:
            return []
        n_syllables = len(text.split())
        person_name = text.split()[0] in self.surnames and 2 <= n_syllables <= 5
        if lead_cue or _ends_with(before, self.titles):
            label = lead_cue or "PERSON"
            return [self._mention(words, a, b, label, "rule", 0.9, PRIORITY_TITLE)]
        if _ends_with(before, self.org_nouns):
            return [self._mention(words, a, b, "ORG", "rule", 0.8, PRIORITY_CUE)]
        after_role = _ends_with(before, self.roles) or (_ends_with(before, self.role_links) and _ends_with(before.rsplit(" ", 1)[0], self.roles))
        if after_role and not person_name:
            return [self._mention(words, a, b, "ORG", "rule", 0.7, PRIORITY_CUE)]
        after = " ".join(w.text for w in words[b : b + 4]).lower()
        if after.startswith(",") and _starts_with(after[1:].strip(), self.roles) and n_syllables >= 2:
            return [self._mention(words, a, b, "PERSON", "rule", 0.8, PRIORITY_CUE)]
        if person_name:
            return [self._mention(words, a, b, "PERSON", "rule", 0.8, PRIORITY_CUE)]
        if n_syllables >= 2 and text.isascii():
            if any(word in _ORG_WORDS for word in text.split()):
                return [self._mention(words, a, b, "ORG", "rule", 0.7, PRIORITY_CUE)]
            name_words = text.split()
            if n_syllables <= 4 and all(w.istitle() and w.isalpha() and len(w) > 1 and w not in self.non_name_words for w in name_words):
                proper = all(tag_of.get(w.i) == "Np" for w in words[a:b])
                return [self._mention(words, a, b, "PERSON", "rule", 0.7 if proper or not sent_start else 0.6, PRIORITY_MODEL)]
        if n_syllables == 1 and (_ACRONYM.match(text) or _CAMEL.match(text)):
            return [self._mention(words, a, b, "ORG", "rule", 0.5, PRIORITY_MODEL)]
        return []

    @staticmethod
    def _mention(words: list[Token], a: int, b: int, label: str, source: str, score: float, priority: int) -> Mention:
        return Mention(words[a].idx, words[b - 1].idx + len(words[b - 1].text), label, source, score, priority)


def _foreign_given_name(words: list[Token], a: int, b: int, tag_of: dict[int, str]) -> bool:
    """A sentence-initial one-syllable Latin noun followed by a proper noun: "Sam Altman", "Tim Cook"."""
    first = words[a].text
    return (
        b - a >= 2
        and first.isascii()
        and first.isalpha()
        and len(first.split()) == 1
        and tag_of.get(words[a].i) in ("N", "Nc")
        and tag_of.get(words[a + 1].i) == "Np"
        and words[a + 1].text.isascii()
    )


def _ends_with(text: str, cues: list[str] | frozenset[str]) -> bool:
    return any(text == c or text.endswith(" " + c) for c in cues)


def _starts_with(text: str, cues: list[str]) -> bool:
    return any(text == c or text.startswith(c + " ") for c in cues)
