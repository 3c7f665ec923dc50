"""The Vietnamese tokenizer: pyvi's segmentation with exact offsets, each named fix, user dictionary, serialization."""

from __future__ import annotations

import pickle
import unicodedata
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from pyvi import ViTokenizer

from tasks.spacy.annotate import Failed, word_spans
from tasks.spacy.pipelines import get_nlp
from tasks.spacy.spec import LanguageSpec
from tasks.vi.segmenter import FIXES, VietnameseSegmenter
from tasks.vi.tokenizer import VietnameseTokenizer

SAMPLE = (
    "Lucas Beyer, cựu nghiên cứu viên tại OpenAI, là minh chứng rõ nhất cho hiện tượng này. "
    "Tháng trước, Beyer thông báo rời phòng lab đứng sau ChatGPT để gia nhập Meta - gã khổng lồ "
    "mạng xã hội với tham vọng lớn về AI."
)


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return get_nlp("vi", LanguageSpec())


def cli_tokens(doc: spacy.tokens.Doc) -> list[str]:
    """Tokens as `polycorpus tokenize` writes them: whitespace inside a token becomes "_"."""
    return ["_".join(t.text.split()) for t in doc if not t.is_space]


def pyvi_style(segmenter: VietnameseSegmenter, text: str) -> str:
    """Our segmentation written as pyvi's tokenize writes it: syllables joined by "_", words by " "."""
    syllables = segmenter.syllables(text)
    spans = iter(segmenter.spans(text))
    words, span = [], next(spans, None)
    for surface, start in zip(syllables.surfaces, syllables.starts):
        while span is not None and start >= span[1]:
            span = next(spans, None)
        if span is not None and span[0] < start < span[1]:
            words[-1] += "_" + surface
        else:
            words.append(surface)
    return " ".join(words)


def test_sample_words_through_the_pipeline(nlp):
    tokens = cli_tokens(nlp(SAMPLE))
    for expected in ("Lucas_Beyer", "nghiên_cứu_viên", "OpenAI", "AI"):
        assert expected in tokens
    assert tokens[-2:] == ["AI", "."]
    assert "Lucas Beyer" in [t.text for t in nlp(SAMPLE)]


@pytest.mark.parametrize(
    "text",
    [
        SAMPLE,
        "Hà\nNội là thủ đô của Việt Nam.\n\nTP.HCM đông dân nhất, theo thống kê ngày 12/3/2020.",
        'Ông Nguyễn Văn A. nói: "Giá vàng tăng 1.500 đồng, tức 7,5%..." - xem http://vnexpress.net nhé',
    ],
)
def test_without_fixes_the_segmentation_is_pyvis(text):
    assert pyvi_style(VietnameseSegmenter(fixes=()), text) == ViTokenizer.tokenize(text)


def test_unknown_fix_is_refused():
    with pytest.raises(ValueError, match="unknown fixes"):
        VietnameseSegmenter(fixes=("sentence_case",))


