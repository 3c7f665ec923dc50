"""Line breaks and sentences: by default a sentence never spans a "\\n"; hard-wrapped input joins single line breaks."""

from __future__ import annotations

import pytest

from cluster import config as configuration
from cluster.cli import _run_overrides, build_parser
from cluster.languages import language_specs
from tasks.spacy.annotate import annotate
from tasks.spacy.pipelines import get_nlp
from tasks.spacy.spec import LanguageSpec
from tasks.steps.tokenize import sentence_rows

# One segment per line, as in subtitles and TED transcripts: lines that start in lower case, follow a
# comma or an ellipsis, or have no final punctuation, each with a blank-line paragraph in the middle.
SEGMENTS = {
    "vi": ["Tôi muốn kể cho các bạn,", "một câu chuyện…", "về một ngôi làng nhỏ", "", "nơi tôi lớn lên.", "và mọi người ở đó"],
    "en": ["I want to tell you,", "a story…", "about a small village", "", "where I grew up.", "and the people there"],
    "fr": ["Je veux vous raconter,", "une histoire…", "sur un petit village", "", "où j'ai grandi.", "et les gens de là-bas"],
}
SPECS = {"vi": LanguageSpec(), "en": LanguageSpec(), "fr": LanguageSpec(model="fr_core_news_sm")}


def rows(lang: str, text: str, spec: LanguageSpec, lines_are_sentences: bool = False) -> list[dict]:
    nlp = get_nlp(lang, spec)
    (result,) = annotate(nlp, [text], [lines_are_sentences], spec.max_length, batch_size=8)
    return sentence_rows("d", lang, text, result)[0]


@pytest.mark.parametrize("lang", sorted(SEGMENTS))
def test_no_sentence_spans_a_line_break(lang: str) -> None:
    text = "\n".join(SEGMENTS[lang])
    sentences = rows(lang, text, SPECS[lang])
    assert all("\n" not in s["text"] for s in sentences)
    assert [s["text"] for s in sentences] == [line for line in SEGMENTS[lang] if line]


@pytest.mark.parametrize("lang", sorted(SEGMENTS))
def test_hard_wrapped_input_joins_single_line_breaks(lang: str) -> None:
    spec = LanguageSpec(model=SPECS[lang].model, hard_wrapped=True)
    text = "\n".join(SEGMENTS[lang])
    sentences = [s["text"] for s in rows(lang, text, spec)]
    # The blank line still ends a paragraph; inside a paragraph only punctuation ends a sentence.
    assert sentences[0].startswith(SEGMENTS[lang][0] + "\n" + SEGMENTS[lang][1])
    assert SEGMENTS[lang][2] in sentences[0] and sentences[0].endswith(SEGMENTS[lang][2])
    assert sentences[-1].endswith(SEGMENTS[lang][-1])
    assert "\n\n" not in "".join(sentences)


def test_crlf_and_other_separators() -> None:
    text = "Dòng một\r\nDòng hai\u2028vẫn dòng hai\x0cvà nữa"
    assert [s["text"] for s in rows("vi", text, SPECS["vi"])] == ["Dòng một", "Dòng hai\u2028vẫn dòng hai\x0cvà nữa"]


def test_moses_lines_are_one_sentence_each() -> None:
    text = "Câu một. Câu hai vẫn cùng dòng\nDòng hai"
    sentences = rows("vi", text, LanguageSpec(hard_wrapped=True), lines_are_sentences=True)
    assert [s["text"] for s in sentences] == ["Câu một. Câu hai vẫn cùng dòng", "Dòng hai"]


def test_config_key_and_flag() -> None:
    assert configuration.load().run.hard_wrapped is False
    assert all(not spec.hard_wrapped for _, spec in language_specs(configuration.load()))
    args = build_parser().parse_args(["run", "docs", "out", "--hard-wrapped"])
    config = configuration.load(None, _run_overrides(args))
    assert config.run.hard_wrapped is True
    assert all(spec.hard_wrapped for _, spec in language_specs(config))
    assert config.hash() != configuration.load().hash()
