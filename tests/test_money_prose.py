"""tasks.entities.money on money as real prose writes it: ranges, minus signs, fractions, grouped digits, weights.

Every sentence here was written for these tests. Each case states the span, the exact amount and the
ISO 4217 code a reader would check; the boundary cases pin each limit of the parser from both sides.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tasks.entities.money as money
from tasks.entities.money import MoneyPolicy, find_money


def found(text: str, lang: str) -> list[tuple[str, str, str]]:
    """(span, amount, currency) of each mention, after checking the offsets point at the span."""
    result = find_money(text, lang)
    for m in result:
        assert text[m.start : m.end] == m.text
    return [(m.text, str(m.amount), m.currency) for m in result]


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # the magnitude and currency of the upper end apply to the lower end; each end keeps its own span
        ("en", "The retrofit may cost $2-4 million.", [("$2", "2000000", "USD"), ("4 million", "4000000", "USD")]),
        ("en", "The retrofit may cost $2–4 billion.", [("$2", "2000000000", "USD"), ("4 billion", "4000000000", "USD")]),
        ("en", "Bids ran from $6 to $9 million.", [("$6", "6000000", "USD"), ("$9 million", "9000000", "USD")]),
        ("en", "A round of US$2.5-3 billion.", [("US$2.5", "2500000000", "USD"), ("3 billion", "3000000000", "USD")]),
        ("en", "Between €4 and €7 billion is needed.", [("€4", "4000000000", "EUR"), ("€7 billion", "7000000000", "EUR")]),
        ("en", "It will take 3 or 4 million dollars.", [("3", "3000000", "USD"), ("4 million dollars", "4000000", "USD")]),
        ("en", "Tickets cost $15-20.", [("$15", "15", "USD"), ("20", "20", "USD")]),
        ("en", "Stamps cost 40 to 60 cents.", [("40", "0.40", "USD"), ("60 cents", "0.60", "USD")]),
        ("en", "Rents go from £950 to £1,400.", [("£950", "950", "GBP"), ("£1,400", "1400", "GBP")]),
        ("en", "It fell from 40 to 25 million dollars.", [("40", "40000000", "USD"), ("25 million dollars", "25000000", "USD")]),
        ("fr", "Un coût entre 4 et 6 milliards d'euros.", [("4", "4000000000", "EUR"), ("6 milliards d'euros", "6000000000", "EUR")]),
        ("fr", "Il vise de 20 à 30 millions de dollars.", [("20", "20000000", "USD"), ("30 millions de dollars", "30000000", "USD")]),
        ("fr", "Des loyers de 700 000 à 900 000 euros.", [("700 000", "700000", "EUR"), ("900 000 euros", "900000", "EUR")]),
        ("fr", "Entre 2 ou 3 M€ seront investis.", [("2", "2000000", "EUR"), ("3 M€", "3000000", "EUR")]),
        ("vi", "Mỗi cây cầu tốn 20-30 tỷ đồng.", [("20", "20000000000", "VND"), ("30 tỷ đồng", "30000000000", "VND")]),
        ("vi", "Lương từ 8 đến 12 triệu đồng.", [("8", "8000000", "VND"), ("12 triệu đồng", "12000000", "VND")]),
        ("vi", "Giá từ 3 tới 5 triệu đồng.", [("3", "3000000", "VND"), ("5 triệu đồng", "5000000", "VND")]),
        ("vi", "Cần 2 hoặc 3 tỷ đồng.", [("2", "2000000000", "VND"), ("3 tỷ đồng", "3000000000", "VND")]),
        ("de", "Zwischen 2 und 3 Millionen Euro.", [("2", "2000000", "EUR"), ("3 Millionen Euro", "3000000", "EUR")]),
        ("de", "Es kostet 5 bis 8 Mrd. Euro.", [("5", "5000000000", "EUR"), ("8 Mrd. Euro", "8000000000", "EUR")]),
    ],
)
def test_a_range_gives_two_full_amounts(lang: str, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text, lang) == expected


def test_a_lower_end_keeps_what_it_has() -> None:
    # its own magnitude word
    assert found("From $3 million to $5 million.", "en") == [("$3 million", "3000000", "USD"), ("$5 million", "5000000", "USD")]
    assert found("From 3 million to 5 million dollars.", "en") == [("3 million", "3000000", "USD"), ("5 million dollars", "5000000", "USD")]
    # four or more integer digits: the magnitude is not shared
    assert found("Between 500,000 and 2 million euros.", "en") == [("500,000", "500000", "EUR"), ("2 million euros", "2000000", "EUR")]
    assert found("From 999 to 2 million euros.", "en") == [("999", "999000000", "EUR"), ("2 million euros", "2000000", "EUR")]
    assert found("From 2500 to 2 million euros.", "en") == [("2500", "2500", "EUR"), ("2 million euros", "2000000", "EUR")]
    # its own currency after it: two plain amounts
    assert found("From 5 USD to 10 USD.", "en") == [("5 USD", "5", "USD"), ("10 USD", "10", "USD")]


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # a different currency at each end is no range
        ("en", "From $5 to €10 million.", [("$5", "5", "USD"), ("€10 million", "10000000", "EUR")]),
        # "and"/"or" need the smaller amount first
        ("en", "Paid 5 and 3 million dollars.", [("3 million dollars", "3000000", "USD")]),
        ("en", "Paid 3 and 3 million dollars.", [("3 million dollars", "3000000", "USD")]),
        # a year is not the lower end of an amount a million times larger
        ("en", "In 2019 and 3 million dollars later.", [("3 million dollars", "3000000", "USD")]),
        # an upper end without a currency needs a dash or a magnitude word
        ("en", "It cost $5 to 10 times more.", [("$5", "5", "USD")]),
        ("en", "It cost $5 to 10 million dollars more.", [("$5", "5000000", "USD"), ("10 million dollars", "10000000", "USD")]),
        # no currency at either end: nothing
        ("en", "From 5 to 10 million users.", []),
        ("vi", "Từ 5 đến 10 triệu người.", []),
        # the connector must join the two numbers, and the upper end start right after it
        ("en", "It cost $5 to the end.", [("$5", "5", "USD")]),
        ("en", "Paid $5 to the 10 million dollars fund.", [("$5", "5", "USD"), ("10 million dollars", "10000000", "USD")]),
        ("en", "It cost $5 and the rest 10 million dollars.", [("$5", "5", "USD"), ("10 million dollars", "10000000", "USD")]),
    ],
)
def test_what_is_no_range(lang: str, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text, lang) == expected


def test_range_ends_are_less_than_a_thousand_times_apart() -> None:
    assert found("Between 1,001 and 1 million euros.", "en") == [("1,001", "1001", "EUR"), ("1 million euros", "1000000", "EUR")]
    assert found("Between 1,000 and 1 million euros.", "en") == [("1 million euros", "1000000", "EUR")]
    assert found("From 1,000 to 1 million euros.", "en") == [("1 million euros", "1000000", "EUR")]
    assert found("From 1 million to 1,000 euros.", "en") == [("1,000 euros", "1000", "EUR")]


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "Net flows were -$3.4 million.", ("-$3.4 million", "-3400000", "USD")),
        ("en", "The balance was −75,000 dollars.", ("−75,000 dollars", "-75000", "USD")),
        ("en", "A result of (-€90,000).", ("-€90,000", "-90000", "EUR")),
        ("fr", "Un résultat de -4,5 millions d'euros.", ("-4,5 millions d'euros", "-4500000", "EUR")),
        ("vi", "Lỗ ròng -120 tỷ đồng.", ("-120 tỷ đồng", "-120000000000", "VND")),
    ],
)
def test_a_written_minus_belongs_to_the_amount(lang: str, text: str, expected: tuple[str, str, str]) -> None:
    assert found(text, lang) == [expected]


def test_a_dash_glued_to_a_word_or_number_is_no_minus() -> None:
    assert found("The mid-$5 million range.", "en") == [("$5 million", "5000000", "USD")]
    assert found("Code 50000-$40 each.", "en") == [("$40", "40", "USD")]
    assert found("Scores --$40 now.", "en") == [("$40", "40", "USD")]
    assert found("- $40 each.", "en") == [("$40", "40", "USD")]  # a dash before a space is punctuation
    assert found("-$40 at the start.", "en") == [("-$40", "-40", "USD")]


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "He spent half a million dollars.", ("half a million dollars", "500000", "USD")),
        ("en", "A grant of a quarter of a billion dollars.", ("a quarter of a billion dollars", "250000000", "USD")),
        ("en", "About three quarters of a million euros.", ("three quarters of a million euros", "750000", "EUR")),
        ("en", "It was one and a half million dollars.", ("one and a half million dollars", "1500000", "USD")),
        ("en", "I paid a hundred bucks.", ("a hundred bucks", "100", "USD")),
        ("fr", "Un plan d'un demi-milliard d'euros.", ("un demi-milliard d'euros", "500000000", "EUR")),
        ("fr", "Il a perdu un quart de million d'euros.", ("un quart de million d'euros", "250000", "EUR")),
        ("vi", "Họ góp nửa tỷ đồng.", ("nửa tỷ đồng", "500000000", "VND")),
        ("de", "Er spendete eine halbe Million Euro.", ("eine halbe Million Euro", "500000", "EUR")),
    ],
)
def test_words_and_fractions(lang: str, text: str, expected: tuple[str, str, str]) -> None:
    assert found(text, lang) == [expected]


def test_number_words_need_a_spelled_out_magnitude_or_a_currency_word() -> None:
    assert found("Half a dollar.", "en") == []
    assert found("A dollar.", "en") == []
    assert found("Ten m dollars.", "en") == []  # a press abbreviation follows digits only
    assert found("Une demi-heure.", "fr") == []
    assert found("Un euro fort.", "fr") == []
    assert found("Cuối năm đô la Mỹ tăng giá.", "vi") == []  # "năm" is also "year"
    assert found("It cost five dollars.", "en") == [("five dollars", "5", "USD")]
    assert found("It cost fifty cents.", "en") == [("fifty cents", "0.50", "USD")]
    assert found("Ten $ bills.", "en") == []  # a spelled-out number takes a currency word after it, not a symbol before
    assert found("Payé cent euros.", "fr") == [("cent euros", "100", "EUR")]


def test_a_currency_that_is_also_a_word_needs_digits_or_a_magnitude() -> None:
    assert found("The two won gold.", "en") == []
    assert found("Prices: 500 won.", "en") == [("500 won", "500", "KRW")]
    assert found("Two million won.", "en") == [("Two million won", "2000000", "KRW")]
    assert found("Five rand.", "en") == []


def test_tens_and_units_joined_by_a_hyphen_add_up() -> None:
    assert found("It cost twenty-five million dollars.", "en") == [("twenty-five million dollars", "25000000", "USD")]
    assert found("It cost ninety-nine dollars.", "en") == [("ninety-nine dollars", "99", "USD")]
    assert found("Il coûte vingt-cinq millions d'euros.", "fr") == [("vingt-cinq millions d'euros", "25000000", "EUR")]
    assert found("Twenty-five people paid 5 dollars.", "en") == [("5 dollars", "5", "USD")]  # "five" is no number of its own
    # only tens (20, 30 ... 90) take units, and only units 1-9: otherwise the hyphen is a range
    assert found("It cost ten-five dollars.", "en") == [("ten", "10", "USD"), ("five dollars", "5", "USD")]
    assert found("It cost twenty-twelve dollars.", "en") == [("twenty", "20", "USD"), ("twelve dollars", "12", "USD")]
    assert found("It cost twenty-half a million dollars.", "en") == [("twenty", "20000000", "USD"), ("half a million dollars", "500000", "USD")]


@pytest.mark.parametrize(
    "lang, text",
    [
        ("en", "Use the code GBP5OFF at checkout."),
        ("en", "The AED4EU kit ships today."),
        ("en", "Flight EUR22X was late."),
    ],
)
def test_a_code_glued_to_letters_on_both_sides_is_a_name(lang: str, text: str) -> None:
    assert found(text, lang) == []


def test_a_code_glued_on_one_side_is_money() -> None:
    assert found("Valued at EUR4bn today.", "en") == [("EUR4bn", "4000000000", "EUR")]
    assert found("Priced at EUR4 each.", "en") == [("EUR4", "4", "EUR")]


def test_pounds_need_a_money_cue() -> None:
    assert found("The boat hauled a thousand pounds.", "en") == []
    assert found("She bought two pounds of apples.", "en") == []
    assert found("They paid a thousand pounds of it.", "en") == []  # "pounds of": a weight
    assert found("The ring sold for a thousand pounds.", "en") == [("a thousand pounds", "1000", "GBP")]
    assert found("It cost 200 pounds.", "en") == [("200 pounds", "200", "GBP")]
    assert found("A £5 stamp and 200 pounds.", "en") == [("£5", "5", "GBP"), ("200 pounds", "200", "GBP")]
    assert found("200 pounds sterling.", "en") == [("200 pounds sterling", "200", "GBP")]  # explicit
    assert found("Er zahlte 200 Pfund.", "de") == [("200 Pfund", "200", "GBP")]
    assert found("Sie kaufte 2 Pfund Mehl.", "de") == []
    # a million or more is money without a cue, unless "of" makes it a weight
    assert found("The club got 50 million pounds.", "en") == [("50 million pounds", "50000000", "GBP")]
    assert found("The plant burns 5 million pounds of coal.", "en") == []
    assert found("The boat hauled 900 thousand pounds.", "en") == []
    assert found("The boat hauled 9 lakh pounds.", "en") == []  # 10^5 still needs a cue


def test_the_money_cue_is_near_the_amount() -> None:
    # the window is 24 tokens (words and the spaces between them) either side
    assert found("Paid" + " x" * 11 + " 200 pounds", "en") == [("200 pounds", "200", "GBP")]  # cue 24 tokens before
    assert found("Paid" + " x" * 12 + " 200 pounds", "en") == []
    assert found("200 pounds" + " x" * 11 + " paid", "en") == [("200 pounds", "200", "GBP")]  # 24th token after
    assert found("200 pounds" + " x" * 12 + " paid", "en") == []
    assert found("Paid," + " x" * 11 + " 200 pounds", "en") == []  # cue 25 tokens before
    assert found("200 pounds" + " x" * 11 + " ,paid", "en") == []  # cue 25th token after


def test_a_currency_word_joined_by_a_hyphen() -> None:
    assert found("The 1,000-dollar genome is here.", "en") == [("1,000-dollar", "1000", "USD")]
    assert found("A 5-million-dollar home.", "en") == [("5-million-dollar", "5000000", "USD")]
    assert found("A 10-year plan.", "en") == []
    assert found("A 10 -dollar bill.", "en") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Der Umsatz stieg auf 3,5 Mrd. Euro.", ("3,5 Mrd. Euro", "3500000000", "EUR")),
        ("Ein Gehalt von 4.200 Euro.", ("4.200 Euro", "4200", "EUR")),
        ("Die Schulden: 2 Billionen US-Dollar.", ("2 Billionen US-Dollar", "2000000000000", "USD")),
        ("Eine Strafe von 50 Mio. Dollar.", ("50 Mio. Dollar", "50000000", "USD")),
        ("Das Ticket kostet 80 Cent.", ("80 Cent", "0.80", "EUR")),
        ("Er gewann 1'000 Schweizer Franken.", ("1'000 Schweizer Franken", "1000", "CHF")),
        ("Die Firma zahlte zwei Milliarden Euro.", ("zwei Milliarden Euro", "2000000000", "EUR")),
        ("Der Preis: 1,500 Mio. Euro.", ("1,500 Mio. Euro", "1500000", "EUR")),  # decimal comma before a magnitude
    ],
)
def test_german_money_words(text: str, expected: tuple[str, str, str]) -> None:
    assert found(text, "de") == [expected]


def test_magnitude_words_chain_up_to_three() -> None:
    assert found("Nợ 2 nghìn tỷ đồng.", "vi") == [("2 nghìn tỷ đồng", "2000000000000", "VND")]
    assert found("Il doit 2 mille milliards d'euros.", "fr") == [("2 mille milliards d'euros", "2000000000000", "EUR")]
    assert found("USD 2 k k k", "en") == [("USD 2 k k k", "2000000000", "USD")]
    assert found("USD 2 k k k k", "en") == [("USD 2 k k k", "2000000000", "USD")]


def test_compound_vietnamese_amounts_add_smaller_parts_only() -> None:
    assert found("Giá 2 tỷ 500 triệu đồng.", "vi") == [("2 tỷ 500 triệu đồng", "2500000000", "VND")]
    assert found("Giá 2 tỷ 999 triệu đồng.", "vi") == [("2 tỷ 999 triệu đồng", "2999000000", "VND")]
    # a part too long for the gap between the two magnitudes is a new number
    assert found("Giá 2 tỷ 1000 triệu đồng.", "vi") == [("1000 triệu đồng", "1000000000", "VND")]
    # a part with the same or a larger magnitude is a new number
    assert found("Giá 2 triệu 3 tỷ đồng.", "vi") == [("3 tỷ đồng", "3000000000", "VND")]
    # a part with a decimal is a new number
    assert found("Giá 2 tỷ 1,5 triệu đồng.", "vi") == [("1,5 triệu đồng", "1500000", "VND")]


def test_amounts_at_the_limits_of_the_amount_column() -> None:
    # entities.amount is decimal128(38, 6): 32 integer digits and 6 decimals at most
    assert found("USD " + "9" * 32, "en") == [("USD " + "9" * 32, "9" * 32, "USD")]
    assert found("USD 1" + "0" * 32, "en") == []
    assert found("USD 0.000001", "en") == [("USD 0.000001", "0.000001", "USD")]
    assert found("USD 0.0000001", "en") == []
    assert found("USD 1" + "0" * 25 + " million", "en") == [("USD 1" + "0" * 25 + " million", "1" + "0" * 31, "USD")]
    assert found("USD 1" + "0" * 26 + " million", "en") == []


def test_currencies_before_a_number_up_to_six_tokens_in_a_range() -> None:
    assert found("From $5 to U.S.$ 9 million.", "en") == [("$5", "5000000", "USD"), ("U.S.$ 9 million", "9000000", "USD")]


def test_nothing_spans_a_paragraph_break() -> None:
    assert found("It cost $5\nmillion.", "en") == [("$5\nmillion", "5000000", "USD")]
    assert found("It cost $5\n\nmillion.", "en") == [("$5", "5", "USD")]
    assert found("It cost 5\n\ndollars.", "en") == []


def test_the_tail_of_a_number_that_did_not_parse_is_no_number() -> None:
    assert found("Code 1.234.5 EUR", "en") == []
    assert found("Code 1.234 EUR", "en") == [("1.234 EUR", "1234", "EUR")]
    assert found("Payé 1  000 €.", "fr") == []  # two spaces: no group, and "000 €" is no amount of 0
    assert found("chỉ 20\u2009\u2009000 đô", "vi") == []
    assert found("Payé 1 0 €.", "fr") == [("0 €", "0", "EUR")]
    assert found("Agent 007 dollars.", "en") == [("007 dollars", "7", "USD")]
    assert found("Agent 1 007 dollars.", "en") == [("1 007 dollars", "1007", "USD")]


def test_cased_magnitude_abbreviations() -> None:
    assert found("It cost $5T.", "en") == [("$5T", "5000000000000", "USD")]
    assert found("It cost $5t.", "en") == [("$5", "5", "USD")]
    assert found("Lãi 5T đồng.", "vi") == [("5T đồng", "5000000000", "VND")]
    assert found("Lãi 5t đồng.", "vi") == []
    assert found("Une levée de 5 m€.", "fr") == []  # French "M" is cased: "m" is a metre


@pytest.mark.parametrize("code", ["US", "USDX", "usd", "U$D", "ÜSD", 840])
def test_a_policy_currency_is_an_iso_code(code: object) -> None:
    with pytest.raises(ValueError, match="MoneyPolicy.dollar must be an ISO 4217"):
        MoneyPolicy(dollar=code)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="MoneyPolicy.franc"):
        MoneyPolicy(franc=code)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="MoneyPolicy.yen_sign"):
        MoneyPolicy(yen_sign=code)  # type: ignore[arg-type]


def test_an_unknown_kind_in_the_data_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "money.tsv"
    bad.write_text("# comment\nen\tcurrency\t$\t@dollar\tprefix\nen\tcurrrency\tx\tUSD\n", encoding="utf-8")
    monkeypatch.setattr(money, "DATA_FILE", bad)
    money._language.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"money.tsv: unknown kind 'currrency'"):
            find_money("$5", "en")
    finally:
        money._language.cache_clear()


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "It will cost two to three million dollars.", [("two", "2000000", "USD"), ("three million dollars", "3000000", "USD")]),
        ("en", "One or two billion dollars.", [("One", "1000000000", "USD"), ("two billion dollars", "2000000000", "USD")]),
        ("en", "From 5 to ten million dollars.", [("5", "5000000", "USD"), ("ten million dollars", "10000000", "USD")]),
        ("en", "Five to ten dollars.", [("Five", "5", "USD"), ("ten dollars", "10", "USD")]),
        ("fr", "Entre deux et trois milliards d'euros.", [("deux", "2000000000", "EUR"), ("trois milliards d'euros", "3000000000", "EUR")]),
        ("vi", "Cần hai đến ba tỷ đồng.", [("hai", "2000000000", "VND"), ("ba tỷ đồng", "3000000000", "VND")]),
        # an article or a fraction opens no range
        ("en", "From a to 5 million dollars.", [("5 million dollars", "5000000", "USD")]),
        ("fr", "De un à deux millions d'euros.", [("deux millions d'euros", "2000000", "EUR")]),
        ("vi", "Cần một đến ba tỷ đồng.", [("ba tỷ đồng", "3000000000", "VND")]),
        ("en", "From half a to 2 million dollars.", [("2 million dollars", "2000000", "USD")]),
        # no currency at the upper end: nothing
        ("en", "Two to three people paid $5.", [("$5", "5", "USD")]),
    ],
)
def test_spelled_out_range_ends(lang: str, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text, lang) == expected


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # a cased currency matches only as written; lowercase "us$" and "c$" leave the bare "$" after a word
        ("en", "Paid us$5 and C$7 and c$8 for it.", [("$5", "5", "USD"), ("C$7", "7", "CAD"), ("$8", "8", "USD")]),
        ("en", "It cost A$5 and a$6.", [("A$5", "5", "AUD"), ("$6", "6", "USD")]),
        ("en", "Paid $5 and CAN$7.", [("$5", "5", "USD"), ("$7", "7", "USD")]),
        # an uncased currency word matches in any case
        ("en", "It cost 5 Euros, or Five Dollars.", [("5 Euros", "5", "EUR"), ("Five Dollars", "5", "USD")]),
        ("en", "It cost 5 EUROS.", [("5 EUROS", "5", "EUR")]),
        # Vietnamese "T" glued to a number with a decimal comma: 1.5 tỷ, not 1,500 tỷ
        ("vi", "Lãi 1,500T đồng.", [("1,500T đồng", "1500000000", "VND")]),
        # the parts of a compound amount add up exactly, whichever has more decimals
        ("vi", "Lãi 0,0001 tỷ 5 triệu đồng.", [("0,0001 tỷ 5 triệu đồng", "5100000", "VND")]),
        # digits after a magnitude word are a smaller part only with their own smaller magnitude word
        ("en", "A $2 million 500-seat hall.", [("$2 million", "2000000", "USD")]),
        # the same currency before and after the number is one mention; another one after it is not its currency
        ("en", "It cost $5 dollars, or €5 dollars.", [("$5 dollars", "5", "USD"), ("€5", "5", "EUR")]),
        # a minus sign before a spelled-out amount belongs to it
        ("en", "Net result: -five million dollars.", [("-five million dollars", "-5000000", "USD")]),
        # only a hyphen joins tens and units: "twenty/five" is two numbers
        ("en", "Prices: twenty/five dollars.", [("five dollars", "5", "USD")]),
        # a press abbreviation follows digits, never a spelled-out number
        ("vi", "Giá hai T đồng.", []),
        ("vi", "Giá hai t đồng.", []),
    ],
)
def test_case_abbreviations_and_compound_parts(lang: str, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text, lang) == expected


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # a dash written against the upper end of a range is the range's dash, not a minus sign
        ("en", "Estimates run two -three million dollars.", [("two", "2000000", "USD"), ("three million dollars", "3000000", "USD")]),
        ("en", "Estimates run $2 -$3 million.", [("$2", "2000000", "USD"), ("$3 million", "3000000", "USD")]),
        ("en", "Estimates run $2 -3 million.", [("$2", "2000000", "USD"), ("3 million", "3000000", "USD")]),
        # a lower end with decimals takes the upper end's magnitude: its integer digits are what count
        ("en", "A $1.25-2 million grant.", [("$1.25", "1250000", "USD"), ("2 million", "2000000", "USD")]),
        ("en", "Tickets cost two -three dollars.", [("two", "2", "USD"), ("three dollars", "3", "USD")]),
        ("en", "Tickets cost $2 -three dollars.", [("$2", "2", "USD"), ("three dollars", "3", "USD")]),
        # a word that only begins a number phrase ("half a") is no upper end
        ("en", "Prices fell from $5 to half that.", [("$5", "5", "USD")]),
    ],
)
def test_the_upper_end_of_a_range(lang: str, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text, lang) == expected


def test_every_group_separator_of_the_data_groups_thousands() -> None:
    # U+00A0 no-break space, U+202F narrow no-break space, U+2009 thin space: French typography's thousands separators
    for space in ("\u00a0", "\u202f", "\u2009"):
        assert found(f"Payé 1{space}000 €.", "fr") == [(f"1{space}000 €", "1000", "EUR")]
    # Swiss German writes an apostrophe, straight or typographic
    assert found("Bezahlt: 1'000 Franken.", "de") == [("1'000 Franken", "1000", "CHF")]
    assert found("Bezahlt: 1\u2019000 CHF.", "de") == [("1\u2019000 CHF", "1000", "CHF")]


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # a code glued to letters on both sides, or a number glued to a word, at the very start of the text
        ("en", "AED4EU was the name.", []),
        ("en", "A5 dollars is no price.", []),
        # a code apart from the number keeps it, even with letters glued after the number ("pp": per person)
        ("en", "Dinner was GBP 40pp.", [("GBP 40", "40", "GBP")]),
        # a short group after a single space, or a group glued to its currency after a double space, is a tail
        ("fr", "Payé 1 05 €.", []),
        ("fr", "Payé 1  000€.", []),
        # zero-padding (a form's fixed-width field) is no digits of the amount: 38 digits in all are read,
        ("en", "Paid " + "0" * 37 + "5 dollars.", [("0" * 37 + "5 dollars", "5", "USD")]),
        # 39 are not
        ("en", "Paid " + "0" * 38 + "5 dollars.", []),
    ],
)
def test_edges_of_the_text_and_of_the_digits(lang: str, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text, lang) == expected


def test_bang_is_pounds_only_after_a_magnitude_word_and_a_mention_may_end_the_text() -> None:
    # Vietnamese "bảng" is also a board: "3 bảng" in a classroom is no money, "2 triệu bảng" is
    assert found("Phòng học có 3 bảng.", "vi") == []
    assert found("Anh ấy nợ 2 triệu bảng.", "vi") == [("2 triệu bảng", "2000000", "GBP")]
    [mention] = find_money("Paid $5", "en")
    assert (mention.start, mention.end) == (5, 7)
