"""Record ledgers (one row per firm or project), converted a whole column at a time.

A national month holds about 560,000 record rows of some 15 fields each, so the per-cell work is most of
ingestion. A column is converted in one pass with its spec, unit and limits resolved once; text that repeats
down a column (codes, flags, choices, dates written as text) is converted once per distinct value. The results
and messages are exactly those of converting cell by cell: a cell that fails becomes a `Refused` holding the
message, and the reader refuses the row at its first refused field, in column order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from operator import mul

from pipelines.ingest.layouts import FieldSpec
from pipelines.ingest.readers import Cell
from pipelines.ingest.values import (
    Unit,
    ValueParseError,
    clean_text,
    is_missing,
    parse_number,
    to_canonical,
)


class Refused:
    """A cell that cannot be converted; `message` is what the rejection says after the column header."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


Converter = Callable[[Cell], object]
MEMOISED = ("uscc", "industry", "date", "choice", "flag")  # types whose text repeats, or is costly to check
# cells memoised by value: text, and the dates calamine reads (not numbers: True == 1.0 == 1 as dict keys)
MEMO_KEYS = frozenset({str, dt.date, dt.datetime})


def convert_column(spec: FieldSpec, cells: list[Cell], unit: Unit | None, ledger: str) -> list[object]:
    """One converted value (or a Refused) per cell."""
    if spec.type == "amount":
        assert unit is not None, f"amount field {spec.field} without a unit"
        return amounts(cells, spec.required, spec.minimum, unit)
    if spec.type == "text":
        return texts(cells, spec.required)
    convert = converter(spec, unit, ledger)
    memo: dict[str, object] | None = {} if spec.type in MEMOISED else None
    out: list[object] = []
    for cell in cells:
        if memo is not None and type(cell) in MEMO_KEYS:
            result = memo.get(cell, memo)
            if result is memo:
                result = memo[cell] = _attempt(convert, cell)
        else:
            result = _attempt(convert, cell)
        out.append(result)
    return out


def _attempt(convert: Converter, cell: Cell) -> object:
    try:
        return convert(cell)
    except ValueParseError as exc:
        return Refused(str(exc))


def converter(spec: FieldSpec, unit: Unit | None, ledger: str) -> Converter:
    """The function reading one cell of a column of type `spec.type`; ValueParseError says why a cell is bad."""
    if spec.type == "uscc":
        return valid_uscc
    if spec.type == "industry":
        return industry_code
    if spec.type == "date":
        return lambda cell: parse_date(cell, spec.required)
    if spec.type == "choice":
        return lambda cell: _choice(cell, spec.choices)
    if spec.type == "flag":
        return lambda cell: _flag(cell, spec.true_values, spec.false_values)
    if spec.type == "integer":
        low, high = integer_range(ledger, spec.field)
        return lambda cell: _integer(cell, spec.required, spec.minimum, low, high)
    raise ValueError(f"field {spec.field}: no cell converter for type {spec.type!r}")


def texts(cells: list[Cell], required: bool) -> list[object]:
    """A text column, in one loop (names, the most common text field): each cell as written, full-width brackets
    and all (they are official), without the white space at its ends; empty is None, or refused if required."""
    out: list[object] = []
    for cell in cells:
        text = "" if cell is None else str(cell).strip()
        out.append(text or (Refused("is empty") if required else None))
    return out


def _choice(cell: Cell, choices: tuple[tuple[str, str], ...]) -> str:
    text = clean_text(cell)
    for label, value in choices:
        if text == label:
            return value
    raise ValueParseError(f"expected one of {[label for label, _ in choices]}, found {text!r}")


def _flag(cell: Cell, true_values: tuple[str, ...], false_values: tuple[str, ...]) -> bool:
    text = clean_text(cell)
    if text in true_values:
        return True
    if text in false_values:
        return False
    raise ValueParseError(f"expected one of {[*true_values, *false_values]}, found {text!r}")


_INDUSTRY = re.compile(r"[A-T]?\d{2,4}")


def industry_code(cell: Cell) -> str:
    """GB/T 4754-2017 code, without its section letter."""
    code = clean_text(cell).replace(" ", "")
    if not _INDUSTRY.fullmatch(code):
        raise ValueParseError(f"expected a GB/T 4754-2017 industry code such as 3971, found {code!r}")
    return code.lstrip("ABCDEFGHIJKLMNOPQRST")


# ASCII digits with an optional sign and decimals: the spelling values.parse_number reads as Decimal(text) after
# its missing-mark and clean-up steps, which leave such text unchanged; anything else takes that full path
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _number(cell: Cell) -> Decimal | None:
    """values.parse_number, with the two usual spellings (a float cell, plain digits in text) taken first."""
    kind = type(cell)
    if kind is float and cell == cell:  # not NaN
        return Decimal(repr(cell))
    if kind is str and _PLAIN_NUMBER.fullmatch(cell):
        return Decimal(cell)
    return parse_number(cell)


def _checked_number(cell: Cell, required: bool, minimum: float | None) -> Decimal | None:
    number = _number(cell)
    if number is None:
        if required:
            raise ValueParseError("is missing")
        return None
    if minimum is not None and number < minimum:
        raise ValueParseError(f"must not be below {minimum:g}, found {number}")
    return number


