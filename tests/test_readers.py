"""The readers on files real tools write: byte-order marks, CRLF, quoted line breaks, TMX inline codes,
lone surrogates, compressed files, Parquet with a column map, and lines split on "\\n" only."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from corpus.ingest import IngestError, derive_doc_id, ingest
from corpus.readers import read_lines
from tests.conftest import polycorpus, read_dir

BOM = "\ufeff"


def _docs(out: Path) -> list[dict]:
    return read_dir(out / "documents").to_pylist()


def _ingest(tmp_path: Path, *inputs: Path, extra: tuple[str, ...] = ()) -> list[dict]:
    out = tmp_path / "out"
    assert polycorpus("ingest", *inputs, out, *extra) == 0
    return _docs(out)


def test_bom_jsonl_line_one(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        BOM + json.dumps({"doc_id": "a", "lang": "en", "text": "One."}) + "\n" + json.dumps({"doc_id": "b", "lang": "en", "text": "Two."}) + "\n",
        encoding="utf-8",
    )
    assert [(d["doc_id"], d["text"]) for d in _ingest(tmp_path, src)] == [("a", "One."), ("b", "Two.")]


@pytest.mark.parametrize("fmt,sep", [("csv", ","), ("tsv", "\t")])
def test_bom_csv_header_keeps_first_column(tmp_path: Path, fmt: str, sep: str) -> None:
    src = tmp_path / f"in.{fmt}"
    src.write_text(BOM + sep.join(["doc_id", "lang", "text"]) + "\n" + sep.join(["d1", "fr", "Bonjour."]) + "\n", encoding="utf-8")
    [doc] = _ingest(tmp_path, src)
    assert (doc["doc_id"], doc["text"], doc["meta"]) == ("d1", "Bonjour.", None)


def test_bom_txt_and_moses(tmp_path: Path) -> None:
    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "a.fr.txt").write_text(BOM + "Le texte.", encoding="utf-8")
    (tmp_path / "news.vi").write_text(BOM + "Một.\r\nHai.\r\n", encoding="utf-8")
    docs = _ingest(tmp_path, folder, tmp_path / "news.vi")
    assert [d["text"] for d in docs] == ["Le texte.", "Một.\nHai."]


def test_bom_tmx(tmp_path: Path) -> None:
    tmx = tmp_path / "mem.tmx"
    tmx.write_text(
        BOM + '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><body><tu><tuv xml:lang="fr"><seg>Oui</seg></tuv></tu></body></tmx>', encoding="utf-8"
    )
    assert [d["text"] for d in _ingest(tmp_path, tmx)] == ["Oui"]


def test_bom_line_tools_and_read_lines(tmp_path: Path) -> None:
    src = tmp_path / "lines.txt"
    src.write_text(BOM + "Apple Inc. hired Tim Cook.\n", encoding="utf-8")
    assert read_lines(str(src)) == ["Apple Inc. hired Tim Cook."]
    out = tmp_path / "tokens.txt"
    assert polycorpus("tokenize", "--lang", "en", "--input", src, "--output", out) == 0
    assert out.read_text(encoding="utf-8").startswith("Apple ")


def test_lines_split_on_newline_only(tmp_path: Path) -> None:
    src = tmp_path / "odd.txt"
    src.write_bytes("one\u2028still one\x0c\x0b\x85 and\rone\r\ntwo\n".encode())
    assert read_lines(str(src)) == ["one\u2028still one\x0c\x0b\x85 and\rone", "two"]
    (tmp_path / "news.fr").write_bytes("Un\u2028deux.\r\nTrois.\n".encode())
    [doc] = _ingest(tmp_path, tmp_path / "news.fr")
    assert doc["text"] == "Un\u2028deux.\nTrois."


def test_tmx_inline_codes_are_skipped_and_hi_kept(tmp_path: Path) -> None:
    tmx = tmp_path / "ui.tmx"
    tmx.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="fr"/><body><tu tuid="t1"><tuv xml:lang="fr"><seg>'
        'Cliquez sur <bpt i="1">&lt;b&gt;</bpt>Enregistrer<ept i="1">&lt;/b&gt;</ept> pour <hi type="em">continuer</hi>'
        '<ph>&lt;br/&gt;</ph>.<it pos="begin">&lt;i&gt;</it><ut>{1}</ut>'
        '<ph>&lt;img alt="<sub>Logo</sub>"/&gt;</ph></seg></tuv></tu></body></tmx>',
        encoding="utf-8",
    )
    [doc] = _ingest(tmp_path, tmx)
    assert doc["text"] == "Cliquez sur Enregistrer pour continuer."


@pytest.mark.parametrize("skip_bad", [False, True])
def test_lone_surrogate_is_a_bad_record(tmp_path: Path, skip_bad: bool, capsys) -> None:
    src = tmp_path / "emoji.jsonl"
    src.write_text(
        '{"lang": "en", "text": "fine"}\n{"lang": "en", "text": "broken \\ud83d emoji"}\n{"lang": "en", "text": "ok", "extra": {"deep": ["\\udc00"]}}\n{"lang": "en", "text": "last"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    if not skip_bad:
        assert polycorpus("ingest", src, out) == 2
        err = capsys.readouterr().err
        assert "emoji.jsonl:2: column 'text' holds '\\ud83d', a lone surrogate" in err and "--skip-bad" in err and "Traceback" not in err
        assert not (out / "documents").exists()
        return
    assert polycorpus("ingest", src, out, "--skip-bad") == 0
    assert [d["text"] for d in _docs(out)] == ["fine", "last"]
    messages = [r["message"] for r in read_dir(out / "errors").to_pylist()]
    assert len(messages) == 2 and "emoji.jsonl:2:" in messages[0] and "emoji.jsonl:3: meta holds" in messages[1]


def test_csv_quoted_newlines_and_crlf_keep_record_numbers(tmp_path: Path) -> None:
    src = tmp_path / "crlf.csv"
    src.write_bytes(b'lang,text\r\nen,"first\r\nspans two lines"\r\nen,second\r\nen,"third ""quoted"""\r\n')
    docs = _ingest(tmp_path, src)
    assert [d["text"] for d in docs] == ["first\r\nspans two lines", "second", 'third "quoted"']
    assert [d["doc_id"] for d in docs] == [derive_doc_id("crlf.csv", line, "en") for line in (2, 4, 5)]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'lang,text\nen,"a\nb"\nen,x,extra\n')
    with pytest.raises(IngestError, match=r"bad.csv:4: more fields than the header has"):
        ingest([str(bad)], str(tmp_path / "bad-out"))


