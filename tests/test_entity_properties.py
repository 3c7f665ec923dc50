"""Entity offsets on text that holds entities: gazetteer companies, cue patterns, money and mixed scripts.

Random Unicode almost never holds an entity, so a property over it cannot see a wrong offset. Here each
text is built from pieces that do (company names drawn from the shipped gazetteer, person and company
cues, money amounts with currencies written per language) between noise pieces (other scripts,
controls, zero-width and combining marks), each piece's position known. Every entity must be exact
(`text[start:end] == entity.text`) and every money piece (each text has one at least) must give a MONEY
entity inside it. Names and cues are not required to be found (recall is the benchmarks' job), only exact.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.entities.extract import entities_for_texts
from tasks.entities.gazetteer import SHIPPED, read_gazetteer
from tasks.entities.types import EntityOptions
from tasks.spacy.spec import LanguageSpec

SPECS = {"en": LanguageSpec(), "fr": LanguageSpec(model="fr_core_news_sm"), "vi": LanguageSpec()}
# Names that are also common words (needs_cue: Apple, Shell) are ORG only with a cue, so they are left out here.
COMPANIES = sorted({org.name for org in read_gazetteer(SHIPPED).values() if not org.needs_cue and len(org.name) > 3 and org.name.isascii()})
MONEY = {
    "en": ["$100 million", "€2.5bn", "1,200 euros", "USD 40,000", "£3 billion", "5 million US dollars"],
    "fr": ["100 millions de dollars", "2,5 milliards d'euros", "1 200 €", "40 000 USD", "3 Md€"],
    "vi": ["2 tỷ đồng", "100 triệu USD", "1.200 euro", "40.000 đô la Mỹ", "3 nghìn tỷ đồng"],
}
CUES = {
    "en": ["Mr. John Carter said", "CEO Jane Smith", "at Acme Holdings Inc."],
    "fr": ["M. Jean Dupont a dit", "Mme Claire Martin", "le PDG de Renault", "la société Durand SA"],
    "vi": ["ông Nguyễn Văn An", "bà Trần Thị Bình", "công ty Cổ phần Hòa Phát", "tập đoàn Vingroup"],
}
NOISE = st.text(
    st.one_of(
        st.sampled_from("東京はモスクワКиевالقاهرة서울กรุงเทพ\u200b\u200d\u0301\u0323\xa0\u3000\t-–«»()"), st.characters(categories=("Ll", "Lu", "Lo", "Zs"))
    ),
    max_size=12,
)
SEPARATORS = st.sampled_from([". ", ".\n", "\n\n", " ; ", ", ", " — "])
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pieces(lang: str) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A list of (kind, text) pieces: companies, money, cues and noise."""
    entity = st.one_of(
        st.tuples(st.just("company"), st.sampled_from(COMPANIES)),
        st.tuples(st.just("money"), st.sampled_from(MONEY[lang])),
        st.tuples(st.just("cue"), st.sampled_from(CUES[lang])),
    )
    return st.lists(st.one_of(entity, st.tuples(st.just("noise"), NOISE)), max_size=5)


@st.composite
def texts(draw: st.DrawFn, lang: str) -> tuple[str, list[tuple[str, int, int]]]:
    """A text and the (kind, start, end) of each piece in it; one piece at least is money, so every text holds an entity."""
    drawn = draw(pieces(lang))
    drawn.insert(draw(st.integers(0, len(drawn))), ("money", draw(st.sampled_from(MONEY[lang]))))
    text, spans = "", []
    for kind, piece in drawn:
        text += draw(SEPARATORS) if text else ""
        spans.append((kind, len(text), len(text) + len(piece)))
        text += piece
    return text + ".", spans


@pytest.mark.parametrize("lang", sorted(SPECS))
@SETTINGS
@given(data=st.data())
def test_entities_in_entity_rich_text_have_exact_offsets(lang: str, data: st.DataObject) -> None:
    text, spans = data.draw(texts(lang))
    (entities,) = entities_for_texts([text], lang, EntityOptions(), SPECS[lang], 64)
    for entity in entities:
        assert 0 <= entity.start < entity.end <= len(text)
        assert text[entity.start : entity.end] == entity.text, (text, entity)
        assert (entity.amount is not None and entity.currency is not None) == (entity.label == "MONEY")
    for kind, start, end in spans:
        if kind == "money":
            assert any(e.label == "MONEY" and start <= e.start < e.end <= end for e in entities), (text[start:end], text, entities)
