"""The work of `polycorpus align-files`: align sentence-per-line file pairs in-process, vecalign output.

All pairs of one call are one corpus: a first (length + anchor) pass over every pair gives confident
sentence pairs, IBM-1 EM on them gives the shared lexicon, and a second pass aligns with it, by the
orchestration `run` uses (tasks/align/corpus.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus.readers import read_lines
from tasks.align.aligner import Bead
from tasks.align.corpus import DocPair, Pair, align_pairs, first_pass, learn_lexicons
from tasks.align.lexicon import Lexicon
from tasks.align.options import AlignOptions
from tasks.base import InProcess

Document = tuple[Sequence[str], Sequence[str]]  # (source sentences, target sentences)


def _pairs(docs: Sequence[Document], src_lang: str, tgt_lang: str) -> dict[Pair, list[DocPair]]:
    return {(src_lang, tgt_lang): [DocPair(None, str(i), str(i), list(src), list(tgt)) for i, (src, tgt) in enumerate(docs)]}


def learn_lexicon(docs: Sequence[Document], src_lang: str, tgt_lang: str, options: AlignOptions) -> Lexicon | None:
    """The lexicon of the document pairs `docs`, learned in this process by the orchestration `run` uses, all pairs as one part."""
    return learn_lexicons(InProcess(), [first_pass(_pairs(docs, src_lang, tgt_lang), options)], options).get((src_lang, tgt_lang))


def align_corpus(docs: Sequence[Document], src_lang: str, tgt_lang: str, options: AlignOptions, lexicon: Lexicon | None = None) -> list[list[Bead]]:
    """Beads of each document pair, all sharing one lexicon: `lexicon` if given, else one learned from them (Moore 2002)."""
    if lexicon is None:
        lexicon = learn_lexicon(docs, src_lang, tgt_lang, options)
    lexicons = {(src_lang, tgt_lang): lexicon} if lexicon is not None else {}
    return [beads for _, _, beads in align_pairs(_pairs(docs, src_lang, tgt_lang), lexicons, options)]


def format_bead(bead: Bead) -> str:
    """A bead in vecalign's format: `[0]:[0, 1]`, `[3]:[]`."""
    return f"[{', '.join(map(str, bead.src))}]:[{', '.join(map(str, bead.tgt))}]"


def align_files(pairs: list[tuple[str, str, str]], src_lang: str, tgt_lang: str, options: AlignOptions, split_sentences: bool = False) -> None:
    """Align each (src_file, tgt_file, out_file) and write one vecalign bead per line to out_file.

    Input files hold one sentence per line. With `split_sentences` they are running text instead:
    each is split with the language's pipeline, and the sentences the bead indices refer to are
    written next to the output as `out_file.<src_lang>` and `out_file.<tgt_lang>`.
    """
    docs = []
    for src_file, tgt_file, out_file in pairs:
        src, tgt = read_lines(src_file), read_lines(tgt_file)
        if split_sentences:
            src, tgt = _split(src, src_lang), _split(tgt, tgt_lang)
            _write_lines(f"{out_file}.{src_lang}", src)
            _write_lines(f"{out_file}.{tgt_lang}", tgt)
        docs.append((src, tgt))
    for (_, _, out_file), beads in zip(pairs, align_corpus(docs, src_lang, tgt_lang, options)):
        _write_lines(out_file, [format_bead(b) for b in beads])


def _write_lines(path: str, lines: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


def _split(lines: list[str], lang: str) -> list[str]:
    """Sentences of a running-text file with the language's pipeline; a line break always ends one, so none holds a "\\n"."""
    from tasks.spacy.pipelines import get_nlp
    from tasks.spacy.spec import LanguageSpec

    doc = get_nlp(lang, LanguageSpec())("\n".join(lines))
    return [s.text.strip() for s in doc.sents if s.text.strip()]
