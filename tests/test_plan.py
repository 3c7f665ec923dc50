"""The rerun plan, the task hashes it compares and the records it reads (corpus/records.py), on hand-made manifests."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import pytest

from cluster import config as configuration
from corpus.records import (
    VERSIONED_PACKAGES,
    ErrorRow,
    Manifest,
    RecordError,
    RunRecord,
    ShardState,
    TaskHashes,
    digest,
    new_run_id,
    package_versions,
    plan,
    read_manifest,
    read_manifests,
    read_run_record,
    read_runs,
    shard_stem,
    write_manifest,
    write_run_record,
)
from corpus.storage import Location

HASHES = TaskHashes(
    options={"tokenize": "t0", "entities": "e0", "align": "a0"},
    requires={"tokenize": (), "entities": ("tokenize",), "align": ("tokenize",)},
    languages={"fr": "fr0", "vi": "vi0"},
    unlisted="blank",
)
TASKS = ("tokenize", "entities", "align")


def _with(**changes: dict[str, str]) -> TaskHashes:
    return TaskHashes(**{"options": HASHES.options, "requires": HASHES.requires, "languages": HASHES.languages, "unlisted": HASHES.unlisted, **changes})


def _done(shard: str, tasks: tuple[str, ...], languages: list[str], hashes: TaskHashes = HASHES, status: str = "done") -> Manifest:
    now = hashes.for_languages(languages)
    return Manifest(shard=shard, status=status, tasks=list(tasks), config_hash="c", languages=languages, task_hashes={t: now[t] for t in tasks})


def test_digest_is_stable_and_order_free() -> None:
    assert digest({"a": 1, "b": [2, 3]}) == digest({"b": [2, 3], "a": 1})
    assert len(digest("x")) == 16 and digest("x") != digest("y") and digest(1) != digest("1")
    assert digest(Decimal("1.5")) == digest("1.5")  # values JSON lacks are hashed by str()
    # Pinned: manifests record these hashes, so a change of their recipe redoes every task of every OUT.
    assert digest({"a": 1}) == "f9d86028c6e0d64e"
    assert HASHES.for_languages(["fr"]) == {"tokenize": "8727fb7378dc7d5c", "entities": "a6f7ab07f3e666e2", "align": "10189be1f050af96"}


def test_a_task_hash_follows_its_options_its_languages_and_what_it_requires() -> None:
    base = HASHES.for_languages(["fr", "vi"])
    assert set(base) == set(TASKS) and len(set(base.values())) == 3
    assert HASHES.for_languages(["vi", "fr", "vi"]) == base  # order and repeats do not count
    entities = _with(options={**HASHES.options, "entities": "e1"}).for_languages(["fr", "vi"])
    assert entities["tokenize"] == base["tokenize"] and entities["align"] == base["align"] and entities["entities"] != base["entities"]
    tokenize = _with(options={**HASHES.options, "tokenize": "t1"}).for_languages(["fr"])
    assert all(tokenize[t] != HASHES.for_languages(["fr"])[t] for t in TASKS)  # every task requires tokenize
    french = _with(languages={**HASHES.languages, "fr": "fr1"})
    assert french.for_languages(["vi"]) == HASHES.for_languages(["vi"])
    assert all(french.for_languages(["fr", "vi"])[t] != base[t] for t in TASKS)
    assert HASHES.for_languages(["de"]) == _with(languages={"de": "blank"}).for_languages(["de"])  # unlisted: the blank pipeline's
    assert HASHES.for_languages(["de"]) != _with(unlisted="other").for_languages(["de"])
    assert HASHES.for_languages(["fr"]) != HASHES.for_languages(["fr", "vi"])


def test_plan_for_new_done_failed_and_forced_shards() -> None:
    shards = ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet", "part-00003.parquet"]
    manifests = {
        "part-00001.parquet": _done("part-00001.parquet", TASKS, ["fr", "vi"]),
        "part-00002.parquet": _done("part-00002.parquet", ("tokenize",), ["vi"]),
        "part-00003.parquet": _done("part-00003.parquet", ("tokenize",), ["fr"], status="failed"),
    }
    assert plan(shards, manifests, TASKS, HASHES, force=False, retry_failed=False) == [
        ShardState("part-00000.parquet", "pending", TASKS),
        ShardState("part-00001.parquet", "done", (), TASKS),
        ShardState("part-00002.parquet", "done", ("entities", "align"), ("tokenize",)),
        ShardState("part-00003.parquet", "failed", (), ("tokenize",)),
    ]
    assert plan(shards, manifests, TASKS, HASHES, force=False, retry_failed=True)[3] == ShardState("part-00003.parquet", "failed", TASKS, ("tokenize",))
    forced = plan(shards, manifests, ("tokenize",), HASHES, force=True, retry_failed=False)
    assert forced == [ShardState(s, status, ("tokenize",)) for s, status in zip(shards, ["pending", "done", "done", "failed"], strict=True)]


def test_plan_redoes_only_the_tasks_whose_hash_changed_on_that_shard() -> None:
    shards = ["part-00000.parquet", "part-00001.parquet"]
    manifests = {"part-00000.parquet": _done("part-00000.parquet", TASKS, ["fr"]), "part-00001.parquet": _done("part-00001.parquet", TASKS, ["vi"])}
    entities = _with(options={**HASHES.options, "entities": "e1"})
    assert [s.todo for s in plan(shards, manifests, TASKS, entities, False, False)] == [("entities",), ("entities",)]
    assert [s.kept for s in plan(shards, manifests, TASKS, entities, False, False)] == [("tokenize", "align"), ("tokenize", "align")]
    french = _with(languages={**HASHES.languages, "fr": "fr1"})
    assert [s.todo for s in plan(shards, manifests, TASKS, french, False, False)] == [TASKS, ()]
    assert [s.todo for s in plan(shards, manifests, ("tokenize",), entities, False, False)] == [(), ()]  # a task not asked for is not redone


def test_a_manifest_without_task_hashes_redoes_its_tasks_and_unknown_tasks_are_dropped() -> None:
    old = Manifest(shard="part-00000.parquet", status="done", tasks=list(TASKS), config_hash="c")
    assert plan(["part-00000.parquet"], {"part-00000.parquet": old}, TASKS, HASHES, False, False) == [ShardState("part-00000.parquet", "done", TASKS, ())]
    gone = _done("part-00000.parquet", TASKS, ["fr"])
    gone = gone.model_copy(update={"tasks": [*gone.tasks, "retired"], "task_hashes": {**gone.task_hashes, "retired": "x"}})
    assert plan(["part-00000.parquet"], {"part-00000.parquet": gone}, TASKS, HASHES, False, False)[0].kept == TASKS


def test_shard_stem() -> None:
    assert shard_stem("part-00003.parquet") == "part-00003" and shard_stem("a.b.parquet") == "a.b"


def test_the_config_hashes_what_decides_outputs_and_nothing_else() -> None:
    base = configuration.load().task_hashes()
    assert base.requires["align"] == ("tokenize",) and base.options.keys() == base.requires.keys()
    assert configuration.load(overrides={"run": {"batch_size": 7, "retries": 0}, "cluster": {"n_workers": 9}}).task_hashes() == base
    wrapped = configuration.load(overrides={"run": {"hard_wrapped": True}}).task_hashes()
    assert wrapped.options == base.options and all(wrapped.languages[lang] != base.languages[lang] for lang in base.languages)
    assert wrapped.unlisted == base.unlisted
    cad = configuration.load(overrides={"entities": {"dollar": "CAD"}}).task_hashes()
    # link_pairs takes the entities options
    assert {t for t in base.options if cad.options[t] != base.options[t]} == {"entities", "link_pairs"} and cad.languages == base.languages


def test_manifests_round_trip_and_are_read_by_shard(tmp_path: Path) -> None:
    out = Location(str(tmp_path))
    assert read_manifest(out, "part-00000.parquet") is None and read_manifests(out) == {}
    manifest = _done("part-00000.parquet", TASKS, ["fr"])
    write_manifest(out, manifest)
    (tmp_path / "_manifest" / "notes.txt").write_text("not a manifest")
    written = json.loads((tmp_path / "_manifest" / "part-00000.json").read_text())
    assert "error" not in written and written["task_hashes"] == manifest.task_hashes  # None fields are left out
    assert read_manifest(out, "part-00000.parquet") == manifest == read_manifests(out)["part-00000.parquet"]
    assert read_manifest(out, "part-00001.parquet") is None


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ('{"shard": "part-00000.parquet"}', "(status: Field required)"),
        ("not json", "(JSONDecodeError: Expecting value: line 1 column 1 (char 0))"),
        ("[1]", "(the record: "),
    ],
)
def test_an_unreadable_manifest_is_named_with_what_is_wrong(tmp_path: Path, content: str, detail: str) -> None:
    (tmp_path / "_manifest").mkdir()
    (tmp_path / "_manifest" / "part-00000.json").write_text(content)
    with pytest.raises(RecordError) as caught:
        read_manifest(Location(str(tmp_path)), "part-00000.parquet")
    assert str(caught.value).startswith(f"{tmp_path / '_manifest' / 'part-00000.json'} is not a polycorpus Manifest this version can read {detail}")
    assert str(caught.value).endswith("; rerun with --force to redo every shard, or run into a new output folder")


def test_run_records_the_first_no_op_run_and_keep_the_last_real_one(tmp_path: Path) -> None:
    out = Location(str(tmp_path))
    assert read_run_record(out) is None and read_runs(out) == []
    noop = RunRecord(run_id="20260101T000000Z-1", docs="d", config={}, config_hash="h", tasks=["tokenize"], started="s", seconds=0.1)
    write_run_record(out, noop)
    assert read_run_record(out) == noop  # no real run yet: the no-op one is the latest
    real = noop.model_copy(update={"run_id": "20260101T000001Z-1", "seconds": 9.0, "shards_done": ["part-00000.parquet"]})
    write_run_record(out, real)
    write_run_record(out, noop.model_copy(update={"run_id": "20260101T000002Z-1"}))
    assert read_run_record(out) == real
    assert [r.run_id for r in read_runs(out)] == ["20260101T000000Z-1", "20260101T000001Z-1", "20260101T000002Z-1"]
    assert read_runs(out)[1] == real


def test_run_ids_versions_and_error_rows() -> None:
    assert new_run_id(0.0) == f"19700101T000000Z-{os.getpid()}" and new_run_id(86400 * 365.25 * 56 + 3723) == f"20260101T010203Z-{os.getpid()}"
    versions = package_versions()
    assert tuple(versions) == VERSIONED_PACKAGES and versions["pyarrow"] == metadata.version("pyarrow")
    assert ErrorRow(None, "part-00000.parquet", "pipeline", "ValueError", "bad").row() == {
        "doc_id": None,
        "shard": "part-00000.parquet",
        "stage": "pipeline",
        "error_type": "ValueError",
        "message": "bad",
    }


def test_a_saved_pairing_is_an_input_of_the_tasks_that_read_it_and_of_no_other() -> None:
    config = configuration.load()
    one, other = config.task_hashes({"docalign": "a" * 16}), config.task_hashes({"docalign": "b" * 16})
    assert one.inputs == {"align": {"docalign": "a" * 16}, "link_pairs": {"docalign": "a" * 16}}  # both read document_pairs
    assert set(one.partnered) == {"align", "link_pairs"}  # both read their partners' rows from other shards
    a, b = one.for_languages(["en", "fr"]), other.for_languages(["en", "fr"])
    assert {t for t in a if a[t] != b[t]} == {"align", "link_pairs"}
    assert config.task_hashes({}) == config.task_hashes() and config.task_hashes().inputs == {}
    assert config.task_hashes({"align": "c" * 16}).inputs == {}  # nobody reads alignments


def test_a_partner_languages_settings_redo_the_tasks_that_read_partners_from_the_pairs() -> None:
    paired = _with(inputs={"align": {"docalign": "p0"}}, partnered=("align",))
    vi_changed = _with(inputs={"align": {"docalign": "p0"}}, partnered=("align",), languages={"fr": "fr0", "vi": "vi1"})
    before, after = paired.for_languages(["fr"]), vi_changed.for_languages(["fr"])
    assert before["align"] != after["align"]  # a fr shard's found pairs may have vi partners
    assert before["tokenize"] == after["tokenize"] and before["entities"] == after["entities"]
    without_pairs = _with(partnered=("align",))  # no document_pairs: partners are group members in the shard
    assert without_pairs.for_languages(["fr"])["align"] == _with(partnered=("align",), languages={"fr": "fr0", "vi": "vi1"}).for_languages(["fr"])["align"]
