"""`polycorpus ingest`: every format round-trips, ids and shards are stable, bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
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


def _two_files_far_apart(tmp_path: Path, groups: int = 40) -> list[str]:
    """The fr and vi members of each group in two files, the vi file in reverse order."""
    fr, vi = tmp_path / "news.fr.jsonl", tmp_path / "news.vi.jsonl"
    fr.write_text(
        "".join(json.dumps({"group_id": f"g{g}", "lang": "fr", "text": f"Article {g}. " * (5 + g % 7)}) + "\n" for g in range(groups)), encoding="utf-8"
    )
    vi.write_text(
        "".join(json.dumps({"group_id": f"g{g}", "lang": "vi", "text": f"Bài {g}. " * (5 + g % 5)}) + "\n" for g in reversed(range(groups))), encoding="utf-8"
    )
    return [str(fr), str(vi)]


def _shards(out: Path) -> dict[str, pa.Table]:
    return {p.name: pq.read_table(p) for p in sorted((out / "documents").glob("*.parquet"))}


def test_group_members_far_apart_in_two_files_land_in_one_shard(tmp_path: Path) -> None:
    inputs = _two_files_far_apart(tmp_path)
    result = ingest(inputs, str(tmp_path / "out"), shard_size_mb=0.0005, partition_bytes=1500)
    shards = _shards(tmp_path / "out")
    assert result.documents == 80 and len(shards) == len(result.shards) > 4
    shard_of: dict[str, set[str]] = {}
    for name, table in shards.items():
        for group, lang in zip(table.column("group_id").to_pylist(), table.column("lang").to_pylist()):
            shard_of.setdefault(group, set()).add(name)
            assert lang in ("fr", "vi")
    assert len(shard_of) == 40 and all(len(names) == 1 for names in shard_of.values())
    assert not (tmp_path / "out" / ".ingest").exists()
    chunked = ingest(inputs, str(tmp_path / "again"), shard_size_mb=0.0005, partition_bytes=1500, chunk_bytes=700)
    assert chunked.shards == result.shards and all(t.equals(_shards(tmp_path / "again")[n]) for n, t in shards.items())


def test_every_step_run_twice_gives_the_same_shards(tmp_path: Path) -> None:
    """A cluster may run a step again (its worker died after the step finished): reads rewrite the same spill files, and a
    partition whose spill was removed after its shards were written returns its count from its completion marker."""
    from corpus.ingest import SPILL_DIR, in_process

    inputs = _two_files_far_apart(tmp_path)
    ingest(inputs, str(tmp_path / "once"), shard_size_mb=0.0005, partition_bytes=1500, chunk_bytes=700)
    spill = tmp_path / "twice" / SPILL_DIR
    writes: list[int] = []

    def twice(fn, items):
        first = in_process(fn, items)
        if any(item[0].__name__ == "write_partition" for item in items if callable(item[0])):
            writes.append(len(list(spill.glob("p-*"))))  # every partition's spill is gone once its shards are written
        again = in_process(fn, items)
        assert again == first
        return again

    result = ingest(inputs, str(tmp_path / "twice"), shard_size_mb=0.0005, partition_bytes=1500, chunk_bytes=700, mapper=twice)
    assert writes == [0] and len(result.shards) > 4
    expected, got = _shards(tmp_path / "once"), _shards(tmp_path / "twice")
    assert list(got) == list(expected) and all(got[n].equals(expected[n]) for n in expected)


def test_parallel_ingest_equals_one_process(tmp_path: Path) -> None:
    from cluster.config import load
    from cluster.ingest_jobs import cluster_mapper

    inputs = _two_files_far_apart(tmp_path)
    repeated = tmp_path / "repeat.jsonl"
    repeated.write_text("".join(json.dumps({"doc_id": "d", "lang": "en", "text": f"Copy {i}."}) + "\n" for i in range(2)), encoding="utf-8")
    ingest(inputs, str(tmp_path / "one"), shard_size_mb=0.0005, partition_bytes=1500, chunk_bytes=700)
    expected = _shards(tmp_path / "one")
    for kind in ("local", "sync"):
        with cluster_mapper(load(None, {"cluster": {"type": kind, "n_workers": 2}}).cluster) as mapper:
            ingest(inputs, str(tmp_path / kind), shard_size_mb=0.0005, partition_bytes=1500, chunk_bytes=700, mapper=mapper)
            # the duplicate check runs beside the writes, on a worker: its failure still leaves no documents/
            with pytest.raises(IngestError, match=r"1 duplicate doc_id values \(d\)"):
                ingest([*inputs, str(repeated)], str(tmp_path / f"{kind}-dup"), partition_bytes=1500, mapper=mapper)
            assert not (tmp_path / f"{kind}-dup" / "documents").exists()
        got = _shards(tmp_path / kind)
        assert list(got) == list(expected) and all(got[n].equals(expected[n]) for n in expected), kind
    assert polycorpus("ingest", *inputs, tmp_path / "cli", "--cluster", "sync") == 0
    assert polycorpus("ingest", *inputs, tmp_path / "cli-one") == 0
    assert read_dir(tmp_path / "cli" / "documents").equals(read_dir(tmp_path / "cli-one" / "documents"))


def test_dedupe_across_partitions_keeps_the_first(tmp_path: Path) -> None:
    inputs = _two_files_far_apart(tmp_path, groups=10)
    extra = tmp_path / "repeat.jsonl"
    extra.write_text("".join(json.dumps({"doc_id": f"d{i % 3}", "lang": "en", "text": f"Copy {i}."}) + "\n" for i in range(9)), encoding="utf-8")
    with pytest.raises(IngestError, match=r"6 duplicate doc_id values \(d0, d1, d2\)"):
        ingest([*inputs, str(extra)], str(tmp_path / "strict"), partition_bytes=300)
    assert not (tmp_path / "strict" / "documents").exists()
    result = ingest([*inputs, str(extra)], str(tmp_path / "out"), dedupe=True, partition_bytes=300)
    copies = sorted(d["text"] for d in _docs(tmp_path / "out") if d["lang"] == "en")
    assert result.duplicates == 6 and result.documents == 23 and copies == ["Copy 0.", "Copy 1.", "Copy 2."]


def test_detect_lang_keeps_unconfigured_languages_and_flags_short_text(tmp_path: Path, caplog) -> None:
    src = tmp_path / "nolang.jsonl"
    src.write_text(
        json.dumps({"doc_id": "de1", "text": "Die Programmierer verdienen in diesem Jahr ein Vermögen."})
        + "\n"
        + json.dumps({"doc_id": "short", "text": "ok"})
        + "\n"
        + json.dumps({"doc_id": "fr1", "text": "Le marché de l'intelligence artificielle connaît une valorisation record."})
        + "\n",
        encoding="utf-8",
    )
    assert polycorpus("ingest", src, tmp_path / "out", "--detect-lang") == 0
    assert [(d["doc_id"], d["lang"]) for d in _docs(tmp_path / "out")] == [("de1", "de"), ("fr1", "fr")]
    [row] = read_dir(tmp_path / "out" / "errors").to_pylist()
    assert row["doc_id"] == "short" and row["error_type"] == "LanguageUncertain" and "nolang.jsonl:2" in row["message"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("1 documents were detected as languages that are not configured (de 1)" in w for w in warnings)
    assert polycorpus("ingest", src, tmp_path / "default", "--detect-lang", "--default-lang", "en") == 0
    assert [d["lang"] for d in _docs(tmp_path / "default")] == ["de", "en", "fr"]
