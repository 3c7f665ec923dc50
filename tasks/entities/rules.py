"""spaCy component `polycorpus_entity_rules`: PERSON / ORG mentions from a model's entities, cues and the gazetteer.

It runs after the model's `ner` (if any) and the `polycorpus_gazetteer` matcher, and writes the
final PERSON / ORG mentions of the Doc, with their source and score, to `doc._.entity_mentions`
(and to `doc.ents`). Model labels are mapped (PER -> PERSON); MISC becomes ORG only on evidence (a
gazetteer company, a company cue, a role "PDG de X"); LOC and the rest are left out. Rules only add
to a model: a model's PERSON / ORG is never replaced by a rule's mention, and a rule's mention never
overlaps one (benchmarks/ner_eval.py shows the model alone next to model + rules). A model's mention is
cleaned of what is never part of a name (titles, possessives, trailing numbers and symbols), dropped when
the text says it names no person or organisation (a digit, a place or prize noun at its end, a common
word at a sentence start), and retyped on evidence next to it (an organisation noun before a PERSON, a
person noun or a given name for an ORG, the same name typed PERSON elsewhere in the document). The shared machinery (cue
lists, proposals, overlap resolution, gazetteer evidence) is also used by the Vietnamese component.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from spacy.tokens import Doc, Span

from tasks.entities.gazetteer import GazetteerMatch
from tasks.entities.types import overlaps, whole_name, whole_word
from tasks.spacy.sentence_starts import doc_text

CUES_PATH = Path(__file__).parent / "data" / "entity_cues.json"
GIVEN_NAMES_PATH = Path(__file__).parent / "data" / "given_names.txt"
MODEL_LABELS = {"PER": "PERSON", "PERSON": "PERSON", "ORG": "ORG"}
# A model's labels for what is surely neither PERSON nor ORG (OntoNotes): rules add nothing over them. WikiNER's
# LOC and MISC are not among them: its LOC often holds a club named after its city ("Stade de Reims"), and a MISC
# becomes ORG on evidence (benchmarks/ner_eval.py measured both ways).
MODEL_OTHER_LABELS = frozenset(
    ("GPE", "FAC", "NORP", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT", "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")
)
QUOTES = {'"', "«", "»", "“", "”", "„", "'", "‘", "’"}
# A regnal or generational number after a name ("Henry VIII", "John Paul II"); "I" alone is too often the pronoun.
ROMAN_NUMERAL = re.compile(r"(?:II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV|XVI)")
# The possessive clitic as spaCy splits it off a name ("Kanye West's", "the Bruins'"): never part of the name.
POSSESSIVES = frozenset(("'s", "’s", "'", "’"))
NAME_PARTICLES = {"de", "du", "des", "d'", "d’", "van", "von", "der", "den", "di", "da", "del", "della", "dos", "bin", "ibn", "al", "el", "la", "le"}

# Priorities of the proposal kinds when spans overlap: the higher wins, then the longer span. A model's
# mention outranks every rule: rules only add.
PRIORITY_MODEL = 100
PRIORITY_TITLE = 60
PRIORITY_HEAD = 55
PRIORITY_GAZETTEER = 50
PRIORITY_CUE = 40
PRIORITY_GUESS = 30
PRIORITY_ROLE = 20
PRIORITY_ALIAS = 10
SPORTS_WINDOW = 25  # tokens either side of a team name where a sports word is looked for
# Between two coordinated names: an ambiguous gazetteer name next to a confirmed organization is confirmed.
COORDINATION = re.compile(r"\s*(?:,|and|or|&|et|ou|và|hoặc|cùng|với)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """A PERSON / ORG mention proposed for a Doc, as character offsets into doc.text."""

    start: int
    end: int
    label: str
    source: str
    score: float | None
    priority: int
    norm: str | None = None  # canonical form when known (a gazetteer company's name)


@functools.cache
def cues(lang: str) -> dict[str, frozenset[str] | tuple[tuple[str, ...], ...]]:
    """The cue lists of `lang` from tasks/entities/data/entity_cues.json (empty lists for a language it lacks).

    Single words become frozensets; multi-word cues become token tuples, longest first, under "<key>_seq".
    """
    data = json.loads(CUES_PATH.read_text(encoding="utf-8")).get(lang, {})
    out: dict = {}
    for key, words in data.items():
        out[key] = frozenset(words)
        out[key + "_seq"] = tuple(sorted((tuple(w.split()) for w in words), key=len, reverse=True))
    return out


def cue(lang: str, key: str) -> frozenset[str]:
    """One cue list of `lang` as a set of words ("org_suffixes", "person_titles", ...)."""
    return cues(lang).get(key, frozenset())  # type: ignore[return-value]


def cue_sequences(lang: str, key: str) -> tuple[tuple[str, ...], ...]:
    """One cue list of `lang` as word tuples, longest first (for multi-word cues like "directeur général")."""
    return cues(lang).get(key + "_seq", ())  # type: ignore[return-value]


@functools.cache
def cue_index(lang: str, key: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """`cue_sequences(lang, key)` grouped by first word, longest first: what `matches_sequence` looks up."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for seq in cue_sequences(lang, key):
        if seq:
            index.setdefault(seq[0], []).append(seq)
    return {first: tuple(seqs) for first, seqs in index.items()}


