"""The underlying economy: monthly flows and month-end stocks per zone, before any ledger rounds them.

Flows are kept as Decimal at 0.01 of the canonical unit (the finest precision any layout writes), stocks
at their natural precision (firms as integers, land at 0.1 亩). Every random draw comes from a
``random.Random`` seeded by a string, which is stable across Python versions and hash seeds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pipelines.sample.scenario import (
    CALIBRATED_REVENUE,
    CALIBRATED_ZONE,
    CALIBRATION_YEAR,
    COMPARABLE_ADJ_OVERRIDES,
    FLOW_MEASURES,
    NO_JANUARY_FAI,
    STOCK_MEASURES,
    Zone,
)

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ANCHOR_YEAR = CALIBRATION_YEAR  # revenue sizes are given for 2023; other years follow by growth
FIRST_STOCK_YEAR = 2022  # stocks start here so their path does not depend on the requested range

# Share of annual revenue by month: Spring Festival dip in February, half-year and year-end pushes.
REVENUE_SEASON = (0.078, 0.058, 0.084, 0.082, 0.084, 0.094, 0.080, 0.081, 0.086, 0.083, 0.088, 0.102)
# Investment is booked later in the year and very unevenly (project milestones, year-end 冲刺).
FAI_SEASON = (0.45, 0.35, 0.90, 0.95, 1.00, 1.30, 0.95, 0.95, 1.10, 1.00, 1.10, 1.60)


def q(value: Decimal | float, step: Decimal = CENT) -> Decimal:
    """Round half up to ``step`` (statistical offices round half up, not to even)."""
    return Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def _split(total: Decimal, weights: list[float]) -> list[Decimal]:
    """Split ``total`` into cents by weights; the last non-zero share absorbs rounding so the sum is exact."""
    weight_sum = sum(weights)
    parts = [q(float(total) * w / weight_sum) for w in weights]
    last = max(i for i, w in enumerate(weights) if w > 0)
    parts[last] += total - sum(parts, Decimal(0))
    return parts


@dataclass(frozen=True)
class ZoneParams:
    output_ratio: float  # 工业总产值 / 营业收入
    tax_ratio: float  # 税收 / 营业收入
    fai_ratio: float  # annual 固定资产投资 / 营业收入
    fdi_ratio: float  # annual 实际使用外资 (万美元) per 万元 of revenue
    land_yield: float  # 亩均营收, 万元/亩
    revenue_per_firm: float  # 万元 per 规上 firm
    vat_share: float  # 增值税 / 税收 (layout A only)
    cit_share: float  # 企业所得税 / 税收 (layout A only)
    size_factor: float  # perturbs the rough 2023 size so not every zone sums to a round number


def zone_params(zone: Zone) -> ZoneParams:
    r = _rng(zone.code, "params")
    return ZoneParams(
        output_ratio=r.uniform(1.045, 1.085),
        tax_ratio=r.uniform(0.047, 0.073),
        fai_ratio=r.uniform(0.10, 0.28),
        fdi_ratio=r.uniform(0.0004, 0.0015),
        land_yield=zone.land_yield or r.uniform(350.0, 1400.0),
        revenue_per_firm=r.uniform(25_000.0, 70_000.0),
        vat_share=r.uniform(0.43, 0.47),
        cit_share=r.uniform(0.23, 0.27),
        size_factor=r.uniform(0.96, 1.04),
    )


def annual_growth(zone: Zone, year: int) -> float:
    """Revenue growth of ``year`` over ``year - 1``.

    Drawn in [−1%, +14%] so that growth on the comparable basis (which also moves by the adjustment in
    [−3%, +4%]) stays within [−5%, +18%] as well.
    """
    if year in zone.growth:
        return zone.growth[year]
    return _rng(zone.code, year, "growth").uniform(-0.01, 0.14)


def annual_revenue(zone: Zone, year: int) -> Decimal:
    if zone.code == CALIBRATED_ZONE:  # its anchor-year total is the exact calibration figure
        base = CALIBRATED_REVENUE
    else:
        base = q(zone.revenue_2023_yi * 10_000 * zone_params(zone).size_factor)
    level = float(base)
    for y in range(ANCHOR_YEAR + 1, year + 1):
        level *= 1 + annual_growth(zone, y)
    for y in range(year + 1, ANCHOR_YEAR + 1):
        level /= 1 + annual_growth(zone, y)
    return base if year == ANCHOR_YEAR else q(level)


def comparable_adjustment(zone: Zone, year: int) -> Decimal:
    """同口径 adjustment of last year's figures for ``year`` (firms entering/leaving the population)."""
    if (zone.code, year) in COMPARABLE_ADJ_OVERRIDES:
        return Decimal(str(COMPARABLE_ADJ_OVERRIDES[(zone.code, year)]))
    return q(_rng(zone.code, year, "comparable").uniform(-0.03, 0.04), Decimal("0.0001"))