@pytest.mark.parametrize("suffix,compress", [("gz", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress), ("zst", zstandard.compress)])
def test_compressed_jsonl(tmp_path: Path, suffix: str, compress) -> None:
    lines = [json.dumps({"doc_id": f"d{i}", "lang": "vi", "text": f"Câu số {i}."}, ensure_ascii=False) for i in range(3)]
    src = tmp_path / f"in.jsonl.{suffix}"
    src.write_bytes(compress(("\n".join(lines) + "\n").encode()))
    assert [d["text"] for d in _ingest(tmp_path, src)] == ["Câu số 0.", "Câu số 1.", "Câu số 2."]


def test_compressed_moses_keeps_language_from_name(tmp_path: Path) -> None:
    (tmp_path / "news.fr.gz").write_bytes(gzip.compress(b"Un.\nDeux.\n"))
    [doc] = _ingest(tmp_path, tmp_path / "news.fr.gz")
    assert (doc["lang"], doc["group_id"], doc["text"]) == ("fr", "news", "Un.\nDeux.")


def test_truncated_gzip_names_the_file(tmp_path: Path, capsys) -> None:
    src = tmp_path / "cut.jsonl.gz"
    whole = gzip.compress("".join(json.dumps({"lang": "en", "text": f"Line {i} of {i * 7919 % 1000}."}) + "\n" for i in range(2000)).encode())
    src.write_bytes(whole[: len(whole) // 2])
    assert polycorpus("ingest", src, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "cut.jsonl.gz" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "documents").exists()


def test_parquet_folder_with_column_map(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for part, rows in enumerate(
        [[("1", "Hello there.", "en", "a1", "http://x/1")], [("2", "Bonjour.", "fr", "a1", "http://x/2"), ("3", "Hallo.", "de", "a2", None)]]
    ):
        table = pa.table({name: list(col) for name, col in zip(["id", "content", "language", "article_id", "url"], zip(*rows))})
        pq.write_table(table, folder / f"part-{part}.parquet", row_group_size=1)
    docs = _ingest(tmp_path, folder, extra=("--format", "parquet", "--map", "text=content,doc_id=id,lang=language,group_id=article_id"))
    assert [(d["doc_id"], d["group_id"], d["lang"], d["text"]) for d in docs] == [
        ("1", "a1", "en", "Hello there."),
        ("2", "a1", "fr", "Bonjour."),
        ("3", "a2", "de", "Hallo."),
    ]
    assert json.loads(docs[0]["meta"]) == {"url": "http://x/1"} and docs[0]["source"] == "part-0.parquet"
    glob_docs = _ingest(tmp_path / "g", str(folder / "part-1.*"), extra=("--map", "text=content,doc_id=id,lang=language"))
    assert [d["doc_id"] for d in glob_docs] == ["2", "3"]


def test_parquet_without_the_text_column_says_what_to_map(tmp_path: Path, capsys) -> None:
    pq.write_table(pa.table({"body": ["x"], "lang": ["en"]}), tmp_path / "t.parquet")
    assert polycorpus("ingest", tmp_path / "t.parquet", tmp_path / "out") == 2
    assert "t.parquet: no column 'text' (columns: body, lang); map one with --map text=COLUMN" in capsys.readouterr().err
    assert polycorpus("ingest", tmp_path / "t.parquet", tmp_path / "out", "--map", "body=text") == 2
    assert "--map target 'body' is not a documents column" in capsys.readouterr().err


def test_align_files_counts_lines_on_newline_only(tmp_path: Path, monkeypatch) -> None:
    from tests.test_align import sample_sentences

    monkeypatch.chdir(tmp_path)
    fr, vi = sample_sentences("fr"), sample_sentences("vi")
    fr[1] = fr[1].replace(" ", "\u2028", 1)
    fr[3] = fr[3].replace(" ", "\x0c", 1)
    vi[2] = vi[2].replace(" ", "\x85", 1)
    vi[5] = vi[5].replace(" ", "\x0b", 1)
    vi[7] = vi[7].replace(" ", "\r", 1)
    Path("a.fr").write_text("\n".join(fr) + "\n", encoding="utf-8", newline="")
    Path("a.vi").write_text(BOM + "\r\n".join(vi) + "\r\n", encoding="utf-8", newline="")
    Path("pairs.tsv").write_text(BOM + "a.fr\ta.vi\ta.out\r\n", encoding="utf-8", newline="")
    assert polycorpus("align-files", "--pairs", "pairs.tsv", "--src-lang", "fr", "--tgt-lang", "vi") == 0
    assert read_lines("a.out") == [f"[{i}]:[{i}]" for i in range(12)]
