"""Languages beyond en, fr and vi: what works out of the box, and an honest warning where spaCy needs another package."""

from __future__ import annotations

import importlib.util

import pytest

from tasks.entities.money import find_money
from tasks.spacy.annotate import Annotated, annotate
from tasks.spacy.pipelines import TOKENIZER_PACKAGES, get_nlp
from tasks.spacy.spec import LanguageSpec
from tasks.steps.tokenize import sentence_rows

MISSING = {"ja": "sudachipy", "ko": "natto", "th": "pythainlp"}


def _tokens(lang: str, text: str) -> list[list[str]]:
    (result,) = annotate(get_nlp(lang, LanguageSpec()), [text], [False], 100_000, 8)
    assert isinstance(result, Annotated)
    return [row["tokens"] for row in sentence_rows("d", lang, text, result)[1]]


@pytest.mark.parametrize("lang", sorted(TOKENIZER_PACKAGES))
def test_a_language_that_needs_a_package_names_it_and_the_pip_command(lang: str) -> None:
    if importlib.util.find_spec(MISSING[lang]):
        pytest.skip(f"{MISSING[lang]} is installed here")
    get_nlp.cache_clear()
    with pytest.warns(UserWarning, match=rf"spaCy's '{lang}' tokenizer needs .*pip install {TOKENIZER_PACKAGES[lang].split('pip install ')[1].split(',')[0]}"):
        get_nlp(lang, LanguageSpec())


def test_german_works_out_of_the_box() -> None:
    assert _tokens("de", "Der Umsatz stieg um 5 %. Die Aktie fiel.") == [["Der", "Umsatz", "stieg", "um", "5", "%", "."], ["Die", "Aktie", "fiel", "."]]
    (money,) = find_money("Siemens zahlt 2,5 Milliarden Euro.", "de")
    assert (money.text, str(money.amount), money.currency) == ("2,5 Milliarden Euro", "2500000000", "EUR")


def test_chinese_is_split_into_characters_and_sentences_at_full_stops() -> None:
    assert _tokens("zh", "东京很大。北京也很大。") == [["东", "京", "很", "大", "。"], ["北", "京", "也", "很", "大", "。"]]