def test_nfd_text_does_not_shatter(nlp):
    nfc = "Việt Nam đẩy mạnh nghiên cứu trí tuệ nhân tạo."
    nfd = unicodedata.normalize("NFD", nfc)
    doc = nlp(nfd)
    assert doc.text == nfd
    assert [unicodedata.normalize("NFC", t.text) for t in doc] == [t.text for t in nlp(nfc)]
    shattered = VietnameseTokenizer(nlp.vocab, fixes=set(FIXES) - {"nfd"})(nfd)
    assert len(shattered) > len(doc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tham vọng lớn về AI.", ["AI", "."]),
        ("chi tới 100 triệu USD. Tháng sau", ["USD", ".", "Tháng"]),
        ("về TP. Hồ Chí Minh", ["TP.", "Hồ_Chí_Minh"]),
        ("PGS.TS. Lê Văn Bình", ["PGS.", "TS."]),
        ("anh Nguyễn Văn H. cho biết", ["H."]),
    ],
)
def test_caps_and_period(nlp, text, expected):
    tokens = cli_tokens(nlp(text))
    assert all(e in tokens for e in expected), tokens
    if expected[:2] == ["AI", "."] or expected[:2] == ["USD", "."]:
        pyvi_tokens = cli_tokens(VietnameseTokenizer(nlp.vocab, fixes=set(FIXES) - {"caps_period"})(text))
        assert expected[0] + "." in pyvi_tokens


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Người Ê-đê sống ở Tây Nguyên", "Ê-đê"),  # hyphen
        ("bà H'Hen Niê đăng quang", "H'Hen"),  # apostrophe
        ("người M’gar và K'Ho", "M’gar"),  # typographic apostrophe
        ("công ty AT&T sa thải nhân viên", "AT&T"),  # ampersand
        ("mua hàng trên JD.com hôm qua", "JD.com"),  # period between lower-case letters
        ("Ông ở TP.HCM lâu rồi", "TP.HCM"),  # period between capitals
        ("ăn ở McDonald's và uống Coca-Cola", "McDonald's"),
        ("mỹ phẩm L'Oréal bán chạy", "L'Oréal"),
        ("gặp Th.S Nguyễn An", "Th.S"),
    ],
)
def test_inner_punctuation_keeps_the_written_word(nlp, text, word):
    tokens = cli_tokens(nlp(text))
    assert word in tokens, tokens
    assert word not in cli_tokens(VietnameseTokenizer(nlp.vocab, fixes=set(FIXES) - {"inner_punct"})(text))
    # The word is joined to no syllable around it.
    assert not any(word in t and t != word for t in tokens)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mua trên JD.com.", ["JD.com", "."]),  # a sentence-final period is its own token
        ("Anh đi.Sau đó về", ["đi", ".", "Sau"]),  # lower-case, period, capital: a missing space
        ("PGS.TS. Lê Văn Bình", ["PGS.", "TS."]),  # chains of abbreviations keep their periods
        ("ông U.S. Grant", ["U.", "S."]),
        ("ngày 12-3-2020 và 2020-03-12", ["12-3-2020", "2020-03-12"]),
        ("xem http://vnexpress.net/the-gioi.html nhé", ["http://vnexpress.net/the-gioi.html"]),
        ("gửi nguyen.van-a@gmail.com nhé", ["nguyen.van-a@gmail.com"]),
        ("chờ -- rồi đi", ["--"]),
        ("Covid-19 lan rộng", ["Covid", "-", "19"]),  # a digit is not a letter
    ],
)
def test_inner_punctuation_exceptions(nlp, text, expected):
    tokens = cli_tokens(nlp(text))
    assert all(e in tokens for e in expected), tokens


def test_dashes_are_one_token_and_pyvi_splits_them(nlp):
    assert "--" in cli_tokens(nlp("A -- B"))
    assert "--" not in cli_tokens(VietnameseTokenizer(nlp.vocab, fixes=set(FIXES) - {"inner_punct"})("A -- B"))


def test_inner_punctuation_words_and_sentences(nlp):
    doc = nlp("Công ty AT&T. JD.com mở rộng. Ông ở TP.HCM. Hết")
    assert [s.text.strip() for s in doc.sents] == ["Công ty AT&T.", "JD.com mở rộng.", "Ông ở TP.HCM.", "Hết"]


@pytest.mark.parametrize("date", ["12/3/2020", "03/2020", "12-3-2020", "2020-03-12", "30/4"])
def test_dates_are_one_token(nlp, date):
    text = f"Ngày {date} trời mưa."
    assert date in cli_tokens(nlp(text))
    assert date not in cli_tokens(VietnameseTokenizer(nlp.vocab, fixes=set(FIXES) - {"dates"})(text))


def test_not_a_date_stays_split(nlp):
    assert "45/67" not in cli_tokens(nlp("tỉ lệ 45/67 người"))


@pytest.mark.parametrize("text", ["Hà\nNội đẹp", "Hà\r\nNội", "Thành phố Hồ Chí\nMinh", "Hà\u2028Nội", "trí tuệ\n\nnhân tạo"])
def test_no_token_crosses_a_line_break(nlp, text):
    doc = nlp(text)
    assert doc.text == text
    for token in doc:
        assert token.is_space or not any(c in token.text for c in "\n\r\u2028")


