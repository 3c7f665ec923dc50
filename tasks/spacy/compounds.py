"""French hyphenated compounds stay whole: "grands-pères", "là-bas", "Paris-Orly", "Peut-être" at a sentence start.

spaCy's French tokenizer splits a hyphen between two letters (an infix rule of spacy/lang/punctuation.py)
and keeps a word whole only through case-sensitive exceptions ("peut-être", not "Peut-être") and a
list of known prefixes. `keep_compounds` changes an existing French tokenizer (a model's, or a blank
pipeline's) with spaCy's own mechanisms, so offsets stay exact:

- the letter-hyphen-letter infix rule is dropped: a compound is one token whatever its case;
- a suffix rule splits verb-pronoun inversions, case-insensitively: "dit-il", "as-tu", "disent-elles",
  "pensez-vous", "a-t-il" (spaCy's own split, "a" "-t" "-il"), "allons-y", "donne-le";
- each exception with a hyphen also gets its capitalised and upper-case spellings ("Est-ce",
  "APRÈS-MIDI", "Quelques-uns");
- the token_match is ELISION_WORD: a word with an apostrophe inside stays whole ("prud'hommes",
  "entr'ouvert", "presqu'île", "pet-en-l'air") unless it starts with an elided clitic ("l'avion",
  "qu'il", "jusqu'à", which spaCy's prefix and infix rules split). It replaces spaCy's French
  TOKEN_MATCH, whose hyphenated prefixes the dropped infix rule makes moot (tasks/spacy/french_exceptions.py).

The pronouns are those of French verb-subject and imperative-object inversion (Grevisse, Le Bon
usage, §§ 383, 686); `benchmarks/fr_tokenizer_tests.py` runs spaCy's French tokenizer tests against it.
"""

from __future__ import annotations

import re

from spacy.lang.char_classes import ALPHA, HYPHENS
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer

# spaCy's infix rule that splits "grands-pères" (spacy/lang/punctuation.py TOKENIZER_INFIXES), as compiled into a pattern.
_HYPHEN_INFIX = rf"(?<=[{ALPHA}])(?:{HYPHENS})(?=[{ALPHA}])"
INVERSION_PRONOUNS = ("je", "tu", "il", "ils", "elle", "elles", "on", "nous", "vous", "ce", "t", "moi", "toi", "le", "la", "les", "lui", "leur", "y", "en")
# A pronoun after a hyphen at the end of a word: spaCy's own French suffixes already split "-là".
_INVERSION = r"(?<=[{a}])[-‐‑](?i:{p})$".format(a=ALPHA, p="|".join(sorted(INVERSION_PRONOUNS, key=len, reverse=True)))


# Elided clitics (c' d' j' l' m' n' s' t' qu' and the conjunctions ending in qu'), as spaCy's French rules split them.
_CLITICS = r"[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu"
ELISION_WORD = re.compile(rf"(?i)(?!(?:{_CLITICS})['’])[^\W\d_]+(?:[-‐‑][^\W\d_]+)*['’][^\W\d_]+(?:[-‐‑'’][^\W\d_]+)*")


class CompoundRulesError(ValueError):
    """The tokenizer's rules are not spaCy's French ones, so the hyphen rule cannot be found to drop."""


def keep_compounds(tokenizer: Tokenizer) -> None:
    """Change `tokenizer` in place (see the module docstring); CompoundRulesError if it has no hyphen infix rule."""
    infixes = tokenizer.infix_finditer.__self__.pattern  # type: ignore[attr-defined]
    alternatives = infixes.split("|" + _HYPHEN_INFIX)
    if len(alternatives) != 2:
        raise CompoundRulesError("the tokenizer has no letter-hyphen-letter infix rule to drop (not spaCy's French rules?)")
    tokenizer.infix_finditer = re.compile("".join(alternatives)).finditer
    suffixes = tokenizer.suffix_search.__self__.pattern  # type: ignore[attr-defined]
    tokenizer.suffix_search = re.compile(f"{suffixes}|{_INVERSION}").search
    tokenizer.token_match = ELISION_WORD.fullmatch
    for orth, pieces in list(tokenizer.rules.items()):
        if "-" not in orth or not orth[:1].isalpha():
            continue
        for variant in (orth[0].upper() + orth[1:], orth.upper()):
            if variant not in tokenizer.rules and len(variant) == len(orth):
                tokenizer.add_special_case(variant, _respelled(pieces, variant))


def _respelled(pieces: list[dict], text: str) -> list[dict]:
    """An exception's pieces with their ORTHs cut from `text` (the same exception in another case)."""
    out, pos = [], 0
    for piece in pieces:
        length = len(piece[ORTH])
        out.append({**piece, ORTH: text[pos : pos + length]})
        pos += length
    return out
