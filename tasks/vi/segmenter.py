"""Vietnamese word segmentation with pyvi's CRF: text in, word spans (code-point offsets) out.

It reproduces pyvi's ViTokenizer.tokenize (same syllabifier, features, model and post-rules) but
keeps exact offsets into the input, computes each syllable's feature strings once (cached per
syllable, never per sentence) and calls python-crfsuite's Tagger directly. Named fixes (FIXES)
correct pyvi's known defects; with `fixes=()` the segmentation is pyvi's.

Speed: the work on the syllables of a group of texts is a handful of C-level passes over all of
them at once (map/zip over cached per-syllable values; one regex findall and one Tagger.tag call per
text); the per-syllable decisions of pyvi's post-rules are bitwise operations on ints holding one
byte per syllable.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, chain, compress, repeat, starmap
from operator import add, getitem, ne, sub
from typing import NamedTuple

from tasks.spacy.batches import batches
from tasks.vi.pyvi_model import NGRAM_BITS, PyviModel, load_pyvi_model

# Each fix, in the order the benchmark attributes differences from pyvi.
FIXES: tuple[str, ...] = (
    "nfd",  # combining marks stay in their syllable (NFD text no longer shatters); features use NFC
    "caps_period",  # "AI." at a sentence end is "AI" + "."; an abbreviation ("TP.") ends its word
    "dates",  # 12/3/2020, 3/2020, 12-3-2020 and 2020-03-12 are one token
    "line_breaks",  # no word crosses a line break
    "inner_punct",  # ' ’ - & . between letters stay in their word (H'Hen, Ê-đê, AT&T, JD.com, TP.HCM); "--" is one token
)

# Abbreviations that keep their period even before a space ("TP. Hồ Chí Minh", "PGS.TS. Lê A");
# so do initials ("anh H.") and a capital run glued to the next word ("TP.HCM").
ABBREVIATIONS: frozenset[str] = frozenset({"TP", "TX", "TT", "Q", "P", "GS", "PGS", "TS", "ThS", "Th.S", "BS", "KS", "CN", "ĐH", "NXB", "Tp"})
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_NEWLINE = "\n"
_COMBINING = "\u0300-\u036f"
# Vietnamese capitals (NFC); a "." between a lower-case letter and one of these is a missing space, not a word's dot.
_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
# Whitespace before the first syllable / after a syllable.
_LEADING_SPACE = re.compile(r"[^\S\n]*")
_TRAILING_SPACE = re.compile(r"[^\S\n]*\Z")

# Per-syllable flags, one byte per syllable in the bit masks of _joins.
_BLOCKS_JOIN = 1  # pyvi's post-rule: punctuation or digit-initial syllables never join
_TITLE_INITIAL = 2
_ABBREVIATION = 4  # ends in "." after letters: "TP.", "Mr."
_IS_NEWLINE = 8
_GAP_BREAKS_LINE = 16  # the whitespace after the syllable holds a line break
_INNER_PUNCT = 32  # letters joined by ' ’ - & or . ("Coca-Cola"): a written word of its own, joined to no other

# The n-gram features of an item, by code (bigram + 2 * trigram): those ending at it, those starting at it.
_BIGRAM_BEFORE, _TRIGRAM_BEFORE = "-1:word.bi_gram()", "-2:word.tri_gram()"
_BIGRAM_AFTER, _TRIGRAM_AFTER = "+1:word.bi_gram()", "+2:word.tri_gram()"
_BEFORE = ((), (_BIGRAM_BEFORE,), (_TRIGRAM_BEFORE,), (_BIGRAM_BEFORE, _TRIGRAM_BEFORE))
_AFTER = ((), (_BIGRAM_AFTER,), (_TRIGRAM_AFTER,), (_BIGRAM_AFTER, _TRIGRAM_AFTER))
_LOWER_PREFIXES = ("word.lower():", "-1:word.lower():", "+1:word.lower():")
_NO_NEIGHBOUR: tuple[tuple[bytes, ...], ...] = ((),) * 4  # before the first syllable, after the last (code 0)
# The CRF's labels as one byte each: "B_W" -> 0, "I_W" -> 1 (only the first letter is looked at).
_INSIDE = bytes.maketrans(b"BI", b"\x00\x01")
_FLIP = bytes.maketrans(b"\x00\x01", b"\x01\x00")
# Put before each piece of the fast path of words_many: a mark where a word starts (byte 0), nothing where it goes on.
_WORD_MARKS = ("\x00", "")
# Characters segmented at once by words_many: enough syllables that a pass costs far more than starting it,
# few enough that they stay in the CPU's caches between passes (1,000-2,000 was fastest on UD sentences).
GROUP_CHARS = 1_500


def _inner_word(combining: bool) -> str:
    """A word with ' ’ - & or . between its letters ("H'Hen", "Ê-đê", "McDonald's", "AT&T", "JD.com", "TP.HCM").

    Also the dotted ABBREVIATIONS ("Th.S"). Not: a chain of known abbreviations or initials that each keep their period ("PGS.TS.", "U.S."), a
    "." between a lower-case letter and a capital (a missing space: "đi.Sau"), the local part of an
    e-mail address, nor a final period (letters must follow each mark).
    """
    letters = rf"(?:[^\W\d_][{_COMBINING}]*)++" if combining else r"[^\W\d_]++"
    known = "|".join(sorted((re.escape(a) for a in ABBREVIATIONS if a.isalpha()), key=len, reverse=True))
    dotted = "|".join(re.escape(a) for a in sorted(ABBREVIATIONS) if not a.isalpha())  # "Th.S"
    joiner = rf"(?:[-'’&]|(?<=[{_UPPER}])\.|\.(?![{_UPPER}]))"
    return rf"(?:{dotted})(?!\w)|(?!(?:(?:{known}|[A-ZĐ])\.)+(?!\w)){letters}(?:{joiner}{letters})++(?![@\w])"


_INNER_WORD = re.compile(_inner_word(combining=True))


def _pattern(fixes: frozenset[str]) -> re.Pattern[str]:
    """pyvi's syllabifier, each syllable with the whitespace after it, so the matches tile the text."""
    # Shortcuts first: a letter or digit run ending at whitespace (or, for letters, at punctuation
    # none of the later patterns continue with), or such punctuation, is what the later patterns give.
    shortcuts = [
        r"[^\W\d_][^\W_]*+(?=[\s,;!?()\[\]{}\"'“”‘’…]|\Z)",
        r"\d[^\W_]*+(?![^\s])",
        r"[^\w\s.=>+\-]|\.(?![^\s])",  # punctuation that starts no longer pattern ("...", "->", e-mail)
    ]
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
    inner = []
    if "inner_punct" in fixes:
        inner = [_inner_word("nfd" in fixes)]
        specials = [*specials[:2], r"--+", *specials[2:]]
    alternatives = [*inner, *shortcuts, *abbreviations, *specials, web, email, *dates, digit, non_word, word]
    return re.compile(f"(?:{'|'.join(alternatives)})[^\\S\\n]*")


