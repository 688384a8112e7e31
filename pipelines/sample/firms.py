"""The enterprise population of each sample zone and its monthly year-to-date figures (亩均效益台账).

Firms are a subset of the zone: for every zone and month, the listed 规上 firms' revenue is 55–90% of the
zone's industrial revenue YTD, all listed firms together pay less tax than the zone collects, occupy less
land than the zone's industrial land, and there are no more listed 规上 firms than the zone counts. The
firm figures are scaled to the simulated zone series, i.e. to the zone ledgers' (corrected) truth.

Values here are floats in canonical units before any ledger rounds them; the layout writers round and
convert. Every random draw comes from a ``random.Random`` seeded by a string (see :mod:`simulate`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from stdnum.cn import uscc as stdnum_uscc

from pipelines.sample.scenario import (
    FIRM_PROFILE_BY_CODE,
    INDUSTRIES,
    UTILITY_CODES,
    FirmProfile,
)
from pipelines.sample.simulate import ZoneSeries

MAX_FIRMS = 250
ABOVE_SCALE_MIN_REVENUE = 2_500.0  # 万元 a year; the 规上 threshold is 2,000万元
BELOW_SCALE_MAX_REVENUE = 1_950.0
KWH_TO_TCE = 0.0001229  # 1 kWh = 0.1229 kgce (equivalent value)
REVENUE_SHARE = (0.66, 0.80)  # listed 规上 revenue / zone industrial revenue, drawn per zone and year
REVENUE_SHARE_BOUNDS = (0.59, 0.86)  # enforced per month, inside the 55–90% the tests allow
TAX_CEILING = 0.90  # Σ firm tax ≤ this share of the zone's tax YTD
LAND_SHARE = (0.62, 0.80)
RENTED_SHARE = 0.10  # of a zone's firms; 规上 firms rent less often than 规下
RENT_ABOVE = 0.05  # Σ firm land / zone industrial land in the tightest year

# GB 11714 organisation code: weights of the 8 body characters, and the characters a body may use
# (digits and the letters the USCC alphabet allows: no I, O, S, V, Z).
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"
ORG_CHARS = "0123456789" + ORG_LETTERS

# Energy profile per industry: (kWh per 万元 revenue, other fuels in tce per 万元, emission t per tce).
ENERGY: dict[str, tuple[float, float, float]] = {
    "1431": (200, 0.08, 0.010), "1512": (150, 0.12, 0.020), "1529": (180, 0.06, 0.010),
    "1711": (900, 0.03, 0.005), "1713": (600, 0.35, 0.030), "1810": (150, 0.01, 0.004),
    "2612": (1500, 0.60, 0.020), "2613": (1200, 0.50, 0.020), "2651": (900, 0.35, 0.015),
    "2720": (350, 0.08, 0.010), "2740": (300, 0.06, 0.010), "2761": (400, 0.07, 0.010),
    "3099": (700, 0.40, 0.020), "3216": (7000, 0.25, 0.010), "3252": (900, 0.10, 0.008),
    "3825": (600, 0.03, 0.004), "3841": (350, 0.02, 0.003), "3973": (600, 0.02, 0.003),
    "3974": (700, 0.03, 0.003), "3982": (400, 0.03, 0.006), "3985": (600, 0.05, 0.006),
    "4411": (500, 3.00, 0.012), "4430": (300, 2.20, 0.012), "4610": (1500, 0.01, 0.003),
}  # fmt: skip
DEFAULT_ENERGY = (250.0, 0.02, 0.004)
RESEARCH_HEAVY = ("27", "39", "3581", "4011", "4040", "3612", "3841")

# 字号 (trade names) are drawn as two characters; a few real, famous brands are left out.
NAME_FIRST = "恒华鑫金天汇永宏瑞盛兴德联博新亿伟东明海凯嘉锦昊启远泰富绿辰祥晨鼎润安宇康普信诚佳众"
NAME_SECOND = "达瑞源泰丰盛图兴邦创远宇业方阳诺禾程航和春光鼎泽宝通利隆昌运升腾驰威科嘉顺"
FAMOUS = frozenset({"华为", "天合", "正泰", "协鑫", "晶科", "海信", "宏图", "恒瑞", "东方", "长城"})
PROVINCES = frozenset({"江苏", "江西", "安徽", "四川"})


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


# --- 统一社会信用代码 -------------------------------------------------------------------------------


def org_check_digit(body: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def is_valid_org_code(code: str) -> bool:
    return len(code) == 9 and all(c in ORG_CHARS for c in code[:8]) and org_check_digit(code[:8]) == code[8]


def make_uscc(division: str, body: str, authority: str = "9", entity_type: str = "1") -> str:
    """GB 32100 code: authority 9 (市场监管), type 1 (企业), 6-digit division, organisation code, check digit."""
    base = f"{authority}{entity_type}{division}{body}{org_check_digit(body)}"
    return base + stdnum_uscc.calc_check_digit(base)


def _org_body(r: random.Random, start_year: int) -> str:
    if start_year >= 2015 or r.random() < 0.15:  # issued with the USCC since the 2015 reform: MA + 6
        return "MA" + "".join(r.choice(ORG_CHARS) for _ in range(6))
    return r.choice("3567") + "".join(r.choice("0123456789") for _ in range(7))


# --- population ------------------------------------------------------------------------------------


@dataclass
class Firm:
    uscc: str
    name: str
    industry_code: str
    above_scale: bool
    own_land: bool
    start_year: int  # first year of production
    first_year: int  # first year on the ledger
    last_year: int | None  # last year on the ledger (None: still listed)
    size: float  # revenue weight (规上) or first-year annual revenue in 万元 (规下)
    tax_rate: float
    va_ratio: float
    kwh_per_wan: float
    fuel_per_wan: float
    emission_per_tce: float
    productivity: float  # 万元 revenue per employee and year
    rd_ratio: float
    land_yield: float  # 万元 revenue per 亩 before the zone-level scaling
    low_yield: bool
    min_land: float  # the smallest plot this firm could have, 亩
    land_mu: float = 0.0
    level: dict[int, float] = field(default_factory=dict)  # size drift by year
    revenue: dict[int, float] = field(default_factory=dict)  # annual revenue by year, 万元

    @property
    def utility(self) -> bool:
        return self.industry_code in UTILITY_CODES

    def listed(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def years_in_production(self, year: int) -> int:
        return max(0, year - self.start_year)


@dataclass(frozen=True)
class FirmMonth:
    """A firm's figures at the end of a month in canonical units: flows YTD, employees and land as stocks."""

    revenue: float
    tax: float
    value_added: float
    energy_tce: float
    electricity_kwh: float
    emissions_t: float
    employees: int
    rd_spend: float


