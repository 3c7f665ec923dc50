"""`polycorpus ingest`: every format round-trips, ids and shards are stable, bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus.ingest import IngestError, ingest
from tests.conftest import generated_jsonl, polycorpus, read_dir


def _docs(out: Path) -> list[dict]:
    return read_dir(out / "documents").to_pylist()


def test_jsonl_round_trip_with_meta_and_nfc(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    decomposed = "Vie\u0302\u0323t Nam"  # NFD
    src.write_text(
        json.dumps({"doc_id": "a", "group_id": "g", "lang": "vi", "title": "T", "text": decomposed, "source": "s", "url": "http://x"})
        + "\n"
        + json.dumps({"text": "Hello.", "lang": "en"})
        + "\n",
        encoding="utf-8",
    )
    assert polycorpus("ingest", src, tmp_path / "out") == 0
    docs = _docs(tmp_path / "out")
    assert docs[0] == {"doc_id": "a", "group_id": "g", "lang": "vi", "title": "T", "text": "Việt Nam", "source": "s", "meta": '{"url": "http://x"}'}
    assert docs[1]["text"] == "Hello." and docs[1]["source"] == "in.jsonl" and len(docs[1]["doc_id"]) == 20


@pytest.mark.parametrize("fmt,sep", [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_round_trip(tmp_path: Path, fmt: str, sep: str) -> None:
    src = tmp_path / f"in.{fmt}"
    src.write_text(sep.join(["doc_id", "lang", "text", "extra"]) + "\n" + sep.join(["d1", "fr", "Bonjour à tous.", "x"]) + "\n", encoding="utf-8")
    assert polycorpus("ingest", src, tmp_path / "out") == 0
    [doc] = _docs(tmp_path / "out")
    assert (doc["doc_id"], doc["lang"], doc["text"], json.loads(doc["meta"])) == ("d1", "fr", "Bonjour à tous.", {"extra": "x"})


def test_txt_folder_takes_language_and_group_from_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "article.fr.txt").write_text("Le texte.\n", encoding="utf-8")
    (folder / "article.vi.txt").write_text("Văn bản.\n", encoding="utf-8")
    assert polycorpus("ingest", folder, tmp_path / "out") == 0
    docs = _docs(tmp_path / "out")
    assert [(d["lang"], d["group_id"], d["text"]) for d in docs] == [("fr", "article", "Le texte.\n"), ("vi", "article", "Văn bản.\n")]


def test_moses_pair_keeps_lines_as_sentences(tmp_path: Path) -> None:
    (tmp_path / "news.fr").write_text("Un.\nDeux.\n", encoding="utf-8")
    (tmp_path / "news.vi").write_text("Một.\nHai.\n", encoding="utf-8")
    assert polycorpus("ingest", tmp_path / "news.fr", tmp_path / "news.vi", tmp_path / "out") == 0
    docs = _docs(tmp_path / "out")
    assert [(d["lang"], d["group_id"], d["text"]) for d in docs] == [("fr", "news", "Un.\nDeux."), ("vi", "news", "Một.\nHai.")]
    assert all(json.loads(d["meta"]) == {"lines_are_sentences": True} for d in docs)


def test_tmx_units_become_groups(tmp_path: Path) -> None:
    tmx = tmp_path / "mem.tmx"
    tmx.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="fr"/><body>'
        '<tu tuid="u1"><tuv xml:lang="fr-FR"><seg>Bonjour</seg></tuv><tuv xml:lang="vi"><seg>Xin chào</seg></tuv></tu>'
        "</body></tmx>",
        encoding="utf-8",
    )
    assert polycorpus("ingest", tmx, tmp_path / "out") == 0
    assert [(d["lang"], d["group_id"], d["text"]) for d in _docs(tmp_path / "out")] == [("fr", "u1", "Bonjour"), ("vi", "u1", "Xin chào")]


def test_ids_and_shards_are_deterministic_and_groups_stay_together(tmp_path: Path) -> None:
    src = generated_jsonl(tmp_path / "gen.jsonl", groups=60)
    for name in ("a", "b"):
        assert polycorpus("ingest", src, tmp_path / name, "--shard-size", "0.002") == 0
    a = sorted((tmp_path / "a" / "documents").glob("*.parquet"))
    b = sorted((tmp_path / "b" / "documents").glob("*.parquet"))
    assert len(a) > 3 and [p.name for p in a] == [p.name for p in b]
    assert all(pq.read_table(x).equals(pq.read_table(y)) for x, y in zip(a, b))
    shard_of_group: dict[str, set[str]] = {}
    for path in a:
        for group in pq.read_table(path).column("group_id").to_pylist():
            shard_of_group.setdefault(group, set()).add(path.name)
    assert all(len(shards) == 1 for shards in shard_of_group.values())


def test_wrong_type_and_missing_text_name_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"text": "ok", "lang": "en"}\n{"text": 5, "lang": "en"}\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"bad.jsonl:2: column 'text' must be a string"):
        ingest([str(src)], str(tmp_path / "out"))
    src.write_text('{"title": "no text", "lang": "en"}\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"bad.jsonl:1: missing required column 'text'"):
        ingest([str(src)], str(tmp_path / "out2"))
    csv = tmp_path / "bad.csv"
    csv.write_text("body,lang\nhello,en\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"bad.csv:1: the header has no 'text' column"):
        ingest([str(csv)], str(tmp_path / "out3"))


def test_skip_bad_writes_errors_and_keeps_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(b'{"text": "good", "lang": "en"}\n{"text": "\xff\xfe", "lang": "en"}\n{"text": "also good", "lang": "en"}\n')
    with pytest.raises(IngestError, match="mixed.jsonl:2: invalid UTF-8"):
        ingest([str(src)], str(tmp_path / "strict"))
    assert polycorpus("ingest", src, tmp_path / "out", "--skip-bad") == 0
    assert [d["text"] for d in _docs(tmp_path / "out")] == ["good", "also good"]
    [error] = read_dir(tmp_path / "out" / "errors").to_pylist()
    assert error["stage"] == "ingest" and "mixed.jsonl:2" in error["message"]


def test_missing_language_names_documents(tmp_path: Path) -> None:
    src = tmp_path / "nolang.jsonl"
    src.write_text('{"doc_id": "x1", "text": "hello"}\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"1 documents have no language: x1"):
        ingest([str(src)], str(tmp_path / "out"))


def test_duplicates_rejected_or_dropped(tmp_path: Path) -> None:
    src = tmp_path / "dup.jsonl"
    src.write_text('{"doc_id": "a", "text": "one", "lang": "en"}\n{"doc_id": "a", "text": "two", "lang": "en"}\n', encoding="utf-8")
    with pytest.raises(IngestError, match="1 duplicate doc_id values \\(a\\)"):
        ingest([str(src)], str(tmp_path / "out"))
    result = ingest([str(src)], str(tmp_path / "out2"), dedupe=True)
    assert result.duplicates == 1 and [d["text"] for d in _docs(tmp_path / "out2")] == ["one"]


def test_non_empty_out_needs_overwrite(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text('{"text": "one", "lang": "en"}\n', encoding="utf-8")
    assert polycorpus("ingest", src, tmp_path / "out") == 0
    assert polycorpus("ingest", src, tmp_path / "out") == 2
    assert polycorpus("ingest", src, tmp_path / "out", "--overwrite") == 0
    assert len(_docs(tmp_path / "out")) == 1


def test_detect_lang_fills_missing_languages(tmp_path: Path) -> None:
    src = tmp_path / "nolang.jsonl"
    src.write_text(
        json.dumps({"text": "Le marché de l'intelligence artificielle connaît une valorisation record."})
        + "\n"
        + json.dumps({"text": "Thị trường trí tuệ nhân tạo đang được định giá ở mức gần như phi lý."})
        + "\n",
        encoding="utf-8",
    )
    assert polycorpus("ingest", src, tmp_path / "out", "--detect-lang") == 0
    assert [d["lang"] for d in _docs(tmp_path / "out")] == ["fr", "vi"]