def _integer(cell: Cell, required: bool, minimum: float | None, low: int, high: int) -> int | None:
    number = _checked_number(cell, required, minimum)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueParseError(f"expected a whole number, found {number}")
    if not low <= number <= high:  # the lake column would refuse it and stop the whole batch
        raise ValueParseError(f"expected a whole number from {low} to {high}, found {number}")
    return int(number)


def amounts(cells: list[Cell], required: bool, minimum: float | None, unit: Unit) -> list[object]:
    """An amount column in canonical units (the bulk of a record ledger's cells, so one loop, no call per cell
    but the parse)."""
    fast = _fast_amount(unit, minimum)
    out: list[object] = []
    for cell in cells:
        if fast is not None and (value := fast(cell)) is not None:
            out.append(value)
            continue
        try:
            number = _number(cell)
        except ValueParseError as exc:
            out.append(Refused(str(exc)))
            continue
        if number is None:
            out.append(Refused("is missing") if required else None)
        elif minimum is not None and number < minimum:
            out.append(Refused(f"must not be below {minimum:g}, found {number}"))
        else:
            out.append(to_canonical(number, unit))
    return out


def _fast_amount(unit: Unit, minimum: float | None) -> Callable[[Cell], float | None] | None:
    """For a unit of 10^k (元, 万元, 亿元 …) and no minimum but zero: the canonical value of a float cell or of
    plain digits in text, without Decimal; None for any other cell, which takes the full path.

    Exactly the Decimal path's result: that path multiplies the cell's decimal text by 10^k, which is exact, and
    rounds once to a float; float() of the same text with "e<k>" appended is that decimal, rounded once."""
    sign, digits, exponent = unit.factor.normalize().as_tuple()
    if sign or digits != (1,) or minimum not in (None, 0):
        return None
    suffix = f"e{exponent}"
    check_sign = minimum == 0  # a float and the decimal it stands for have the same sign

    def fast(cell: Cell) -> float | None:
        kind = type(cell)
        if kind is float:
            text = repr(cell)
        elif kind is str and len(cell) <= 20 and _PLAIN_NUMBER.fullmatch(cell):  # well within Decimal's 28 digits
            text = cell
        else:
            return None
        try:
            value = float(text + suffix)  # "1e+16e-4", "inf", "nan" raise: the full path reads them
        except ValueError:
            return None
        return None if check_sign and value < 0 else value

    return fast


@cache
def integer_range(table: str, field: str) -> tuple[int, int]:
    """The values the lake's integer column for `field` can hold (e.g. int16 for 投产年限)."""
    from pipelines.lake_schema import LAKE_TABLES

    bits = LAKE_TABLES[table].field(field).type.bit_width
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


# 统一社会信用代码 (GB 32100-2015): 8 digits (registration authority, type, region), then 10 characters of this
# alphabet, the last a check digit over the first 17 — python-stdnum's rule, in stdnum.cn.uscc
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_FORM = re.compile(f"[0-9]{{8}}[{USCC_ALPHABET}]{{10}}")


def valid_uscc(cell: Cell) -> str:
    """统一社会信用代码, check digit verified. A well-formed code is checked here (stdnum's rule, without its
    per-character clean-up, which leaves such a code unchanged); any other goes through python-stdnum, whose
    verdict and reason the message gives."""
    code = clean_text(cell).replace(" ", "").upper()
    if _USCC_FORM.fullmatch(code) and uscc_check_digit(code) == code[17]:
        return code
    return _uscc_by_stdnum(code)


def uscc_check_digit(code: str) -> str:
    total = sum(map(mul, map(_USCC_VALUES.__getitem__, code[:17]), _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total) % 31]


def _uscc_by_stdnum(code: str) -> str:
    from stdnum.cn import uscc
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

    try:
        return uscc.validate(code)
    except InvalidChecksum as exc:
        raise ValueParseError(f"{code!r} is not a valid 统一社会信用代码: the check digit does not match") from exc
    except InvalidLength as exc:
        raise ValueParseError(f"{code!r} is not a valid 统一社会信用代码: it must have 18 characters") from exc
    except (InvalidFormat, InvalidComponent) as exc:
        raise ValueParseError(f"{code!r} is not a valid 统一社会信用代码: {exc}") from exc


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial day 1 = 1900-01-01 (the 1900 date system)


def parse_date(cell: Cell, required: bool) -> dt.date | None:
    """A date cell: an Excel date or serial number, or text such as 2024-03-15, 2024/3/15, 2024年3月15日."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if is_missing(cell):
        if required:
            raise ValueParseError("is missing")
        return None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and 1 <= cell < 2958466:
        # an Excel serial date in a cell without a date format
        return EXCEL_EPOCH + dt.timedelta(days=int(cell))
    text = clean_text(cell)
    if m := _DATE_TEXT.fullmatch(text):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            raise ValueParseError(f"{text!r} is not a valid date") from exc
    raise ValueParseError(f"expected a date such as 2024-03-15, found {text!r}")