class _Syllable(NamedTuple):
    """What the segmenter needs of one syllable, computed once per distinct form (with the whitespace after it).

    The features are pyvi's feature strings in pyvi's order, each as the 2-byte name the tagger's
    model knows it by (PyviModel.attributes), keeping only those the CRF knows: it skips the others
    anyway. All tuples of bytes, str and ints, so the garbage collector stops tracking the cache's entries.
    """

    own: tuple[bytes, ...]  # features of the syllable itself, "bias" first
    # Its features seen from the next syllable ("-1:..."), followed by each n-gram code's features
    # ending at that next syllable (_BEFORE); and seen from the previous one ("+1:...") followed by
    # those starting at the previous one (_AFTER): that is how they follow each other in an item.
    as_prev: tuple[tuple[bytes, ...], ...]
    as_next: tuple[tuple[bytes, ...], ...]
    # The lower-cased syllable's id in pyvi's n-gram lexicon (0 if in none), shifted for its place in an
    # n-gram key: last, middle (<< NGRAM_BITS), first of three (<< 2 * NGRAM_BITS).
    gram: int
    gram2: int
    gram3: int
    flags: int  # _BLOCKS_JOIN | _TITLE_INITIAL | _ABBREVIATION | _IS_NEWLINE | _GAP_BREAKS_LINE | _INNER_PUNCT
    lower: str


