"""spaCy component `polycorpus_vi_entities`: Vietnamese PERSON / ORG from pyvi POS tags, cues and the gazetteer.

spaCy has no Vietnamese NER. Candidates are runs of capitalized words (every syllable capitalized);
a word is what the tokenizer gave, joined back on characters where `'`, `’`, `-`, `&` or `.` stands
between letters without spaces ("L'Oréal", "Coca-Cola", "TP.HCM", "L.V.M."). A run is typed by, in
order: place names and non-entities (left out), a place noun before it ("đường", "quận", "sông",
"sân bay": a place, never a PERSON, in the whole document), the gazetteer, a cue before it (titles
"ông", "bà", "bệnh nhân" -> PERSON, initials included: "bà N.T.H."; "công ty", "báo", "CEO" -> ORG),
an appositive role after it ("X, CEO Y" -> X is PERSON), a common family name followed by given
names, a multi-word foreign name, a CamelCase name, or an acronym followed by an organization's verb
("VNG ra mắt"). An all-caps word, a formula or a code (CO2, DNA, VJ2849) is never an ORG without such
evidence, a gazetteer entry, an organization's full name before it in parentheses ("Tổ chức Y tế Thế
giới (WHO)"), or the same word typed ORG elsewhere in the document. A sentence-initial capital alone
never makes a PERSON, and neither does a name that is a whole quotation (a title), that follows a noun of
works, events and things ("vụ nổ Big Bang", "định luật Moore") or a locative ("ở", "tại"), or that opens
with an English function word ("The Starry Night"). A lone letter after a person cue ("bệnh nhân A") is
no initial. After a naming phrase ("tên là", "gọi là") the noun it names types the name ("một tổ chức
tên là X": ORG; "cái này gọi là X": nothing).

Organizations named with a head word (`org_heads` in entity_cues.json, from the laws that name
Vietnamese bodies: "Bộ", "Sở", "UBND", "Bệnh viện", "Trường Đại học", "Tòa án", "Đài", ...) are found
on syllables and keep the head in the span with their full name: capitalized words, an
administrative level before a place ("tỉnh Quảng Nam", "TP Hà Nội"), modifiers of official names
("nhân dân", "tối cao"), "và" between two name parts, and a common noun between two of them
("Trung tâm Kiểm soát bệnh tật Hà Nội"). Other spans follow the news convention: titles and generic
type words stay outside ("ông Phạm Nhật Vượng" -> "Phạm Nhật Vượng", "tập đoàn Hòa Phát" -> "Hòa Phát").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from tasks.entities.rules import (
    PRIORITY_CUE,
    PRIORITY_GAZETTEER,
    PRIORITY_GUESS,
    PRIORITY_HEAD,
    PRIORITY_TITLE,
    QUOTES,
    Mention,
    alias_mentions,
    confirmed_matches,
    cue,
    is_confident,
    select,
    write_mentions,
)
from tasks.entities.types import overlaps, whole_word
from tasks.spacy.sentence_starts import doc_text
from tasks.vi.pos_tagger import pos_tags

_ACRONYM = re.compile(r"^[A-ZĐ][A-ZĐ&]{1,5}$")  # letters only: CO2, MP3, VJ2849 are codes
_CAMEL = re.compile(r"^[A-Z][a-z]+(?:[A-Z][A-Za-z]*)+$")
_INITIALS = re.compile(r"^(?:[A-ZĐ]\.)+$")
_JOINERS = frozenset("'’-&.")
_ORG_WORDS = frozenset(w for w in cue("en", "org_suffixes") if w[0].isupper()) | {"Bank", "Group", "Corp"}


def syllables_capitalized(text: str) -> bool:
    """Every syllable starts with an upper-case letter ("Phạm Nhật Vượng", "OpenAI"; not "Thung lũng")."""
    parts = text.split()
    return bool(parts) and all(p[0].isupper() for p in parts)


@dataclass(frozen=True)
class Word:
    """A word of a sentence: one token, or tokens written without spaces and joined by `'’-&.` between letters.

    `idx` is its code-point offset in the Doc, `tag` the pyvi POS tag of its first token ("" when unknown).
    """

    text: str
    idx: int
    tag: str
    is_punct: bool

    @property
    def end(self) -> int:
        return self.idx + len(self.text)


@dataclass(frozen=True)
class _Syllable:
    text: str
    start: int
    end: int
    word: int  # index of its Word in the sentence
    first: bool  # the first syllable of its word


class ViEntities:
    """Types the capitalized runs and head-word organizations of each sentence; see the module docstring."""

    def __init__(self) -> None:
        self.places = cue("vi", "places")
        self.not_entities = cue("vi", "not_entities")
        self.surnames = cue("vi", "surnames")
        self.non_name_words = cue("vi", "foreign_non_name_words")
        self.titles = sorted(cue("vi", "person_titles"), key=len, reverse=True)
        self.lower_titles = frozenset(t.lower() for t in self.titles)
        self.org_nouns = sorted({w.lower() for w in cue("vi", "org_cue_nouns")}, key=len, reverse=True)
        self.org_heads = cue("vi", "org_strip_heads")
        self.roles = sorted({w.lower() for w in cue("vi", "role_words")}, key=len, reverse=True)
        self.role_links = cue("vi", "role_links")
        self.heads = sorted((tuple(h.split()) for h in cue("vi", "org_heads")), key=len, reverse=True)
        self.head_words = frozenset(h[0] for h in self.heads)
        self.admin_levels = cue("vi", "admin_levels")
        self.modifiers = cue("vi", "name_modifiers")
        self.place_words = sorted(cue("vi", "place_words"), key=len, reverse=True)
        self.agent_verbs = sorted(cue("vi", "agent_verbs"), key=len, reverse=True)
        self.auxiliaries = cue("vi", "agent_auxiliaries")
        self.thing_nouns = sorted(cue("vi", "thing_nouns"), key=len, reverse=True)
        self.locatives = cue("vi", "locative_words")
        self.naming = sorted(cue("vi", "naming_words"), key=len, reverse=True)
        self.function_words = cue("en", "not_names")

    def __call__(self, doc: Doc) -> Doc:
        matches = doc._.companies or ()
        text = doc_text(doc)  # spaCy's Doc.text is rebuilt from the tokens on each access
        has_cue = lambda m: self._org_cue_before(text[max(0, m.start - 40) : m.start])  # noqa: E731
        confirmed = confirmed_matches(text, matches, has_cue)
        companies = {(s, e): canonical for s, e, canonical in confirmed}
        proposals = [Mention(s, e, "ORG", "gazetteer", 0.9, PRIORITY_GAZETTEER, canonical) for s, e, canonical in confirmed]
        places: set[str] = set()
        for sent in doc.sents:
            words = _words(text, sent)
            if words:
                proposals += self._sentence(words, companies, places)
                proposals += self._head_orgs(words, confirmed)
        chosen = [m for m in select(proposals) if not (m.label == "PERSON" and text[m.start : m.end] in places)]
        chosen = select(chosen + _acronym_evidence(text, chosen))
        not_persons = self.places | places
        aliases = [m for m in alias_mentions(doc, chosen) if text[m.start : m.end] not in not_persons]
        write_mentions(doc, select(chosen + aliases))
        return doc

    def _is_cue(self, text: str) -> bool:
        """A capitalized title, role or type word that starts (or cuts) a run: "Ông", "CEO", "Tập đoàn"."""
        lower = text.lower()
        return lower in self.lower_titles or lower in self.roles or text in self.org_heads

    def _org_cue_before(self, before: str) -> bool:
        """Whether `before` (the text before a name) ends with an organization noun or a role ("công ty", "CEO", "chủ tịch của")."""
        before = " ".join(before.lower().split())
        if _ends_with(before, self.org_nouns) or _ends_with(before, self.roles):
            return True
        return _ends_with(before, self.role_links) and _ends_with(before.rsplit(" ", 1)[0], self.roles)

    def _sentence(self, words: list[Word], companies: dict[tuple[int, int], str], places: set[str]) -> list[Mention]:
        out: list[Mention] = []
        k = 0
        while k < len(words):
            if not syllables_capitalized(words[k].text) or words[k].is_punct:
                k += 1
                continue
            end = k + 1
            place = _ends_with(" ".join(w.text for w in words[max(0, k - 3) : k]).lower(), self.place_words)  # "phố Hai Bà Trưng": "Bà" is no title here
            while end < len(words) and syllables_capitalized(words[end].text) and not words[end].is_punct and (place or not self._is_cue(words[end].text)):
                end += 1
            out.extend(self._classify(words, k, end, companies, places, sent_start=k == 0))
            k = end
        return out

    def _classify(self, words: list[Word], a: int, b: int, companies: dict[tuple[int, int], str], places: set[str], sent_start: bool) -> list[Mention]:
        before = " ".join(w.text for w in words[max(0, a - 4) : a]).lower()
        first = words[a]
        lead_cue: str | None = None
        if _ends_with(before, self.place_words):
            places.add(" ".join(w.text for w in words[a:b]))  # "đường Nguyễn Thị Minh Khai", "phố Bà Triệu": a place, not a person
            return []
        if first.text.lower() in self.place_words and first.text not in self.surnames and b - a > 1 and not self._org_cue_before(before):
            places.add(" ".join(w.text for w in words[a + 1 : b]))  # "Cầu Trần Thị Lý", "Sông Hồng"
            return []
        if self._is_cue(first.text):
            lead_cue = "PERSON" if first.text.lower() in self.lower_titles else "ORG"
            a += 1
            sent_start = False
        # A gazetteer organization inside the run ("Đại diện Techcombank"), typed before anything else.
        for c in range(a, b):
            for d in range(b, c, -1):
                if (words[c].idx, words[d - 1].end) in companies:
                    rest = self._classify(words, d, b, companies, places, False) if d < b else []
                    return self._classify(words, a, c, companies, places, sent_start) + rest if c > a else rest
        if sent_start and lead_cue is None and first.tag not in ("Np", "Ny") and not _foreign_given_name(words, a, b):
            a += 1  # capitalized only because it starts the sentence: "Cổ phiếu", "Đồn"
            sent_start = False
        if a >= b:
            return []
        text = " ".join(w.text for w in words[a:b])
        if text in self.places or text in self.not_entities:
            return []
        named = None if lead_cue else self._named_as(words, a)
        if named == "ORG":
            return [_mention(words, a, b, "ORG", "rule", 0.8, PRIORITY_CUE)]  # "một tổ chức phi lợi nhuận tên là Robin Hood"
        if named == "thing":
            return []  # "cái này gọi là EyeWriter"
        if not lead_cue and (_quoted(words, a, b) or _ends_with(before, self.thing_nouns)) and not _ends_with(before, self.org_nouns):
            return []  # a title, a work, an event or a thing named after someone: "“The Abyss”", "vụ nổ Big Bang", "định luật Moore"
        n_syllables = len(text.split())
        person_name = text.split()[0] in self.surnames and 2 <= n_syllables <= 5
        if lead_cue or _ends_with(before, self.titles):
            label = lead_cue or "PERSON"
            if label == "PERSON" and len(text.rstrip(".")) == 1 and not _initial_in_sentence(words, a, b):
                return []  # "bệnh nhân A", "bác sĩ P. Và ...": a letter, not a person's initial
            return [_mention(words, a, b, label, "rule", 0.9, PRIORITY_TITLE)]
        if _INITIALS.match(words[a].text):
            return []  # initials without a person cue: "TP.", "A."
        if _ends_with(before, self.org_nouns):
            return [_mention(words, a, b, "ORG", "rule", 0.8, PRIORITY_CUE)]
        if before.split()[-1:] and before.split()[-1] in self.locatives:
            return self._org_guess(words, a, b, text)  # "ở Canadian Rockies", "tại Thạch Thất": where something is, not who
        after_role = _ends_with(before, self.roles) or (_ends_with(before, self.role_links) and _ends_with(before.rsplit(" ", 1)[0], self.roles))
        if after_role and not person_name:
            return [_mention(words, a, b, "ORG", "rule", 0.7, PRIORITY_CUE)]
        after = " ".join(w.text for w in words[b : b + 4]).lower()
        if after.startswith(",") and _starts_with(after[1:].strip(), self.roles) and n_syllables >= 2:
            return [_mention(words, a, b, "PERSON", "rule", 0.8, PRIORITY_CUE)]
        if person_name:
            return [_mention(words, a, b, "PERSON", "rule", 0.8, PRIORITY_CUE)]
        if n_syllables >= 2 and text.isascii() and not any(word in _ORG_WORDS for word in text.split()):
            name_words = text.split()
            if (
                n_syllables <= 4
                and name_words[0] not in self.function_words  # "The Starry Night"
                and all(w.istitle() and w.isalpha() and len(w) > 1 and w not in self.non_name_words for w in name_words)
            ):
                proper = all(w.tag == "Np" for w in words[a:b])
                return [_mention(words, a, b, "PERSON", "rule", 0.7 if proper or not sent_start else 0.6, PRIORITY_GUESS)]
        return self._org_guess(words, a, b, text)

    def _named_as(self, words: list[Word], a: int) -> str | None:
        """What a naming phrase before position a names: "ORG" ("tổ chức ... tên là"), "thing" ("cái này gọi là"), or None.

        The named noun is the last one before the phrase, past up to three modifiers ("phi lợi nhuận", "này").
        """
        before = " ".join(w.text for w in words[max(0, a - 10) : a]).lower()
        phrase = next((p for p in self.naming if before == p or before.endswith(" " + p)), None)
        if phrase is None:
            return None
        head = before[: len(before) - len(phrase)].split()
        for cut in range(min(4, len(head))):
            noun = " ".join(head[: len(head) - cut])
            if _ends_with(noun, self.org_nouns):
                return "ORG"
            if _ends_with(noun, self.titles) or _ends_with(noun, self.roles):
                return None
            if _ends_with(noun, self.thing_nouns):
                return "thing"
        return None

    def _org_guess(self, words: list[Word], a: int, b: int, text: str) -> list[Mention]:
        """ORG from the shape of a run with no person evidence: English organization words, CamelCase, an acronym doing something."""
        n_syllables = len(text.split())
        if n_syllables >= 2 and text.isascii() and any(word in _ORG_WORDS for word in text.split()):
            return [_mention(words, a, b, "ORG", "rule", 0.7, PRIORITY_CUE)]
        if n_syllables == 1 and _CAMEL.match(text):
            return [_mention(words, a, b, "ORG", "rule", 0.5, PRIORITY_GUESS)]
        if n_syllables == 1 and _ACRONYM.match(text) and self._agent_follows(words, b):
            return [_mention(words, a, b, "ORG", "rule", 0.6, PRIORITY_GUESS)]
        return []

    def _agent_follows(self, words: list[Word], b: int) -> bool:
        """Whether an organization's verb follows position b ("VNG ra mắt", "VNPT cho biết", "ABC sẽ ký")."""
        following = [w.text.lower() for w in words[b : b + 4]]
        while following and following[0] in self.auxiliaries:
            following.pop(0)
        return _starts_with(" ".join(following), self.agent_verbs)

    def _head_orgs(self, words: list[Word], gazetteer: list[tuple[int, int, str]]) -> list[Mention]:
        """Organizations opened by a head word, the head kept in the span: "Bộ Y tế", "UBND tỉnh Quảng Nam"."""
        syllables = _syllables(words)
        out = []
        i = 0
        while i < len(syllables):
            end = self._head_org_end(words, syllables, i)
            if end is None:
                i += 1
                continue
            start_char, end_char = syllables[i].start, syllables[end - 1].end
            name = " ".join(s.text for s in syllables[i:end])
            inside = [(s, e) for s, e, _ in gazetteer if start_char <= s and e == end_char and s > start_char]
            generic = any(" ".join(h) in self.org_heads for h in self.heads if tuple(x.text for x in syllables[i : i + len(h)]) == h)
            quoted = _quoted(words, syllables[i].word, syllables[end - 1].word + 1)  # a title: "“Bộ Phim Tuyệt Vời Nhất”"
            if name not in self.places and not (inside and generic) and not quoted:  # "Ngân hàng Vietcombank": the gazetteer's "Vietcombank"
                out.append(Mention(start_char, end_char, "ORG", "rule", 0.8, PRIORITY_HEAD))
            i = end
        return out

    def _head_org_end(self, words: list[Word], syllables: list[_Syllable], i: int) -> int | None:
        """End (exclusive syllable index) of the head-word organization starting at syllable i, or None."""
        if not syllables[i].first or syllables[i].text not in self.head_words:
            return None
        texts = [s.text for s in syllables]
        n = next((len(h) for h in self.heads if tuple(texts[i : i + len(h)]) == h), 0)
        if not n:
            return None
        j = i + n
        if j < len(syllables) and not syllables[j].first:  # the head's word goes on: "Đài Truyền hình", "Bộ trưởng"
            rest = " ".join(texts[j : _word_end(syllables, j)])
            if not (rest[0].isupper() or rest in self.modifiers):
                return None  # "Bộ trưởng", "Báo cáo": the head is part of another word
            j = _word_end(syllables, j)
        end = j
        while j < len(syllables):
            s = syllables[j]
            word = words[s.word]
            if s.first and word.is_punct:
                if word.text in ("-", "–", "&") and j + 1 < len(syllables) and texts[j + 1][0].isupper():
                    j += 1
                    continue
                break
            if s.first and word.text in self.modifiers:
                j = _word_end(syllables, j)
                end = j
                continue
            if s.first and word.text in self.admin_levels and _capitalized_at(syllables, _word_end(syllables, j)):
                j = _word_end(syllables, j)
                continue
            if s.first and word.text == "và" and _capitalized_at(syllables, j + 1) and texts[j + 1] not in self.head_words:
                j += 1
                continue
            if texts[j][0].isupper():
                k = j + 1
                while k < len(syllables) and syllables[k].word == s.word and texts[k][0].isupper():
                    k += 1
                if k < len(syllables) and syllables[k].word == s.word and k > j + 1:
                    end = k  # "Hà Nội công bố" glued into one word: the name ends inside it
                    break
                j = end = _word_end(syllables, j)
                continue
            after = _word_end(syllables, j)
            if after < len(syllables) and words[syllables[after].word].text in self.admin_levels:
                after = _word_end(syllables, after)  # "Phát triển nông thôn tỉnh Lâm Đồng"
            if s.first and word.tag in ("N", "A") and len(word.text.split()) <= 2 and _capitalized_at(syllables, after):
                nxt = words[syllables[after].word].text
                if nxt.split()[0] not in self.head_words and (not nxt.isupper() or nxt in self.places):  # not "... dự báo GDP"
                    j = _word_end(syllables, j)  # "Kiểm soát bệnh tật Hà Nội"
                    continue
            break
        return end if end > i + n else None


