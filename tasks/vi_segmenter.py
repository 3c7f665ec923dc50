"""Vietnamese word segmentation with pyvi's CRF: text in, word spans (code-point offsets) out.

It reproduces pyvi's ViTokenizer.tokenize (same syllabifier, features, model and post-rules) but
keeps exact offsets into the input, computes each syllable's feature strings once (cached per
syllable, never per sentence) and calls python-crfsuite's Tagger directly. Named fixes (FIXES)
correct pyvi's known defects; with `fixes=()` the segmentation is pyvi's.
"""

from __future__ import annotations

import operator
import re
import string
import unicodedata
from collections.abc import Iterable
from itertools import accumulate, compress
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
_NONE: list[bytes] = []
_BIGRAM_BEFORE, _TRIGRAM_BEFORE = b"-1:word.bi_gram()", b"-2:word.tri_gram()"
_BIGRAM_AFTER, _TRIGRAM_AFTER = b"+1:word.bi_gram()", b"+2:word.tri_gram()"
_BEFORE = {
    (b, t): [f for f, on in ((_BIGRAM_BEFORE, b), (_TRIGRAM_BEFORE, t)) if on] for b in (False, True) for t in (False, True)
}
_AFTER = {
    (b, t): [f for f, on in ((_BIGRAM_AFTER, b), (_TRIGRAM_AFTER, t)) if on] for b in (False, True) for t in (False, True)
}
_COMBINING = "\u0300-\u036f"