@dataclass
class FirmPanel:
    series: ZoneSeries
    profile: FirmProfile
    firms: list[Firm]  # ledger order: the first year's firms, then entrants in order of arrival
    values: dict[tuple[str, int, int], FirmMonth]  # (uscc, year, month)

    def listed(self, year: int) -> list[Firm]:
        return [f for f in self.firms if f.listed(year)]


class _Namer:
    def __init__(self, profile: FirmProfile, used_uscc: set[str]) -> None:
        self.profile = profile
        self.used_uscc = used_uscc
        self.names: set[str] = set()

    def uscc(self, r: random.Random, start_year: int) -> str:
        while True:
            code = make_uscc(self.profile.division, _org_body(r, start_year))
            if code not in self.used_uscc:
                self.used_uscc.add(code)
                return code

    def name(self, r: random.Random, industry: str) -> str:
        words = INDUSTRIES[industry][1]
        while True:
            trade = r.choice(NAME_FIRST) + r.choice(NAME_SECOND)
            if trade[0] == trade[1] or trade in FAMOUS:
                continue
            prefix, word = r.choice(self.profile.name_prefixes), r.choice(words)
            roll = r.random()
            if roll < 0.08 and prefix not in PROVINCES:
                name = f"{trade}{word}（{prefix}）有限公司"
            elif roll < 0.20 and industry not in UTILITY_CODES:
                name = f"{prefix}{trade}{word}股份有限公司"
            elif roll < 0.35 and not word.endswith("科技") and industry not in UTILITY_CODES:
                name = f"{prefix}{trade}{word}科技有限公司"
            else:
                name = f"{prefix}{trade}{word}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name


def _loguniform(r: random.Random, low: float, high: float) -> float:
    return math.exp(r.uniform(math.log(low), math.log(high)))