def _mention(words: list[Word], a: int, b: int, label: str, source: str, score: float, priority: int) -> Mention:
    return Mention(words[a].idx, words[b - 1].end, label, source, score, priority)


def _words(text: str, sent: Span) -> list[Word]:
    """The sentence's words: tokens with their pyvi tags, joined on characters where `'’-&.` stands between letters."""
    tokens = [t for t in sent if not t.is_space]
    if not tokens:
        return []
    tags = pos_tags([t.text.replace(" ", "_") for t in tokens])
    if len(tags) != len(tokens):
        tags = [""] * len(tokens)
    groups: list[list[int]] = []
    for k, token in enumerate(tokens):
        if groups and _joins(text, tokens[groups[-1][-1]], token):
            groups[-1].append(k)
        else:
            groups.append([k])
    words = []
    for group in groups:
        first, last = tokens[group[0]], tokens[group[-1]]
        words.append(Word(text[first.idx : last.idx + len(last.text)], first.idx, tags[group[0]], all(tokens[k].is_punct for k in group)))
    return words


def _joins(text: str, left, right) -> bool:
    """Whether `right` continues the written word of `left`: no space between, and a joiner between two letters or digits."""
    boundary = left.idx + len(left.text)
    if boundary != right.idx or boundary == 0 or boundary >= len(text):
        return False
    before, after = text[boundary - 1], text[boundary]
    if before in _JOINERS:
        return boundary >= 2 and text[boundary - 2].isalnum() and after.isalnum()
    if after in _JOINERS:
        return (
            before.isalnum() and boundary + 1 < len(text) and (text[boundary + 1].isalnum() or (after == "." and _INITIALS.match(right.text or "") is not None))
        )
    return False


