"""The rerun plan and the task hashes it compares (corpus/records.py), on hand-made manifests."""

from __future__ import annotations

from cluster import config as configuration
from corpus.records import Manifest, ShardState, TaskHashes, digest, plan, shard_stem

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
    assert {t for t in base.options if cad.options[t] != base.options[t]} == {"entities"} and cad.languages == base.languages