def _new_firm(
    r: random.Random,
    series: ZoneSeries,
    namer: _Namer,
    *,
    industry: str,
    above: bool,
    start_year: int,
    first_year: int,
    rent_below: float,
) -> Firm:
    utility = industry in UTILITY_CODES
    low_yield = not utility and r.random() < 0.07
    own_land = utility or r.random() >= (RENT_ABOVE if above else rent_below)
    tax_center = min(0.075, max(0.04, 0.7 * series.params.tax_ratio / 0.73))
    if low_yield:
        tax_rate = r.uniform(0.030, 0.036)
    elif utility:
        tax_rate = r.uniform(0.030, 0.045)
    else:
        tax_rate = min(0.09, max(0.03, tax_center * r.lognormvariate(0.0, 0.3)))
    kwh, fuel, emission = ENERGY.get(industry, DEFAULT_ENERGY)
    heavy = 1.5 if low_yield else 1.0
    research = industry.startswith(RESEARCH_HEAVY)
    if utility or r.random() < (0.08 if above else 0.35):
        rd_ratio = 0.0
    else:
        rd_ratio = _loguniform(r, 0.01, 0.06) if research else _loguniform(r, 0.003, 0.035)
    land_yield = series.params.land_yield * r.lognormvariate(0.0, 0.5)
    if not above:  # small firms sit on more land than their sales would suggest
        land_yield *= r.uniform(0.15, 0.5)
    if low_yield:
        land_yield *= r.uniform(0.08, 0.2)
    elif utility:
        land_yield *= 0.4
    return Firm(
        uscc=namer.uscc(r, start_year),
        name=namer.name(r, industry),
        industry_code=industry,
        above_scale=above,
        own_land=own_land,
        start_year=start_year,
        first_year=first_year,
        last_year=None,
        size=(r.lognormvariate(0.0, 1.0) * (0.5 if utility else 1.0)) if above else r.uniform(300.0, 1800.0),
        tax_rate=tax_rate,
        va_ratio=r.uniform(0.18, 0.32),
        kwh_per_wan=kwh * r.lognormvariate(0.0, 0.35) * heavy,
        fuel_per_wan=fuel * r.lognormvariate(0.0, 0.35) * heavy,
        emission_per_tce=emission * r.lognormvariate(0.0, 0.3),
        productivity=(r.uniform(80.0, 260.0) if above else r.uniform(40.0, 120.0))
        * (2.0 if utility else 1.0),
        rd_ratio=rd_ratio,
        land_yield=land_yield,
        low_yield=low_yield,
        min_land=r.uniform(5.0, 15.0),
    )


def _above_cap(series: ZoneSeries, year: int) -> int:
    """At most this many listed 规上 firms: below the zone's count in every month of the year."""
    return min(int(series.values["above_scale_firms"][(year, m)]) for m in range(1, 13)) - 1


def _population(
    series: ZoneSeries, profile: FirmProfile, years: list[int], used: set[str], max_firms: int = MAX_FIRMS
) -> list[Firm]:
    zone = series.zone
    r = _rng(zone.code, "firms", "population")
    namer = _Namer(profile, used)
    first = years[0]
    n = min(profile.population, max_firms)
    n_above = min(round(n * r.uniform(0.67, 0.73)), _above_cap(series, first))
    n_utility = r.randint(1, 3)
    above_share = n_above / n
    rent_below = min(0.3, (RENTED_SHARE - RENT_ABOVE * above_share) / (1 - above_share))
    # About 5% produce for less than two years in every year: a fortieth started last year, one this year,
    # and in later years half of the entrants are new plants.
    young = r.sample(range(n_utility, n), 2 * max(1, round(n * 0.025)))
    started_last_year, started_this_year = set(young[::2]), set(young[1::2])
    firms: list[Firm] = []
    for i in range(n):
        above = i < n_above
        industry = UTILITY_CODES[i % 3] if i < n_utility else r.choice(profile.industries)
        if i < n_utility:
            start = r.randint(1995, 2015)
        elif i in started_last_year:
            start = first - 1
        elif i in started_this_year:
            start = first
        else:
            start = r.randint(1998, first - 2)
        firms.append(
            _new_firm(
                r, series, namer, industry=industry, above=above, start_year=start, first_year=first,
                rent_below=rent_below,
            )
        )  # fmt: skip
    # About a tenth of the first year's firms work on rented land, 规下 firms three times as often.
    candidates = [f for f in firms if not f.utility]
    weights = [1.0 if f.above_scale else 3.0 for f in candidates]
    renting: set[str] = set()
    while len(renting) < round(n * r.uniform(0.08, 0.12)):
        renting.add(r.choices(candidates, weights)[0].uscc)
    for f in firms:
        f.own_land = f.uscc not in renting
    # The ledger is not sorted by size: interleave 规上 and 规下 as a register would (stable, seeded).
    r.shuffle(firms)

    for year in years[1:]:
        ry = _rng(zone.code, "firms", "turnover", year)
        listed = [f for f in firms if f.listed(year - 1)]
        candidates = [f for f in listed if not f.utility and f.start_year < year - 2]
        weights = [6.0 if f.low_yield else 2.0 if not f.above_scale else 1.0 for f in candidates]
        n_exit = max(1, round(len(listed) * ry.uniform(0.02, 0.04)))
        leaving: set[str] = set()
        while len(leaving) < min(n_exit, len(candidates)):
            leaving.add(ry.choices(candidates, weights)[0].uscc)
        for f in listed:
            if f.uscc in leaving:
                f.last_year = year - 1
        stay = len(listed) - len(leaving)
        n_enter = min(max(1, round(len(listed) * ry.uniform(0.04, 0.06))), max_firms - stay)
        above_now = sum(f.above_scale for f in listed if f.uscc not in leaving)
        for k in range(n_enter):
            above = ry.random() < 0.6 and above_now < _above_cap(series, year)
            above_now += above
            start = year if k % 2 == 0 else ry.randint(2008, year - 2)  # new plant or relocation
            firms.append(
                _new_firm(
                    ry, series, namer, industry=ry.choice(profile.industries), above=above,
                    start_year=start, first_year=year, rent_below=rent_below,
                )
            )  # fmt: skip
    return firms


