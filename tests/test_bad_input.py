"""Every kind of bad input gets an answer: a clear error naming the file or document, or an `errors` row; never lost neighbours.

Most document-level cases share one in-process run over a corpus that holds all of them next to
good documents; file-level cases (encodings, columns, shards, duplicates, sizes) have their own.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import shutil
import time
import unicodedata
import warnings
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import polycorpus, read_dir

NFD = unicodedata.normalize("NFD", "Việt Nam tăng trưởng mạnh.")
DOCS = [
    {"doc_id": "good-en", "group_id": "g1", "lang": "en", "text": "The company said on Monday that it would grow. Sales rose by ten percent."},
    {
        "doc_id": "good-fr",
        "group_id": "g1",
        "lang": "fr",
        "text": "La société a annoncé lundi qu'elle allait croître. Les ventes ont augmenté de dix pour cent.",
    },
    {"doc_id": "alone-fr", "group_id": "g2", "lang": "fr", "text": "Un seul article, sans traduction. Il reste seul."},
    {"doc_id": "empty", "lang": "en", "text": ""},
    {"doc_id": "blank", "lang": "en", "text": " \n\t \u3000 "},
    {"doc_id": "nfd", "lang": "vi", "text": NFD},
    {"doc_id": "controls", "lang": "en", "text": "Bell\x07 and\x00nul, esc\x1b[31m red\x1b[0m; zero\u200bwidth\u200d join \ufeffBOM\u2060 end.\x7f"},
    {
        "doc_id": "mixed",
        "lang": "en",
        "text": "Apple paid $5 million. La société Meta a payé 3 millions d'euros. Công ty trả 100 triệu USD. 苹果公司支付了五百万美元。",
    },
    {"doc_id": "dutch-1", "lang": "nl", "text": "Mark Rutte zei dat Heineken 5 miljoen euro betaalde."},
    {"doc_id": "dutch-2", "lang": "nl", "text": "Jan de Vries werkt bij Philips."},
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def texts(out: Path) -> dict[str, str]:
    return {d["doc_id"]: d["text"] for d in read_dir(out / "documents").to_pylist()}


def assert_offsets_exact(out: Path) -> None:
    """Every sentence, token and entity is exactly its span of the stored text; tokens cover the non-space text."""
    text = texts(out)
    for row in read_dir(out / "sentences").to_pylist():
        assert text[row["doc_id"]][row["start"] : row["end"]] == row["text"]
    covered: dict[str, str] = {}
    for row in read_dir(out / "tokens").to_pylist():
        for token, start, end in zip(row["tokens"], row["starts"], row["ends"], strict=True):
            assert text[row["doc_id"]][start:end] == token
        covered[row["doc_id"]] = covered.get(row["doc_id"], "") + "".join("".join(row["tokens"]).split())
    for doc_id, value in text.items():
        assert covered.get(doc_id, "") == "".join(value.split()), doc_id
    if (out / "entities").exists():
        for row in read_dir(out / "entities").to_pylist():
            assert text[row["doc_id"]][row["start"] : row["end"]] == row["text"]


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The document-level bad cases ingested and run (tokenize, entities, align) in-process; OUT and the warnings given (warnings and logged)."""
    root = tmp_path_factory.mktemp("bad")
    out = root / "out"
    assert polycorpus("ingest", write_jsonl(root / "docs.jsonl", DOCS), out) == 0
    logged = logging.handlers.BufferingHandler(capacity=10_000)
    logging.getLogger().addHandler(logged)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert polycorpus("run", out / "documents", out, "--tasks", "tokenize,entities,align", "--cluster", "sync") == 0
    finally:
        logging.getLogger().removeHandler(logged)
    return out, [str(w.message) for w in caught] + [r.getMessage() for r in logged.buffer if r.levelno >= logging.WARNING]


def errors(out: Path) -> dict[str, dict]:
    return {row["doc_id"]: row for row in read_dir(out / "errors").to_pylist()}


