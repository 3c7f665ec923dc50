"""The Vietnamese sentence splitter, run as tasks.spacy.pipelines builds it (after polycorpus_line_breaks)."""

from __future__ import annotations

import pytest
import spacy

from tasks.spacy.pipelines import get_nlp
from tasks.spacy.spec import LanguageSpec


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return get_nlp("vi", LanguageSpec())


def sentences(nlp, text: str) -> list[str]:
    return [s.text.strip() for s in nlp(text).sents]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trời mưa. Đường ngập! Ai chịu? Không ai.", ["Trời mưa.", "Đường ngập!", "Ai chịu?", "Không ai."]),
        ("Nhân tài AI. Tháng trước anh đi.", ["Nhân tài AI.", "Tháng trước anh đi."]),
        ('Anh nói: "Tôi đi." Sau đó anh đi.', ['Anh nói: "Tôi đi."', "Sau đó anh đi."]),
        ("Hết (theo VnExpress.) Mới nhất", ["Hết (theo VnExpress.)", "Mới nhất"]),
        ("Anh đi. “Tôi ở lại,” chị nói.", ["Anh đi.", "“Tôi ở lại,” chị nói."]),
        ("Ông sống ở TP. Hồ Chí Minh đã lâu.", ["Ông sống ở TP. Hồ Chí Minh đã lâu."]),
        ("PGS.TS. Lê Văn Bình và Th.S Nguyễn An đến.", ["PGS.TS. Lê Văn Bình và Th.S Nguyễn An đến."]),
        ("Giá 1.500 đồng, tăng 7,5%. Sau đó giảm.", ["Giá 1.500 đồng, tăng 7,5%.", "Sau đó giảm."]),
        ("Anh chờ... rồi đi. Thế thôi... Hết.", ["Anh chờ... rồi đi.", "Thế thôi...", "Hết."]),
        ("Ông Donald J. Trump đến.", ["Ông Donald J. Trump đến."]),
        ("Tiêu đề bài báo\nNội dung bài báo.", ["Tiêu đề bài báo", "Nội dung bài báo."]),
        ("Một dòng\nngắt dòng giữa chừng.", ["Một dòng", "ngắt dòng giữa chừng."]),
        ("Đoạn một\n\nđoạn hai viết thường", ["Đoạn một", "đoạn hai viết thường"]),
        ("xem vnexpress.net nhé", ["xem vnexpress.net nhé"]),
    ],
)
def test_sentence_boundaries(nlp, text, expected):
    assert sentences(nlp, text) == expected


def test_hard_wrapped_text_ends_sentences_at_blank_lines_only():
    nlp = get_nlp("vi", LanguageSpec(hard_wrapped=True))
    text = "Một câu bị\nngắt dòng giữa chừng. Câu hai\nTiếp tục\n \nđoạn hai"
    assert sentences(nlp, text) == ["Một câu bị\nngắt dòng giữa chừng.", "Câu hai\nTiếp tục", "đoạn hai"]


def test_whitespace_never_starts_a_sentence(nlp):
    doc = nlp("  Câu một.  \n Câu hai.\n\n\nCâu ba. ")
    assert all(not s[0].is_space for s in doc.sents if s.start > 0)
    assert "".join(s.text_with_ws for s in doc.sents) == doc.text


def test_preset_boundaries_are_left_alone(nlp):
    doc = nlp.make_doc("Dòng một. Vẫn dòng một\nDòng hai")
    doc._.lines_are_sentences = True
    for _, component in nlp.pipeline:
        doc = component(doc)
    assert [s.text.strip() for s in doc.sents] == ["Dòng một. Vẫn dòng một", "Dòng hai"]


def test_a_boundary_set_by_hand_is_kept(nlp):
    doc = nlp.make_doc("Trời mưa. Đường ngập.")
    next(t for t in doc if t.text.startswith("Đường")).is_sent_start = False
    doc = nlp.get_pipe("polycorpus_vi_sentencizer")(doc)
    assert len(list(doc.sents)) == 1


def test_empty_and_blank_docs(nlp):
    assert list(nlp("").sents) == []
    assert [s.text for s in nlp(" \n ").sents] == [" \n "]
