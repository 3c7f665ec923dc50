"""MONEY mentions in raw text, with an exact Decimal amount and an ISO 4217 currency.

Rules only (no spaCy), driven by the language data in tasks/entities/data/money.tsv, which also documents the
currency policy ("$" and "dollars" mean MoneyPolicy.dollar, French "billion" is 10^12, Vietnamese "T" is
tỷ). A span is the number with its magnitude words and currency ("$100 million", "1,5 milliard d'euros",
"2 tỷ đồng"); words like "about" / "khoảng" stay outside. There is no MONEY without a currency.

Time is linear in the text: one tokenizing regex whose alternatives are single character classes, then
one left-to-right pass over the tokens in which each number is read once and every look-around is
bounded by the longest phrase in the data. The text is expected in NFC, as the corpus stores it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

DATA_FILE = Path(__file__).parent / "data" / "money.tsv"

# Each alternative is one character class, so a match never backtracks into a rescan.
_TOKEN = re.compile(r"\d+|[^\W\d_]+|\s+|.", re.S)
_APOSTROPHES = {"\u2019": "'", "\u02bc": "'", "\u2018": "'"}
_DASHES = {"\u2013": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-"}  # U+2212 is the minus sign
_SPACE = " "  # the key of a run of whitespace holding at most one line break
_BREAK = "\n\n"  # the key of a run holding a paragraph break: nothing spans it
_MAX_MAGNITUDES = 3  # "mille milliards", "nghìn tỷ": magnitude words chained in a row
_MAX_INTEGER_DIGITS = 32  # entities.amount is decimal128(38, 6)
_MAX_FRACTION_DIGITS = 6
_MAX_PREFIX_TOKENS = 7  # tokens from a range connector to the number: "U.S.$" (5 tokens), a space, the digits
_UNITS = frozenset("123456789")  # number-word values that may follow tens and a hyphen
_RANGE_RATIO = 1000  # the ends of a range are less than this factor apart
_CUE_FREE_POWER = 6  # "2 million pounds" needs no cue (but "2 million pounds of waste" is a weight)
_CUE_WINDOW = 24  # tokens (about 12 words) either side of an amount searched for a money cue


@dataclass(frozen=True)
class Money:
    """One MONEY mention: code-point offsets into the text (end exclusive), exact amount, ISO 4217 code."""

    start: int
    end: int
    text: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class MoneyPolicy:
    """What ambiguous currency names mean: a bare "$"/"dollar(s)"/"đô la"/"đô", a bare "franc(s)", "¥"."""

    dollar: str = "USD"
    franc: str = "CHF"
    yen_sign: str = "JPY"

    def __post_init__(self) -> None:
        for name in ("dollar", "franc", "yen_sign"):
            code = getattr(self, name)
            if not (isinstance(code, str) and len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()):
                raise ValueError(f"MoneyPolicy.{name} must be an ISO 4217 code such as 'USD', got {code!r}")


def find_money(text: str, lang: str, policy: MoneyPolicy = MoneyPolicy()) -> list[Money]:
    """All MONEY mentions of `text` written in language `lang`, left to right, not overlapping."""
    return _Scanner(text, _language(lang), policy).run()


class _Entry(NamedTuple):
    value: str
    cased: tuple[str | None, ...] | None  # the exact letter tokens, when case matters
    flags: frozenset[str]


class _Phrases:
    """Phrases of tokens in a trie, matched longest-first forwards (or backwards) from a token."""

    def __init__(self, backwards: bool = False) -> None:
        self._root: dict = {}
        self._backwards = backwards

    def add(self, phrase: str, value: str, flags: frozenset[str]) -> None:
        toks = _TOKEN.findall(phrase)
        keys = [_key(t) for t in toks]
        cased = tuple(t if t[0].isalpha() else None for t in toks) if "cased" in flags else None
        if self._backwards:
            keys.reverse()
            cased = cased[::-1] if cased else None
        node = self._root
        for k in keys:
            node = node.setdefault(k, {})
        node.setdefault(None, []).append(_Entry(value, cased, flags))

    def match(self, toks: list[str], keys: list[str], i: int) -> tuple[int, _Entry] | None:
        """The longest phrase starting at token i (ending at it when backwards): (index past it, entry)."""
        step = -1 if self._backwards else 1
        node, j, best = self._root, i, None
        while 0 <= j < len(keys) and keys[j] in node:
            node = node[keys[j]]
            j += step
            for entry in node.get(None, ()):
                if entry.cased is None or _same_case(entry.cased, toks, i, step):
                    best = (j, entry)
                    break
        return best

    def starts(self, key: str) -> bool:
        """Whether some phrase begins with a token of this key."""
        return key in self._root


def _same_case(cased: tuple[str | None, ...], toks: list[str], i: int, step: int) -> bool:
    return all(want is None or toks[i + n * step] == want for n, want in enumerate(cased))


def _kind_of(tok: str) -> str:
    c = tok[0]
    return "d" if c.isdecimal() else "l" if c.isalpha() else "s" if c.isspace() else "o"


def _key(tok: str) -> str:
    """What a token is matched by: letters casefolded, whitespace by its line breaks, dashes unified."""
    c = tok[0]
    if c.isspace():
        return _BREAK if tok.count("\n") > 1 else _SPACE
    if c.isalpha():
        return tok.casefold()
    return _APOSTROPHES.get(tok, _DASHES.get(tok, tok))


@dataclass
class _Language:
    """The money data of one language: separators, magnitudes, numbers, currencies, connectors."""

    group: frozenset[str] = frozenset()
    decimal: frozenset[str] = frozenset()
    mark: str | None = None
    magnitudes: _Phrases = field(default_factory=_Phrases)
    numbers: _Phrases = field(default_factory=_Phrases)
    connectors: _Phrases = field(default_factory=_Phrases)
    ranges: _Phrases = field(default_factory=_Phrases)
    cues: frozenset[str] = frozenset()
    after: _Phrases = field(default_factory=_Phrases)
    before: _Phrases = field(default_factory=lambda: _Phrases(backwards=True))
    blockers: dict[str, frozenset[str]] = field(default_factory=dict)

    def add_currency(self, phrase: str, code: str, flags: frozenset[str]) -> None:
        if "suffix" in flags:
            self.after.add(phrase, code, flags)
        if "prefix" in flags:
            self.before.add(phrase, code, flags)

    @functools.cached_property
    def separators(self) -> frozenset[str]:
        return self.group | self.decimal


def _rows() -> list[list[str]]:
    rows = []
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            cells = line.split("\t")
            rows.append(cells + [""] * (5 - len(cells)))
    return rows


def _code_points(cell: str) -> frozenset[str]:
    return frozenset(chr(int(cp[2:], 16)) for cp in cell.split())


@functools.cache
def _language(lang: str) -> _Language:
    """The data of `lang`: its own rows of each kind, or the default rows, plus the rows for every language."""
    rows = _rows()
    own_kinds = {kind for row_lang, kind, *_ in rows if row_lang == lang}
    data = _Language()
    for row_lang, kind, text, value, flag_cell in rows:
        if not (row_lang == "*" or row_lang == lang or (row_lang == "default" and kind not in own_kinds)):
            continue
        flags = frozenset(flag_cell.split())
        if kind == "group":
            data.group |= _code_points(text)
        elif kind == "decimal":
            data.decimal |= _code_points(text)
        elif kind == "mark":
            data.mark = next(iter(_code_points(text)))
        elif kind == "magnitude":
            data.magnitudes.add(text, value, flags)
        elif kind == "number":
            data.numbers.add(text, value, flags)
        elif kind == "connector":
            data.connectors.add(text, "", flags)
        elif kind == "range":
            data.ranges.add(text, "", flags)
        elif kind == "cue":
            data.cues |= frozenset(_key(t) for t in _TOKEN.findall(text) if not t.isspace())
        elif kind == "blocker":
            data.blockers[_key(text)] = frozenset(_key(w) for w in value.split())
        elif kind == "currency":
            data.add_currency(text, value, flags)
        elif kind in ("iso", "iso_after"):
            positions = frozenset({"cased", "suffix", "prefix"} if kind == "iso" else {"cased", "suffix"})
            for code in text.split():
                data.add_currency(code, code, positions)
        else:
            raise ValueError(f"{DATA_FILE}: unknown kind {kind!r}")
    return data


class _Number(NamedTuple):
    digits: str  # integer and fraction digits, no separators
    exponent: int  # value = int(digits) * 10**exponent
    end: int  # token index past the number


class _Reading(NamedTuple):
    """An amount read at one number: where its span starts and stops, its value and currency (None: no money)."""

    first: int  # token index of the span's first token: minus sign, currency before the number, or the number
    body_end: int  # token index past the number and its magnitude words
    stop: int  # token index past the mention (its currency after the number included)
    digits: str
    exponent: int  # value = int(digits) * 10**exponent, magnitude words and cents applied
    power: int  # the power of ten of the first magnitude word (0 without one)
    integer_digits: int  # digits before the decimal mark, as written
    currency: str | None
    suffix: bool  # the currency stands after the amount
    scale: int  # the power of ten the currency scales by: -2 for cents
    negative: bool


class _Scanner:
    """One left-to-right pass over the tokens of one text."""

    def __init__(self, text: str, data: _Language, policy: MoneyPolicy) -> None:
        self.text, self.data, self.policy = text, data, policy
        self.toks = _TOKEN.findall(text)
        self.keys = [_key(t) for t in self.toks]
        self.kinds = "".join(map(_kind_of, self.toks))
        self.starts = [0] * (len(self.toks) + 1)
        pos = 0
        for n, tok in enumerate(self.toks):
            self.starts[n] = pos
            pos += len(tok)
        self.starts[-1] = pos
        self.taken = 0  # tokens before this index belong to a mention already found

    def run(self) -> list[Money]:
        found: list[Money] = []
        i, n = 0, len(self.toks)
        while i < n:
            if self.kinds[i] == "d":
                readings, resume = self._at_number(i)
            elif self.data.numbers.starts(self.keys[i]):
                readings, resume = self._at_number_word(i)
            else:
                readings, resume = [], i + 1
            for reading in readings:
                money = self._money(reading)
                if money:
                    found.append(money)
                    self.taken = reading.stop
                resume = max(resume, reading.stop)
            i = max(resume, i + 1)
        return found

    def _kind(self, i: int) -> str:
        """'d' digits, 'l' letters, 's' whitespace, 'o' other, '' outside the text."""
        return self.kinds[i] if 0 <= i < len(self.kinds) else ""

    def _at_number(self, i: int) -> tuple[list[_Reading], int]:
        if self._kind(i - 1) == "l" and not self.data.before.match(self.toks, self.keys, i - 1):
            return [], i + 1  # "A320", "COVID19": a number glued to a word
        if self._kind(i - 1) == "o" and self.keys[i - 1] in self.data.separators and self._kind(i - 2) == "d":
            return [], i + 1  # the tail of a number that did not parse as one ("1.234.5")
        if self.toks[i][0] == "0" and len(self.toks[i]) > 1 and self._kind(i - 1) == "s" and self._kind(i - 2) == "d":
            return [], i + 1  # "1  000": a group after an odd space is a tail, not an amount of 0
        number = self._number(i)
        return self._readings(self._reading(i, number)), number.end

    def _at_number_word(self, i: int) -> tuple[list[_Reading], int]:
        word = self._word_number(i)
        if word is None:
            return [], i + 1
        number, alone = word
        reading = self._word_reading(i, number, alone)
        if reading is not None:
            return self._readings(reading), number.end
        lower = self._reading(i, number) if self._word_opens_range(number, alone) else None
        pair = self._range(lower) if lower and lower.currency is None else None  # "two to three million dollars"
        return (pair, pair[1].stop) if pair else ([], number.end)

    def _word_number(self, i: int) -> tuple[_Number, bool] | None:
        """The spelled-out number at token i ("twenty-five" joined), and whether it may stand alone before a currency word."""
        hit = self.data.numbers.match(self.toks, self.keys, i)
        if not hit:
            return None
        end, entry = hit
        digits, exponent = _value(entry.value)
        units = self.data.numbers.match(self.toks, self.keys, end + 1) if self.keys[end : end + 1] == ["-"] else None
        if units and exponent == 0 and len(digits) == 2 and digits[1] == "0" and digits != "10" and units[1].value in _UNITS:
            end, entry = units  # "twenty-five", "vingt-cinq": tens and units
            digits = digits[0] + entry.value
        return _Number(digits, exponent, end), "alone" in entry.flags

    def _word_reading(self, i: int, number: _Number, alone: bool, minus: bool = True) -> _Reading | None:
        """The amount of a spelled-out number: before a spelled-out magnitude word ("a million", not "a m"),
        or, for a number that may stand alone, right before a currency word ("five dollars", not "a dollar")."""
        magnitude = self.data.magnitudes.match(self.toks, self.keys, self._skip_space(number.end))
        if magnitude:
            return None if "abbr" in magnitude[1].flags else self._reading(i, number, minus)
        reading = self._reading(i, number, minus, alone=True) if alone else None
        return reading if reading and reading.suffix and self.kinds[reading.stop - 1] == "l" else None

    def _word_opens_range(self, number: _Number, alone: bool) -> bool:
        """Whether a spelled-out number without a magnitude word may be the lower end of a range: a whole
        number, and not an article ("one", "deux", "hai"; not "a", "un", "một")."""
        if number.exponent or self.data.magnitudes.match(self.toks, self.keys, self._skip_space(number.end)):
            return False
        return alone or int(number.digits) >= 2

    def _readings(self, reading: _Reading | None) -> list[_Reading]:
        """The mentions starting with this reading: itself, or the two ends of a range it opens."""
        if reading is None:
            return []
        if not reading.suffix:
            pair = self._range(reading)
            if pair:
                return pair
        return [reading] if reading.currency else []

    def _number(self, i: int) -> _Number:
        """Digits with thousands separators and a decimal part, read from their shape (see `_groups`)."""
        toks, data = self.toks, self.data
        integer, fraction, group, j = [toks[i]], "", None, i + 1
        while self._kind(j + 1) == "d" and len(toks[j]) == 1:
            sep, digits = toks[j], toks[j + 1]
            if group is None and sep in data.group and len(toks[i]) <= 3 and len(digits) == 3 and self._groups(sep, j):
                group = sep
            if sep == group and len(digits) == 3:
                integer.append(digits)
                j += 2
                continue
            if sep in data.decimal and sep != group:
                fraction = digits
                j += 2
            break
        return _Number("".join(integer) + fraction, -len(fraction), j)

    def _groups(self, sep: str, j: int) -> bool:
        """Whether `sep` (at token j, before exactly three digits) separates thousands rather than marking decimals.

        It does, in any language: whether it repeats ("1,500,000"), is followed by another separator
        ("1.234,5") or stands alone ("45,000"). Only the language's own decimal mark right before a
        magnitude word is decimal ("1,500 tỷ" is 1.5 tỷ in vi), and a magnitude word never follows a
        separator, so the separators after the first need no look.
        """
        if sep not in self.data.decimal:
            return True
        return not (sep == self.data.mark and self._magnitudes(j + 2)[0] > 0)

    def _skip_space(self, j: int) -> int:
        return j + 1 if self.keys[j : j + 1] == [_SPACE] else j

    def _magnitudes(self, j: int) -> tuple[int, int]:
        """Magnitude words from token j, multiplied ("nghìn tỷ"): (power of ten, index past them)."""
        power, end = 0, j
        for count in range(_MAX_MAGNITUDES):
            at = self._skip_space(end)
            if count == 0 and self.keys[at : at + 1] == ["-"]:
                at += 1  # "$1.5-billion"
            hit = self.data.magnitudes.match(self.toks, self.keys, at)
            if not hit:
                break
            end, entry = hit
            power += int(entry.value)
        return power, end

    def _reading(self, start: int, number: _Number, minus: bool = True, alone: bool = False) -> _Reading | None:
        """The amount whose number starts at token `start`, with the currency before or after it if any.

        None when the digits are too many to be an amount, or for a currency code glued to letters on
        both sides ("AED4EU" is a name). `minus`: a minus sign written right before it belongs to it.
        `alone`: a spelled-out number without a magnitude word, which no currency word that is also an
        ordinary word (flag `homograph`: "the two won") may follow.
        """
        if len(number.digits) > _MAX_INTEGER_DIGITS + _MAX_FRACTION_DIGITS:
            return None  # no amount; it would also be slow to add to
        power, end = self._magnitudes(number.end)
        top = power
        digits, exponent = number.digits, number.exponent + power
        while power:  # "1 tỷ 200 triệu đồng": smaller parts added
            at = self._skip_space(end)
            part = self._number(at) if self._kind(at) == "d" else None
            if part is None or part.exponent or len(part.digits) > power:
                break
            part_power, part_end = self._magnitudes(part.end)
            if not (0 < part_power < power and len(part.digits) <= power - part_power):
                break
            digits, exponent = _add(digits, exponent, part.digits, part_power)
            power, end = part_power, part_end
        before = self._currency_before(start)
        after = self._currency_after(start, end, top, alone=alone)
        first, currency, stop, scale, suffix = start, None, end, 0, False
        if after and (before is None or before[1] == after[1]):
            first = before[0] if before else start
            stop, currency, scale, suffix = after[0], after[1], after[2], True
        elif before:
            first, currency = before
        if before and self._kind(before[0]) == "l" and self._kind(start - 1) != "s" and self._kind(stop) == "l":
            return None  # "AED4EU": a code glued to letters on both sides
        negative = minus and currency is not None and self._minus(first)
        integer_digits = len(number.digits) + min(number.exponent, 0)
        return _Reading(first - negative, end, stop, digits, exponent + scale, top, integer_digits, currency, suffix, scale, negative)

    def _minus(self, first: int) -> bool:
        """Whether a minus sign stands right before token `first`, not glued to a word or number before it."""
        return self.keys[first - 1 : first] == ["-"] and self._kind(first - 2) in ("", "s", "o") and self.keys[first - 2 : first - 1] != ["-"]

    def _range(self, lower: _Reading) -> list[_Reading] | None:
        """Both ends of a range opened by `lower` ("$5-10 million", "entre 2 et 3 milliards d'euros"), or None.

        The currency is written at one end or both (then the same); the lower end takes the upper's
        magnitude when it has none and is written with at most three integer digits (in "from 500,000
        to 1 million" it keeps its own). An upper end without a currency needs a magnitude word or a
        dash before it ("$5-10", not "$5 to 10 times"). With an `ordered` connector ("and", "or"), the
        lower end must be the smaller amount. The ends are within a factor _RANGE_RATIO of each other.
        Each end keeps its own span.
        """
        hit = self.data.ranges.match(self.toks, self.keys, self._skip_space(lower.body_end))
        if not hit:
            return None
        k = self._skip_space(hit[0])
        upper = self._upper(k)
        if upper is None:
            return None
        if upper.currency is None:
            if lower.currency is None or not (upper.power or self.keys[hit[0] - 1] == "-"):
                return None
            upper = upper._replace(currency=lower.currency)
        elif lower.currency and lower.currency != upper.currency:
            return None
        exponent = lower.exponent
        if lower.power == 0 and upper.power > 0 and lower.integer_digits <= 3:
            exponent += upper.power
        if lower.currency is None:
            exponent += upper.scale
        low, high = Decimal(lower.digits).scaleb(exponent), Decimal(upper.digits).scaleb(upper.exponent)
        if "ordered" in hit[1].flags and not low < high:
            return None
        if not (low * _RANGE_RATIO > high and high * _RANGE_RATIO > low):
            return None  # "in 2019 and 3 million dollars": no range spans that much
        return [lower._replace(exponent=exponent, currency=upper.currency, stop=lower.body_end), upper]

    def _upper(self, k: int) -> _Reading | None:
        """The amount that starts at token k: a number, maybe after its own currency, or a spelled-out amount."""
        if self._kind(k) == "l" and self.data.numbers.starts(self.keys[k]):
            word = self._word_number(k)
            upper = self._word_reading(k, *word, minus=False) if word else None
            if upper is not None:
                return upper
        at = next((m for m in range(k, min(k + _MAX_PREFIX_TOKENS, len(self.toks))) if self.kinds[m] == "d"), None)
        if at is None:
            return None
        upper = self._reading(at, self._number(at), minus=False)
        return upper if upper and upper.first == k else None

    def _currency_before(self, start: int) -> tuple[int, str] | None:
        at = start - 1
        if self._kind(at) == "s":
            at -= 1
        hit = self.data.before.match(self.toks, self.keys, at)
        if not hit or hit[0] + 1 < self.taken:
            return None
        return hit[0] + 1, self._resolve(hit[1].value)

    def _currency_after(self, start: int, end: int, power: int, alone: bool = False) -> tuple[int, str, int] | None:
        """The currency after the amount at tokens start..end whose magnitude words make `power` (0: none),
        as (index past it, ISO code, power of ten it scales by: -2 for cents)."""
        at = self._skip_space(end)
        if at == end and self.keys[at : at + 1] == ["-"] and self._kind(at + 1) == "l":
            at += 1  # "the 1,000-dollar genome"
        if power:
            joined = self.data.connectors.match(self.toks, self.keys, at)
            if joined:
                at = self._skip_space(joined[0])
        hit = self.data.after.match(self.toks, self.keys, at)
        if not hit:
            return None
        stop, entry = hit
        if ("magnitude" in entry.flags and not power) or ("homograph" in entry.flags and alone):
            return None
        if "cased" not in entry.flags and self.toks[at].istitle() and self._title_follows(stop):
            return None  # "Formule 3 Euro Series": a capitalized name, not a currency
        after = self._next_word(stop)
        if after is not None and self.keys[after] in self.data.blockers.get(self.keys[stop - 1], ()):
            return None  # "10 đồng nghiệp": a compound word, not a currency
        if "cue" in entry.flags and power < _CUE_FREE_POWER and not self._cued(start, stop):
            return None  # "a thousand pounds" of nets: a weight, unless the sentence is about money
        return stop, self._resolve(entry.value), -2 if "cents" in entry.flags else 0

    def _cued(self, start: int, stop: int) -> bool:
        """Whether a money cue word ("paid", "price", "£") stands within _CUE_WINDOW tokens of tokens start..stop."""
        window = self.keys[max(0, start - _CUE_WINDOW) : stop + _CUE_WINDOW]
        return any(key in self.data.cues for key in window)

    def _next_word(self, j: int) -> int | None:
        """The index of the word after the space at token j."""
        return j + 1 if self.keys[j : j + 1] == [_SPACE] and self._kind(j + 1) == "l" else None

    def _title_follows(self, j: int) -> bool:
        word = self._next_word(j)
        return word is not None and self.toks[word][0].isupper()

    def _resolve(self, value: str) -> str:
        return getattr(self.policy, value[1:]) if value.startswith("@") else value

    def _money(self, reading: _Reading) -> Money | None:
        amount = _decimal(reading.digits, reading.exponent)
        if amount is None or reading.currency is None:
            return None
        start, end = self.starts[reading.first], self.starts[reading.stop]
        return Money(start, end, self.text[start:end], -amount if reading.negative else amount, reading.currency)


def _value(value: str) -> tuple[str, int]:
    """A number word's value from the data ("1000", "0.25") as (digits, exponent)."""
    whole, _, fraction = value.partition(".")
    return whole + fraction, -len(fraction)


def _add(digits: str, exponent: int, more: str, more_exponent: int) -> tuple[str, int]:
    """Exact sum of digits*10^exponent and more*10^more_exponent, as (digits, exponent)."""
    low = min(exponent, more_exponent)
    total = int(digits + "0" * (exponent - low)) + int(more + "0" * (more_exponent - low))
    return str(total), low


def _decimal(digits: str, exponent: int) -> Decimal | None:
    """The exact amount, written plainly ("1500000000", "12.50"); None when entities.amount,
    decimal128(38, 6), cannot hold it exactly."""
    digits = digits.lstrip("0") or "0"
    while exponent < -_MAX_FRACTION_DIGITS and digits.endswith("0"):
        digits, exponent = digits[:-1], exponent + 1
    if len(digits) + exponent > _MAX_INTEGER_DIGITS or exponent < -_MAX_FRACTION_DIGITS:
        return None
    if exponent >= 0:
        return Decimal(digits + "0" * exponent)
    digits = digits.rjust(-exponent + 1, "0")
    return Decimal(f"{digits[:exponent]}.{digits[exponent:]}")
