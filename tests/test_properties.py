"""Properties over random Unicode, with the real en / fr / vi pipelines: nothing raises, every offset is exact, tokens cover the text.

Texts mix arbitrary code points with the ones that break tokenizers (controls, zero-width and
non-breaking spaces, combining marks, line separators, punctuation, digits and currency signs), and
a small random `max_length` forces the chunking path.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.entities.extract import entities_for_texts
from tasks.entities.types import EntityOptions
from tasks.spacy.annotate import Annotated, annotate, word_spans
from tasks.spacy.pipelines import get_nlp
from tasks.spacy.spec import LanguageSpec
from tasks.steps.tokenize import sentence_rows

SPECS = {"en": LanguageSpec(), "fr": LanguageSpec(model="fr_core_news_sm"), "vi": LanguageSpec()}
TRICKY = " \t\n\r\x0b\x0c\x1c\x1e\x85\u2028\u2029\xa0\u3000\u200b\u200c\u200d\u2060\ufeff\x00\x07\x1b\x7f\u0301\u0323\u0300.!?…,;:'\"«»()-–_/$€£¥₫%0123456789aAđĐươệ&’Ê"
TEXTS = st.text(st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(TRICKY)), max_size=250)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def squeeze(text: str) -> str:
    """`text` without any whitespace."""
    return "".join(text.split())


@pytest.mark.parametrize("lang", sorted(SPECS))
@PROPERTY_SETTINGS
@given(text=TEXTS, max_length=st.integers(min_value=4, max_value=300), lines_are_sentences=st.booleans())
def test_tokens_and_sentences_are_exact_and_cover_the_text(lang: str, text: str, max_length: int, lines_are_sentences: bool) -> None:
    nlp = get_nlp(lang, SPECS[lang])
    (result,) = annotate(nlp, [text], [lines_are_sentences], max_length, batch_size=64)
    assert isinstance(result, Annotated), result
    sentences, tokens = sentence_rows("d", lang, text, result)
    previous_end = 0
    for sentence in sentences:
        assert previous_end <= sentence["start"] < sentence["end"] <= len(text)
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
        previous_end = sentence["end"]
        assert "\n" not in sentence["text"]  # by default a line break always ends a sentence
    covered = []
    previous_end = 0
    for row in tokens:
        for token, start, end in zip(row["tokens"], row["starts"], row["ends"], strict=True):
            assert previous_end <= start < end and text[start:end] == token
            previous_end = end
            covered.append(squeeze(token))
    assert "".join(covered) == squeeze(text)


@pytest.mark.parametrize("lang", sorted(SPECS))
@PROPERTY_SETTINGS
@given(texts=st.lists(TEXTS, min_size=1, max_size=4), max_length=st.integers(min_value=4, max_value=300))
def test_word_spans_are_the_tokens_of_the_docs(lang: str, texts: list[str], max_length: int) -> None:
    # The `tokenize` command's offsets (without Docs for Vietnamese) are those of the tokens `run` writes.
    nlp = get_nlp(lang, SPECS[lang])
    for text, spans, annotated in zip(texts, word_spans(nlp, texts, max_length, 64), annotate(nlp, texts, [False] * len(texts), max_length, 64), strict=True):
        _, tokens = sentence_rows("d", lang, text, annotated)
        assert spans == [span for row in tokens for span in zip(row["starts"], row["ends"])]


@pytest.mark.parametrize("lang", sorted(SPECS))
@PROPERTY_SETTINGS
@given(texts=st.lists(TEXTS, min_size=1, max_size=3))
def test_entities_have_exact_offsets(lang: str, texts: list[str]) -> None:
    for text, entities in zip(texts, entities_for_texts(texts, lang, EntityOptions(), SPECS[lang], 64), strict=True):
        for entity in entities:
            assert 0 <= entity.start < entity.end <= len(text)
            assert text[entity.start : entity.end] == entity.text
            assert entity.label in ("PERSON", "ORG", "MONEY")
            assert (entity.amount is not None and entity.currency is not None) == (entity.label == "MONEY")


LETTERS = st.text(st.sampled_from("aAbHhđĐêÊoóơƠnNgcC"), min_size=1, max_size=5)


@PROPERTY_SETTINGS
@given(parts=st.lists(LETTERS, min_size=2, max_size=4), joiners=st.lists(st.sampled_from("'’-&"), min_size=3, max_size=3), before=LETTERS, after=LETTERS)
def test_vietnamese_words_with_inner_punctuation_stay_whole(parts: list[str], joiners: list[str], before: str, after: str) -> None:
    word = parts[0] + "".join(j + p for j, p in zip(joiners, parts[1:]))
    text = f"{before} {word} {after}."
    (result,) = annotate(get_nlp("vi", SPECS["vi"]), [text], [False], 1000, batch_size=8)
    _, tokens = sentence_rows("d", "vi", text, result)
    spans = [(start, end) for row in tokens for start, end in zip(row["starts"], row["ends"])]
    start = len(before) + 1
    assert (start, start + len(word)) in spans
