"""French hyphenated compounds stay whole, case-insensitively; verb-pronoun inversions split as spaCy splits them."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import spacy

from tasks.spacy.compounds import CompoundRulesError, keep_compounds
from tasks.spacy.pipelines import PipelineError, get_nlp
from tasks.spacy.spec import LanguageSpec


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return get_nlp("fr", LanguageSpec())


def words(nlp: spacy.language.Language, text: str) -> list[str]:
    return [t.text for t in nlp(text) if not t.is_space]


@pytest.mark.parametrize(
    "compound",
    ["grands-pères", "là-bas", "monte-plat", "Paris-Orly", "Saint-Germain-en-Laye", "ceux-ci", "GRANDS-PÈRES", "Rendez-vous", "APRÈS-MIDI"],
)
def test_compounds_are_one_token(nlp, compound):
    assert compound in words(nlp, f"Il parle de {compound} aujourd'hui.")


def test_a_capitalised_compound_at_a_sentence_start(nlp):
    doc = nlp("Il viendra. Peut-être demain. Là-bas, il pleut.")
    assert [t.text for t in doc][3:5] == ["Peut-être", "demain"]
    assert "Là-bas" in words(nlp, "Là-bas, il pleut.")
    assert [s.text.split()[0] for s in doc.sents] == ["Il", "Peut-être", "Là-bas,"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Que dit-il ?", ["dit", "-il"]),
        ("As-tu fini ?", ["As", "-tu"]),
        ("Viendront-elles demain ?", ["Viendront", "-elles"]),
        ("Pensez-vous qu'il pleuve ?", ["Pensez", "-vous"]),
        ("A-t-il vu ?", ["A", "-t", "-il"]),
        ("Que fait-on ?", ["fait", "-on"]),
        ("Est-ce vrai ?", ["Est", "-ce"]),
        ("N'est-ce pas ?", ["N'", "est", "-ce"]),
        ("Allons-y !", ["Allons", "-y"]),
        ("DIT-IL", ["DIT", "-IL"]),
        ("Sais-je ?", ["Sais", "-je"]),
    ],
)
def test_inversions_are_split(nlp, text, expected):
    tokens = words(nlp, text)
    position = tokens.index(expected[0])
    assert tokens[position : position + len(expected)] == expected


def test_offsets_stay_exact(nlp):
    text = "Peut-être qu'à Paris-Orly, dit-il, les grands-pères\u00a0attendent-ils ?"
    doc = nlp(text)
    assert doc.text == text
    assert all(text[t.idx : t.idx + len(t.text)] == t.text for t in doc)


def test_a_models_tokenizer_gets_the_same_rules():
    nlp = get_nlp("fr", LanguageSpec(model="fr_core_news_sm"))
    assert words(nlp, "Peut-être que les grands-pères, dit-il.") == ["Peut-être", "que", "les", "grands-pères", ",", "dit", "-il", "."]


def test_other_rules_are_refused():
    tokenizer = spacy.blank("en").tokenizer
    tokenizer.infix_finditer = re.compile(r"~").finditer
    with pytest.raises(CompoundRulesError):
        keep_compounds(tokenizer)


_EXCEPTIONS = """
import hashlib, json, sys
if sys.argv[1] == "hook":
    from tasks.spacy import french_exceptions
    french_exceptions.install()
from spacy.lang.fr import French
rules = json.dumps(sorted((k, [sorted(p.items()) for p in v]) for k, v in French.Defaults.tokenizer_exceptions.items()))
print(hashlib.sha256(rules.encode()).hexdigest(), French.Defaults.token_match is None)
"""


def test_the_import_hook_keeps_spacys_exceptions_and_drops_only_token_match():
    hooked, plain = (
        subprocess.run([sys.executable, "-c", _EXCEPTIONS, which], capture_output=True, text=True, check=True).stdout.split() for which in ("hook", "plain")
    )
    assert hooked[0] == plain[0]
    assert (hooked[1], plain[1]) == ("True", "False")


def test_tokenize_alone_takes_only_the_models_tokenizer():
    spec = LanguageSpec(model="fr_core_news_sm")
    alone = get_nlp("fr", spec)
    with_ner = get_nlp("fr", spec, ((lambda nlp, lang, options: None, None),))
    assert alone.pipe_names == ["polycorpus_line_breaks", "sentencizer"] and "ner" in with_ner.pipe_names
    text = "Peut-être qu'à Paris-Orly, dit-il, M. Dupont arrive. C'est l'avion-cargo d'Orsay !"
    assert [t.text for t in alone(text)] == [t.text for t in with_ner(text)]
    assert [s.text for s in alone(text).sents] == [s.text for s in with_ner(text).sents]


def test_a_model_for_another_language_is_refused():
    with pytest.raises(PipelineError, match="is for language 'fr'"):
        get_nlp("de", LanguageSpec(model="fr_core_news_sm"))
