"""tasks.entities.money: MONEY spans, exact amounts and ISO 4217 currencies in en / fr / vi and other languages."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.entities.money import DATA_FILE, Money, MoneyPolicy, find_money


def found(text: str, lang: str, policy: MoneyPolicy = MoneyPolicy()) -> list[tuple[str, str, str]]:
    """(span, amount, currency) of each mention, after checking the offsets point at the span."""
    result = find_money(text, lang, policy)
    for m in result:
        assert isinstance(m, Money)
        assert text[m.start : m.end] == m.text
    return [(m.text, str(m.amount), m.currency) for m in result]


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # separators of each language
        ("en", "It cost $1,234,567.89 in all.", ("$1,234,567.89", "1234567.89", "USD")),
        ("en", "It cost $12.50.", ("$12.50", "12.50", "USD")),
        ("fr", "Il a payé 1 234 567,5 euros.", ("1 234 567,5 euros", "1234567.5", "EUR")),
        ("fr", "Il a payé 1\u00a0234,5 €.", ("1\u00a0234,5 €", "1234.5", "EUR")),
        ("fr", "Il a payé 12\u202f000 €.", ("12\u202f000 €", "12000", "EUR")),
        ("fr", "Il a payé 1.500.000 euros.", ("1.500.000 euros", "1500000", "EUR")),
        ("vi", "Giá 1.234,5 USD.", ("1.234,5 USD", "1234.5", "USD")),
        ("vi", "Giá 500.000 đồng.", ("500.000 đồng", "500000", "VND")),
        ("vi", "Giá 1,5 tỷ đồng.", ("1,5 tỷ đồng", "1500000000", "VND")),
        # magnitude words and press abbreviations
        ("en", "A $5k bonus.", ("$5k", "5000", "USD")),
        ("en", "Paid 3 thousand dollars.", ("3 thousand dollars", "3000", "USD")),
        ("en", "A loss of $450m.", ("$450m", "450000000", "USD")),
        ("en", "A loss of $45mn.", ("$45mn", "45000000", "USD")),
        ("en", "Raised €3.2bn today.", ("€3.2bn", "3200000000", "EUR")),
        ("en", "Worth $2 billion.", ("$2 billion", "2000000000", "USD")),
        ("en", "Debt of $1.5 trillion.", ("$1.5 trillion", "1500000000000", "USD")),
        ("en", "A $1.5-billion deal.", ("$1.5-billion", "1500000000", "USD")),
        ("en", "He left a million dollars.", ("a million dollars", "1000000", "USD")),
        ("fr", "Il gagne deux mille euros.", ("deux mille euros", "2000", "EUR")),
        ("fr", "Une amende de 200 M€.", ("200 M€", "200000000", "EUR")),
        ("fr", "Une levée de 3,5 Md€.", ("3,5 Md€", "3500000000", "EUR")),
        ("fr", "Une levée de 1,5 milliard d'euros.", ("1,5 milliard d'euros", "1500000000", "EUR")),
        ("fr", "Une dette de 2 billions d'euros.", ("2 billions d'euros", "2000000000000", "EUR")),
        ("fr", "Un budget de 3 millions de dollars.", ("3 millions de dollars", "3000000", "USD")),
        ("vi", "Đầu tư 200 nghìn USD.", ("200 nghìn USD", "200000", "USD")),
        ("vi", "Đầu tư 200 ngàn USD.", ("200 ngàn USD", "200000", "USD")),
        ("vi", "Lương 30 triệu đồng.", ("30 triệu đồng", "30000000", "VND")),
        ("vi", "Lương 30 tr đồng.", ("30 tr đồng", "30000000", "VND")),
        ("vi", "Chi 3 tỉ đô la.", ("3 tỉ đô la", "3000000000", "USD")),
        ("vi", "Lãi 5T đồng.", ("5T đồng", "5000000000", "VND")),
        ("vi", "Nợ 3 nghìn tỷ đồng.", ("3 nghìn tỷ đồng", "3000000000000", "VND")),
        ("vi", "Giá 1 tỷ 200 triệu đồng.", ("1 tỷ 200 triệu đồng", "1200000000", "VND")),
        ("vi", "Chi hai tỷ đồng.", ("hai tỷ đồng", "2000000000", "VND")),
        # currency forms: symbol, ISO code, name, before and after
        ("en", "Fined £2.5 million.", ("£2.5 million", "2500000", "GBP")),
        ("en", "Valued at USD 1.2 billion.", ("USD 1.2 billion", "1200000000", "USD")),
        ("en", "Valued at USD1.2bn.", ("USD1.2bn", "1200000000", "USD")),
        ("en", "Paid 300 EUR.", ("300 EUR", "300", "EUR")),
        ("en", "Paid US$100 million.", ("US$100 million", "100000000", "USD")),
        ("en", "Paid C$5 million.", ("C$5 million", "5000000", "CAD")),
        ("en", "Paid 75,000 dollars.", ("75,000 dollars", "75000", "USD")),
        ("en", "Paid 2 million pounds.", ("2 million pounds", "2000000", "GBP")),
        ("en", "Paid 5 million Swiss francs.", ("5 million Swiss francs", "5000000", "CHF")),
        ("en", "Paid ¥100 billion.", ("¥100 billion", "100000000000", "JPY")),
        ("en", "Paid Rs 5 crore.", ("Rs 5 crore", "50000000", "INR")),
        ("en", "A dividend of 50 cents a share.", ("50 cents", "0.50", "USD")),
        ("en", "He left thirty million dollars.", ("thirty million dollars", "30000000", "USD")),
        ("fr", "Un salaire de 45 000 € par an.", ("45 000 €", "45000", "EUR")),
        ("fr", "Un chèque de 500 dollars canadiens.", ("500 dollars canadiens", "500", "CAD")),
        ("fr", "Investi 2,5 millions de francs suisses.", ("2,5 millions de francs suisses", "2500000", "CHF")),
        ("fr", "Vendu 3 millions de livres sterling.", ("3 millions de livres sterling", "3000000", "GBP")),
        ("fr", "Payé 10 000 francs CFA.", ("10 000 francs CFA", "10000", "XOF")),
        ("fr", "Le billet coûte 9,99 euros.", ("9,99 euros", "9.99", "EUR")),
        ("fr", "Un contrat de 5 millions $US.", ("5 millions $US", "5000000", "USD")),
        ("vi", "Doanh thu 1,5 tỷ USD.", ("1,5 tỷ USD", "1500000000", "USD")),
        ("vi", "Giá 45.000 đ.", ("45.000 đ", "45000", "VND")),
        ("vi", "Giá 45.000đ.", ("45.000đ", "45000", "VND")),
        ("vi", "Giá 45.000₫.", ("45.000₫", "45000", "VND")),
        ("vi", "Giá 45.000 VNĐ.", ("45.000 VNĐ", "45000", "VND")),
        ("vi", "Chi 2 tỷ đô la Mỹ.", ("2 tỷ đô la Mỹ", "2000000000", "USD")),
        ("vi", "Chi 100 đô.", ("100 đô", "100", "USD")),
        ("vi", "Rót 50 triệu euro.", ("50 triệu euro", "50000000", "EUR")),
        ("vi", "Thu 3 triệu bảng Anh.", ("3 triệu bảng Anh", "3000000", "GBP")),
        ("vi", "Thu 10 tỷ nhân dân tệ.", ("10 tỷ nhân dân tệ", "10000000000", "CNY")),
        ("vi", "Man Utd chi 80 triệu bảng.", ("80 triệu bảng", "80000000", "GBP")),
        # languages without their own data: symbols, ISO codes, international abbreviations
        ("de", "Der Umsatz: €3.2bn.", ("€3.2bn", "3200000000", "EUR")),
        ("de", "Der Preis: 1.500 €.", ("1.500 €", "1500", "EUR")),
        ("xx", "Deal USD 5 million.", ("USD 5 million", "5000000", "USD")),
        ("es", "Costó 2,5 millones de USD 300.", ("USD 300", "300", "USD")),
    ],
)
def test_one_amount(lang: str, text: str, expected: tuple[str, str, str]) -> None:
    assert found(text, lang) == [expected]


@pytest.mark.parametrize("apostrophe", ["'", "\u2019"])
def test_straight_and_curly_apostrophes(apostrophe: str) -> None:
    text = f"Le groupe a levé 3 milliards d{apostrophe}euros."
    assert found(text, "fr") == [(f"3 milliards d{apostrophe}euros", "3000000000", "EUR")]
    swiss = f"Payé 1{apostrophe}000{apostrophe}000 CHF."
    assert found(swiss, "fr") == [(f"1{apostrophe}000{apostrophe}000 CHF", "1000000", "CHF")]


@pytest.mark.parametrize(
    "lang, text",
    [
        ("en", "The company has 100 million users."),
        ("en", "She signed a nine-figure contract."),
        ("en", "He lifted 200 pounds."),
        ("en", "The A320 flew 100 miles in 2019."),
        ("en", "Costs rose to $3-5 million."),
        ("en", "The AMD 7950 and the TOP 10."),
        ("fr", "La société compte 300 millions d'utilisateurs."),
        ("fr", "Il a vendu 2 millions de livres."),
        ("fr", "Il court en Formule 3 Euro Series."),
        ("vi", "Beyer không nhận được hợp đồng 9 con số."),
        ("vi", "Ứng dụng có 100 triệu người dùng."),
        ("vi", "Anh có 10 đồng nghiệp và 3 đồng hồ."),
        ("vi", "Tỉnh có 3 đô thị lớn."),
        ("vi", "Giải có 3 bảng đấu."),
        ("vi", "Thu hàng tỷ đồng mỗi năm."),
    ],
)
def test_no_money_without_an_amount_and_a_currency(lang: str, text: str) -> None:
    assert found(text, lang) == []


def test_several_amounts_and_their_offsets() -> None:
    text = "The budget grew from $3 million to $5 million, then to €1bn."
    assert find_money(text, "en") == [
        Money(21, 31, "$3 million", Decimal("3000000"), "USD"),
        Money(35, 45, "$5 million", Decimal("5000000"), "USD"),
        Money(55, 59, "€1bn", Decimal("1000000000"), "EUR"),
    ]


def test_a_currency_belongs_to_one_amount() -> None:
    assert found("It cost 5 USD 300 times.", "en") == [("5 USD", "5", "USD")]


def test_huge_numbers_are_no_amount() -> None:
    text = "1" + ".000" * 2000 + " tỷ 200 triệu đồng"  # 6001 digits: more than int() converts by default
    assert found(text, "vi") == [("200 triệu đồng", "200000000", "VND")]


def test_amounts_are_exact_decimals() -> None:
    (m,) = find_money("Un trou de 0,000001 milliard d'euros.", "fr")
    assert m.amount == Decimal("1000") and m.amount.as_tuple().exponent == 0
    (m,) = find_money("Fees of $0.10.", "en")
    assert m.amount == Decimal("0.10")
    # entities.amount is decimal128(38, 6): what it cannot hold exactly is no amount
    assert find_money("It cost $" + "1" * 40 + ".", "en") == []
    assert find_money("It cost $0.0000001.", "en") == []
    assert found("It cost $0.50000000.", "en") == [("$0.50000000", "0.500000", "USD")]


def test_ambiguous_separators_follow_the_language() -> None:
    assert found("1,500 euros", "fr") == [("1,500 euros", "1.500", "EUR")]
    assert found("1,500 dollars", "en") == [("1,500 dollars", "1500", "USD")]
    assert found("1,500 USD", "vi") == [("1,500 USD", "1.500", "USD")]
    assert found("1,500,000 đồng", "vi") == [("1,500,000 đồng", "1500000", "VND")]
    assert found("1.5 tỷ USD", "vi") == [("1.5 tỷ USD", "1500000000", "USD")]
    # a four-digit year is no thousands group: "2019 300" is two numbers
    assert found("En 2019 300 millions d'euros ont été levés.", "fr") == [("300 millions d'euros", "300000000", "EUR")]


def test_french_billion_is_a_trillion_by_language() -> None:
    assert found("2 billion dollars", "en")[0][1] == "2000000000"
    assert found("2 billions de dollars", "fr")[0][1] == "2000000000000"
    assert found("$2T", "en")[0][1] == "2000000000000"


def test_dollar_and_franc_follow_the_policy() -> None:
    policy = MoneyPolicy(dollar="CAD", franc="XOF")
    assert found("Paid $5 and 10 francs.", "en", policy) == [("$5", "5", "CAD"), ("10 francs", "10", "XOF")]
    assert found("Chi 3 tỉ đô la và 5 đô.", "vi", policy) == [("3 tỉ đô la", "3000000000", "CAD"), ("5 đô", "5", "CAD")]
    assert found("Paid US$5.", "en", policy) == [("US$5", "5", "USD")]  # explicit, whatever the policy
    with pytest.raises(ValueError, match="ISO 4217"):
        MoneyPolicy(dollar="dollar")


def test_time_is_linear_on_adversarial_digits_and_separators() -> None:
    units = ["1 ", "1,000,", "1.1.", "123 456 ", "1\u00a0000\u00a0", "$1 000 000 ", "1 tỷ 2 triệu 3 ", "1,2.3 4'5"]
    small = "".join(units) * 150  # about 10 kB
    large = small * 10

    def cpu_seconds(text: str, lang: str, repeat: int) -> float:
        t0 = time.process_time()  # CPU time: the other workers on the machine do not count
        for _ in range(repeat):
            find_money(text, lang)
        return time.process_time() - t0

    for lang in ("fr", "vi", "de"):  # fr: space groups; vi: compound amounts; de: every separator
        smalls, larges = [], []
        for _ in range(5):  # interleaved, so both sizes see the same machine
            smalls.append(cpu_seconds(small, lang, 10) / 10)
            larges.append(cpu_seconds(large, lang, 1))
        ratio = min(larges) / min(smalls)
        assert ratio <= 15, f"{lang}: 10x the text took {ratio:.1f}x the time"


def _data_rows(kind: str) -> list[tuple[str, str, str, set[str]]]:
    """(lang, text, value, flags) of the rows of one kind in the shipped money data."""
    rows = []
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        cells = (line.split("\t") + ["", "", "", "", ""])[:5]
        if not line.startswith("#") and cells[1] == kind:
            rows.append((cells[0], cells[2], cells[3], set(cells[4].split())))
    return rows


def _lang(row_lang: str) -> str:
    return {"*": "en", "default": "de"}.get(row_lang, row_lang)


@pytest.mark.parametrize("lang, word, power, flags", _data_rows("magnitude"))
def test_every_magnitude_word_of_the_data(lang: str, word: str, power: str, flags: set[str]) -> None:
    for text in (f"Paid USD 7 {word}.", f"Paid USD 7{word}."):
        assert found(text, _lang(lang)) == [(text[5:-1], str(7 * 10 ** int(power)), "USD")]


@pytest.mark.parametrize("lang, phrase, code, flags", _data_rows("currency"))
def test_every_currency_of_the_data(lang: str, phrase: str, code: str, flags: set[str]) -> None:
    policy = MoneyPolicy(dollar="AUD", franc="XAF", yen_sign="CNY")
    iso = getattr(policy, code[1:]) if code.startswith("@") else code
    amount, number = ("7000000", "7 " + {"en": "million", "vi": "triệu"}[lang]) if "magnitude" in flags else ("7", "7")
    amount = "0.07" if "cents" in flags else amount
    texts = [f"{number} {phrase}"] if "suffix" in flags else []
    texts += [f"{phrase}7", f"{phrase} 7"] if "prefix" in flags else []
    for text in texts:
        assert found(f"Paid {text}.", _lang(lang), policy) == [(text, amount, iso)]


@pytest.mark.parametrize("lang, codes", [(lang, text) for lang, text, _, _ in _data_rows("iso") + _data_rows("iso_after")])
def test_every_iso_code_of_the_data(lang: str, codes: str) -> None:
    for code in codes.split():
        assert found(f"Paid 7 {code}.", "en") == [(f"7 {code}", "7", code)]


PIECES = [
    "1",
    "23",
    "456",
    "7890",
    " ",
    "\u00a0",
    ",",
    ".",
    "'",
    "’",
    "-",
    "$",
    "€",
    "US$",
    "USD",
    "m",
    "bn",
    "T",
    "k",
    "million",
    "millions",
    "milliard",
    "d'",
    "de ",
    "euros",
    "tỷ",
    "triệu",
    "nghìn",
    "đồng",
    "đ",
    "đô la",
    "a ",
    "hai ",
    "\n",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from(["en", "fr", "vi", "de"]))
def test_mentions_are_ordered_disjoint_and_exact(pieces: list[str], lang: str) -> None:
    text = "".join(pieces)
    previous_end = 0
    for m in find_money(text, lang):
        assert previous_end <= m.start < m.end and text[m.start : m.end] == m.text
        assert len(m.currency) == 3 and m.amount.is_finite()
        previous_end = m.end