def test_empty_and_blank_text_become_error_rows(bad_run) -> None:
    out, _ = bad_run
    rows = errors(out)
    assert {rows["empty"]["error_type"], rows["blank"]["error_type"]} == {"EmptyText"}
    assert "empty or whitespace only" in rows["empty"]["message"]
    sentence_docs = {r["doc_id"] for r in read_dir(out / "sentences").to_pylist()}
    assert "empty" not in sentence_docs and "blank" not in sentence_docs
    assert set(rows) == {"empty", "blank"}, "no other document may fail"


def test_nfd_text_is_stored_nfc_and_tokenized_whole(bad_run) -> None:
    out, _ = bad_run
    stored = texts(out)["nfd"]
    assert stored == unicodedata.normalize("NFC", NFD) != NFD
    tokens = [t for r in read_dir(out / "tokens").to_pylist() if r["doc_id"] == "nfd" for t in r["tokens"]]
    assert "Việt Nam" in tokens or {"Việt", "Nam"} <= set(tokens)


def test_controls_zero_width_and_mixed_languages_keep_exact_offsets(bad_run) -> None:
    out, _ = bad_run
    assert_offsets_exact(out)
    sentence_docs = {r["doc_id"] for r in read_dir(out / "sentences").to_pylist()}
    assert {"controls", "mixed"} <= sentence_docs
    money = {r["text"] for r in read_dir(out / "entities").to_pylist() if r["doc_id"] == "mixed" and r["label"] == "MONEY"}
    assert "$5 million" in money


def test_language_without_model_gets_blank_pipeline_rules_and_one_warning(bad_run) -> None:
    out, messages = bad_run
    assert [m for m in messages if "'nl'" in m] == [
        "no pipeline configured for language 'nl': blank tokenizer, rule-based entities (add it under `languages:` in a --config file)"
    ]
    assert {r["doc_id"] for r in read_dir(out / "tokens").to_pylist()} >= {"dutch-1", "dutch-2"}
    orgs = {(r["doc_id"], r["text"]) for r in read_dir(out / "entities").to_pylist() if r["lang"] == "nl"}
    assert ("dutch-1", "Heineken") in orgs  # a listed name that is no common word (Shell needs a cue)


def test_group_with_one_language_is_not_aligned_and_not_an_error(bad_run) -> None:
    out, _ = bad_run
    beads = read_dir(out / "alignments").to_pylist()
    assert {b["group_id"] for b in beads} == {"g1"}
    assert "alone-fr" in {r["doc_id"] for r in read_dir(out / "sentences").to_pylist()}


def test_unknown_and_missing_languages(tmp_path: Path, capsys) -> None:
    src = write_jsonl(tmp_path / "langs.jsonl", [{"doc_id": "a", "lang": "english", "text": "Hi."}])
    assert polycorpus("ingest", src, tmp_path / "o1") == 2
    assert "langs.jsonl:1: lang 'english' is not an ISO 639-1 code" in capsys.readouterr().err
    write_jsonl(src, [{"doc_id": "a", "text": "Hi."}, {"doc_id": "b", "lang": "en", "text": "Ho."}])
    assert polycorpus("ingest", src, tmp_path / "o2") == 2
    assert "1 documents have no language: a (langs.jsonl); add a 'lang' column, or pass --detect-lang" in capsys.readouterr().err
    write_jsonl(src, [{"doc_id": "z", "lang": "zz", "text": "Qwe rty. Uiop asd."}])
    assert polycorpus("ingest", src, tmp_path / "o3") == 0
    with pytest.warns(UserWarning, match="spaCy has no language 'zz'; using the multi-language tokenizer"):
        assert polycorpus("run", tmp_path / "o3" / "documents", tmp_path / "o3", "--tasks", "tokenize", "--cluster", "sync") == 0
    assert [r["tokens"] for r in read_dir(tmp_path / "o3" / "tokens").to_pylist()] == [["Qwe", "rty", "."], ["Uiop", "asd", "."]]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "txt"])
