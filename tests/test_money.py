"""tasks.entities.money: MONEY spans, exact amounts and ISO 4217 currencies in en / fr / vi and other languages."""

from __future__ import annotations

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
        ("nl", "De omzet: €3.2bn.", ("€3.2bn", "3200000000", "EUR")),
        ("nl", "De prijs: 1.500 €.", ("1.500 €", "1500", "EUR")),
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


def test_separators_are_read_from_their_shape_before_their_language() -> None:
    # a single "," or "." before exactly three digits separates thousands, in every language
    assert found("1,500 euros", "fr") == [("1,500 euros", "1500", "EUR")]
    assert found("1,500 dollars", "en") == [("1,500 dollars", "1500", "USD")]
    assert found("1.500 dollars", "en") == [("1.500 dollars", "1500", "USD")]
    assert found("45,000 đô la", "vi") == [("45,000 đô la", "45000", "USD")]
    assert found("1,500,000 đồng", "vi") == [("1,500,000 đồng", "1500000", "VND")]
    assert found("1,250,000 dollars", "fr") == [("1,250,000 dollars", "1250000", "USD")]
    # ... except the language's own decimal mark before a magnitude word
    assert found("1,500 tỷ USD", "vi") == [("1,500 tỷ USD", "1500000000", "USD")]
    assert found("1,500 milliard d'euros", "fr") == [("1,500 milliard d'euros", "1500000000", "EUR")]
    assert found("1.500 tỷ USD", "vi") == [("1.500 tỷ USD", "1500000000000", "USD")]  # "." is no decimal mark in vi
    assert found("$1.500 billion", "en") == [("$1.500 billion", "1500000000", "USD")]
    assert found("$1,500 billion", "en") == [("$1,500 billion", "1500000000000", "USD")]  # "," is no decimal mark in en
    # other digit counts: a decimal part
    assert found("1.5 tỷ USD", "vi") == [("1.5 tỷ USD", "1500000000", "USD")]
    assert found("1,5 tỷ USD", "vi") == [("1,5 tỷ USD", "1500000000", "USD")]
    assert found("12,50 €", "fr") == [("12,50 €", "12.50", "EUR")]
    assert found("1234,567 €", "fr") == [("1234,567 €", "1234.567", "EUR")]  # four digits before: no group
    # two separators: the first one groups, the other one is decimal
    assert found("1.234,5 €", "fr") == [("1.234,5 €", "1234.5", "EUR")]
    assert found("$1,234.5", "en") == [("$1,234.5", "1234.5", "USD")]
    # spaces and no-break spaces group thousands in every language
    assert found("chỉ 20 000 đô", "vi") == [("20 000 đô", "20000", "USD")]
    assert found("chỉ 20\u00a0000 đô", "vi") == [("20\u00a0000 đô", "20000", "USD")]
    assert found("It cost 12 500 dollars.", "en") == [("12 500 dollars", "12500", "USD")]
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


@pytest.mark.parametrize(
    "lang, unit, span, amount, currency",
    [
        ("fr", "1,5 € ", "1,5 €", "1.5", "EUR"),
        ("vi", "1.000 đ ", "1.000 đ", "1000", "VND"),
        ("de", "2,50 € ", "2,50 €", "2.50", "EUR"),
    ],
)
def test_a_long_run_of_amounts_gives_each_amount_once(lang: str, unit: str, span: str, amount: str, currency: str) -> None:
    """Hundreds of amounts in a row (the adversarial input of benchmarks/linear_time.py, which times it):
    every one is found, at its own offsets, none merged with its neighbours."""
    text = unit * 500
    result = find_money(text, lang)
    assert [(m.start, m.end) for m in result] == [(k * len(unit), k * len(unit) + len(span)) for k in range(500)]
    assert {(m.text, str(m.amount), m.currency) for m in result} == {(span, amount, currency)}