def _syllables(words: list[Word]) -> list[_Syllable]:
    out = []
    for k, word in enumerate(words):
        for n, match in enumerate(re.finditer(r"\S+", word.text)):
            out.append(_Syllable(match.group(), word.idx + match.start(), word.idx + match.end(), k, n == 0))
    return out


def _word_end(syllables: list[_Syllable], j: int) -> int:
    """Index of the first syllable after the word of syllable j."""
    k = j + 1
    while k < len(syllables) and syllables[k].word == syllables[j].word:
        k += 1
    return k


def _capitalized_at(syllables: list[_Syllable], j: int) -> bool:
    return j < len(syllables) and syllables[j].text[0].isupper()


def _acronym_evidence(text: str, chosen: list[Mention]) -> list[Mention]:
    """ORGs confirmed by the document: an acronym in parentheses after an organization's name, and repeats of a typed ORG acronym."""
    out = []
    for m in chosen:
        if m.label != "ORG":
            continue
        paren = re.match(r"\s*\(([A-ZĐ][A-ZĐ&]{1,7})\)", text[m.end : m.end + 12])
        if paren:
            out.append(Mention(m.end + paren.start(1), m.end + paren.end(1), "ORG", "rule", 0.8, PRIORITY_CUE))
    typed = {text[m.start : m.end] for m in chosen + out if m.label == "ORG" and is_confident(m.source, m.score)}
    for name in typed:
        if _ACRONYM.match(name):
            for match in whole_word(name).finditer(text):
                found = Mention(match.start(), match.end(), "ORG", "rule", 0.7, PRIORITY_GUESS)
                if not any(overlaps(found, m) for m in chosen):
                    out.append(found)
    return out


