from decimal import Decimal

import pytest

from pipelines.ingest.values import (
    UNITS,
    Period,
    ValueParseError,
    parse_growth,
    parse_number,
    parse_period,
    parse_unit,
    to_canonical,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (2400.0, Decimal("2400.0")),
        (123.45, Decimal("123.45")),
        (12, Decimal(12)),
        ("12,345.67", Decimal("12345.67")),
        (" 12,345.67 ", Decimal("12345.67")),
        ("１２３，４５６．７８", Decimal("123456.78")),
        ("-3.5", Decimal("-3.5")),
        ("1234567", Decimal(1234567)),
    ],
)
def test_numbers_in_every_spelling(cell, expected):
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", [None, "", "—", "--", "/", "－－", " — "])
def test_missing_marks_are_no_value(cell):
    assert parse_number(cell) is None


@pytest.mark.parametrize("cell", ["abc", "12,34", "1.2.3", "12万", True])
def test_non_numbers_are_errors(cell):
    with pytest.raises(ValueParseError, match="expected a number"):
        parse_number(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("12.5", 12.5), ("12.5%", 12.5), ("-3.2%", -3.2), ("下降3.2%", -3.2), ("1.6倍", 60.0), ("１．６倍", 60.0),
     ("2倍", 100.0), (7.5, 7.5), ("—", None)],
)
def test_growth(cell, expected):
    assert parse_growth(cell) == pytest.approx(expected) if expected is not None else parse_growth(cell) is None


def test_bad_growth_is_an_error():
    with pytest.raises(ValueParseError, match="growth rate"):
        parse_growth("about ten")


def test_unit_conversion_is_exact():
    assert to_canonical(Decimal("2400.00"), UNITS["亿元"]) == 24_000_000.0
    assert to_canonical(Decimal("123.45"), UNITS["亿元"]) == 1_234_500.0
    assert to_canonical(Decimal("10"), UNITS["公顷"]) == 150.0
    assert to_canonical(Decimal("1"), UNITS["平方公里"]) == 1500.0
    assert to_canonical(Decimal("5000"), UNITS["元"]) == 0.5


def test_unknown_unit_is_an_error():
    with pytest.raises(ValueParseError, match="unknown unit"):
        parse_unit("万英镑")
    assert parse_unit("（公顷）").name == "公顷"


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2024年1-3月", None, Period(2024, 1, 3)),
        ("2024年1—12月", None, Period(2024, 1, 12)),
        ("2024年3月", None, Period(2024, 3, 3)),
        ("2024-03", None, Period(2024, 3, 3)),
        ("1-2月", 2023, Period(2023, 1, 2)),
    ],
)
def test_periods(text, year, expected):
    assert parse_period(text, year) == expected


@pytest.mark.parametrize("text", ["2024年13月", "2024年3-1月", "sometime"])
def test_bad_periods(text):
    with pytest.raises(ValueParseError):
        parse_period(text)
