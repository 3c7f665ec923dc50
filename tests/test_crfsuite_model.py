"""pyvi's CRF with 2-byte attribute names tags exactly as the original model; the CQDB reader and writer agree."""

from __future__ import annotations

import struct

import pycrfsuite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.vi.crfsuite_model import ModelFormatError, read_cqdb, rekey_attributes, short_name, write_cqdb
from tasks.vi.pyvi_model import crf_bytes, load_pyvi_model
from tasks.vi.segmenter import VietnameseSegmenter

SENTENCES = [
    "Lucas Beyer, cựu nghiên cứu viên tại OpenAI, là minh chứng rõ nhất cho hiện tượng này.",
    "Thời gian biểu mùa thi của các trường đại học ở TP.HCM đã được công bố ngày 12/3/2020.",
    "Giá vàng tăng 1.500 đồng, tức 7,5%... theo Bộ Tài chính và Ngân hàng Nhà nước Việt Nam",
]


def test_every_attribute_of_pyvis_model_is_read_and_renamed() -> None:
    original = crf_bytes()
    num_attrs, off_attrs = struct.unpack_from("<I8xI", original, 24)
    names = read_cqdb(original, off_attrs)  # checks each name against crfsuite's own hash of it
    assert len(names) == num_attrs == 6335
    assert {"bias", "word.lower():nghiên", "-1:word.bi_gram()"} <= {n.decode() for n in names.values()}
    renamed, attributes = rekey_attributes(original)
    assert len(attributes) == num_attrs and all(len(key) == 2 and b"\0" not in key for key in attributes.values())
    # Only the header's file size and attribute offset change; the new names follow the old file.
    assert struct.unpack_from("<I", renamed, 4)[0] == len(renamed) and struct.unpack_from("<I", renamed, 36)[0] == len(original)
    assert renamed[8:36] == original[8:36] and renamed[40 : len(original)] == original[40:]
    assert read_cqdb(renamed, len(original)) == {key_id: short_name(key_id) for key_id in names}


def test_renamed_model_tags_bit_for_bit_as_pyvis() -> None:
    model = load_pyvi_model()
    names = {key: name.encode() for name, key in model.attributes.items()}
    original = pycrfsuite.Tagger()
    original.open_inmemory(crf_bytes())
    segmenter = VietnameseSegmenter()
    items: list[list[tuple[bytes, ...]]] = []
    tag = segmenter._tag
    segmenter._tag = lambda xseq: items.append(xseq) or tag(xseq)  # type: ignore[method-assign]
    for sentence in SENTENCES:
        segmenter.words(sentence)
    assert len(items) == len(SENTENCES)
    for xseq in items:
        labels = model.tagger.tag(xseq)
        assert original.tag([[names[key] for key in item] for item in xseq]) == labels
        assert original.probability(labels) == model.tagger.probability(labels)  # same sums, same order


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.integers(0, 3000), st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b), max_size=60))
def test_cqdb_written_is_read_back(names: dict[int, bytes]) -> None:
    assert read_cqdb(write_cqdb(names), 0) == names


def test_short_names_are_distinct() -> None:
    keys = [short_name(i) for i in range(255 * 255)]
    assert len(set(keys)) == len(keys)


def test_not_a_model_is_refused() -> None:
    with pytest.raises(ModelFormatError):
        rekey_attributes(b"PK\x03\x04" + bytes(100))


def test_pos_tags_are_pyvis_own() -> None:
    from pyvi import ViPosTagger  # imports scikit-learn to unpickle its model: what pos_tagger.py avoids

    from tasks.vi.pos_tagger import pos_tags

    sentences = [
        "Ông Phạm_Nhật_Vượng , chủ_tịch Tập_đoàn Vingroup , phát_biểu tại Hà_Nội ngày 12/3/2020 .",
        "GDP quý I tăng 5,5 % … theo “ Tổng_cục Thống_kê ” ( GSO ) .",
        "CÔNG_TY TNHH ABC và Coca-Cola ký hợp_đồng 1.500 tỷ đồng ...",
        "Xin_chào",
        "Hà_Nội - TP.HCM : 1.700 km !",
    ]
    for sentence in sentences:
        words = sentence.split(" ")
        assert pos_tags(words) == list(ViPosTagger.postagging_tokens(words)[1])
    assert pos_tags([]) == []