def _surface(piece: str) -> str:
    """The syllable of a match of the pattern, without the whitespace after it."""
    return piece[: _TRAILING_SPACE.search(piece).start()]  # type: ignore[union-attr]


class _FeatureNames:
    """What `_syllable` reads from the model: its attributes' names, and the features that depend on no syllable's
    text (flags, n-grams), looked up once. Each is a tuple of the names the model knows, in pyvi's order."""

    def __init__(self, model: PyviModel) -> None:
        self.attributes = model.attributes
        self.syllable_ids = model.syllable_ids
        self.bias = self.known("bias")
        # By upper + 2 * title + 4 * digit, and for a neighbour by title + 2 * upper (pyvi's orders).
        self.own_flags = self.subsets("word.isupper()", "word.istitle()", "word.isdigit()")
        self.prev_flags = self.subsets("-1:word.istitle()", "-1:word.isupper()")
        self.next_flags = self.subsets("+1:word.istitle()", "+1:word.isupper()")
        self.before = tuple(self.known(*names) for names in _BEFORE)
        self.after = tuple(self.known(*names) for names in _AFTER)

    def known(self, *names: str) -> tuple[bytes, ...]:
        """The model's names for those of `names` it has weights for."""
        return tuple(self.attributes[name] for name in names if name in self.attributes)

    def subsets(self, *names: str) -> tuple[tuple[bytes, ...], ...]:
        """`known` of each subset of `names`, at the sum of 2 ** i over the names i it holds."""
        return tuple(self.known(*(name for i, name in enumerate(names) if code >> i & 1)) for code in range(1 << len(names)))

    def lower(self, lower: str) -> tuple[tuple[bytes, ...], ...]:
        """The model's names for a syllable's `word.lower()` features (of the syllable, "-1:" and "+1:"), each () if it has none."""
        get = self.attributes.get
        return tuple((name,) if (name := get(prefix + lower)) else () for prefix in _LOWER_PREFIXES)


def _syllable(piece: str, names: _FeatureNames) -> _Syllable:
    surface = _surface(piece)
    word = unicodedata.normalize("NFC", surface)
    lower = word.lower()
    upper, title = word.isupper(), word.istitle()
    own, as_prev, as_next = names.lower(lower)
    as_prev += names.prev_flags[title + 2 * upper]
    as_next += names.next_flags[title + 2 * upper]
    gram = names.syllable_ids.get(lower, 0)
    first = word[0]
    flags = (
        # `in string.punctuation` is pyvi's substring test, kept as it is.
        _BLOCKS_JOIN * (word in string.punctuation or first.isdigit())
        | _TITLE_INITIAL * first.istitle()
        | _ABBREVIATION * (len(word) > 1 and word[-1] == "." and word[:-1].replace(".", "").isalpha())
        | _IS_NEWLINE * (word == _NEWLINE)
        | _GAP_BREAKS_LINE * (not LINE_BREAKS.isdisjoint(piece[len(surface) :]))
        | _INNER_PUNCT * bool(_INNER_WORD.fullmatch(surface))
    )
    return _Syllable(
        own=names.bias + own + names.own_flags[upper + 2 * title + 4 * word.isdigit()],
        as_prev=tuple(as_prev + grams for grams in names.before),
        as_next=tuple(as_next + grams for grams in names.after),
        gram=gram,
        gram2=gram << NGRAM_BITS,
        gram3=gram << 2 * NGRAM_BITS,
        flags=flags,
        lower=lower,
    )