def test_invalid_utf8_names_the_file_or_becomes_an_ingest_error_row(tmp_path: Path, fmt: str, capsys) -> None:
    if fmt == "jsonl":
        src = tmp_path / "in.jsonl"
        src.write_bytes(b'{"text": "good", "lang": "en"}\n{"text": "bad \xff\xfe", "lang": "en"}\n{"text": "also good", "lang": "en"}\n')
        where = "in.jsonl:2"
    elif fmt == "csv":
        src = tmp_path / "in.csv"
        src.write_bytes(b"lang,text\nen,good\nen,bad \xff\xfe\nen,also good\n")
        where = "in.csv:3"
    else:
        src = tmp_path / "folder"
        src.mkdir()
        (src / "a.en.txt").write_bytes(b"good")
        (src / "b.en.txt").write_bytes(b"bad \xff\xfe")
        (src / "c.en.txt").write_bytes(b"also good")
        where = "b.en.txt"
    assert polycorpus("ingest", src, tmp_path / "strict") == 2
    message = capsys.readouterr().err
    assert where in message and "invalid UTF-8" in message and "--skip-bad" in message
    assert polycorpus("ingest", src, tmp_path / "out", "--skip-bad") == 0
    assert sorted(texts(tmp_path / "out").values()) == ["also good", "good"]
    [row] = read_dir(tmp_path / "out" / "errors").to_pylist()
    assert where in row["message"] and row["stage"] == "ingest"


def test_missing_and_mistyped_columns_name_file_and_line(tmp_path: Path, capsys) -> None:
    src = write_jsonl(tmp_path / "cols.jsonl", [{"lang": "en", "text": "ok"}, {"lang": 5, "text": "x"}])
    assert polycorpus("ingest", src, tmp_path / "o1") == 2
    assert "cols.jsonl:2: column 'lang' must be a string, got int" in capsys.readouterr().err
    csv = tmp_path / "cols.csv"
    csv.write_text("lang,body\nen,hello\n", encoding="utf-8")
    assert polycorpus("ingest", csv, tmp_path / "o2") == 2
    assert "cols.csv:1: the header has no 'text' column" in capsys.readouterr().err


def _two_shards(tmp_path: Path) -> Path:
    records = [{"doc_id": f"d{i}", "lang": "en", "text": f"Document number {i} is here. " * 40} for i in range(40)]
    assert polycorpus("ingest", write_jsonl(tmp_path / "two.jsonl", records), tmp_path / "in", "--shard-size", "0.02") == 0
    folder = tmp_path / "in" / "documents"
    assert len(list(folder.glob("part-*.parquet"))) >= 2
    return folder


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "missing column"])
def test_broken_documents_shard_fails_alone_naming_the_file(tmp_path: Path, damage: str, capsys) -> None:
    docs = _two_shards(tmp_path)
    broken = docs / "part-00000.parquet"
    data = broken.read_bytes()
    if damage == "truncated":
        broken.write_bytes(data[: len(data) - 100])
    elif damage == "garbage":
        broken.write_bytes(b"not parquet at all" * 50)
    elif damage == "empty":
        broken.write_bytes(b"")
    else:
        pq.write_table(pq.read_table(broken).drop_columns(["lang"]), broken)
    out = tmp_path / "out"
    capsys.readouterr()
    assert polycorpus("run", docs, out, "--tasks", "tokenize", "--cluster", "sync") == 1
    err = capsys.readouterr().err
    assert f"FAILED part-00000.parquet: ShardError: cannot read documents shard {broken}" in err
    if damage == "missing column":
        assert "lang" in err.split("FAILED part-00000.parquet")[1].splitlines()[0]
    manifests = {p.name: json.loads(p.read_text())["status"] for p in (out / "_manifest").glob("*.json")}
    assert manifests.pop("part-00000.json") == "failed" and set(manifests.values()) == {"done"}
    assert not (out / "tokens" / "part-00000.parquet").exists()