def _pattern(fixes: frozenset[str]) -> re.Pattern[str]:
    """pyvi's syllabifier, plus whitespace runs, so the matches tile the text; fixes adjust it."""
    caps = r"[A-ZĐ]+\."
    if "caps_period" in fixes:
        known = "|".join(sorted((re.escape(a) for a in ABBREVIATIONS if a.isalpha()), key=len, reverse=True))
        caps = rf"(?:{known})\.(?!\w)|[A-ZĐ]\.|[A-ZĐ]+\.(?=\w)"
    abbreviations = [caps, r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\."]
    specials = [r"==>", r"->", r"\.\.\.", r">>", r"\n"]
    # pyvi's URL and e-mail patterns with bounded runs (scheme <= 32, local part <= 64, labels <= 63):
    # unbounded, they rescan a long run from every position inside it ("1-1-1-..." took quadratic time).
    web = r"\w{1,32}://[^\s]+"
    email = r"[a-zA-Z0-9_.+-]{1,64}@(?:[a-zA-Z0-9-]{1,63}\.)+[a-zA-Z0-9-]{1,63}"
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
    """What the segmenter needs of one syllable, computed once per distinct surface form.

    The feature lists are pyvi's feature strings in pyvi's order, UTF-8 encoded (python-crfsuite
    takes bytes as they are), keeping only those the CRF knows: it skips the others anyway.
    """

    lower: str
    own: list[bytes]  # features of the syllable itself, "bias" first
    as_prev: list[bytes]  # its features seen from the next syllable ("-1:...")
    as_next: list[bytes]  # its features seen from the previous syllable ("+1:...")
    blocks_join: bool  # pyvi's post-rule: punctuation or digit-initial syllables never join
    title_initial: bool
    is_abbreviation: bool  # ends in "." after letters: "TP.", "Mr."
    is_newline: bool


def _syllable(surface: str, known: frozenset[str]) -> _Syllable:
    word = unicodedata.normalize("NFC", surface)
    lower = word.lower()
    upper, title = word.isupper(), word.istitle()

    def features(*pairs: tuple[str, bool]) -> list[bytes]:
        return [name.encode() for name, on in pairs if on and name in known]

    first = word[0]
    return _Syllable(
        lower=lower,
        own=features(
            ("bias", True),
            ("word.lower():" + lower, True),
            ("word.isupper()", upper),
            ("word.istitle()", title),
            ("word.isdigit()", word.isdigit()),
        ),
        as_prev=features(("-1:word.lower():" + lower, True), ("-1:word.istitle()", title), ("-1:word.isupper()", upper)),
        as_next=features(("+1:word.lower():" + lower, True), ("+1:word.istitle()", title), ("+1:word.isupper()", upper)),
        # `in string.punctuation` is pyvi's substring test, kept as it is.
        blocks_join=word in string.punctuation or first.isdigit(),
        title_initial=first.istitle(),
        is_abbreviation=len(word) > 1 and word[-1] == "." and word[:-1].replace(".", "").isalpha(),
        is_newline=word == _NEWLINE,
    )


_LOWER, _OWN, _AS_PREV, _AS_NEXT = (operator.attrgetter(a) for a in ("lower", "own", "as_prev", "as_next"))


class Syllables(NamedTuple):
    """The syllables of a text and their offsets (end exclusive)."""

    surfaces: list[str]
    starts: list[int]
    ends: list[int]


def _breaks_line(text: str, syllables: Syllables, i: int) -> bool:
    """Whether the whitespace between syllables i - 1 and i holds a line break."""
    gap_start, gap_end = syllables.ends[i - 1], syllables.starts[i]
    if gap_end - gap_start < 2 and text[gap_start:gap_end] in ("", " "):
        return False
    return not LINE_BREAKS.isdisjoint(text[gap_start:gap_end])


class _SyllableCache(dict):
    """Per-syllable features by surface form; cleared when it grows past `limit` (foreign words, numbers)."""

    def __init__(self, known: frozenset[str], limit: int = 200_000) -> None:
        super().__init__()
        self.known = known
        self.limit = limit

    def __missing__(self, surface: str) -> _Syllable:
        if len(self) >= self.limit:
            self.clear()
        entry = self[surface] = _syllable(surface, self.known)
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
        self.cache = _SyllableCache(self.model.attributes)
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

    def syllables(self, text: str) -> Syllables:
        """The syllables pyvi's CRF sees (each "\\n" included, other whitespace left out), with offsets."""
        pieces = self.pattern.findall(text)
        bounds = list(accumulate(map(len, pieces), initial=0))
        keep = list(map(operator.not_, map(str.isspace, pieces)))
        if _NEWLINE in text:
            keep = [k or p == _NEWLINE for k, p in zip(keep, pieces)]
        return Syllables(list(compress(pieces, keep)), list(compress(bounds, keep)), list(compress(bounds[1:], keep)))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Word spans (start, end) into `text`, in order; whitespace belongs to no word."""
        syllables = self.syllables(text)
        if not syllables.surfaces:
            return []
        info = list(map(self.cache.__getitem__, syllables.surfaces))
        joins = self._joins(text, syllables, info)
        heads = [i for i, join in enumerate(joins) if not join]
        tails = heads[1:] + [len(info)]
        starts, ends = syllables.starts, syllables.ends
        # A "\n" the CRF saw but that joined no word is whitespace, not a word.
        return [(starts[h], ends[t - 1]) for h, t in zip(heads, tails) if t - h > 1 or not info[h].is_newline]

    def _labels(self, info: list[_Syllable]) -> list[str]:
        """pyvi's CRF labels (B_W / I_W), from the same feature strings sklearn-crfsuite would make."""
        # Built with map() over whole sequences: this runs once per syllable and is the hot loop.
        lowers = list(map(_LOWER, info))
        bigram = list(map(self.model.bi_grams.__contains__, map(" ".join, zip(lowers, lowers[1:]))))
        trigram = list(map(self.model.tri_grams.__contains__, map(" ".join, zip(lowers, lowers[1:], lowers[2:]))))
        # Item i: own features, then the previous syllable's, the n-grams ending at i, the next
        # syllable's, the n-grams starting at i: pyvi's dict order, so crfsuite sums the same way.
        before = [_NONE, *map(_BEFORE.__getitem__, zip(bigram, [False, *trigram]))]
        after = [*map(_AFTER.__getitem__, zip(bigram, [*trigram, False])), _NONE]
        previous = [_NONE, *map(_AS_PREV, info[:-1])]
        following = [*map(_AS_NEXT, info[1:]), _NONE]
        add = operator.add
        items = map(add, map(add, map(add, map(add, map(_OWN, info), previous), before), following), after)
        return self.model.tagger.tag(list(items))

    def _joins(self, text: str, syllables: Syllables, info: list[_Syllable]) -> list[bool]:
        """Whether each syllable continues the previous one's word: CRF label, pyvi's post-rules, fixes."""
        labels = self._labels(info)
        line_breaks = "line_breaks" in self.fixes
        caps_period = "caps_period" in self.fixes
        joins = [False] * len(info)
        for i in [i for i, label in enumerate(labels) if label == "I_W" and i]:
            cur, prev = info[i], info[i - 1]
            if cur.blocks_join or prev.blocks_join or (cur.title_initial and not prev.title_initial):
                continue
            if caps_period and prev.is_abbreviation:
                continue
            if line_breaks and (cur.is_newline or prev.is_newline or _breaks_line(text, syllables, i)):
                continue
            joins[i] = True
        if self._user_index:
            self._force_user_words(text, syllables, info, joins)
        return joins

    def _force_user_words(self, text: str, syllables: Syllables, info: list[_Syllable], joins: list[bool]) -> None:
        n = len(info)
        i = 0
        while i < n:
            candidates = self._user_index.get(info[i].lower)
            length = 0
            for word in candidates or ():
                end = i + len(word)
                if end <= n and all(info[i + k].lower == s for k, s in enumerate(word)):
                    if not any(_breaks_line(text, syllables, j) for j in range(i + 1, end)):
                        length = len(word)
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
