"""The anchors of a document: rare strings that survive translation, as keys of the document hash join.

Kinds (the key's prefix): `num:` numbers with their grouping and decimal separators normalised (1,000 =
1.000 = 1 000 -> 1000; 3,5 = 3.5 -> 3.5); `date:` numeric dates as ISO (2016-08-11, 11/08/2016 ->
2016-08-11, day first); `url:` and `mail:` web addresses and e-mail addresses, lowercased; `name:`
capitalised words that do not open a sentence (names, acronyms, brands: the strings an entity tagger
types, compared as written); `lex:` a word of the other language, through the corpus lexicon or the
user's dictionary (a document's words translated, and the other language's documents' own words). Month names and spelled-out numbers
are not anchors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from tasks.align.lexicon import words

ANCHOR, LEXICAL = 0, 1  # the kinds of anchor the scores weigh apart

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DMY_DATE = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)")
_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d])|\d+(?:[.,]\d+)*)")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_OPENERS = set('.!?:;"“”«»¿¡—–-•*(')


def normalise_number(text: str) -> str:
    """A number as written (`1,000.5`, `1.000,5`, `1 000`, `3,5`) in one form (`1000.5`, `1000.5`, `1000`, `3.5`).

    Separators followed by exactly three digits group thousands unless they are the number's only
    separator followed by a different one; the last separator before a group of other length is the
    decimal point.
    """
    groups = re.split(r"[.,\s\u00a0\u202f]", text)
    if len(groups) == 1:
        return str(int(groups[0]))
    *head, last = groups
    if len(last) == 3 and all(len(g) == 3 for g in head[1:]) and len(head[0]) <= 3:
        return str(int("".join(groups)))
    integer = "".join(head)
    return f"{int(integer)}.{last}"


def text_anchors(text: str, min_number: int = 2) -> set[str]:
    """The language-independent anchors of one document's text (numbers, dates, URLs, e-mails, names)."""
    found: set[str] = set()
    for match in _URL.finditer(text):
        found.add("url:" + match.group().rstrip(".,;:!?").lower())
    for match in _EMAIL.finditer(text):
        found.add("mail:" + match.group().lower())
    for y, m, d in _ISO_DATE.findall(text):
        found.add(_date(y, m, d))
    for d, m, y in _DMY_DATE.findall(text):
        found.add(_date(y, m, d))
    stripped = _DMY_DATE.sub(" ", _ISO_DATE.sub(" ", _URL.sub(" ", _EMAIL.sub(" ", text))))
    for match in _NUMBER.finditer(stripped):
        value = normalise_number(match.group())
        if len(value) >= min_number:
            found.add("num:" + value)
    for line in stripped.splitlines():
        found.update("name:" + word for word in _names(line))
    return found


def _date(year: str, month: str, day: str) -> str:
    return f"date:{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _names(line: str) -> Iterable[str]:
    """Capitalised words of a line that do not open a sentence (after a line start or an opener such as `.`)."""
    previous = "."
    end = 0
    for match in _WORD.finditer(line):
        gap = line[end : match.start()].strip()
        opener = gap[-1:] in _OPENERS if gap else previous == "."
        word = match.group()
        if word[0].isupper() and len(word) >= 2 and not opener and not word.isdigit():
            yield word
        previous = ""
        end = match.end()


def lexical_anchors(text: str, by_word: Mapping[str, list[str]]) -> set[str]:
    """The `lex:` anchors of a text: for each of its words, the lexicon word pairs that hold it on this language's side."""
    found: set[str] = set()
    for word in set(words(text)):
        found.update(by_word.get(word, ()))
    return found


def lexicon_anchors(rows: Iterable[tuple[str, str, str, str, float]], pair: tuple[str, str], min_prob: float, per_word: int) -> dict[str, dict[str, list[str]]]:
    """Per language of `pair`, each word's `lex:` anchors, from `lexicon` table rows (src_lang, tgt_lang, src, tgt, prob).

    Each direction x -> y of the lexicon translates the bag of words of an x document into y: an x
    word gives `lex:x>y:t` for its `per_word` most probable translations t at or above `min_prob`, and a
    y word t that some x word translates to gives `lex:x>y:t` itself. The empty word and numbers are left out.
    """
    best: dict[tuple[str, str, str], list[tuple[float, str]]] = {}
    for src_lang, tgt_lang, src, tgt, prob in rows:
        if {src_lang, tgt_lang} == set(pair) and prob >= min_prob and src and tgt and not src.isdigit() and not tgt.isdigit():
            best.setdefault((src_lang, tgt_lang, src), []).append((prob, tgt))
    out: dict[str, dict[str, set[str]]] = {lang: {} for lang in pair}
    for (x, y, word), entries in best.items():
        for _, target in sorted(entries, reverse=True)[:per_word]:
            key = f"lex:{x}>{y}:{target}"
            out[x].setdefault(word, set()).add(key)
            out[y].setdefault(target, set()).add(key)
    return {lang: {w: sorted(keys) for w, keys in table.items()} for lang, table in out.items()}