def test_duplicate_doc_ids_are_rejected_or_dropped_and_counted(tmp_path: Path, capsys, caplog) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [{"doc_id": "x", "lang": "en", "text": "one"}, {"doc_id": "y", "lang": "en", "text": "two"}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"doc_id": "x", "lang": "en", "text": "again"}])
    assert polycorpus("ingest", first, second, tmp_path / "o1") == 2
    assert "1 duplicate doc_id values (x); make them unique or pass --dedupe" in capsys.readouterr().err
    with caplog.at_level("INFO"):
        assert polycorpus("ingest", first, second, tmp_path / "o2", "--dedupe") == 0
    assert "--dedupe dropped 1 documents with a doc_id seen before" in caplog.text and "1 duplicates dropped" in caplog.text
    assert texts(tmp_path / "o2") == {"x": "one", "y": "two"}


def test_lowered_max_length_chunks_with_exact_offsets(tmp_path: Path) -> None:
    records = [
        {"doc_id": "long", "lang": "en", "text": "First paragraph, with words.\n\n" + "Many short sentences follow here. " * 30},
        {"doc_id": "unbroken", "lang": "en", "text": "x" * 250 + " tail."},
        {"doc_id": "vi", "lang": "vi", "text": "Công ty cho biết hôm thứ hai rằng mô hình mới vượt qua các đối thủ. " * 8},
    ]
    assert polycorpus("ingest", write_jsonl(tmp_path / "long.jsonl", records), tmp_path / "in") == 0
    config = tmp_path / "small.yaml"
    config.write_text("languages:\n  en: {max_length: 60}\n  vi: {max_length: 60}\n", encoding="utf-8")
    chunked, whole = tmp_path / "chunked", tmp_path / "whole"
    assert polycorpus("run", tmp_path / "in" / "documents", chunked, "--tasks", "tokenize", "--cluster", "sync", "--config", config) == 0
    assert polycorpus("run", tmp_path / "in" / "documents", whole, "--tasks", "tokenize", "--cluster", "sync") == 0
    for out in (chunked, whole):
        shutil.copytree(tmp_path / "in" / "documents", out / "documents")
        assert_offsets_exact(out)

    def en_tokens(out: Path) -> list[tuple[str, int, int]]:
        rows = [r for r in read_dir(out / "tokens").to_pylist() if r["doc_id"] == "long"]
        return [t for r in sorted(rows, key=lambda r: r["sent_idx"]) for t in zip(r["tokens"], r["starts"], r["ends"])]

    assert en_tokens(chunked) == en_tokens(whole), "cuts at whitespace must not change English tokens"
    unbroken = [r for r in read_dir(chunked / "tokens").to_pylist() if r["doc_id"] == "unbroken"]
    assert max(e for r in unbroken for e in r["ends"]) == 256


def test_20_mb_document_through_tokenize(tmp_path: Path) -> None:
    words = ["The", "company", "said", "on", "Monday", "that", "its", "new", "model", "beats", "every", "rival", "in", "tests,", "and", "costs", "less.", ""]
    line = " ".join(words[i % len(words)] for i in range(4_000_000))
    assert len(line) >= 20_000_000
    src, dest = tmp_path / "big.txt", tmp_path / "big.tok"
    src.write_text(line + "\n", encoding="utf-8")
    started = time.perf_counter()
    assert polycorpus("tokenize", "--lang", "en", "--input", src, "--output", dest) == 0
    print(f"tokenize of a {len(line) / 1e6:.1f} MB document: {time.perf_counter() - started:.1f}s")
    output = dest.read_text(encoding="utf-8").split("\n")
    assert output[1:] == [""] and "".join(output[0].split()) == "".join(line.split())