@dataclass
class ZoneSeries:
    """Simulated values of one zone. ``values[measure][(year, month)]``: monthly flow or month-end stock."""

    zone: Zone
    params: ZoneParams
    values: dict[str, dict[tuple[int, int], Decimal]]
    adjustment: dict[int, Decimal]  # comparable-basis adjustment by year

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(m for m in (*FLOW_MEASURES, *STOCK_MEASURES) if m in self.values)

    def month_value(self, measure: str, year: int, month: int) -> Decimal:
        return self.values[measure][(year, month)]

    def ytd(self, measure: str, year: int, month: int) -> Decimal:
        """1-N月累计 for flows, the month-end value for stocks."""
        if measure in STOCK_MEASURES:
            return self.values[measure][(year, month)]
        return sum((self.values[measure][(year, m)] for m in range(1, month + 1)), Decimal(0))

    def comparable_prior(self, measure: str, year: int, month: int) -> Decimal:
        """上年同期 on the comparable basis: last year's YTD × (1 + adjustment); stocks as they were."""
        if measure in STOCK_MEASURES:
            return self.values[measure][(year - 1, month)]
        return q(self.ytd(measure, year - 1, month) * (1 + self.adjustment[year]))


def _flows(zone: Zone, params: ZoneParams, year: int) -> dict[str, list[Decimal]]:
    r = _rng(zone.code, year, "flows")
    revenue_total = annual_revenue(zone, year)
    revenue = _split(revenue_total, [s * r.lognormvariate(0.0, 0.04) for s in REVENUE_SEASON])

    output = [q(float(v) * min(1.10, max(1.03, params.output_ratio + r.gauss(0.0, 0.008)))) for v in revenue]
    tax = [q(float(v) * min(0.08, max(0.04, params.tax_ratio + r.gauss(0.0, 0.004)))) for v in revenue]

    # Investment is lumpy: heavy-tailed monthly weights, and small zones have months with nothing booked.
    small = zone.revenue_2023_yi < 300
    fai_weights = [s * r.lognormvariate(0.0, 0.55) for s in FAI_SEASON]
    if small:
        fai_weights = [0.0 if r.random() < 0.15 else w for w in fai_weights]
    if (zone.code, year) in NO_JANUARY_FAI:
        fai_weights[0] = 0.0
        fai_weights[11] = max(fai_weights[11], 0.5)  # year-end settlement always books something
    fai_total = q(float(revenue_total) * params.fai_ratio * r.uniform(0.85, 1.15))
    fai = _split(fai_total, fai_weights)
    industrial = [q(float(v) * r.uniform(0.45, 0.80)) for v in fai]  # stays below 0.85 × FAI

    flows = {
        "industrial_output_value": output,
        "industrial_revenue": revenue,
        "tax_revenue": tax,
        "fixed_asset_investment": fai,
        "industrial_investment": industrial,
    }
    if zone.has_fdi:
        fdi_total = float(revenue_total) * params.fdi_ratio * r.lognormvariate(0.0, 0.3)
        fdi_weights = [0.0 if r.random() < 0.25 else r.lognormvariate(0.0, 0.9) for _ in range(12)]
        fdi_weights[11] = max(fdi_weights[11], 0.3)
        flows["fdi_actual_usd"] = _split(q(fdi_total), fdi_weights)
    return flows


def _stocks(zone: Zone, params: ZoneParams, years: list[int]) -> dict[str, dict[tuple[int, int], Decimal]]:
    r = _rng(zone.code, "stocks")
    anchor = float(annual_revenue(zone, ANCHOR_YEAR))
    firms = round(anchor / params.revenue_per_firm * 0.97)
    land = anchor / params.land_yield * 0.99
    # Bigger zones gain firms more often; land is developed in occasional parcels.
    firm_prob = 0.15 + 0.25 * min(1.0, firms / 300)
    out: dict[str, dict[tuple[int, int], Decimal]] = {"above_scale_firms": {}, "industrial_land": {}}
    for year in years:
        for month in range(1, 13):
            if r.random() < firm_prob:
                firms += r.randint(1, 3)
            if r.random() < 0.25:
                land *= 1 + r.uniform(0.001, 0.004)
            out["above_scale_firms"][(year, month)] = Decimal(firms)
            out["industrial_land"][(year, month)] = q(land, TENTH)
    return out


def simulate_zone(zone: Zone, years: list[int]) -> ZoneSeries:
    params = zone_params(zone)
    values: dict[str, dict[tuple[int, int], Decimal]] = {}
    for year in years:
        for measure, monthly in _flows(zone, params, year).items():
            for month, value in enumerate(monthly, start=1):
                values.setdefault(measure, {})[(year, month)] = value
    values.update(_stocks(zone, params, years))
    adjustment = {year: comparable_adjustment(zone, year) for year in years}
    return ZoneSeries(zone, params, values, adjustment)


def simulation_years(first: int, last: int) -> list[int]:
    """Years to simulate: the prior year of the first reported one, and always the anchor years."""
    return list(range(min(first - 1, FIRST_STOCK_YEAR), max(last, ANCHOR_YEAR) + 1))
