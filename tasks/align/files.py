"""The work of `polycorpus align-files`: align sentence-per-line file pairs in-process, vecalign output.

All pairs of one call are one corpus: a first (length + anchor) pass over every pair gives confident
sentence pairs, IBM-1 EM on them gives the shared lexicon, and a second pass aligns with it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from tasks.align.aligner import AlignOptions, Bead, align_sentences, confident_pairs
from tasks.align.lexicon import Lexicon, add_dictionary, read_dictionary, train

log = logging.getLogger(__name__)

Document = tuple[Sequence[str], Sequence[str]]  # (source sentences, target sentences)


def align_corpus(
    docs: Sequence[Document], src_lang: str, tgt_lang: str, options: AlignOptions, lexicon: Lexicon | None = None
) -> list[list[Bead]]:
    """Align document pairs that share one lexicon: `lexicon` if given, else one learned from them (Moore 2002)."""
    if lexicon is None:
        lexicon = learn_lexicon(docs, src_lang, tgt_lang, options)
    return [align_sentences(src, tgt, src_lang, tgt_lang, lexicon, options) for src, tgt in docs]


def learn_lexicon(docs: Sequence[Document], src_lang: str, tgt_lang: str, options: AlignOptions) -> Lexicon | None:
    """First pass over every document pair, IBM-1 EM on the confident pairs, plus the user's dictionary."""
    dictionary = read_dictionary(options.dictionary) if options.dictionary else []
    seed = add_dictionary(None, dictionary) if dictionary else None
    first = [align_sentences(src, tgt, src_lang, tgt_lang, seed, options) for src, tgt in docs]
    pairs = [p for (src, tgt), beads in zip(docs, first) for p in confident_pairs(src, tgt, beads)]
    log.info("%s-%s: training the lexicon on %d confident sentence pairs", src_lang, tgt_lang, len(pairs))
    lexicon = train(pairs, options.em_iterations)
    return add_dictionary(lexicon, dictionary) if dictionary else lexicon


def format_bead(bead: Bead) -> str:
    """A bead in vecalign's format: `[0]:[0, 1]`, `[3]:[]`."""
    return f"[{', '.join(map(str, bead.src))}]:[{', '.join(map(str, bead.tgt))}]"


def align_files(
    pairs: list[tuple[str, str, str]], src_lang: str, tgt_lang: str, options: AlignOptions, split_sentences: bool = False
) -> None:
    """Align each (src_file, tgt_file, out_file) and write one vecalign bead per line to out_file.

    Input files hold one sentence per line. With `split_sentences` they are running text instead:
    each is split with the language's pipeline, and the sentences the bead indices refer to are
    written next to the output as `out_file.<src_lang>` and `out_file.<tgt_lang>`.
    """
    docs = []
    for src_file, tgt_file, out_file in pairs:
        src, tgt = _read_lines(src_file), _read_lines(tgt_file)
        if split_sentences:
            src, tgt = _split(src, src_lang), _split(tgt, tgt_lang)
            _write_lines(f"{out_file}.{src_lang}", src)
            _write_lines(f"{out_file}.{tgt_lang}", tgt)
        docs.append((src, tgt))
    for (_, _, out_file), beads in zip(pairs, align_corpus(docs, src_lang, tgt_lang, options)):
        _write_lines(out_file, [format_bead(b) for b in beads])


def _read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


def _write_lines(path: str, lines: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


def _split(lines: list[str], lang: str) -> list[str]:
    """Sentences of a running-text file with the language's pipeline; blank lines separate paragraphs."""
    from tasks.spacy.pipelines import LanguageSpec, get_nlp

    doc = get_nlp(lang, LanguageSpec())("\n".join(lines))
    return [s.text.strip() for s in doc.sents if s.text.strip()]