def _quoted(words: list[Word], a: int, b: int) -> bool:
    """Whether words[a:b] is the whole of a quotation, closing punctuation aside: a title ("“Bộ Phim Tuyệt Vời Nhất”")."""
    after = b + 1 if b < len(words) and words[b].text in (".", ",", "!", "?") else b
    return a > 0 and words[a - 1].text in QUOTES and after < len(words) and words[after].text in QUOTES


def _initial_in_sentence(words: list[Word], a: int, b: int) -> bool:
    """Whether a one-letter run is an initial: written with its period, the sentence going on in lower case or a comma ("anh T., ...", "anh T. cho biết")."""
    return words[b - 1].text.endswith(".") and b < len(words) and (words[b].text in (",", ";", ":") or words[b].text[:1].islower())


def _foreign_given_name(words: list[Word], a: int, b: int) -> bool:
    """A sentence-initial one-syllable Latin noun followed by a proper noun: "Sam Altman", "Tim Cook"."""
    first = words[a].text
    return (
        b - a >= 2
        and first.isascii()
        and first.isalpha()
        and len(first.split()) == 1
        and words[a].tag in ("N", "Nc")
        and words[a + 1].tag == "Np"
        and words[a + 1].text.isascii()
    )


def _ends_with(text: str, cues: list[str] | frozenset[str]) -> bool:
    return any(text == c or text.endswith(" " + c) for c in cues)


def _starts_with(text: str, cues: list[str]) -> bool:
    return any(text == c or text.startswith(c + " ") for c in cues)