@pytest.mark.parametrize("text", ["Hà\rNội", "nghiên cứu\nviên"])
def test_pyvi_would_join_across_a_line_break(nlp, text):
    joined = VietnameseTokenizer(nlp.vocab, fixes=set(FIXES) - {"line_breaks"})(text)
    assert [t.text for t in joined if not t.is_space and ("\n" in t.text or "\r" in t.text)]
    test_no_token_crosses_a_line_break(nlp, text)


def test_whitespace_follows_spacys_convention(nlp):
    text = "  Xin chào  bạn\t nhé\n\nHà Nội "
    doc = nlp(text)
    words = [t.text for t in doc if not t.is_space]
    expected = spacy.util.get_words_and_spaces(words, text)
    assert ([t.text for t in doc], [bool(t.whitespace_) for t in doc]) == expected
    assert doc.text == text


# Vietnamese-ish text: syllables with and without diacritics, capitals, punctuation, digits, all whitespace kinds.
_pieces = st.sampled_from(
    [
        "Việt",
        "Nam",
        "nghiên",
        "cứu",
        "viên",
        "AI",
        "TP",
        "HCM",
        "12",
        "3",
        "2020",
        "1.500",
        "7,5",
        "Hà",
        "Nội",
        ".",
        ",",
        "...",
        "/",
        "-",
        '"',
        "(",
        ")",
        "ạ",
        "\u0301",
        "đ",
        "OpenAI",
        " ",
        "  ",
        "\n",
        "\t",
        "\r\n",
        "\u00a0",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_pieces, max_size=30).map("".join))
def test_offsets_are_exact_and_tokens_never_cross_lines(text):
    nlp = get_nlp("vi", LanguageSpec())
    doc = nlp.tokenizer(text)
    assert doc.text == text
    for token in doc:
        assert token.text
        if token.is_space:
            assert token.text.isspace()
        else:
            assert token.text == token.text.strip()
            assert "\n" not in token.text and "\r" not in token.text


def test_user_dictionary_keeps_words_whole(tmp_path: Path):
    words = tmp_path / "words.txt"
    words.write_text("đồn đoán\ntrí tuệ nhân tạo\n\n", encoding="utf-8")
    text = "Đồn đoán về siêu trí tuệ nhân tạo lan truyền."
    plain = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "polycorpus.vi_tokenizer.v1"}}})
    assert "Đồn đoán" not in [t.text for t in plain(text)]  # pyvi's CRF splits it, capital or not
    nlp = get_nlp("vi", LanguageSpec(user_dict=str(words)))
    tokens = [t.text for t in nlp(text)]
    assert "Đồn đoán" in tokens
    assert "trí tuệ nhân tạo" in tokens


def test_missing_user_dictionary_fails_with_its_path(tmp_path: Path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "polycorpus.vi_tokenizer.v1", "user_dict": str(missing)}}})


def test_serialization_keeps_user_words_and_fixes(tmp_path: Path, nlp):
    words = tmp_path / "words.txt"
    words.write_text("đồn đoán\n", encoding="utf-8")
    config = {"nlp": {"tokenizer": {"@tokenizers": "polycorpus.vi_tokenizer.v1", "user_dict": str(words)}}}
    original = spacy.blank("vi", config=config)
    text = "Đồn đoán lan truyền ngày 12/3/2020."
    original.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert [t.text for t in loaded(text)] == [t.text for t in original(text)]

    restored = VietnameseTokenizer(nlp.vocab, fixes=()).from_bytes(original.tokenizer.to_bytes())
    assert [t.text for t in restored(text)] == [t.text for t in original(text)]
    unpickled = pickle.loads(pickle.dumps(original.tokenizer))
    assert [t.text for t in unpickled(text)] == [t.text for t in original(text)]