# Every currency phrase, magnitude word and number word of the data, with what it means, written out
# here by hand so that a wrong row in tasks/entities/data/money.tsv fails a test. Codes are those of
# the default MoneyPolicy (dollar USD, franc CHF, yen sign JPY); FOLLOWS_POLICY lists the phrases that
# follow it instead of naming a currency.
CURRENCIES = [
    ("*", "USD", ["$", "US$", "U.S.$", "$US"]),
    ("*", "CAD", ["C$", "$CA", "CA$", "Can$"]),
    ("*", "AUD", ["A$", "AU$"]),
    ("*", "NZD", ["NZ$"]),
    ("*", "HKD", ["HK$"]),
    ("*", "SGD", ["S$"]),
    ("*", "TWD", ["NT$"]),
    ("*", "BRL", ["R$"]),
    ("*", "MXN", ["MX$"]),
    ("*", "EUR", ["€"]),
    ("*", "GBP", ["£"]),
    ("*", "JPY", ["¥"]),
    ("*", "CNY", ["元"]),
    ("*", "VND", ["₫"]),
    ("*", "INR", ["₹", "Rs", "Rs."]),
    ("*", "KRW", ["₩"]),
    ("*", "RUB", ["₽"]),
    ("*", "TRY", ["₺"]),
    ("*", "UAH", ["₴"]),
    ("*", "ILS", ["₪"]),
    ("*", "THB", ["฿"]),
    ("*", "PHP", ["₱"]),
    ("*", "NGN", ["₦"]),
    ("*", "KZT", ["₸"]),
    ("*", "IDR", ["Rp"]),
    ("*", "MYR", ["RM"]),
    ("*", "PLN", ["zł"]),
    ("*", "CZK", ["Kč"]),
    ("en", "USD", ["dollar", "dollars", "US dollar", "US dollars", "U.S. dollars", "American dollars", "cent", "cents", "buck", "bucks"]),
    ("en", "CAD", ["Canadian dollars"]),
    ("en", "AUD", ["Australian dollars"]),
    ("en", "NZD", ["New Zealand dollars"]),
    ("en", "HKD", ["Hong Kong dollars"]),
    ("en", "SGD", ["Singapore dollars"]),
    ("en", "TWD", ["Taiwan dollars"]),
    ("en", "EUR", ["euro cents", "euro", "euros"]),
    ("en", "GBP", ["pound", "pounds", "quid", "pound sterling", "pounds sterling", "British pounds"]),
    ("en", "JPY", ["yen", "Japanese yen"]),
    ("en", "CNY", ["yuan", "renminbi", "Chinese yuan"]),
    ("en", "INR", ["rupee", "rupees", "Indian rupees"]),
    ("en", "PKR", ["Pakistani rupees"]),
    ("en", "KRW", ["won"]),
    ("en", "RUB", ["rouble", "roubles", "ruble", "rubles"]),
    ("en", "CHF", ["franc", "francs", "Swiss franc", "Swiss francs"]),
    ("en", "XOF", ["CFA francs"]),
    ("en", "VND", ["dong", "Vietnamese dong"]),
    ("en", "THB", ["baht"]),
    ("en", "MYR", ["ringgit"]),
    ("en", "IDR", ["rupiah"]),
    ("en", "ZAR", ["rand"]),
    ("en", "NGN", ["naira"]),
    ("en", "ILS", ["shekels"]),
    ("en", "TRY", ["Turkish lira"]),
    ("en", "MXN", ["Mexican pesos"]),
    ("en", "PHP", ["Philippine pesos"]),
    ("en", "BRL", ["Brazilian reais"]),
    ("en", "SAR", ["Saudi riyals"]),
    ("en", "AED", ["UAE dirhams"]),
    ("en", "SEK", ["Swedish kronor"]),
    ("en", "NOK", ["Norwegian kroner"]),
    ("en", "DKK", ["Danish kroner"]),
    ("en", "PLN", ["zloty"]),
    ("en", "HUF", ["forint"]),
    ("fr", "USD", ["dollar", "dollars", "dollar américain", "dollars américains", "dollars US", "dollars des États-Unis"]),
    ("fr", "CAD", ["dollar canadien", "dollars canadiens"]),
    ("fr", "AUD", ["dollars australiens"]),
    ("fr", "NZD", ["dollars néo-zélandais"]),
    ("fr", "HKD", ["dollars de Hong Kong", "dollars hongkongais"]),
    ("fr", "SGD", ["dollars singapouriens"]),
    ("fr", "EUR", ["euro", "euros"]),
    ("fr", "GBP", ["livre sterling", "livres sterling", "livre britannique", "livres britanniques"]),
    ("fr", "CHF", ["franc", "francs", "franc suisse", "francs suisses"]),
    ("fr", "XOF", ["franc CFA", "francs CFA"]),
    ("fr", "JPY", ["yen", "yens"]),
    ("fr", "CNY", ["yuan", "yuans", "renminbi"]),
    ("fr", "INR", ["roupie", "roupies", "roupies indiennes"]),
    ("fr", "KRW", ["won", "wons"]),
    ("fr", "RUB", ["rouble", "roubles"]),
    ("fr", "SEK", ["couronnes suédoises"]),
    ("fr", "NOK", ["couronnes norvégiennes"]),
    ("fr", "DKK", ["couronnes danoises"]),
    ("fr", "MAD", ["dirhams marocains"]),
    ("fr", "AED", ["dirhams émiratis"]),
    ("fr", "DZD", ["dinars algériens"]),
    ("fr", "TND", ["dinars tunisiens"]),
    ("fr", "VND", ["dongs"]),
    ("vi", "VND", ["đồng", "đồng Việt Nam", "đ", "VNĐ", "VNđ", "vnđ", "vnd"]),
    ("vi", "USD", ["usd", "đô", "đô la", "đô-la", "đôla", "đô Mỹ", "đô la Mỹ", "Mỹ kim"]),
    ("vi", "CAD", ["đô la Canada"]),
    ("vi", "AUD", ["đô la Úc"]),
    ("vi", "SGD", ["đô la Singapore"]),
    ("vi", "HKD", ["đô la Hong Kong", "đô la Hồng Kông"]),
    ("vi", "TWD", ["đô la Đài Loan"]),
    ("vi", "NZD", ["đô la New Zealand"]),
    ("vi", "EUR", ["euro", "euros"]),
    ("vi", "GBP", ["bảng Anh", "bảng"]),
    ("vi", "JPY", ["yên", "yên Nhật"]),
    ("vi", "CNY", ["nhân dân tệ", "NDT", "ndt", "tệ"]),
    ("vi", "KRW", ["won", "won Hàn Quốc"]),
    ("vi", "THB", ["bạt", "baht"]),
    ("vi", "RUB", ["rúp"]),
    ("vi", "MYR", ["ringgit"]),
    ("vi", "IDR", ["rupiah"]),
    ("vi", "INR", ["rupee"]),
    ("vi", "LAK", ["kip"]),
    ("vi", "KHR", ["riel"]),
    ("vi", "CHF", ["franc", "franc Thụy Sĩ"]),
    ("de", "EUR", ["Euro", "Euros", "Cent", "Eurocent"]),
    ("de", "USD", ["Dollar", "US-Dollar"]),
    ("de", "CAD", ["kanadische Dollar"]),
    ("de", "AUD", ["australische Dollar"]),
    ("de", "GBP", ["Pfund Sterling", "britische Pfund", "Pfund"]),
    ("de", "CHF", ["Franken", "Schweizer Franken"]),
    ("de", "JPY", ["Yen"]),
    ("de", "CNY", ["Yuan", "Renminbi"]),
    ("de", "RUB", ["Rubel"]),
    ("de", "INR", ["Rupien"]),
    ("de", "KRW", ["Won"]),
    ("de", "SEK", ["schwedische Kronen"]),
    ("de", "NOK", ["norwegische Kronen"]),
    ("de", "DKK", ["dänische Kronen"]),
    ("de", "PLN", ["Złoty", "Zloty"]),
]
FOLLOWS_POLICY = {
    "dollar": {
        ("*", "$"),
        *(("en", p) for p in ("dollar", "dollars", "cent", "cents", "buck", "bucks")),
        ("fr", "dollar"),
        ("fr", "dollars"),
        *(("vi", p) for p in ("đô", "đô la", "đô-la", "đôla")),
        ("de", "Dollar"),
    },
    "franc": {("en", "franc"), ("en", "francs"), ("fr", "franc"), ("fr", "francs"), ("vi", "franc"), ("de", "Franken")},
    "yen_sign": {("*", "¥")},
}
CENTS = {("en", "cent"), ("en", "cents"), ("en", "euro cents"), ("de", "Cent"), ("de", "Eurocent")}  # hundredths
AFTER_A_MAGNITUDE = {("vi", "bảng")}  # "80 triệu bảng" is money, "3 bảng" may be a table
# (power of ten, words) per language; "default" is the data of languages without their own rows
MAGNITUDES = [
    ("default", 3, ["k"]),
    ("default", 6, ["m", "mn", "mln", "million", "millions"]),
    ("default", 9, ["bn", "mrd"]),
    ("en", 2, ["hundred"]),
    ("en", 3, ["thousand", "k"]),
    ("en", 5, ["lakh", "lakhs"]),
    ("en", 6, ["million", "millions", "m", "mn", "mln", "mil"]),
    ("en", 7, ["crore", "crores", "cr"]),
    ("en", 9, ["billion", "billions", "bn", "bln", "b"]),
    ("en", 12, ["trillion", "trillions", "tn", "trn", "T"]),
    ("fr", 2, ["cent", "cents"]),
    ("fr", 3, ["mille", "k"]),
    ("fr", 6, ["million", "millions", "M", "Mio"]),
    ("fr", 9, ["milliard", "milliards", "Md", "Mds", "Mrd", "Mrds"]),
    ("fr", 12, ["billion", "billions"]),
    ("vi", 2, ["trăm"]),
    ("vi", 3, ["nghìn", "ngàn", "k"]),
    ("vi", 4, ["vạn"]),
    ("vi", 6, ["triệu", "tr"]),
    ("vi", 9, ["tỷ", "tỉ", "T"]),
    ("de", 2, ["hundert"]),
    ("de", 3, ["Tausend", "Tsd.", "Tsd"]),
    ("de", 6, ["Million", "Millionen", "Mio.", "Mio"]),
    ("de", 9, ["Milliarde", "Milliarden", "Mrd.", "Mrd"]),
    ("de", 12, ["Billion", "Billionen", "Bio."]),
]
# (value, words) per language: spelled-out numbers and fractions, read before a magnitude word
NUMBERS = [
    ("en", "1", ["a", "an", "one"]),
    ("en", "2", ["two"]),
    ("en", "3", ["three"]),
    ("en", "4", ["four"]),
    ("en", "5", ["five"]),
    ("en", "6", ["six"]),
    ("en", "7", ["seven"]),
    ("en", "8", ["eight"]),
    ("en", "9", ["nine"]),
    ("en", "10", ["ten"]),
    ("en", "11", ["eleven"]),
    ("en", "12", ["twelve"]),
    ("en", "15", ["fifteen"]),
    ("en", "20", ["twenty"]),
    ("en", "30", ["thirty"]),
    ("en", "40", ["forty"]),
    ("en", "50", ["fifty"]),
    ("en", "60", ["sixty"]),
    ("en", "70", ["seventy"]),
    ("en", "80", ["eighty"]),
    ("en", "90", ["ninety"]),
    ("en", "0.5", ["half a", "half of a", "a half"]),
    ("en", "0.25", ["a quarter of a", "quarter of a", "a quarter"]),
    ("en", "0.75", ["three quarters of a"]),
    ("en", "1.5", ["one and a half"]),
    ("en", "2.5", ["two and a half"]),
    ("fr", "1", ["un", "une"]),
    ("fr", "2", ["deux"]),
    ("fr", "3", ["trois"]),
    ("fr", "4", ["quatre"]),
    ("fr", "5", ["cinq"]),
    ("fr", "6", ["six"]),
    ("fr", "7", ["sept"]),
    ("fr", "8", ["huit"]),
    ("fr", "9", ["neuf"]),
    ("fr", "10", ["dix"]),
    ("fr", "11", ["onze"]),
    ("fr", "12", ["douze"]),
    ("fr", "15", ["quinze"]),
    ("fr", "20", ["vingt"]),
    ("fr", "30", ["trente"]),
    ("fr", "40", ["quarante"]),
    ("fr", "50", ["cinquante"]),
    ("fr", "60", ["soixante"]),
    ("fr", "100", ["cent"]),
    ("fr", "1000", ["mille"]),
    ("fr", "0.5", ["un demi-", "demi-"]),
    ("fr", "0.25", ["un quart de"]),
    ("vi", "1", ["một"]),
    ("vi", "2", ["hai"]),
    ("vi", "3", ["ba"]),
    ("vi", "4", ["bốn"]),
    ("vi", "5", ["năm"]),
    ("vi", "6", ["sáu"]),
    ("vi", "7", ["bảy"]),
    ("vi", "8", ["tám"]),
    ("vi", "9", ["chín"]),
    ("vi", "10", ["mười"]),
    ("vi", "0.5", ["nửa"]),
    ("de", "1", ["ein", "eine", "einer"]),
    ("de", "2", ["zwei"]),
    ("de", "3", ["drei"]),
    ("de", "4", ["vier"]),
    ("de", "5", ["fünf"]),
    ("de", "6", ["sechs"]),
    ("de", "7", ["sieben"]),
    ("de", "8", ["acht"]),
    ("de", "9", ["neun"]),
    ("de", "10", ["zehn"]),
    ("de", "12", ["zwölf"]),
    ("de", "20", ["zwanzig"]),
    ("de", "30", ["dreißig"]),
    ("de", "50", ["fünfzig"]),
    ("de", "100", ["hundert"]),
    ("de", "0.5", ["eine halbe", "einer halben"]),
]
# Spelled-out numbers that make an amount right before a currency word, without a magnitude word
# ("five dollars"). Articles ("a dollar", "un euro fort") and fractions need a magnitude; in Vietnamese
# none stands alone ("năm" is five and year).
ALONE = {
    "en": {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen"}
    | {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"},
    "fr": {"deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "quinze", "vingt"}
    | {"trente", "quarante", "cinquante", "soixante", "cent", "mille"},
    "vi": set(),
    "de": {"zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "zwölf", "zwanzig", "dreißig", "fünfzig", "hundert"},
}
# A sentence of each language around the amount: a money cue ("paid") before it, so that "pounds" counts.
PAID = {"*": "Paid {}.", "en": "Paid {}.", "fr": "Il a payé {}.", "vi": "Anh trả {}.", "de": "Er zahlte {}."}
TEST_LANG = {"*": "en", "default": "nl"}  # a language that reads the rows of "*" / "default"


def _cases(table: list) -> list[tuple[str, object, str]]:
    return [(lang, value, word) for lang, value, words in table for word in words]


@pytest.mark.parametrize("lang, code, phrase", _cases(CURRENCIES))
@pytest.mark.parametrize("policy", [MoneyPolicy(), MoneyPolicy(dollar="AUD", franc="XAF", yen_sign="CNY")])
def test_every_currency_phrase_means_its_currency(lang: str, code: str, phrase: str, policy: MoneyPolicy) -> None:
    following = [field for field, phrases in FOLLOWS_POLICY.items() if (lang, phrase) in phrases]
    expected_code = getattr(policy, following[0]) if following else code
    number, amount = ("7 triệu", "7000000") if (lang, phrase) in AFTER_A_MAGNITUDE else ("7", "7")
    amount = "0.07" if (lang, phrase) in CENTS else amount
    results = []
    for text in (f"{number} {phrase}", f"{phrase}{number}", f"{phrase} {number}"):
        hits = found(PAID[lang].format(text), TEST_LANG.get(lang, lang), policy)
        if hits == [(text, amount, expected_code)]:
            results.append(text)
        else:
            assert all(code not in hit for hit in hits), hits  # a form that is not read is not misread either
    assert results, f"{phrase!r} ({lang}) gives no amount of 7 in {expected_code}"


@pytest.mark.parametrize("lang, power, word", _cases(MAGNITUDES))
def test_every_magnitude_word_multiplies_by_its_power_of_ten(lang: str, power: int, word: str) -> None:
    for text in (f"USD 7 {word}", f"USD 7{word}"):
        assert found(f"Paid {text} today", TEST_LANG.get(lang, lang)) == [(text, str(7 * 10**power), "USD")]


@pytest.mark.parametrize("lang, value, word", _cases(NUMBERS))
def test_every_number_word_counts_before_a_magnitude(lang: str, value: str, word: str) -> None:
    magnitude, currency, code = {
        "en": ("million", "dollars", "USD"),
        "fr": ("millions", "de dollars", "USD"),
        "vi": ("triệu", "đồng", "VND"),
        "de": ("Millionen", "Euro", "EUR"),
    }[lang]
    text = f"{word}{'' if word.endswith('-') else ' '}{magnitude} {currency}"
    assert found(f"{PAID[lang].format(text)}", lang) == [(text, _plain(Decimal(value) * 10**6), code)]


@pytest.mark.parametrize("lang, value, word", _cases(NUMBERS))
def test_which_number_words_stand_alone_before_a_currency_word(lang: str, value: str, word: str) -> None:
    currency, code = {"en": ("dollars", "USD"), "fr": ("euros", "EUR"), "vi": ("đồng", "VND"), "de": ("Euro", "EUR")}[lang]
    text = f"{word} {currency}"
    expected = [(text, value, code)] if word in ALONE[lang] else []
    assert found(PAID[lang].format(text), lang) == expected


def _plain(amount: Decimal) -> str:
    return str(amount.quantize(Decimal(1)))


def _data_rows(*kinds: str) -> list[tuple[str, str, str, str, str]]:
    """(lang, kind, text, value, flags) of the rows of these kinds in the shipped money data."""
    rows = []
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        cells = (line.split("\t") + [""] * 5)[:5]
        if line.strip() and not line.startswith("#") and cells[1] in kinds:
            rows.append(tuple(cells))
    return rows


def test_the_tables_above_cover_every_phrase_of_the_data() -> None:
    """A phrase added to the data needs its meaning written in this file too."""
    for kind, table in (("currency", CURRENCIES), ("magnitude", MAGNITUDES), ("number", NUMBERS)):
        in_data = sorted((lang, text) for lang, _, text, _, _ in _data_rows(kind))
        in_tests = sorted((lang, word) for lang, _, words in table for word in words)
        assert in_data == in_tests, kind


@pytest.mark.parametrize(
    "lang, kind, text, value, flags", _data_rows("currency", "magnitude", "number", "iso", "iso_after", "range", "connector", "cue", "blocker")
)
def test_every_entry_of_the_data_parses(lang: str, kind: str, text: str, value: str, flags: str) -> None:
    known = {"prefix", "suffix", "cased", "magnitude", "cents", "cue", "homograph", "abbr", "ordered", "alone"}
    assert set(flags.split()) <= known, flags
    if kind == "currency":
        assert value in ("@dollar", "@franc", "@yen_sign") or (len(value) == 3 and value.isupper())
        assert {"prefix", "suffix"} & set(flags.split())
    elif kind == "magnitude":
        assert value.isdigit()
    elif kind == "number":
        Decimal(value)
    elif kind in ("iso", "iso_after"):
        for code in text.split():
            assert found(f"Paid 7 {code}.", "en") == [(f"7 {code}", "7", code)]
    else:
        assert text.strip()


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
    "half a ",
    "−",
    " to ",
    " and ",
    "AED",
    "pounds",
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