class Syllables(NamedTuple):
    """The syllables of a text and their offsets (end exclusive)."""

    surfaces: list[str]
    starts: list[int]
    ends: list[int]


class _SyllableCache(dict):
    """Per-syllable features by form (with the whitespace after it); cleared when it grows past `limit`."""

    def __init__(self, model: PyviModel, limit: int = 200_000) -> None:
        super().__init__()
        self.names = _FeatureNames(model)
        self.limit = limit

    def __missing__(self, piece: str) -> _Syllable:
        if len(self) >= self.limit:
            self.clear()
        entry = self[piece] = _syllable(piece, self.names)
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
        self.cache = _SyllableCache(self.model)
        self._is_bigram, self._is_trigram = self.model.bi_grams.__contains__, self.model.tri_grams.__contains__
        self._tag = self.model.tagger.tag
        line_breaks, caps_period = "line_breaks" in self.fixes, "caps_period" in self.fixes
        never = _BLOCKS_JOIN | (_IS_NEWLINE if line_breaks else 0) | (_INNER_PUNCT if "inner_punct" in self.fixes else 0)
        ends_word = never | (_ABBREVIATION if caps_period else 0) | (_GAP_BREAKS_LINE if line_breaks else 0)
        # A flags byte to a rules byte: bit 0, the syllable may continue the previous word; bit 1, it
        # may be continued by the next; bit 2, it is title-initial; bit 3, it is not.
        self._rules = bytes((not f & never) | (not f & ends_word) << 1 | bool(f & _TITLE_INITIAL) << 2 | (not f & _TITLE_INITIAL) << 3 for f in range(256))
        self.user_words = tuple(dict.fromkeys(w for w in (" ".join(u.split()) for u in user_words) if w))
        self._user_index = self._index_user_words(self.user_words)

    def _index_user_words(self, words: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
        index: dict[str, list[tuple[str, ...]]] = {}
        for word in words:
            syllables = tuple(self.cache[piece].lower for piece in self.pattern.findall(word))
            index.setdefault(syllables[0], []).append(syllables)
        for candidates in index.values():
            candidates.sort(key=len, reverse=True)
        return index

    def syllables(self, text: str) -> Syllables:
        """The syllables pyvi's CRF sees (each "\\n" included, other whitespace left out), with offsets."""
        lead = _LEADING_SPACE.match(text).end()  # type: ignore[union-attr]
        pieces = self.pattern.findall(text, lead)
        surfaces = list(map(_surface, pieces))
        starts = list(accumulate(map(len, pieces), initial=lead))[:-1]
        return Syllables(surfaces, starts, list(map(add, starts, map(len, surfaces))))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Word spans (start, end) into `text`, in order; whitespace belongs to no word."""
        return _group_spans([text], self._segment_many([text]))[0]

    def spans_many(self, texts: Iterable[str]) -> Iterator[list[tuple[int, int]]]:
        """Word spans of each text, in order (see spans): the words `words_many` gives, as offsets, without the
        whitespace between them. Texts are segmented in groups of about GROUP_CHARS characters (see _segment_many)."""
        for group in batches(texts, len, GROUP_CHARS):
            yield from _group_spans(group, self._segment_many(group))

    def words(self, text: str) -> tuple[list[str], list[bool]]:
        """spaCy's words and spaces for `text` (see words_many)."""
        return _words(text, *self._segment_many([text])[0])

    def words_many(self, texts: Iterable[str]) -> Iterator[tuple[list[str], list[bool]]]:
        """spaCy's words and spaces for each text, in order: the words, then whitespace as spaCy splits it.

        One space after a word goes into its `spaces` flag; any other whitespace run is a word of its own.
        Texts are segmented in groups of about GROUP_CHARS characters (see _segment_many).
        """
        for group in batches(texts, len, GROUP_CHARS):
            for text, segmentation in zip(group, self._segment_many(group)):
                yield _words(text, *segmentation)

    def _segment_many(self, texts: Sequence[str]) -> list[tuple[list[str], int, bytes]]:
        """For each text, its pieces (syllable + whitespace after it), where the first starts, and a byte per
        piece, 1 where it continues the previous piece's word: from the CRF's labels, pyvi's post-rules and the fixes.

        Each step is one pass over the syllables of all the texts (a text is often one short sentence, and
        a pass per text would cost more than the work in it); n-grams, neighbours and words stop at the
        end of a text, and the CRF tags each text alone.
        """
        leads = [_LEADING_SPACE.match(text).end() for text in texts]  # type: ignore[union-attr]
        per_text = list(map(self.pattern.findall, texts, leads))
        ends = list(accumulate(map(len, per_text)))
        bounds = [(start, end) for start, end in zip([0, *ends], ends) if start < end]
        pieces = list(chain.from_iterable(per_text))
        n = len(pieces)
        if not n:
            return [(text_pieces, lead, b"") for text_pieces, lead in zip(per_text, leads)]
        owns, as_prevs, as_nexts, grams, grams2, grams3, flags, _ = zip(*map(self.cache.__getitem__, pieces))
        # pyvi's n-gram features: bigram i is syllables i, i + 1; trigram i is i, i + 1, i + 2.
        bigrams = list(map(add, grams2, grams[1:]))
        bi = int.from_bytes(bytes(map(self._is_bigram, bigrams)), "little")
        tri_bytes = bytearray(map(self._is_trigram, map(add, grams3, bigrams[1:]))) + b"\0\0"  # one per syllable
        # A text's first syllable has no previous one, its last no next one (nor the bigrams they would
        # bring), and no trigram starts at its last two.
        previous, following = [_NO_NEIGHBOUR, *as_prevs], [*as_nexts[1:], _NO_NEIGHBOUR]
        for start, end in bounds:
            previous[start] = following[end - 1] = _NO_NEIGHBOUR
            first = max(end - 2, start)
            tri_bytes[first:end] = bytes(end - first)
        tri = int.from_bytes(tri_bytes, "little")
        # Byte i of an int is syllable i's; << 8 moves syllable i - 1's byte to i. Code (bigram +
        # 2 * trigram) of the n-grams ending at each syllable and of those starting at it:
        before = ((bi << 8) | (tri << 17)).to_bytes(n, "little")
        after = (bi | (tri << 1)).to_bytes(n, "little")
        # Item i: own features, then the previous syllable's and the n-grams ending at i, then the next
        # syllable's and the n-grams starting at i: pyvi's dict order, so crfsuite sums the same way.
        items = list(map(add, map(add, owns, map(getitem, previous, before)), map(getitem, following, after)))
        labels = "".join(chain.from_iterable(map(self._tag, map(items.__getitem__, starmap(slice, bounds)))))
        inside = int.from_bytes(labels[::3].encode().translate(_INSIDE), "little")
        # pyvi's post-rules and the fixes, each syllable's rule bits moved to bit 0 of its byte (which
        # alone `inside` keeps): i may continue, i - 1 may be continued, and not (i title-initial and
        # i - 1 not).
        flag_bytes = bytes(flags)
        rules = int.from_bytes(flag_bytes.translate(self._rules), "little")
        joins = bytearray((inside & rules & (rules << 7) & ((rules >> 3) | (rules << 6))).to_bytes(n, "little"))
        for start, end in bounds:
            joins[start] = 0
            if self._user_index:
                joins[start:end] = self._force_user_words(pieces[start:end], flag_bytes[start:end], joins[start:end])
        return [(text_pieces, lead, bytes(joins[end - len(text_pieces) : end])) for text_pieces, lead, end in zip(per_text, leads, ends)]

    def _force_user_words(self, pieces: list[str], flags: bytes, joins: bytearray) -> bytes:
        """`joins` with each longest user word found (not across a line break) made one word."""
        lowers = tuple(self.cache[piece].lower for piece in pieces)
        n = len(lowers)
        i = 0
        while i < n:
            length = 0
            for word in self._user_index.get(lowers[i], ()):
                end = i + len(word)
                if lowers[i:end] == word and not any(f & _GAP_BREAKS_LINE for f in flags[i : end - 1]):
                    length = len(word)
                    break
            if not length:
                i += 1
                continue
            joins[i] = 0
            joins[i + 1 : i + length] = b"\x01" * (length - 1)
            if i + length < n:
                joins[i + length] = 0
            i += length
        return bytes(joins)


def _words(text: str, pieces: list[str], lead: int, joins: bytes) -> tuple[list[str], list[bool]]:
    """spaCy's words and spaces of a segmented text."""
    # isprintable(): no whitespace but " " (nor control or format characters, which go the long way).
    if not text.isprintable() or "  " in text or text[:1] == " ":
        return _words_and_spaces(text, _group_spans([text], [(pieces, lead, joins)])[0])
    if not pieces:
        return [], []
    # Only single spaces between syllables: a word is its pieces, less the space after the last.
    spaced = "".join(map(add, map(_WORD_MARKS.__getitem__, joins), pieces))[1:].split(_WORD_MARKS[0])
    words = list(map(str.rstrip, spaced))
    return words, list(map(ne, spaced, words))


def _group_spans(texts: Sequence[str], segmented: Sequence[tuple[list[str], int, bytes]]) -> list[list[tuple[int, int]]]:
    """Word spans (start, end) of each of `texts`, from `_segment_many(texts)`: a few passes over the pieces of all of them."""
    pieces = list(chain.from_iterable(text_pieces for text_pieces, _, _ in segmented))
    if not pieces:
        return [[] for _ in texts]
    # Where each piece starts in its text: where the piece before it ends, but a text's first piece at its
    # lead, a step back from where the text before ends (a text's pieces tile it from its lead to its end).
    steps = [0, *map(len, pieces)]
    first, previous_end = 0, 0
    for text, (text_pieces, lead, _) in zip(texts, segmented):
        if text_pieces:
            steps[first] += lead - previous_end
            first += len(text_pieces)
            previous_end = len(text)
    starts = list(accumulate(steps))
    # A word runs from its first piece (a 0 in `joins`; every text's first piece is one) to the piece before
    # the next word's first, less the whitespace after that piece. A syllable is never whitespace but
    # for "\n", and the whitespace after one never holds a "\n".
    heads = list(compress(range(len(pieces)), b"".join(text_joins for _, _, text_joins in segmented).translate(_FLIP)))
    lasts = [*map(sub, heads[1:], repeat(1, len(heads) - 1)), len(pieces) - 1]
    surfaces = map(len, map(str.rstrip, map(pieces.__getitem__, lasts)))
    spans = list(zip(map(starts.__getitem__, heads), map(add, map(starts.__getitem__, lasts), map(max, surfaces, repeat(1)))))
    result = []
    position = 0
    for text, (_, _, text_joins) in zip(texts, segmented):
        words = text_joins.count(0)
        text_spans = spans[position : position + words]
        position += words
        # A "\n" the CRF saw but that joined no word is whitespace, not a word.
        result.append([span for span in text_spans if text[span[0] : span[1]] != _NEWLINE] if _NEWLINE in text else text_spans)
    return result


def _words_and_spaces(text: str, spans: list[tuple[int, int]]) -> tuple[list[str], list[bool]]:
    """spaCy's words and spaces for `text` cut at `spans`, whatever the whitespace between them."""
    words: list[str] = []
    spaces: list[bool] = []
    pos = 0
    for start, end in spans:
        if start > pos:
            _add_gap(text[pos:start], words, spaces)
        words.append(text[start:end])
        spaces.append(False)
        pos = end
    if pos < len(text):
        _add_gap(text[pos:], words, spaces)
    return words, spaces


def _add_gap(gap: str, words: list[str], spaces: list[bool]) -> None:
    if words and gap[0] == " " and not spaces[-1]:
        spaces[-1] = True
        gap = gap[1:]
        if not gap:
            return
    words.append(gap)
    spaces.append(False)