def select(mentions: Iterable[Mention]) -> list[Mention]:
    """Non-overlapping mentions, sorted by start: higher priority first, then longer spans."""
    chosen: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-m.priority, -(m.end - m.start), m.start)):
        if m.end > m.start and not any(overlaps(m, c) for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)


def write_mentions(doc: Doc, mentions: list[Mention]) -> None:
    """Store the final mentions in `doc._.entity_mentions` and, where they align with tokens, in `doc.ents`."""
    doc._.entity_mentions = mentions
    spans = [doc.char_span(m.start, m.end, label=m.label) for m in mentions]
    doc.ents = [s for s in spans if s is not None]


def is_capitalized(text: str) -> bool:
    """A name-like token: starts with an upper-case letter (or is an all-caps acronym)."""
    return bool(text) and text[0].isupper()


def matches_sequence(tokens: Sequence[str], i: int, index: dict[str, tuple[tuple[str, ...], ...]]) -> int:
    """Length (in tokens) of the longest cue sequence of `index` (a `cue_index`) starting at tokens[i], or 0.

    `tokens` are compared as given (pass lower-cased tokens to match case-insensitively).
    """
    for seq in index.get(tokens[i], ()):
        if tuple(tokens[i : i + len(seq)]) == seq:
            return len(seq)
    return 0


def name_run(doc: Doc, i: int, not_names: frozenset[str], particles: bool = False, max_len: int = 8, stop: set[int] | frozenset[int] = frozenset()) -> int:
    """End (exclusive token index) of the run of capitalized tokens starting at i; i if there is none.

    With `particles`, lower-case name particles ("de", "van") inside the run are allowed. The run
    ends before any token index in `stop` (where another entity starts).
    """
    end = i
    j = i
    while j < len(doc) and j - i < max_len:
        if j > i and j in stop:
            break
        text = doc[j].text
        if is_capitalized(text) and text not in not_names and not doc[j].is_punct:
            j += 1
            end = j
        elif text in ("-", "–") and end == j and j + 1 < len(doc) and not doc[j - 1].whitespace_ and not doc[j].whitespace_ and doc[j + 1].is_alpha:
            j += 2  # a hyphenated name split by the tokenizer: "Geoffroy - Guichard" written without spaces
            end = j
        elif doc[j].like_num and end > i and not doc[j].is_punct:
            j += 1
            end = j
        elif particles and end > i and text in NAME_PARTICLES and j + 1 < len(doc) and is_capitalized(doc[j + 1].text):
            j += 1
        else:
            break
    return end


