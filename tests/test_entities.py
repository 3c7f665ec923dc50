"""The entities step with real pipelines: fr model + rules, Vietnamese rules, projection and entity_links."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from cluster import config as configuration
from cluster.languages import language_spec
from corpus.schemas import to_table
from tasks.entities.extract import entities_for_texts as find_entities
from tasks.entities.extract import entities_from_doc, entity_record
from tasks.entities.gazetteer import GazetteerError, read_gazetteer
from tasks.entities.links import GroupDoc, link_group
from tasks.entities.types import Entity, EntityOptions
from tasks.spacy.pipelines import get_nlp
from tasks.spacy.spec import LanguageSpec
from tasks.steps.entities import entity_tables

OPTIONS = EntityOptions()
CONFIG = configuration.load()  # the shipped defaults: fr with its model, en and vi blank


def entities_for_texts(texts: list[str], lang: str, options: EntityOptions) -> list[list[Entity]]:
    """Entities of `texts` with the pipeline the shipped config gives `lang`."""
    return list(find_entities(texts, lang, options, language_spec(CONFIG, lang), CONFIG.run.batch_size))


FR = (
    "Lucas Beyer, ancien chercheur chez OpenAI, illustre parfaitement ce phénomène. Le mois dernier, "
    "il a annoncé son départ pour rejoindre Meta.\n\n"
    "Des rumeurs circulaient selon lesquelles Mark Zuckerberg, PDG de Meta, proposerait des packages "
    "atteignant 100 millions de dollars. Bien que M. Beyer ait précisé ne pas avoir obtenu un tel contrat."
)
VI = (
    "Lucas Beyer, cựu nghiên cứu viên tại OpenAI, là minh chứng rõ nhất cho hiện tượng này. Tháng trước, "
    "Beyer thông báo rời phòng lab để gia nhập Meta.\n\n"
    "Đồn đoán lan truyền rằng Mark Zuckerberg, CEO Meta, sẵn sàng chi tới 100 triệu USD để chiêu mộ nhân tài AI. "
    "Dù Beyer khẳng định mình không nhận được hợp đồng 9 con số."
)


def spans(text: str, lang: str, options: EntityOptions = OPTIONS) -> set[tuple[str, str]]:
    (entities,) = entities_for_texts([text], lang, options)
    return {(e.text, e.label) for e in entities}


def test_sample_people_companies_and_money_in_french_and_vietnamese() -> None:
    for text, lang in ((FR, "fr"), (VI, "vi")):
        found = spans(text, lang)
        assert {("Lucas Beyer", "PERSON"), ("Mark Zuckerberg", "PERSON"), ("OpenAI", "ORG"), ("Meta", "ORG")} <= found, lang
    (fr,) = entities_for_texts([FR], "fr", OPTIONS)
    (vi,) = entities_for_texts([VI], "vi", OPTIONS)
    money = [(e.text, e.amount, e.currency) for e in fr + vi if e.label == "MONEY"]
    assert money == [("100 millions de dollars", Decimal("100000000"), "USD"), ("100 triệu USD", Decimal("100000000"), "USD")]
    for entities, text in ((fr, FR), (vi, VI)):
        assert all(text[e.start : e.end] == e.text for e in entities)


def test_sample_mentions_are_linked_across_the_two_documents() -> None:
    (fr,) = entities_for_texts([FR], "fr", OPTIONS)
    (vi,) = entities_for_texts([VI], "vi", OPTIONS)
    final, links = link_group([GroupDoc("doc-fr", "fr", FR, fr), GroupDoc("doc-vi", "vi", VI, vi)], OPTIONS)
    by_link: dict[str, set[tuple[str, str]]] = {}
    for link in links:
        ent = final[link.doc_id][link.ent_idx]
        by_link.setdefault(link.link_id, set()).add((link.lang, ent.text))
    clusters = list(by_link.values())
    for name in ("Lucas Beyer", "Mark Zuckerberg", "OpenAI", "Meta"):
        assert any({("fr", name), ("vi", name)} <= members for members in clusters), name
    assert any({("fr", "100 millions de dollars"), ("vi", "100 triệu USD")} <= members for members in clusters)
    # "Beyer" alone is the same person as "Lucas Beyer": one cluster holds both.
    assert any({("fr", "Beyer"), ("vi", "Beyer"), ("vi", "Lucas Beyer")} <= members for members in clusters)


def test_projection_types_a_confident_string_in_the_translation() -> None:
    fr = "Selon M. Kowalczyk, le projet avance."
    vi = "Theo Kowalczyk, dự án đang tiến triển."
    (fr_ents,) = entities_for_texts([fr], "fr", OPTIONS)
    (vi_ents,) = entities_for_texts([vi], "vi", OPTIONS)
    assert not any(e.text == "Kowalczyk" for e in vi_ents)
    final, links = link_group([GroupDoc("a", "fr", fr, fr_ents), GroupDoc("b", "vi", vi, vi_ents)], OPTIONS)
    projected = [e for e in final["b"] if e.text == "Kowalczyk"]
    assert [(e.label, e.source) for e in projected] == [("PERSON", "projection")]
    assert {link.doc_id for link in links} == {"a", "b"}
    final, _ = link_group([GroupDoc("a", "fr", fr, fr_ents), GroupDoc("b", "vi", vi, vi_ents)], EntityOptions(project=False))
    assert not any(e.text == "Kowalczyk" for e in final["b"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bà Lê Thị Hoa, giám đốc Công ty Sông Xanh, cho biết doanh thu tăng.", {("Lê Thị Hoa", "PERSON"), ("Sông Xanh", "ORG")}),
        ("Theo ông Đỗ Minh Quân, Tập đoàn Ánh Dương sẽ mở rộng sang Đà Nẵng.", {("Đỗ Minh Quân", "PERSON"), ("Ánh Dương", "ORG")}),
        ("Peter Novak, CEO Acmecorp, đã tới Hà Nội.", {("Peter Novak", "PERSON"), ("Acmecorp", "ORG")}),
        ("Vinamilk và Masan công bố kết quả kinh doanh quý II.", {("Vinamilk", "ORG"), ("Masan", "ORG")}),
        ("Phó thủ tướng Trần Hồng Hà đã tiếp đoàn doanh nghiệp tại Hà Nội.", {("Trần Hồng Hà", "PERSON")}),
        ("Đội tuyển Việt Nam giành chức vô địch AFF Cup.", set()),
    ],
)
def test_vietnamese_titles_and_type_words_stay_outside_the_span(text: str, expected: set[tuple[str, str]]) -> None:
    assert spans(text, "vi") == expected


def test_vietnamese_never_a_person_from_a_sentence_initial_capital_alone() -> None:
    found = spans("Đồn đoán lan truyền khắp thị trường. Giá vàng tăng mạnh tại Hà Nội và Việt Nam nói chung về AI.", "vi")
    assert found == set()


def test_french_misc_becomes_org_only_on_evidence() -> None:
    assert ("Quintara SA", "ORG") in spans("Le chiffre d'affaires de Quintara SA a doublé.", "fr")
    found = spans("Il a lu « Les Misérables » pendant l'été.", "fr")
    assert not any(label == "ORG" for _, label in found)


def test_rules_only_add_to_a_model() -> None:
    """A model's PERSON / ORG names are all kept (a title trimmed), typed by an organisation noun before them where
    there is one ("la société Zorblax"); cues and the gazetteer add elsewhere."""
    import spacy

    text = "La société Zorblax a annoncé que M. Ferrandi rejoindrait Airbus, selon la compagnie aérienne Zéphyrair."
    model = {(e.text, {"PER": "PERSON"}.get(e.label_, e.label_)) for e in spacy.load("fr_core_news_md")(text).ents if e.label_ in ("PER", "ORG")}
    found = spans(text, "fr")
    assert {name.removeprefix("M. ") for name, _ in model} <= {name for name, _ in found}
    assert {(name.removeprefix("M. "), label) for name, label in model if name not in ("Zorblax", "Zéphyrair")} <= found
    assert ("Zorblax", "ORG") in found and ("Zéphyrair", "ORG") in found


def test_user_gazetteer_extends_the_shipped_one(tmp_path: Path) -> None:
    extra = tmp_path / "companies.tsv"
    extra.write_text("name\taliases\tlist\nBlorptech Industries\tBlorptech\tmine\n", encoding="utf-8")
    options = EntityOptions(gazetteer=str(extra))
    assert read_gazetteer(extra)["Blorptech"].name == "Blorptech Industries"
    (entities,) = entities_for_texts(["Blorptech Industries công bố kết quả. Blorptech tuyển thêm kỹ sư."], "vi", options)
    assert [(e.text, e.label, e.source, e.norm) for e in entities] == [
        ("Blorptech Industries", "ORG", "gazetteer", "Blorptech Industries"),
        ("Blorptech", "ORG", "gazetteer", "Blorptech Industries"),  # the document writes its gazetteer name
    ]
    (alone,) = entities_for_texts(["Blorptech tuyển thêm kỹ sư."], "vi", options)
    assert [e.norm for e in alone] == ["Blorptech"]  # never a name the document does not contain
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\taliases\n\tfoo\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="bad.tsv:2"):
        read_gazetteer(bad)


def test_entity_tables_rows_fit_the_pinned_schemas() -> None:
    (fr,) = entities_for_texts([FR], "fr", OPTIONS)
    (vi,) = entities_for_texts([VI], "vi", OPTIONS)
    documents = [
        {"doc_id": "f", "group_id": "g1", "lang": "fr", "text": FR},
        {"doc_id": "v", "group_id": "g1", "lang": "vi", "text": VI},
        {"doc_id": "alone", "group_id": None, "lang": "fr", "text": FR},
    ]
    rows, links = entity_tables(documents, {"f": fr, "v": vi, "alone": fr}, OPTIONS)
    to_table("entities", rows)
    to_table("entity_links", links)
    assert [r["ent_idx"] for r in rows if r["doc_id"] == "v"] == list(range(sum(r["doc_id"] == "v" for r in rows)))
    assert not any(link["doc_id"] == "alone" for link in links)
    assert {r["source"] for r in rows} <= {"model", "rule", "gazetteer", "projection"}


def test_entities_from_doc_needs_the_entity_components() -> None:
    nlp = get_nlp("en", LanguageSpec())
    doc = nlp.make_doc("Nothing here.")
    with pytest.raises(RuntimeError, match="add_entity_pipes"):
        entities_from_doc(doc, "en", OPTIONS)


def test_entity_record_is_the_line_tool_json() -> None:
    (entities,) = entities_for_texts(["Le groupe a levé 1,5 milliard d'euros auprès de Sanofi."], "fr", OPTIONS)
    records = [entity_record(e) for e in entities]
    assert json.loads(json.dumps(records)) == records
    money = [r for r in records if r["label"] == "MONEY"]
    assert [(m["amount"], m["currency"]) for m in money] == [("1500000000", "EUR")]
    assert {"start", "end", "label", "text", "norm", "amount", "currency", "source", "score"} == set(records[0])


def test_french_team_names_and_person_cleanup() -> None:
    found = spans("En 2004, il signe aux Falcons de Springfield, puis rejoint la compagnie aérienne Zéphyrair.", "fr")
    assert {("Falcons de Springfield", "ORG"), ("Zéphyrair", "ORG")} <= found
    found = spans("Le roi aurait eu d'autres enfants, selon M. Durandal.", "fr")
    assert ("Durandal", "PERSON") in found
    assert not any(text.startswith("Le") for text, _ in found)


def test_french_teams_need_a_sports_word_and_the_model_organization_gets_its_city() -> None:
    assert ("Thunder de Springfield", "ORG") in spans("Il a été échangé au Thunder de Springfield en cours de saison.", "fr")
    people = spans("Les Moraves du Labrador écrivent au gouvernement pour obtenir une école.", "fr")
    assert not any(label == "ORG" for _, label in people)
    # the model reads "Kings" (ORG) and "Sacramento" (LOC): its organization runs on to its city
    assert ("Kings de Sacramento", "ORG") in spans("Elle joue pour les Kings de Sacramento depuis trois saisons.", "fr")


def test_english_without_a_model_runs_on_rules_and_the_gazetteer() -> None:
    found = spans("The chief executive of Tesla, Ms. Ortega, paid $3 million for Brightwave Inc. last year.", "en")
    assert found == {("Tesla", "ORG"), ("Ortega", "PERSON"), ("$3 million", "MONEY"), ("Brightwave Inc.", "ORG")}