def test_pipe_works_on_batches(nlp):
    texts = [SAMPLE, "", "Hà\nNội", "về AI.", " "]
    piped = list(nlp.tokenizer.pipe(texts, batch_size=2))
    assert [d.text for d in piped] == texts
    assert [[t.text for t in d] for d in piped] == [[t.text for t in nlp.tokenizer(t)] for t in texts]


# Syllables that exercise each of the syllabifier's patterns (and its shortcuts for plain words).
_syllables = st.sampled_from(
    [
        "Việt",
        "nam",
        "nghiên",
        "cứu",
        "Hà",
        "nội",
        "AI",
        "TP",
        "Tp",
        "Mr",
        "ThS",
        "x2",
        "2x",
        "12",
        "3",
        "2020",
        "1.500",
        "7,5",
        "12/3",
        "a@b.com",
        "http://x.vn",
        "_",
        ".",
        ",",
        "...",
        ":",
        "-",
        "->",
        '"',
        "(",
        "’",
        "ạ\u0301",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_syllables, st.sampled_from(["", " ", " ", "\n", "  "])), max_size=25))
def test_without_fixes_random_text_segments_as_pyvi(pieces):
    text = "".join(s + gap for s, gap in pieces)
    assert pyvi_style(VietnameseSegmenter(fixes=()), text) == ViTokenizer.tokenize(text)


_TOGETHER = VietnameseSegmenter(user_words=["nghiên cứu", "hà nội việt"])
_text = st.lists(st.tuples(_syllables, st.sampled_from(["", " ", " ", "\n", "  "])), max_size=12).map(lambda p: "".join(s + g for s, g in p))


@pytest.mark.parametrize(
    "texts",
    [
        ["sau phiên họp", "nói trên ,"],  # with "họp" and "nói" as neighbours, the CRF segments both differently
        ["Thời", "gian biểu mùa"],  # and with the trigram "thời gian biểu"
        ["Về văn", "hóa -"],  # the CRF labels "hóa" inside a word: a text's first word still starts there
        ["", "Hà Nội", " ", "nghiên\ncứu viên", ""],
    ],
)
def test_texts_segmented_together_segment_as_each_alone(texts):
    assert list(_TOGETHER.words_many(texts)) == [_TOGETHER.words(text) for text in texts]
    assert list(_TOGETHER.spans_many(texts)) == [_TOGETHER.spans(text) for text in texts]


@settings(max_examples=150, deadline=None)
@given(st.lists(_text, max_size=8))
def test_random_texts_segmented_together_segment_as_each_alone(texts):
    # No n-gram, neighbour, word or user word reaches from one text into the next.
    assert list(_TOGETHER.words_many(texts)) == [_TOGETHER.words(text) for text in texts]
    assert list(_TOGETHER.spans_many(texts)) == [_TOGETHER.spans(text) for text in texts]


_SPAN_TOKENIZER = VietnameseTokenizer(spacy.blank("vi").vocab, user_words=["nghiên cứu", "hà nội"])  # a vocab that knows is_space


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_pieces, max_size=30).map("".join), max_size=6))
def test_pipe_spans_are_the_words_of_pipe(texts):
    docs = _SPAN_TOKENIZER.pipe(texts)
    assert list(_SPAN_TOKENIZER.pipe_spans(texts)) == [[(t.idx, t.idx + len(t)) for t in doc if not t.is_space] for doc in docs]


class _Refusing(VietnameseTokenizer):
    """A tokenizer that rejects any text holding "☠", as a user's own tokenizer may reject input."""

    def pipe_spans(self, texts):
        texts = list(texts)
        if any("☠" in text for text in texts):
            raise ValueError("skull in text")
        return super().pipe_spans(texts)


def test_word_spans_fail_the_bad_text_alone(nlp):
    texts = ["Hà Nội đẹp", "nghiên ☠ cứu", "viên"]
    refusing = spacy.blank("vi")
    refusing.tokenizer = _Refusing(refusing.vocab)
    results = list(word_spans(refusing, texts, 1000, 64))
    assert results[0] == [(0, 6), (7, 10)] and results[2] == [(0, 4)]
    assert results[1] == Failed("ValueError", "tokenizer: skull in text")
