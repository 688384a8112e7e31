"""Reading the numbers, growth rates, units and periods that ledgers write, whatever their habits.

Numbers may be numeric cells or text with thousand separators, full-width digits (１２３，４５６．７) and stray
spaces; "—", "--", "/" mean no value. Growth may be "12.5", "12.5%", "-3.2%" or "1.6倍" (ratio 1.6 = +60%).
Conversion uses Decimal so that 2400.00 亿元 becomes exactly 24,000,000 万元.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

MISSING_MARKS = frozenset({"", "-", "--", "---", "—", "——", "–", "/", "\\", "…", "...", "×", "x", "n/a", "na", "null"})


class ValueParseError(ValueError):
    """A cell that should hold a number, growth rate, unit or period does not."""


def clean_text(value: object) -> str:
    """Cell → text with full-width characters folded (NFKC) and white space removed at the ends."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def is_missing(value: object) -> bool:
    return value is None or clean_text(value).replace(" ", "").lower() in MISSING_MARKS


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def parse_number(value: object) -> Decimal | None:
    """A number in any of the ledgers' spellings; None for a missing mark; ValueParseError otherwise."""
    if isinstance(value, bool):
        raise ValueParseError(f"expected a number, found the boolean {value}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return Decimal(repr(value))
    if is_missing(value):
        return None
    text = clean_text(value).replace(" ", "").replace("\u3000", "")
    if _NUMBER.match(text):
        return Decimal(text.replace(",", ""))
    raise ValueParseError(f"expected a number, found {str(value)!r}")


_PCT = re.compile(r"^(?P<sign>[+-]|增长|下降|增|降)?(?P<num>\d+(\.\d+)?)%?$")
_TIMES = re.compile(r"^(为上年同期的|是上年同期的|为上年的)?(?P<num>\d+(\.\d+)?)倍$")


def parse_growth(value: object) -> float | None:
    """Year-on-year growth in percent: "12.5", "12.5%", "-3.2%", "下降3.2%", "1.6倍" (= ratio 1.6, +60%)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if value != value else float(value)
    if is_missing(value):
        return None
    text = clean_text(value).replace(" ", "")
    if m := _TIMES.match(text):
        return float((Decimal(m["num"]) - 1) * 100)
    if m := _PCT.match(text):
        sign = -1 if m["sign"] in ("-", "下降", "降") else 1
        return sign * float(Decimal(m["num"]))
    raise ValueParseError(f"expected a growth rate such as 12.5, 12.5% or 1.6倍, found {str(value)!r}")


@dataclass(frozen=True)
class Unit:
    name: str
    dimension: str  # money_cny, money_usd, area, count
    factor: Decimal  # multiply by this to get the canonical unit of the dimension


# Canonical units: 万元 (money_cny), 万美元 (money_usd), 亩 (area), 个 (count).
UNITS: dict[str, Unit] = {
    u.name: u
    for u in [
        Unit("元", "money_cny", Decimal("0.0001")),
        Unit("千元", "money_cny", Decimal("0.1")),
        Unit("万元", "money_cny", Decimal(1)),
        Unit("百万元", "money_cny", Decimal(100)),
        Unit("亿元", "money_cny", Decimal(10000)),
        Unit("美元", "money_usd", Decimal("0.0001")),
        Unit("万美元", "money_usd", Decimal(1)),
        Unit("亿美元", "money_usd", Decimal(10000)),
        Unit("亩", "area", Decimal(1)),
        Unit("公顷", "area", Decimal(15)),
        Unit("平方公里", "area", Decimal(1500)),
        Unit("km2", "area", Decimal(1500)),
        Unit("平方米", "area", Decimal("0.0015")),
        Unit("千瓦时", "electricity", Decimal(1)),
        Unit("万千瓦时", "electricity", Decimal(10000)),
        Unit("亿千瓦时", "electricity", Decimal(100000000)),
        Unit("吨标准煤", "energy", Decimal(1)),
        Unit("吨标煤", "energy", Decimal(1)),
        Unit("万吨标准煤", "energy", Decimal(10000)),
        Unit("吨", "mass", Decimal(1)),
        Unit("千克", "mass", Decimal("0.001")),
        Unit("人", "people", Decimal(1)),
        Unit("个", "count", Decimal(1)),
        Unit("家", "count", Decimal(1)),
        Unit("户", "count", Decimal(1)),
    ]
}
CANONICAL_UNIT = {"money_cny": "万元", "money_usd": "万美元", "area": "亩", "count": "个", "electricity": "千瓦时",
                  "energy": "吨标准煤", "mass": "吨", "people": "人"}
UNIT_ALIASES = {"kWh": "千瓦时", "kwh": "千瓦时", "度": "千瓦时", "tce": "吨标准煤", "km²": "km2", "平方千米": "平方公里", "ha": "公顷", "hm2": "公顷", "hm²": "公顷", "m2": "平方米", "m²": "平方米"}


def parse_unit(value: object) -> Unit | None:
    text = clean_text(value).replace(" ", "").strip("()（）")
    if not text:
        return None
    text = UNIT_ALIASES.get(text, text)
    unit = UNITS.get(text)
    if unit is None:
        raise ValueParseError(f"unknown unit {str(value)!r}; known units: {', '.join(UNITS)}")
    return unit


def to_canonical(number: Decimal, unit: Unit) -> float:
    return float(number * unit.factor)


@dataclass(frozen=True)
class Period:
    """A reporting period: months start..end of year; start 1 means cumulative 1-N月."""

    year: int
    start_month: int
    end_month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.end_month:02d}"


_PERIOD_PATTERNS = [
    # 2024年1-3月, 2024年1—3月, 2024年1至3月, 2024年1~3月
    re.compile(r"(?P<year>\d{4})\s*年\s*(?P<start>\d{1,2})\s*(?:-|—|–|~|至|到)\s*(?P<end>\d{1,2})\s*月"),
    # 2024年3月
    re.compile(r"(?P<year>\d{4})\s*年\s*(?P<end>\d{1,2})\s*月"),
    # 2024-03, 2024.3, 2024/03, 202403
    re.compile(r"^(?P<year>\d{4})\s*[-./]?\s*(?P<end>\d{1,2})$"),
]


def parse_period(value: object, year: int | None = None) -> Period:
    """Period text → Period. "1-3月" needs the year from elsewhere (the `year` argument)."""
    text = clean_text(value)
    if year is not None and not re.search(r"\d{4}", text):
        text = f"{year}年{text}"
    for pattern in _PERIOD_PATTERNS:
        if m := pattern.search(text):
            end = int(m["end"])
            start = int(m.groupdict().get("start") or end)
            if not (1 <= start <= end <= 12):
                break
            return Period(int(m["year"]), start, end)
    raise ValueParseError(f"expected a period such as 2024年1-3月, 2024年3月 or 2024-03, found {str(value)!r}")
