"""Vietnamese word segmentation with pyvi's CRF: text in, word spans (code-point offsets) out.

It reproduces pyvi's ViTokenizer.tokenize (same syllabifier, features, model and post-rules) but
keeps exact offsets into the input, computes each syllable's feature strings once (cached per
syllable, never per sentence) and calls python-crfsuite's Tagger directly. Named fixes (FIXES)
correct pyvi's known defects; with `fixes=()` the segmentation is pyvi's.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

from tasks.vi_pyvi_model import PyviModel, load_pyvi_model

# Each fix, in the order the benchmark attributes differences from pyvi.
FIXES: tuple[str, ...] = (
    "nfd",  # combining marks stay in their syllable (NFD text no longer shatters); features use NFC
    "caps_period",  # "AI." at a sentence end is "AI" + "."; an abbreviation ("TP.") ends its word
    "dates",  # 12/3/2020, 3/2020, 12-3-2020 and 2020-03-12 are one token
    "line_breaks",  # no word crosses a line break
)
USER_DICT = "user_dict"  # words of the user dictionary are one token each (names differences too)

# Abbreviations that keep their period even before a space ("TP. Hồ Chí Minh", "PGS.TS. Lê A");
# so do initials ("anh H.") and a capital run glued to the next word ("TP.HCM").
ABBREVIATIONS: frozenset[str] = frozenset(
    {"TP", "TX", "TT", "Q", "P", "GS", "PGS", "TS", "ThS", "Th.S", "BS", "KS", "CN", "ĐH", "NXB", "Tp"}
)
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_NEWLINE = "\n"
_COMBINING = "\u0300-\u036f"


def _pattern(fixes: frozenset[str]) -> re.Pattern[str]:
    """pyvi's syllabifier, plus whitespace runs, so the matches tile the text; fixes adjust it."""
    caps = r"[A-ZĐ]+\."
    if "caps_period" in fixes:
        known = "|".join(sorted((re.escape(a) for a in ABBREVIATIONS if a.isalpha()), key=len, reverse=True))
        caps = rf"(?:{known})\.(?!\w)|[A-ZĐ]\.|[A-ZĐ]+\.(?=\w)"
    abbreviations = [caps, r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\."]
    specials = [r"==>", r"->", r"\.\.\.", r">>", r"\n"]
    web = r"\w+://[^\s]+"
    email = r"[a-zA-Z0-9_.+-]+@(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+"
    dates = []
    if "dates" in fixes:
        day, month = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
        dates = [
            rf"{day}/{month}/(?:\d{{4}}|\d{{2}})(?![\w/])",
            rf"{day}-{month}-\d{{4}}(?![\w-])",
            rf"\d{{4}}-{month}-{day}(?![\w-])",
            rf"{month}/\d{{4}}(?![\w/])",
            rf"{day}/{month}(?![\w/])",
        ]
    digit = r"\d+(?:[\.,_]\d+)+"
    non_word = r"[^\w\s]"
    word = rf"[\w{_COMBINING}]+" if "nfd" in fixes else r"\w+"
    alternatives = [r"[^\S\n]+", *abbreviations, *specials, web, email, *dates, digit, non_word, word]
    return re.compile("|".join(alternatives))


class _Syllable(NamedTuple):
    """What the segmenter needs of one syllable, computed once per distinct surface form."""

    lower: str
    own: list[str]  # pyvi's features of the syllable itself, "bias" first
    as_prev: list[str]  # its features seen from the next syllable ("-1:...")
    as_next: list[str]  # its features seen from the previous syllable ("+1:...")
    blocks_join: bool  # pyvi's post-rule: punctuation or digit-initial syllables never join
    title_initial: bool
    is_abbreviation: bool  # ends in "." after letters: "TP.", "Mr."
    is_newline: bool


def _syllable(surface: str) -> _Syllable:
    word = unicodedata.normalize("NFC", surface)
    lower = word.lower()
    upper, title = word.isupper(), word.istitle()
    own = ["bias", "word.lower():" + lower]
    own += ["word.isupper()"] if upper else []
    own += ["word.istitle()"] if title else []
    own += ["word.isdigit()"] if word.isdigit() else []
    as_prev = ["-1:word.lower():" + lower]
    as_prev += ["-1:word.istitle()"] if title else []
    as_prev += ["-1:word.isupper()"] if upper else []
    as_next = ["+1:word.lower():" + lower]
    as_next += ["+1:word.istitle()"] if title else []
    as_next += ["+1:word.isupper()"] if upper else []
    first = word[0]
    return _Syllable(
        lower=lower,
        own=own,
        as_prev=as_prev,
        as_next=as_next,
        # `in string.punctuation` is pyvi's substring test, kept as it is.
        blocks_join=word in string.punctuation or first.isdigit(),
        title_initial=first.istitle(),
        is_abbreviation=len(word) > 1 and word[-1] == "." and word[:-1].replace(".", "").isalpha(),
        is_newline=word == _NEWLINE,
    )


class _SyllableCache(dict):
    """Per-syllable features by surface form; cleared when it grows past `limit` (foreign words, numbers)."""

    def __init__(self, limit: int = 200_000) -> None:
        super().__init__()
        self.limit = limit

    def __missing__(self, surface: str) -> _Syllable:
        if len(self) >= self.limit:
            self.clear()
        entry = self[surface] = _syllable(surface)
        return entry


class VietnameseSegmenter:
    """Segments text into words with pyvi's CRF; `fixes` names the defects of pyvi to correct."""

    def __init__(self, fixes: Iterable[str] = FIXES, user_words: Iterable[str] = ()) -> None:
        self.fixes = frozenset(fixes)
        unknown = self.fixes - set(FIXES)
        if unknown:
            raise ValueError(f"unknown fixes {sorted(unknown)}; known: {list(FIXES)}")
        self.model: PyviModel = load_pyvi_model()
        self.pattern = _pattern(self.fixes)
        self.cache = _SyllableCache()
        self.user_words = tuple(dict.fromkeys(w for w in (" ".join(u.split()) for u in user_words) if w))
        self._user_index = self._index_user_words(self.user_words)

    def _index_user_words(self, words: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
        index: dict[str, list[tuple[str, ...]]] = {}
        for word in words:
            syllables = tuple(self.cache[p].lower for p in self.pattern.findall(word) if not p.isspace())
            index.setdefault(syllables[0], []).append(syllables)
        for candidates in index.values():
            candidates.sort(key=len, reverse=True)
        return index

    def syllables(self, text: str) -> tuple[list[str], list[int]]:
        """The syllables pyvi's CRF sees (each "\\n" included, other whitespace left out) and their start offsets."""
        surfaces: list[str] = []
        starts: list[int] = []
        pos = 0
        for piece in self.pattern.findall(text):
            if piece[0].isspace() and piece != _NEWLINE:
                pos += len(piece)
                continue
            surfaces.append(piece)
            starts.append(pos)
            pos += len(piece)
        return surfaces, starts

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Word spans (start, end) into `text`, in order; whitespace belongs to no word."""
        surfaces, starts = self.syllables(text)
        if not surfaces:
            return []
        cache = self.cache
        info = [cache[s] for s in surfaces]
        joins = self._joins(text, surfaces, starts, info)
        spans: list[tuple[int, int]] = []
        word_start = starts[0]
        word_end = word_start + len(surfaces[0])
        for i in range(1, len(surfaces)):
            start = starts[i]
            if joins[i]:
                word_end = start + len(surfaces[i])
                continue
            if not info[i - 1].is_newline or word_start != starts[i - 1]:
                spans.append((word_start, word_end))
            word_start, word_end = start, start + len(surfaces[i])
        if not info[-1].is_newline or word_start != starts[-1]:
            spans.append((word_start, word_end))
        return spans

    def _labels(self, info: list[_Syllable]) -> list[str]:
        """pyvi's CRF labels (B_W / I_W), from the same feature strings sklearn-crfsuite would make."""
        n = len(info)
        lowers = [e.lower for e in info]
        bi_grams, tri_grams = self.model.bi_grams, self.model.tri_grams
        pairs = [a + " " + b for a, b in zip(lowers, lowers[1:])]
        bigram = [p in bi_grams for p in pairs]
        trigram = [p + " " + c in tri_grams for p, c in zip(pairs, lowers[2:])]
        items = []
        for i, entry in enumerate(info):
            features = entry.own.copy()
            if i > 0:
                features += info[i - 1].as_prev
                if bigram[i - 1]:
                    features.append("-1:word.bi_gram()")
                if i > 1 and trigram[i - 2]:
                    features.append("-2:word.tri_gram()")
            if i < n - 1:
                features += info[i + 1].as_next
                if bigram[i]:
                    features.append("+1:word.bi_gram()")
                if i < n - 2 and trigram[i]:
                    features.append("+2:word.tri_gram()")
            items.append(features)
        return self.model.tagger.tag(items)

    def _joins(self, text: str, surfaces: list[str], starts: list[int], info: list[_Syllable]) -> list[bool]:
        """Whether each syllable continues the previous one's word: CRF label, pyvi's post-rules, fixes."""
        labels = self._labels(info)
        line_breaks = "line_breaks" in self.fixes
        caps_period = "caps_period" in self.fixes
        joins = [False] * len(info)
        for i in range(1, len(info)):
            if labels[i] != "I_W":
                continue
            cur, prev = info[i], info[i - 1]
            if cur.blocks_join or prev.blocks_join or (cur.title_initial and not prev.title_initial):
                continue
            if caps_period and prev.is_abbreviation:
                continue
            if line_breaks and (cur.is_newline or prev.is_newline or self._breaks_line(text, starts, surfaces, i)):
                continue
            joins[i] = True
        if self._user_index:
            self._force_user_words(text, surfaces, starts, info, joins)
        return joins

    @staticmethod
    def _breaks_line(text: str, starts: list[int], surfaces: list[str], i: int) -> bool:
        gap_start = starts[i - 1] + len(surfaces[i - 1])
        gap = starts[i] - gap_start
        if gap == 0 or (gap == 1 and text[gap_start] == " "):
            return False
        return not LINE_BREAKS.isdisjoint(text[gap_start : starts[i]])

    def _force_user_words(
        self, text: str, surfaces: list[str], starts: list[int], info: list[_Syllable], joins: list[bool]
    ) -> None:
        n = len(info)
        i = 0
        while i < n:
            candidates = self._user_index.get(info[i].lower)
            length = 0
            for syllables in candidates or ():
                end = i + len(syllables)
                if end <= n and all(info[i + k].lower == s for k, s in enumerate(syllables)):
                    if not any(self._breaks_line(text, starts, surfaces, j) for j in range(i + 1, end)):
                        length = len(syllables)
                        break
            if not length:
                i += 1
                continue
            joins[i] = False
            for j in range(i + 1, i + length):
                joins[j] = True
            if i + length < n:
                joins[i + length] = False
            i += length