def alias_mentions(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """Later single-word mentions of a confident multi-word PERSON's last name ("Lucas Beyer" ... "Beyer")."""
    text = doc_text(doc)
    surnames = set()
    for m in mentions:
        words = text[m.start : m.end].split()
        if m.label == "PERSON" and len(words) >= 2 and is_confident(m.source, m.score):
            surnames.add(words[-1])
    out = []
    for surname in surnames:
        for match in whole_word(surname).finditer(text):
            if not whole_name(text, match.start(), match.end()):
                continue  # part of a longer name: "Hà" of "Trần Hồng Hà" is not the "Hà" of "Hà Nội", nor "Dương" of "Bắc Băng Dương"
            out.append(Mention(match.start(), match.end(), "PERSON", "rule", 0.7, PRIORITY_ALIAS))
    return out


def ends_with_sequence(words: Sequence[str], index: dict[str, tuple[tuple[str, ...], ...]]) -> bool:
    """Whether `words` end with one of the cue sequences of `index` (a `cue_index`)."""
    return any(len(words) >= n and matches_sequence(words, len(words) - n, index) == n for n in range(1, 5))


def confirmed_matches(text: str, matches: Iterable[GazetteerMatch], has_cue, typed_orgs: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
    """(start, end, canonical) of the gazetteer matches that may be typed ORG in `text`.

    A needs_cue name (Apple, Amazon, Shell) is kept only with evidence in the same document: `has_cue(match)`
    true for one of its occurrences, one of its occurrences inside `typed_orgs` (spans a model or a cue typed
    ORG), or an occurrence coordinated with a confirmed organization ("Samsung and Apple", "Amazon và Meta").
    """
    matches = sorted(matches)
    confirmed = {m.canonical for m in matches if not m.needs_cue or has_cue(m) or any(s <= m.start and m.end <= e for s, e in typed_orgs)}
    changed = True
    while changed:
        changed = False
        for a, b in zip(matches, matches[1:]):
            if (a.canonical in confirmed) != (b.canonical in confirmed) and COORDINATION.fullmatch(text[a.end : b.start]):
                confirmed |= {a.canonical, b.canonical}
                changed = True
    return [(m.start, m.end, m.canonical) for m in matches if m.canonical in confirmed]


def is_confident(source: str, score: float | None) -> bool:
    """A mention typed firmly enough to type the same string elsewhere (aliases, projection)."""
    return source in ("model", "gazetteer") or (score is not None and score >= 0.7)


@functools.cache
def given_names() -> frozenset[str]:
    """Common given names (tasks/entities/data/given_names.txt, sources in its header)."""
    return frozenset(line.strip() for line in GIVEN_NAMES_PATH.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#"))


class EntityRules:
    """Maps model entities and adds cue and gazetteer mentions; see the module docstring.

    `has_model`: whether a model's `ner` runs before it. Without one, runs of two or three capitalized
    words inside a sentence are also a low-score PERSON guess.
    """

    def __init__(self, lang: str, has_model: bool = False) -> None:
        self.lang = lang
        self.has_model = has_model

    def __call__(self, doc: Doc) -> Doc:
        model = list(doc.ents)
        cue_mentions = self._cue_mentions(doc, model)
        proposals = _with_place(doc, self._model_mentions(doc, model), cue_mentions, model)
        proposals += self._gazetteer_mentions(doc, model)
        proposals += cue_mentions
        chosen = select(proposals)
        chosen = select(chosen + alias_mentions(doc, chosen))
        # Rules only add: none over what the model typed as another kind of name (a place, a date, a work).
        other = [e for e in model if e.label_ in MODEL_OTHER_LABELS]
        write_mentions(doc, [m for m in chosen if m.source == "model" or not any(m.start < e.end_char and e.start_char < m.end for e in other)])
        return doc

    def _model_mentions(self, doc: Doc, model: list[Span]) -> list[Mention]:
        out = []
        companies = [(m.start, m.end) for m in doc._.companies or ()]
        for ent in model:
            label = MODEL_LABELS.get(ent.label_)
            if label != "PERSON" and _after_person_noun(doc, ent, self.lang, companies):
                label = "PERSON"  # "the pianist András", "drummer Shanahan", "daughter Stanisława": typed ORG, GPE, NORP
            if label is None:
                continue
            span = clean_person(doc, ent, self.lang) if label == "PERSON" else _strip_punct(doc, ent)
            if span is None or not _has_capital(span.text):
                continue  # "congress", "doc": a name has a capital (or a script without case)
            if label == "PERSON" and span[-1].text in cue(self.lang, "thing_heads"):
                # "James High School", "Reading Railroad", "Outland Trophy": named after a person, not one.
                if span[-1].text not in cue(self.lang, "org_suffixes"):
                    continue
                label = "ORG"
            elif label == "PERSON" and (
                _after_article(doc, span, self.lang) or _after_place_preposition(doc, span, self.lang) or _common_word_at_sentence_start(doc, span)
            ):
                continue
            elif label == "PERSON" and _after_org_noun(doc, span, self.lang):
                label = "ORG"  # "the band Killing Joke", "rock band, Eels"
            elif label == "ORG" and _looks_like_person(doc, span, self.lang, companies):
                label = "PERSON"  # "Paul Voulet", "Betty Uber": a given name and a surname, no organisation word
            elif label == "PERSON" and span.end < len(doc) and ROMAN_NUMERAL.fullmatch(doc[span.end].text):
                span = doc[span.start : span.end + 1]  # "Henry VIII", "Eberhard Faber V"
            out.append(Mention(span.start_char, span.end_char, label, "model", None, PRIORITY_MODEL))
        text = doc_text(doc)
        return _join_persons(text, _agree_on_persons(text, out, companies))

    def _gazetteer_mentions(self, doc: Doc, model: list[Span]) -> list[Mention]:
        out = []
        text = doc_text(doc)
        org_cues = cue_index(self.lang, "org_cue_nouns")
        roles = cue_index(self.lang, "role_words")
        suffixes = cue(self.lang, "org_suffixes")

        links = cue(self.lang, "role_links")

        def has_cue(match: GazetteerMatch) -> bool:
            """A type noun or role before the name ("the company Apple", "CEO of Apple"), or a legal form after it ("Apple Inc.")."""
            words = text[max(0, match.start - 40) : match.start].split()
            words = words[:-1] if words and words[-1].lower() in links else words
            after = text[match.end : match.end + 12].split()
            return any(ends_with_sequence(ws, index) for ws in (words, [w.lower() for w in words]) for index in (org_cues, roles)) or bool(
                after and after[0] in suffixes
            )

        model_orgs = [(e.start_char, e.end_char) for e in model if e.label_ == "ORG"]
        for start, end, canonical in confirmed_matches(text, doc._.companies or (), has_cue, model_orgs):
            # Inside a model PERSON, or a one-word name inside a longer entity ("Google Maps"): not the company.
            one_word = " " not in text[start:end]
            blocked = any(
                e.start_char <= start and end <= e.end_char and (e.label_ in ("PER", "PERSON") or (one_word and e.end_char - e.start_char > end - start))
                for e in model
            )
            if not blocked:
                out.append(Mention(start, end, "ORG", "gazetteer", 0.9, PRIORITY_GAZETTEER, canonical))
        return out

    def _cue_mentions(self, doc: Doc, model: list[Span]) -> list[Mention]:
        """Every cue rule at every token: titles, legal forms, name heads, team names, type nouns, roles."""
        ctx = _Context(doc, self.lang, model)
        rules = (_title_person, _said_person, _given_name_person, _suffix_org, _head_org, _team_org, _cue_noun_org, _role_org)
        if not self.has_model:
            rules += (_capitalized_guess,)
        out = []
        for i in range(len(doc)):
            for rule in rules:
                found = rule(ctx, i)
                if found is not None:
                    start, end, label, score, priority = found
                    out.append(Mention(doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), label, "rule", score, priority))
        return out


def _with_place(doc: Doc, model_mentions: list[Mention], rule_mentions: list[Mention], model: list[Span]) -> list[Mention]:
    """The model's ORGs, each run on to the place after it when a cue rule reads both as one name.

    "Standard" (ORG) "de" "Liège" (LOC) with the head rule's "Standard de Liège", "les Trail Blazers" (ORG)
    "de Portland" (LOC) with the team rule's: the model's mention keeps its type and its start, and ends
    where the rule's does, only when what it gains is a place link and a place the model typed.
    """
    text = doc_text(doc)
    places = {(e.start_char, e.end_char) for e in model if e.label_ in ("LOC", "GPE")}
    out = []
    for m in model_mentions:
        longer = [
            r.end
            for r in rule_mentions
            if m.label == "ORG" == r.label and r.start == m.start and r.end > m.end and r.priority >= PRIORITY_CUE and _place_after(text, m.end, r.end, places)
        ]
        out.append(replace(m, end=max(longer)) if longer else m)
    return out


def _place_after(text: str, start: int, end: int, places: set[tuple[int, int]]) -> bool:
    """Whether text[start:end] is a place link ("de", "du", "d'") and then a place in `places` that ends at `end`."""
    link = re.match(r"\s+(?:de|du|d\s?['’])\s*", text[start:end])
    return link is not None and (start + link.end(), end) in places


class _Context:
    """What the cue rules of one Doc share: the Doc, its language's cue lists, the model's entities."""

    def __init__(self, doc: Doc, lang: str, model: list[Span]) -> None:
        self.doc = doc
        self.tokens = [t.text for t in doc]
        self.lower = [t.lower() for t in self.tokens]
        self.not_names = cue(lang, "not_names")
        self.suffixes = cue(lang, "org_suffixes")
        self.heads = cue(lang, "org_name_heads")
        self.titles = cue(lang, "person_titles")
        self.team_dets = cue(lang, "team_determiners")
        self.not_nicknames = cue(lang, "team_not_nicknames")
        sports = cue(lang, "sports_words")
        self.sports_at = [k for k, word in enumerate(self.lower) if word in sports] if self.team_dets else []
        self.place_links = cue(lang, "place_links")
        self.role_links = cue(lang, "role_links")
        self.org_nouns = cue_index(lang, "org_cue_nouns")
        self.roles = cue_index(lang, "role_words")
        self.person_verbs = cue(lang, "person_verbs")
        self.given_names = given_names()
        self.person_starts = {e.start for e in model if e.label_ in ("PER", "PERSON")}
        self.person_or_place = {i for e in model if e.label_ in ("PER", "PERSON", "LOC", "GPE") for i in range(e.start, e.end)}

    def is_role(self, i: int) -> bool:
        """Token i is a role or a title, capitalized as in "the Foreign Secretary said", "General Director": no name."""
        return self.lower[i] in self.roles or self.tokens[i] in self.titles


_Found = tuple[int, int, str, float, int] | None  # token start, token end, label, score, priority


def _title_person(ctx: _Context, i: int) -> _Found:
    """ "M. Beyer", "Mme Dupont", "Dr. Ortega" -> PERSON (the title stays outside)."""
    doc = ctx.doc
    if ctx.tokens[i] not in ctx.titles or i + 1 >= len(doc):
        return None
    end = name_run(doc, i + 1, ctx.not_names, particles=True)
    if end > i + 1 and not any(doc[k].like_num or _has_digit(ctx.tokens[k]) for k in range(i + 1, end)) and not ctx.is_role(end - 1):
        return (i + 1, end, "PERSON", 0.9, PRIORITY_TITLE)
    return None


def _said_person(ctx: _Context, i: int) -> _Found:
    """Two to four capitalized words right before or after a speech verb: "Tobias Wren said", "said Tobias Wren" -> PERSON."""
    doc = ctx.doc
    if ctx.lower[i] not in ctx.person_verbs:
        return None
    if i + 1 < len(doc):
        end = name_run(doc, i + 1, ctx.not_names, max_len=4)
        if end - (i + 1) >= 2 and not any(doc[k].like_num or _has_digit(ctx.tokens[k]) for k in range(i + 1, end)) and not ctx.is_role(end - 1):
            return (i + 1, end, "PERSON", 0.7, PRIORITY_CUE)
    start = i
    while start > 0 and i - start < 4 and is_capitalized(doc[start - 1].text) and doc[start - 1].text not in ctx.not_names and doc[start - 1].is_alpha:
        start -= 1
    if i - start >= 2 and (start == 0 or not is_capitalized(doc[start - 1].text)) and not ctx.is_role(i - 1):
        return (start, i, "PERSON", 0.7, PRIORITY_CUE)
    return None


def _given_name_person(ctx: _Context, i: int) -> _Found:
    """A run of two to four capitalized words opening with a common given name: "Maria Lopez" -> PERSON."""
    doc = ctx.doc
    if ctx.tokens[i] not in ctx.given_names or (i > 0 and is_capitalized(ctx.tokens[i - 1]) and ctx.tokens[i - 1] not in ctx.not_names):
        return None
    end = name_run(doc, i, ctx.not_names, particles=True, max_len=4)
    if (
        end - i >= 2
        and not any(doc[k].like_num or _has_digit(ctx.tokens[k]) or ctx.tokens[k] in ctx.suffixes for k in range(i, end))
        and (end >= len(doc) or ctx.tokens[end] not in ctx.suffixes)
    ):
        return (i, end, "PERSON", 0.75, PRIORITY_CUE)
    return None


def _capitalized_guess(ctx: _Context, i: int) -> _Found:
    """Two or three capitalized words inside a sentence, none a function, type or place-link word: a PERSON guess (no model)."""
    doc = ctx.doc
    if i == 0 or doc[i].is_sent_start or is_capitalized(ctx.tokens[i - 1]) or ctx.lower[i - 1] in ("the", "of", "at", "in") or doc[i - 1].is_quote:
        return None
    end = i
    while end < len(doc) and end - i < 4 and doc[end].is_alpha and doc[end].text.istitle() and ctx.tokens[end] not in ctx.not_names:
        end += 1
    if not 2 <= end - i <= 3 or (end < len(doc) and (is_capitalized(ctx.tokens[end]) or ctx.lower[end] in ("of", "de"))):
        return None
    if any(ctx.tokens[k] in ctx.suffixes or ctx.tokens[k] in ctx.heads or ctx.tokens[k] in ctx.titles for k in range(i, end)):
        return None
    return (i, end, "PERSON", 0.5, PRIORITY_GUESS)


def _suffix_org(ctx: _Context, i: int) -> _Found:
    """Capitalized words before a legal form or club word: "Quintara SA", "Brightwave Inc." -> ORG."""
    doc = ctx.doc
    if ctx.tokens[i] not in ctx.suffixes or i == 0:
        return None
    start = i
    while start > 0 and is_capitalized(doc[start - 1].text) and doc[start - 1].text not in ctx.not_names and not doc[start - 1].is_punct:
        start -= 1
    return (start, i + 1, "ORG", 0.8, PRIORITY_CUE) if start < i else None


def _head_org(ctx: _Context, i: int) -> _Found:
    """A name that opens with an organisation head: "FC Martigny", "Racing Club de Lens" -> ORG."""
    doc = ctx.doc
    if ctx.tokens[i] not in ctx.heads or (i > 0 and is_capitalized(ctx.tokens[i - 1]) and ctx.tokens[i - 1] not in ctx.not_names):
        return None
    end = name_run(doc, i + 1, ctx.not_names, particles=True, stop=ctx.person_starts)
    if end == i + 1 and i + 2 < len(doc) and doc[i + 1].text in ctx.place_links:
        after_link = name_run(doc, i + 2, ctx.not_names, particles=True, stop=ctx.person_starts)
        end = after_link if after_link > i + 2 else end
    return (i, end, "ORG", 0.8, PRIORITY_CUE) if end > i + 1 else None


def _team_org(ctx: _Context, i: int) -> _Found:
    """A team's nickname and its city after a determiner, near a sports word: "les Lakers de Los Angeles", "au Heat de Miami" -> ORG.

    The sports word ("saison", "match", "joué", "échangé", within `SPORTS_WINDOW` tokens) tells a team
    from a people or a title ("les Inuits du Québec", "Les Demoiselles de Rochefort"); competitions and
    venues ("les Jeux de Barcelone", "le Stade de France") are never nicknames.
    """
    doc = ctx.doc
    if ctx.tokens[i] not in ctx.team_dets:
        return None
    nick_end = name_run(doc, i + 1, ctx.not_names, max_len=3)
    link = _link_length(doc, nick_end, ctx.place_links)
    if nick_end > i + 1 and link and ctx.tokens[i + 1] not in ctx.not_nicknames:
        place_end = name_run(doc, nick_end + link, ctx.not_names, particles=True, max_len=4)
        if place_end > nick_end + link and _near(ctx.sports_at, i, SPORTS_WINDOW):
            return (i + 1, place_end, "ORG", 0.8, PRIORITY_CUE)
    return None


def _near(positions: list[int], i: int, window: int) -> bool:
    """Whether a sorted list of token positions holds one within `window` tokens of i."""
    k = bisect.bisect_left(positions, i - window)
    return k < len(positions) and positions[k] <= i + window


def _cue_noun_org(ctx: _Context, i: int) -> _Found:
    """A name after a type noun and at most one adjective: "la compagnie norvégienne Widerøe" -> ORG."""
    doc = ctx.doc
    n = matches_sequence(ctx.tokens, i, ctx.org_nouns)
    if not n or (i > 0 and ctx.lower[i - 1] in ("de", "d'", "d’", "of")):
        return None
    j = i + n
    if j + 1 < len(doc) and doc[j].is_alpha and doc[j].is_lower and not doc[j].is_stop and is_capitalized(doc[j + 1].text):
        j += 1
    if j + 1 < len(doc) and doc[j].text == ",":
        j += 1
    end = name_run(doc, j, ctx.not_names)
    return (j, end, "ORG", 0.8, PRIORITY_CUE) if end > j else None


def _role_org(ctx: _Context, i: int) -> _Found:
    """The employer after a role: "PDG de Meta", "CEO of Acme" -> ORG, unless the model says person or place."""
    doc = ctx.doc
    n = matches_sequence(ctx.lower, i, ctx.roles)
    if not n:
        return None
    j = i + n
    if j < len(doc) and ctx.lower[j] in ctx.role_links:
        j += 1
    end = name_run(doc, j, ctx.not_names)
    if end > j and not any(k in ctx.person_or_place for k in range(j, end)):
        return (j, end, "ORG", 0.7, PRIORITY_ROLE)
    return None


def _strip_punct(doc: Doc, span: Span) -> Span | None:
    """A model ORG without dangling punctuation or a possessive at its edges ("Financial Group -", "Apple 's"); a final "." stays."""
    start, end = span.start, span.end
    while start < end and doc[start].is_punct:
        start += 1
    while end > start and ((doc[end - 1].is_punct and doc[end - 1].text != ".") or doc[end - 1].text in POSSESSIVES):
        end -= 1
    return doc[start:end] if start < end else None


def _after_person_noun(doc: Doc, ent: Span, lang: str, companies: list[tuple[int, int]]) -> bool:
    """A model name right after a noun for a person ("pianist", "daughter", "historian"), all title-case words with no
    organisation word in it and no gazetteer company over it: the name of that person, whatever type the model gave."""
    if ent.start == 0 or doc[ent.start - 1].text not in cue(lang, "person_nouns"):
        return False
    span = _strip_punct(doc, ent)
    org_words = cue(lang, "org_suffixes") | cue(lang, "org_name_heads") | cue(lang, "thing_heads")
    if span is None or not all(t.is_alpha and t.text.istitle() and t.text not in org_words for t in span):
        return False
    return not any(s < span.end_char and span.start_char < e for s, e in companies)


def _agree_on_persons(text: str, mentions: list[Mention], companies: list[tuple[int, int]]) -> list[Mention]:
    """One type per name in a document, a person's first: a model ORG whose text the model also types PERSON in the
    document ("Octavio" typed both ways) is that PERSON, unless a gazetteer company covers it ("Ford")."""
    persons = {text[m.start : m.end] for m in mentions if m.label == "PERSON"}
    return [
        replace(m, label="PERSON") if m.label == "ORG" and text[m.start : m.end] in persons and not any(s < m.end and m.start < e for s, e in companies) else m
        for m in mentions
    ]


def _join_persons(text: str, mentions: list[Mention]) -> list[Mention]:
    """Two model PERSONs one space or a Spanish "y" apart are one name the model cut: "Phillip" "Joseph Garrigan", "Diego Silang" y "Andaya".

    Not across other particles: "La Walkyrie de Richard Wagner" is a work and its author.
    """
    out: list[Mention] = []
    for m in sorted(mentions, key=lambda m: m.start):
        prev = out[-1] if out else None
        gap = text[prev.end : m.start] if prev else ""
        if prev and prev.label == m.label == "PERSON" and gap in (" ", " y "):
            out[-1] = replace(prev, end=m.end)
        else:
            out.append(m)
    return out


def _after_org_noun(doc: Doc, span: Span, lang: str) -> bool:
    """A name right after an organisation noun, a comma between at most: "the band Deadsy", "rock band, Eels"."""
    i = span.start - 1
    if i > 0 and doc[i].text == ",":
        i -= 1
    return i >= 0 and ends_with_sequence([t.lower_ for t in doc[max(0, i - 3) : i + 1]], cue_index(lang, "org_cue_nouns"))


def _looks_like_person(doc: Doc, span: Span, lang: str, companies: list[tuple[int, int]]) -> bool:
    """A model ORG of one to three title-case words opening with a common given name and with no organisation word in or
    right after it, nor a gazetteer company over it: "Paul Voulet", "Amanda", not "Morgan Stanley" (gazetteer) or "Charles Schwab Corp."."""
    words = [t.text for t in span]
    if not 1 <= len(words) <= 3 or words[0] not in given_names() or not all(w.isalpha() and w.istitle() for w in words):
        return False
    org_words = cue(lang, "org_suffixes") | cue(lang, "org_name_heads") | cue(lang, "thing_heads")
    if any(w in org_words for w in words) or (span.end < len(doc) and doc[span.end].text in org_words):
        return False
    return not any(s < span.end_char and span.start_char < e for s, e in companies)


def _after_place_preposition(doc: Doc, span: Span, lang: str) -> bool:
    """A name right after a preposition of place and not a possessor: "in Raqqah", "near Al Shadaddi", not "in Obama's speech"."""
    before = doc[span.start - 1].lower_ if span.start else ""
    return before in cue(lang, "place_prepositions") and not (span.end < len(doc) and _possessive_at(doc, span.end))


def _common_word_at_sentence_start(doc: Doc, span: Span) -> bool:
    """A one-word name opening its sentence that the document writes in lower case elsewhere and never capitalized
    inside a sentence: "Evolution has been ..." beside "biological evolution" is the common word.

    The document-centred evidence for capitalized words of Mikheev, "A knowledge-free method for capitalized word
    disambiguation" (ACL 1999): capitalization at a sentence start says nothing, case elsewhere does.
    """
    if len(span) != 1 or not _opens_sentence(doc, span.start):
        return False
    word = span.text
    lower = word.lower()
    if lower == word or not re.search(rf"(?<!\w){re.escape(lower)}(?!\w)", doc_text(doc)):
        return False
    return not any(not _opens_sentence(doc, t.i) for t in doc if t.text == word)


def _opens_sentence(doc: Doc, i: int) -> bool:
    """Token i is the first word of its sentence, after any opening quotes or brackets."""
    while i > 0 and not doc[i].is_sent_start and (doc[i - 1].is_quote or doc[i - 1].is_bracket):
        i -= 1
    return i == 0 or bool(doc[i].is_sent_start)


def _after_article(doc: Doc, span: Span, lang: str) -> bool:
    """A name right after the definite article and not a modifier of the next word: "the Danube ,", "the Bruins to".

    People are rarely written with "the" before them; a person's name after "the" modifies a noun ("the Clinton
    administration", "the Schlegel brothers") or takes a possessive, and those stay PERSON.
    """
    if span.start == 0 or doc[span.start - 1].lower_ not in cue(lang, "definite_articles"):
        return False
    if span.end == len(doc):
        return True
    nxt = doc[span.end]
    return not (nxt.text in POSSESSIVES or (nxt.is_alpha and nxt.is_lower and not nxt.is_stop))


def _link_length(doc: Doc, i: int, links: frozenset[str]) -> int:
    """Tokens taken by a linking word at i ("de", "du", "d'"; also "d" + "'" as split in pre-tokenized text)."""
    if i + 1 >= len(doc):
        return 0
    if doc[i].text in links:
        return 1
    if doc[i].text == "d" and doc[i + 1].text in ("'", "’") and i + 2 < len(doc):
        return 2
    return 0


def clean_person(doc: Doc, span: Span, lang: str) -> Span | None:
    """A model PERSON without leading lower-case words and titles, and trailing numbers, lower-case words and symbols; None when it is no name.

    Dropped: spans with no capitalized word or with a digit, a bare determiner, and a title quoted alone ("Evita").
    """
    start, end = span.start, span.end
    titles = cue(lang, "person_titles")
    while start < end and (not is_capitalized(doc[start].text) or (doc[start].text in titles and end - start > 1)) and not _hyphened_particle(doc, start, end):
        start += 1  # "le président X", "M. Beyer": the title stays outside, as the cue rules write it; "al-Zarqawi" stays whole
    while end > start and (doc[end - 1].like_num or not any(ch.isupper() for ch in doc[end - 1].text)):
        end -= 1  # numbers, punctuation, a possessive, a dangling "&" or "of": "Kanye West 's", "Julio Iglesias &"; "el-Banna" stays
    if start >= end or _has_digit(doc[start:end].text):
        return None  # "P-38 Lightning", "2 Bombardment": a code or a number is no person's name
    not_names = cue(lang, "not_names")
    if not any(is_capitalized(doc[k].text) and doc[k].text not in not_names for k in range(start, end)):
        return None  # "Le roi"
    if doc[end - 1].text in ("Jr", "Sr") and end < len(doc) and doc[end].text == "." and not doc[end - 1].whitespace_:
        return doc[start : end + 1]  # "Lon Chaney Jr." keeps its period
    if start > 0 and end < len(doc) and doc[start - 1].text in QUOTES and doc[end].text in QUOTES and not _possessive_at(doc, end):
        return None
    return doc[start:end]


def _has_capital(text: str) -> bool:
    """An upper-case letter in `text`, or no cased letter at all (Arabic, Chinese, Devanagari names have no case)."""
    return any(ch.isupper() for ch in text) or not any(ch.islower() for ch in text)


def _has_digit(text: str) -> bool:
    """A digit anywhere in `text`: a code, a model number or a date, never part of a person's name ("Martin B-10")."""
    return any(ch.isdigit() for ch in text)


def _hyphened_particle(doc: Doc, i: int, end: int) -> bool:
    """A lower-case name particle joined by a hyphen to the capitalized rest of the name: "al-Zarqawi", "el-Sisi"."""
    return i + 2 < end and doc[i].lower_ in NAME_PARTICLES and doc[i + 1].text in ("-", "‐") and is_capitalized(doc[i + 2].text)


def _possessive_at(doc: Doc, i: int) -> bool:
    """Token i opens a possessive: "'s", or an apostrophe split from its "s" ("Shakespeare ' s")."""
    return doc[i].text in POSSESSIVES and (len(doc[i].text) > 1 or (i + 1 < len(doc) and doc[i + 1].lower_ == "s"))
