"""A deliberately broken E1 enterprise ledger, for testing a reader's row validation."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from pipelines.sample.firms import simulate_firms
from pipelines.sample.layout_e import E1_FIRST_LINE, e1_title, render_e1, written_e1
from pipelines.sample.scenario import ZONE_BY_CODE
from pipelines.sample.simulate import simulate_zone, simulation_years

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
BAD_ZONE, BAD_YEAR, BAD_MONTH, BAD_FIRMS = "G321100", 2024, 3, 10
WRONG_CHECK_LINE, FIRST_OF_PAIR_LINE, DUPLICATE_LINE, NEGATIVE_LAND_LINE = 6, 8, 11, 9


def write_bad_firm_ledger(path: Path) -> list[dict]:
    """Write an E1 ledger of 淮安经开区 2024年1-3月 with 10 firms and three planted errors; return them.

    Line 6 carries a USCC whose GB 32100 check digit is wrong, line 11 repeats the USCC of line 8 (line 11
    is the duplicate), line 9 has 用地面积 −5.00 on its own land. All other rows and cells are valid.
    Lines are 1-based sheet rows (firms start on row 4).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    zone = ZONE_BY_CODE[BAD_ZONE]
    series = simulate_zone(zone, simulation_years(BAD_YEAR - 1, BAD_YEAR))
    panel = simulate_firms(series, [BAD_YEAR - 1, BAD_YEAR], set())
    firms = [
        written_e1(f, BAD_YEAR, panel.values[(f.uscc, BAD_YEAR, BAD_MONTH)])
        for f in panel.listed(BAD_YEAR)[:BAD_FIRMS]
    ]

    def at(line: int) -> int:
        return line - E1_FIRST_LINE

    wrong = firms[at(WRONG_CHECK_LINE)]
    check = USCC_ALPHABET[(USCC_ALPHABET.index(wrong.uscc[-1]) + 7) % len(USCC_ALPHABET)]
    firms[at(WRONG_CHECK_LINE)] = replace(wrong, uscc=wrong.uscc[:-1] + check)
    firms[at(DUPLICATE_LINE)] = replace(firms[at(DUPLICATE_LINE)], uscc=firms[at(FIRST_OF_PAIR_LINE)].uscc)
    firms[at(NEGATIVE_LAND_LINE)] = replace(
        firms[at(NEGATIVE_LAND_LINE)], own_land=True, land=Decimal("-5.00")
    )
    render_e1(path, e1_title(zone.ledger_name, BAD_YEAR, BAD_MONTH), firms)
    return [
        {"line": WRONG_CHECK_LINE, "field": "统一社会信用代码"},
        {"line": DUPLICATE_LINE, "field": "统一社会信用代码"},
        {"line": NEGATIVE_LAND_LINE, "field": "用地面积"},
    ]