# --- values ----------------------------------------------------------------------------------------


def _ramp(firm: Firm, year: int) -> float:
    """A new plant produces part of a year in its first year and not yet at capacity in its second."""
    if year == firm.start_year:
        return _rng(firm.uscc, "ramp").uniform(0.25, 0.5)
    if year == firm.start_year + 1:
        return 0.8
    return 1.0


def _levels(firms: list[Firm], years: list[int]) -> None:
    for f in firms:
        level = 1.0
        for year in years:
            if year > f.first_year:
                level *= _rng(f.uscc, "drift", year).lognormvariate(0.02, 0.12)
            f.level[year] = level


def _annual_revenue(series: ZoneSeries, firms: list[Firm], year: int) -> None:
    listed = [f for f in firms if f.listed(year)]
    zone_revenue = float(series.ytd("industrial_revenue", year, 12))
    share = _rng(series.zone.code, "firms", "share", year).uniform(*REVENUE_SHARE)
    above = [f for f in listed if f.above_scale]
    weights = [f.size * f.level[year] * _ramp(f, year) for f in above]
    spread = zone_revenue * share - ABOVE_SCALE_MIN_REVENUE * len(above)
    total = sum(weights)
    for f, w in zip(above, weights, strict=True):
        f.revenue[year] = ABOVE_SCALE_MIN_REVENUE + spread * w / total
    for f in listed:
        if not f.above_scale:
            revenue = f.size * f.level[year] * _ramp(f, year)
            if revenue > BELOW_SCALE_MAX_REVENUE:  # still below the threshold, without piling up at it
                revenue = BELOW_SCALE_MAX_REVENUE * _rng(f.uscc, "below", year).uniform(0.8, 1.0)
            f.revenue[year] = revenue


def _scale_land(series: ZoneSeries, firms: list[Firm], years: list[int]) -> None:
    for f in firms:
        if f.own_land:
            # Land follows the plant's capacity: revenue at full production in its first listed year.
            capacity = f.revenue[f.first_year] / _ramp(f, f.first_year)
            f.land_mu = capacity / f.land_yield
    target = _rng(series.zone.code, "firms", "land").uniform(*LAND_SHARE)
    factor = min(
        target
        * min(float(series.values["industrial_land"][(y, m)]) for m in range(1, 13))
        / sum(f.land_mu for f in firms if f.listed(y))
        for y in years
    )
    for f in firms:
        if f.own_land:
            f.land_mu = max(f.min_land, f.land_mu * factor)
    # The smallest plots were raised to their floor; bring the total back to the target where that overshot.
    factor = min(
        1.0,
        *(
            target
            * min(float(series.values["industrial_land"][(y, m)]) for m in range(1, 13))
            / sum(f.land_mu for f in firms if f.listed(y))
            for y in years
        ),
    )
    for f in firms:
        f.land_mu *= factor


def _cumulative(weights: list[float]) -> list[float]:
    total, running, out = sum(weights), 0.0, []
    for w in weights:
        running += w
        out.append(running / total)
    out[-1] = 1.0
    return out


@dataclass
class _YearPlan:
    revenue: list[float]  # YTD cumulative shares by month
    tax: list[float]
    energy: list[float]
    rd: list[float]
    employees: list[int]


