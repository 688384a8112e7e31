"""The sample scenario: the zones that report, how big they are, which ledger layout each sends.

Everything here is fixed data; randomness lives in :mod:`pipelines.sample.simulate` and is seeded from
these codes, so the scenario fully determines the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    unit: str  # the warehouse (canonical) unit
    kind: str  # flow = additive over months, stock = end-of-month value


MEASURES: tuple[Measure, ...] = (
    Measure("industrial_output_value", "工业总产值", "万元", "flow"),
    Measure("industrial_revenue", "工业营业收入", "万元", "flow"),
    Measure("tax_revenue", "税收收入", "万元", "flow"),
    Measure("fixed_asset_investment", "固定资产投资", "万元", "flow"),
    Measure("industrial_investment", "工业投资", "万元", "flow"),
    Measure("fdi_actual_usd", "实际使用外资", "万美元", "flow"),
    Measure("above_scale_firms", "规上工业企业数", "个", "stock"),
    Measure("industrial_land", "工业用地面积", "亩", "stock"),
)
MEASURE_BY_NAME: dict[str, Measure] = {m.name: m for m in MEASURES}
FLOW_MEASURES: tuple[str, ...] = tuple(m.name for m in MEASURES if m.kind == "flow")
STOCK_MEASURES: tuple[str, ...] = tuple(m.name for m in MEASURES if m.kind == "stock")

LAYOUTS: tuple[str, ...] = ("A", "B", "C", "D")
B_SENDER = "淮安市"  # layout B arrives as one city-wide CSV, not per zone
B_SUBMIT_OFFSET_MIN = 75


@dataclass(frozen=True)
class Zone:
    code: str  # catalogue code (official 2018 catalogue)
    ledger_name: str  # the alias the ledger writes, not the catalogue name
    layout: str
    revenue_2023_yi: int  # rough 2023 annual industrial revenue, 亿元
    submit_offset_min: int  # minutes after 09:00 on the 8th at which this zone's file usually arrives
    area_code: str  # telephone area code for the 填报人 line
    has_fdi: bool = True
    land_yield: float | None = None  # 亩均营收 (万元/亩) override; else drawn in [350, 1400]
    growth: dict[int, float] = field(default_factory=dict)  # annual revenue growth overrides by year

    @property
    def sender_folder(self) -> str:
        return B_SENDER if self.layout == "B" else self.ledger_name


ZONES: tuple[Zone, ...] = (
    Zone("G321100", "淮安经开区", "A", 1100, 20, "0517"),
    Zone("G322077", "淮安高新区", "A", 420, 95, "0517"),
    Zone("G361149", "上饶经开区", "A", 2400, 150, "0793", land_yield=800.0, growth={2024: 0.11}),
    Zone("G341022", "合肥经开区", "A", 3200, 40, "0551"),
    Zone("S327065", "江苏淮安经济开发区", "B", 160, 0, "0517"),
    Zone("S327131", "清河经济开发区", "B", 90, 0, "0517"),
    Zone("S327069", "洪泽经济开发区", "B", 210, 0, "0517"),
    Zone("S327070", "涟水经开区", "B", 260, 0, "0517"),
    Zone("G321016", "南通经济技术开发区", "C", 2100, 60, "0513"),
    Zone("S327068", "盱眙经济开发区", "C", 230, 210, "0517"),
    Zone("S327067", "金湖经济开发区", "C", 190, 130, "0517"),
    Zone("G511193", "广元经开区", "D", 380, 270, "0839"),
    Zone("S329064", "淮安工业园区", "D", 150, 185, "0517", has_fdi=False),
)
ZONE_BY_CODE: dict[str, Zone] = {z.code: z for z in ZONES}

# Calibration: the one exact figure the warehouse tests can pin (2,400.00 亿元 written by layout A).
CALIBRATED_ZONE = "G361149"
CALIBRATION_YEAR = 2023
CALIBRATED_REVENUE = Decimal("24000000.00")  # 万元, 1-12月 YTD

# Comparable-basis (同口径) overrides: 上饶 2024 growth should read about +11% on the ledger too.
COMPARABLE_ADJ_OVERRIDES: dict[tuple[str, int], float] = {("G361149", 2024): 0.002}

# Zone-years that booked no investment in January, so the next January's FAI growth has no base ("—").
NO_JANUARY_FAI: frozenset[tuple[str, int]] = frozenset({("S329064", 2022)})


@dataclass(frozen=True)
class Correction:
    zone_code: str
    year: int
    month: int
    measures: tuple[str, ...]
    factor: Decimal  # corrected / superseded
    submitted: datetime  # the corrected file's arrival (before the zone offset)


CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "G322077",
        2024,
        6,
        ("industrial_revenue", "tax_revenue"),
        Decimal("1.03"),
        datetime(2024, 7, 15, 9, 0),
    ),
)
