"""Exact-span P/R/F1 per label of the entities step on the gold sets in ../shared/eval, and its speed.

Reads the gold by path (never copied into the repo), scores PERSON / ORG / MONEY as the eval README
says, and times the entities step per language next to fr_core_news_sm's full pipeline. Where a
language has a model, the model alone (its PER / PERSON / ORG entities as it writes them) is scored
next to the full step (model + gazetteer, cues and aliases): rules may only add, so the full step's F1
must not fall below the model's. `--en-model none` scores English on rules alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.eval_data import require_eval_data  # noqa: E402
from cluster import config as configuration  # noqa: E402
from cluster.languages import language_specs  # noqa: E402
from tasks.entities.extract import entities_for_texts  # noqa: E402
from tasks.entities.rules import MODEL_LABELS  # noqa: E402
from tasks.entities.types import EntityOptions  # noqa: E402
from tasks.spacy.spec import LanguageSpec  # noqa: E402

BATCH_SIZE = configuration.load().run.batch_size  # documents per nlp.pipe batch, as `run` takes them by default

LABEL_MAP = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "Person": "PERSON",
    "NAME": "PERSON",
    "ORG": "ORG",
    "Organisation": "ORG",
    "ORGANIZATION": "ORG",
    "MONEY": "MONEY",
    "Money": "MONEY",
}
LABELS = ("PERSON", "ORG", "MONEY")
# Leading words the Vietnamese check accepts inside a predicted span (eval README).
VI_LEADING = ("ông", "bà", "anh", "chị", "công ty", "tập đoàn", "hãng hàng không", "hãng", "ngân hàng")


@dataclass
class Sentence:
    """One gold sentence: its text and its gold spans (start, end, label)."""

    text: str
    spans: set[tuple[int, int, str]]


def read_token_file(path: Path, sep: str | None, token_col: int, tag_col: int, max_tokens: int | None = None) -> list[Sentence]:
    """Token-per-line gold (BIO or IO tags): a sentence is its tokens joined by single spaces.

    Files without sentence breaks (Europeana) are cut into pseudo-sentences of about `max_tokens`
    tokens, never inside an entity.
    """
    sentences: list[Sentence] = []
    rows: list[tuple[str, str]] = []

    def flush() -> None:
        if rows:
            sentences.append(_from_rows(rows))
            rows.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            continue
        parts = line.split(sep) if sep else line.split()
        if len(parts) <= max(token_col, tag_col):
            continue
        token, tag = parts[token_col], parts[tag_col]
        if max_tokens and len(rows) >= max_tokens and not tag.startswith("I-"):
            flush()
        rows.append((token, tag))
    flush()
    return sentences


def _from_rows(rows: list[tuple[str, str]]) -> Sentence:
    text_parts: list[str] = []
    spans: set[tuple[int, int, str]] = set()
    pos = 0
    current: list | None = None  # [start, end, label]
    for token, tag in rows:
        start = pos
        end = start + len(token)
        text_parts.append(token)
        pos = end + 1
        prefix, _, raw = tag.partition("-")
        label = LABEL_MAP.get(raw) if raw else None
        continues = current is not None and prefix == "I" and current[2] == label
        if current is not None and not continues:
            spans.add(tuple(current))
            current = None
        if label is not None:
            if current is None:
                current = [start, end, label]
            else:
                current[1] = end
        elif raw and current is not None:
            spans.add(tuple(current))
            current = None
    if current is not None:
        spans.add(tuple(current))
    return Sentence(" ".join(text_parts), spans)


def read_vi_news(path: Path) -> list[Sentence]:
    """vi/news_dev.tsv and vi/orgs_places_dev.tsv: each expected span text is located left to right in its sentence."""
    sentences = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        lang, text, expected = line.split("\t")
        spans: set[tuple[int, int, str]] = set()
        cursor = 0
        for span, label in json.loads(expected):
            start = text.index(span, cursor)
            spans.add((start, start + len(span), label))
            cursor = start + len(span)
        sentences.append(Sentence(text, spans))
    return sentences


def read_money(path: Path) -> dict[str, list[tuple[str, set[tuple[int, int, Decimal, str]]]]]:
    """money/dev.tsv per language: (text, {(start, end, amount, currency)})."""
    out: dict[str, list] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        lang, text, expected = line.split("\t")
        gold = set()
        cursor = 0
        for span, amount, currency in json.loads(expected):
            start = text.index(span, cursor)
            gold.add((start, start + len(span), Decimal(amount), currency))
            cursor = start + len(span)
        out.setdefault(lang, []).append((text, gold))
    return out


def vi_relaxed(pred: tuple[int, int, str], gold: set[tuple[int, int, str]], text: str) -> tuple[int, int, str]:
    """The gold span a Vietnamese prediction matches when it only adds one accepted leading word."""
    start, end, label = pred
    for g_start, g_end, g_label in gold:
        if g_end == end and g_label == label and g_start > start:
            lead = text[start:g_start].strip().lower()
            if lead in VI_LEADING:
                return (g_start, g_end, g_label)
    return pred


def score(gold: list[set], pred: list[set]) -> dict[str, dict[str, float]]:
    """Exact-span precision, recall and F1 per label, counts summed over sentences."""
    tp: Counter = Counter()
    n_pred: Counter = Counter()
    n_gold: Counter = Counter()
    for g, p in zip(gold, pred):
        for span in p:
            n_pred[span[2]] += 1
            tp[span[2]] += span in g
        for span in g:
            n_gold[span[2]] += 1
    out = {}
    for label in LABELS:
        if not n_gold[label] and not n_pred[label]:
            continue
        precision = tp[label] / n_pred[label] if n_pred[label] else 0.0
        recall = tp[label] / n_gold[label] if n_gold[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {"p": precision, "r": recall, "f1": f1, "gold": n_gold[label], "pred": n_pred[label]}
    return out


def predict(texts: Iterable[str], lang: str, options: EntityOptions, spec: LanguageSpec) -> list[set[tuple[int, int, str]]]:
    """Predicted (start, end, label) spans per text, with the pipeline `spec`."""
    return [{(e.start, e.end, e.label) for e in ents} for ents in entities_for_texts(texts, lang, options, spec, BATCH_SIZE)]


def predict_model_alone(texts: list[str], model: str) -> list[set[tuple[int, int, str]]]:
    """The spans of the spaCy package `model` alone: its PER / PERSON / ORG entities, labels mapped, nothing else."""
    import spacy

    nlp = spacy.load(model, exclude=["tagger", "parser", "lemmatizer", "attribute_ruler", "morphologizer", "senter"])
    return [
        {(e.start_char, e.end_char, MODEL_LABELS[e.label_]) for e in doc.ents if e.label_ in MODEL_LABELS} for doc in nlp.pipe(texts, batch_size=BATCH_SIZE)
    ]


def eval_ner(eval_dir: Path, options: EntityOptions, labels_of: dict[str, tuple[str, ...]], specs: dict[str, LanguageSpec]) -> dict[str, dict]:
    """Scores on every NER gold set, restricted to the labels each set annotates; "model alone" scores beside them where a model backs the language."""
    ner = eval_dir / "ner"
    sets = {
        "fr/wikineural-val": ("fr", read_token_file(ner / "fr/wikineural_fr_val_first2000.conllu", "\t", 1, 2)),
        "fr/europeana-1906": ("fr", read_token_file(ner / "fr/europeana_enp_FR.bnf.bio", " ", 0, 1, max_tokens=60)),
        "en/wikigold": ("en", read_token_file(ner / "en/wikigold.conll.txt", " ", 0, 1)),
        "en/re3d-train": ("en", read_token_file(ner / "en/re3d-train.conll", "\t", 0, 1)),
        "en/re3d-test": ("en", read_token_file(ner / "en/re3d-test.conll", "\t", 0, 1)),
        "vi/news_dev": ("vi", read_vi_news(ner / "vi/news_dev.tsv")),
        "vi/orgs_places_dev": ("vi", read_vi_news(ner / "vi/orgs_places_dev.tsv")),
    }
    results = {}
    for name, (lang, sentences) in sets.items():
        keep = labels_of.get(name, ("PERSON", "ORG"))
        texts = [s.text for s in sentences]
        preds = [{p for p in ps if p[2] in keep} for ps in predict(texts, lang, options, specs.get(lang, LanguageSpec()))]
        golds = [{g for g in s.spans if g[2] in keep} for s in sentences]
        if name == "vi/news_dev":  # the eval README's relaxed check: one accepted leading word ("ông", "công ty")
            preds = [{vi_relaxed(p, g, t) for p in ps} for ps, g, t in zip(preds, golds, texts)]
        results[name] = score(golds, preds)
        model = specs.get(lang, LanguageSpec()).model
        if model:
            alone = [{p for p in ps if p[2] in keep} for ps in predict_model_alone(texts, model)]
            for label, row in score(golds, alone).items():
                results[name].setdefault(label, {"p": 0.0, "r": 0.0, "f1": 0.0, "gold": row["gold"], "pred": 0})["model_alone"] = row
    return results


def eval_money(eval_dir: Path, options: EntityOptions, specs: dict[str, LanguageSpec]) -> dict[str, dict]:
    """Money: a prediction counts only when span, exact amount and currency all match."""
    results = {}
    for lang, items in read_money(eval_dir / "money" / "dev.tsv").items():
        texts = [t for t, _ in items]
        preds = [
            {(e.start, e.end, "MONEY", e.amount, e.currency) for e in ents if e.label == "MONEY"}
            for ents in entities_for_texts(texts, lang, options, specs.get(lang, LanguageSpec()), BATCH_SIZE)
        ]
        golds = [{(s, e, "MONEY", a, c) for s, e, a, c in gold} for _, gold in items]
        results[lang] = score(golds, preds)
    return results


def words_per_second(texts: list[str], run, repeats: int) -> float:
    """Median words/s of `run(texts)` over `repeats` runs."""
    words = sum(len(t.split()) for t in texts)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(texts)
        times.append(time.perf_counter() - t0)
    return words / statistics.median(times)


def eval_speed(eval_dir: Path, options: EntityOptions, specs: dict[str, LanguageSpec], repeats: int, n_sentences: int) -> dict[str, dict[str, float]]:
    """Words/s of the entities step per language, and of fr_core_news_sm's full pipeline, in the same run."""
    import spacy

    ner = eval_dir / "ner"
    samples = {
        "fr": [s.text for s in read_token_file(ner / "fr/wikineural_fr_val_first2000.conllu", "\t", 1, 2)][:n_sentences],
        "en": [s.text for s in read_token_file(ner / "en/wikigold.conll.txt", " ", 0, 1)][:n_sentences],
        "vi": [s.text for s in read_vi_news(ner / "vi/news_dev.tsv")] * max(1, n_sentences // 24),
    }
    full_sm = spacy.load("fr_core_news_sm")
    out: dict[str, dict[str, float]] = {}
    runs = [(f"entities.{lang}", lang, specs.get(lang, LanguageSpec())) for lang in samples]
    runs.append(("entities.fr (sm model)", "fr", LanguageSpec(model="fr_core_news_sm")))
    for name, lang, spec in runs:
        texts = samples[lang]
        list(entities_for_texts(texts[:10], lang, options, spec, BATCH_SIZE))  # load the pipeline outside the timing
        out[name] = {
            "words_per_s": words_per_second(texts, lambda ts, lang=lang, spec=spec: list(entities_for_texts(ts, lang, options, spec, BATCH_SIZE)), repeats)
        }
    out["fr_core_news_sm.full"] = {"words_per_s": words_per_second(samples["fr"], lambda ts: list(full_sm.pipe(ts)), repeats)}
    base = out["fr_core_news_sm.full"]["words_per_s"]
    for row in out.values():
        row["ratio_to_fr_sm_full"] = row["words_per_s"] / base
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "ner_eval.json")
    parser.add_argument("--gazetteer", default=None, help="user gazetteer file extending the shipped one")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per speed measurement (median)")
    parser.add_argument("--speed-sentences", type=int, default=300)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--fr-model", default=None, help="spaCy model for French accuracy (default: the shipped default)")
    parser.add_argument("--en-model", default=None, help="an installed English spaCy model (default: the shipped config's, model: auto; none: rules only)")
    args = parser.parse_args(argv)
    require_eval_data(args.eval_dir, "ner", "money/dev.tsv")
    config = configuration.load()
    specs = dict(language_specs(config))  # the shipped config's pipelines, overridden by --fr-model / --en-model
    specs.update({lang: LanguageSpec(model=None if model == "none" else model) for lang, model in (("fr", args.fr_model), ("en", args.en_model)) if model})
    options = replace(config.task_options("entities"), gazetteer=args.gazetteer)
    results: dict[str, dict] = {"ner": eval_ner(args.eval_dir, options, {"en/re3d-train": LABELS, "en/re3d-test": LABELS}, specs)}
    results["money"] = eval_money(args.eval_dir, options, specs)
    print(f"{'set':<26}{'label':<8}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'pred':>7}{'model F1':>10}{'model P':>9}{'model R':>9}")
    for group in ("ner", "money"):
        for name, per_label in results[group].items():
            for label, s in per_label.items():
                alone = s.get("model_alone")
                beside = f"{alone['f1']:>10.3f}{alone['p']:>9.3f}{alone['r']:>9.3f}" if alone else ""
                print(f"{(group + ':' + name):<26}{label:<8}{s['p']:>7.3f}{s['r']:>7.3f}{s['f1']:>7.3f}{s['gold']:>7}{s['pred']:>7}{beside}")
    if not args.no_speed:
        results["speed"] = eval_speed(args.eval_dir, options, specs, args.repeats, args.speed_sentences)
        print(f"\n{'pipeline':<24}{'words/s':>10}{'ratio':>8}")
        for name, row in results["speed"].items():
            print(f"{name:<24}{row['words_per_s']:>10.0f}{row['ratio_to_fr_sm_full']:>8.2f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