def _plan(series: ZoneSeries, f: Firm, year: int) -> _YearPlan:
    r = _rng(f.uscc, "months", year)
    zone_months = [float(series.month_value("industrial_revenue", year, m)) for m in range(1, 13)]
    new_plant = year == f.start_year
    base = [
        z * r.lognormvariate(0.0, 0.07) * (math.sqrt(m / 12) if new_plant else 1.0)
        for m, z in enumerate(zone_months, start=1)
    ]
    rd = [0.0 if r.random() < 0.25 else r.lognormvariate(0.0, 0.6) for _ in range(12)]
    rd[11] = max(rd[11], 0.5)  # year-end settlement books R&D in every firm that does any
    full = f.revenue[year] / _ramp(f, year)
    staff = max(8.0, full / f.productivity)
    employees = [
        max(5, round(staff * (0.7 + 0.3 * m / 12 if new_plant else 1.0) * (1 + r.gauss(0.0, 0.01))))
        for m in range(1, 13)
    ]
    return _YearPlan(
        revenue=_cumulative(base),
        tax=_cumulative([b * r.lognormvariate(0.0, 0.35) for b in base]),
        energy=_cumulative([b * r.lognormvariate(0.0, 0.05) for b in base]),
        rd=_cumulative(rd),
        employees=employees,
    )


def _bounded_factor(values: list[float], low: float, high: float) -> float:
    top, bottom = max(values), min(values)
    if top > high:
        return high / top
    if bottom < low:
        return low / bottom
    return 1.0


def _year_values(series: ZoneSeries, firms: list[Firm], year: int) -> dict[tuple[str, int, int], FirmMonth]:
    listed = [f for f in firms if f.listed(year)]
    plans = {f.uscc: _plan(series, f, year) for f in listed}
    zone_revenue = [float(series.ytd("industrial_revenue", year, m)) for m in range(1, 13)]
    zone_tax = [float(series.ytd("tax_revenue", year, m)) for m in range(1, 13)]

    # Keep every month's 规上 revenue share inside the bounds (monthly noise could push a small zone out).
    above = [f for f in listed if f.above_scale]
    shares = [
        sum(f.revenue[year] * plans[f.uscc].revenue[m] for f in above) / zone_revenue[m] for m in range(12)
    ]
    revenue_factor = _bounded_factor(shares, *REVENUE_SHARE_BOUNDS)
    revenue = {f.uscc: f.revenue[year] * (revenue_factor if f.above_scale else 1.0) for f in listed}
    taxes = [sum(revenue[f.uscc] * f.tax_rate * plans[f.uscc].tax[m] for f in listed) for m in range(12)]
    tax_factor = min(1.0, *(TAX_CEILING * zone_tax[m] / taxes[m] for m in range(12)))

    out: dict[tuple[str, int, int], FirmMonth] = {}
    for f in listed:
        p, annual = plans[f.uscc], revenue[f.uscc]
        va_ratio = f.va_ratio * _rng(f.uscc, "va", year).uniform(0.95, 1.05)
        for m in range(12):
            ytd = annual * p.revenue[m]
            energy_base = annual * p.energy[m]
            electricity = energy_base * f.kwh_per_wan
            energy = electricity * KWH_TO_TCE + energy_base * f.fuel_per_wan
            out[(f.uscc, year, m + 1)] = FirmMonth(
                revenue=ytd,
                tax=annual * f.tax_rate * tax_factor * p.tax[m],
                value_added=ytd * va_ratio,
                energy_tce=energy,
                electricity_kwh=electricity,
                emissions_t=energy * f.emission_per_tce,
                employees=p.employees[m],
                rd_spend=annual * f.rd_ratio * p.rd[m],
            )
    return out


def simulate_firms(
    series: ZoneSeries,
    years: list[int],
    used_uscc: set[str],
    profile: FirmProfile | None = None,
    max_firms: int = MAX_FIRMS,
) -> FirmPanel:
    """The zone's listed firms for ``years`` (consecutive) and their monthly YTD figures.

    ``used_uscc`` holds the codes already given to other zones' firms; new codes are added to it so that
    codes stay unique across the whole sample. ``profile`` defaults to the sample zone's; zones outside the
    sample (the national scale generator) pass their own, and a larger ``max_firms``.
    """
    profile = profile or FIRM_PROFILE_BY_CODE[series.zone.code]
    firms = _population(series, profile, years, used_uscc, max_firms)
    _levels(firms, years)
    for year in years:
        _annual_revenue(series, firms, year)
    _scale_land(series, firms, years)
    values: dict[tuple[str, int, int], FirmMonth] = {}
    for year in years:
        values.update(_year_values(series, firms, year))
    return FirmPanel(series, profile, firms, values)
