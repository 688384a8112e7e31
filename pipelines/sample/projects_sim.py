"""Project pipelines of the sample zones (招商引资 / 重点项目): who negotiates, signs, starts, completes, produces.

Every project has a timeline of dated events, in order: 洽谈 (negotiation) → 签约 (signed) → 开工 (started) →
竣工 (completed) → 投产 (production), possibly interrupted by a stall (停滞), which either ends the project
(dropped, 终止), stays, or is revived (盘活) after which the next stage follows. Projects enter from 2021 on,
so ledgers of 2023 already hold projects in progress.

Calibration (:data:`STAGE_COUNT_TARGETS`, :data:`STAGE_SUM_TARGETS`) is exact: after the random draw, single
stage dates are moved across the window boundary (never past their neighbouring events, so the order holds)
until the counts match, then the agreed amounts of the projects in each window are scaled to the sums.

Investment completed (本年完成投资) follows the zone series: each month the zone's projects under
construction together complete a share (drawn per zone and year in [0.50, 0.80]) of the zone ledger's
fixed-asset investment of that month, split by their size and construction time.
"""

from __future__ import annotations

import calendar
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pipelines.sample.scenario import ZONE_BY_CODE, ZONES, Zone
from pipelines.sample.simulate import simulate_zone

CENT = Decimal("0.01")
ONE = Decimal(1)
HA_STEP = Decimal("0.0001")
MU_PER_HA = Decimal(15)

FIRST_ENTRY_YEAR = 2021  # projects in progress at the start of the sample entered from here
STAGES = ("negotiation", "signed", "started", "completed", "production")
EVENT_KINDS = (*STAGES, "stalled", "revived", "dropped")
EVENT_STAGES = (*STAGES, "revived")  # the stages counted in 四新一盘活 (plus 投产)
PROJECT_LAYOUT = {"G361149": "P1", "G511193": "P1", "G341022": "P1", "G321100": "P1", "G322077": "P1"}
PROJECT_LAYOUTS = ("P1", "P2")

# Project id prefixes (zone abbreviation in pinyin initials)
ZONE_PREFIX: dict[str, str] = {
    "G321100": "HA", "G322077": "HG", "G361149": "SR", "G341022": "HF", "S327065": "HY", "S327131": "QH",
    "S327069": "HZ", "S327070": "LS", "G321016": "NT", "S327068": "XY", "S327067": "JH", "G511193": "GY",
    "S329064": "GQ",
}  # fmt: skip

# --- calibration: published figures (DOMAIN.md), exact in the truth and in the written files ---------------
D = date
STAGE_COUNT_TARGETS: tuple[tuple[str, str, date, date, int], ...] = (
    # zone, stage, window start, window end, projects whose stage date falls in the window
    ("G511193", "negotiation", D(2023, 1, 1), D(2023, 12, 31), 265),
    ("G511193", "signed", D(2023, 1, 1), D(2023, 12, 31), 183),
    ("G511193", "started", D(2023, 1, 1), D(2023, 12, 31), 363),
    ("G511193", "completed", D(2023, 1, 1), D(2023, 12, 31), 400),
    ("G511193", "revived", D(2023, 1, 1), D(2023, 12, 31), 30),
    ("G361149", "signed", D(2023, 1, 1), D(2023, 12, 31), 117),
    ("G361149", "signed", D(2023, 8, 1), D(2023, 12, 31), 92),  # inside the year (see _repair_counts)
)
STAGE_SUM_TARGETS: tuple[tuple[str, str, date, date, Decimal], ...] = (
    # zone, stage, window, Σ total_investment (万元) of the projects reaching the stage in the window
    ("G511193", "signed", D(2023, 1, 1), D(2023, 12, 31), Decimal(9_563_000)),
    ("G511193", "started", D(2023, 1, 1), D(2023, 12, 31), Decimal(5_844_000)),
    ("G361149", "signed", D(2023, 1, 1), D(2023, 7, 31), Decimal(2_196_000)),
    ("G361149", "signed", D(2023, 8, 1), D(2023, 12, 31), Decimal(1_555_600)),
)

# New projects (reaching 洽谈) per year; others follow the zone's size (see _entries_per_year).
ENTRIES: dict[str, dict[int, int]] = {
    "G511193": {2021: 640, 2022: 650, 2023: 265, 2024: 300},
    "G361149": {2021: 130, 2022: 115, 2023: 235, 2024: 175},
}
# Share of stalled projects that are revived (盘活); the rest are dropped or stay stalled.
REVIVE_SHARE: dict[str, float] = {"G511193": 0.25}
# Monthly weights of new negotiations (上饶 stepped up its 招商 from August 2023).
ENTRY_SEASON = (0.6, 0.6, 1.0, 1.0, 1.0, 1.1, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2)
ENTRY_SEASON_OVERRIDES: dict[tuple[str, int], tuple[float, ...]] = {
    ("G361149", 2022): (1.0, 1.0, 1.2, 1.2, 1.2, 1.2, 1.1, 1.0, 0.8, 0.4, 0.3, 0.2),
    ("G361149", 2023): (0.2, 0.15, 0.2, 0.2, 0.3, 1.0, 2.2, 2.4, 2.4, 2.2, 1.6, 0.8),
    ("G511193", 2022): (0.8, 0.8, 1.0, 1.0, 1.2, 1.5, 1.7, 1.7, 1.4, 0.5, 0.2, 0.15),
}
# Median agreed investment (万元) of projects entering in a year, where not derived from the zone's size.
# (January, December) multipliers of that median: 广元 signed its big projects late in 2023.
MEDIAN_TREND: dict[tuple[str, int], tuple[float, float]] = {("G511193", 2023): (0.15, 9.0)}
MEDIAN_AMOUNT: dict[str, dict[int, float]] = {
    "G511193": {2021: 9_000.0, 2022: 9_000.0, 2023: 30_000.0, 2024: 20_000.0},
    "G361149": {2021: 85_000.0, 2022: 85_000.0, 2023: 13_000.0, 2024: 70_000.0},
}

# GB/T 4754-2017 codes by zone (leading industries), and service codes every zone may attract.
ZONE_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "G321100": ("3971", "3982", "3973", "3921", "2612", "2613", "3421", "3441", "3511"),
    "G322077": ("3982", "3974", "3971", "3612", "3670", "3660", "3841", "3421"),
    "G361149": ("3825", "3976", "4040", "3612", "3670", "3660", "3841"),
    "G341022": ("3851", "3852", "3856", "3421", "3441", "3511", "3971", "3982", "3921"),
    "S327065": ("3421", "3441", "3451", "3971", "3982", "1711", "1713", "1810"),
    "S327131": ("3825", "3976", "3974", "1431", "1529"),
    "S327069": ("3421", "3971", "1713", "1810", "3825", "3841", "2651", "3099"),
    "S327070": ("1711", "1713", "1810", "2720", "2740", "3581", "3421", "3511"),
    "G321016": ("2720", "2740", "2761", "3581", "3971", "3982", "3921", "3451", "3421"),
    "S327068": ("3825", "3841", "2651", "3099", "3421", "3441"),
    "S327067": ("3421", "3441", "3511", "4011", "3825", "3841"),
    "G511193": ("3971", "3982", "3421", "1512", "1529", "1431", "3216", "3252"),
    "S329064": ("2651", "3099", "3591", "3971", "3982", "3985"),
}
SERVICE_CODES = ("6513", "6520", "6540", "7211", "7320", "5920")
# Product words for project names, by code
PRODUCTS: dict[str, tuple[str, ...]] = {
    "1431": ("方便食品", "米面制品"), "1512": ("白酒酿造", "酱香白酒"), "1529": ("功能饮料", "茶饮品"),
    "1711": ("高支棉纱", "紧密纺纱线"), "1713": ("印染面料", "功能性面料"), "1810": ("品牌服装", "智能制衣"),
    "2612": ("纯碱", "烧碱"), "2613": ("元明粉", "精制盐"), "2651": ("高分子材料", "工程塑料"),
    "2720": ("化学制剂", "原料药"), "2740": ("中药饮片", "中成药"), "2761": ("生物制药", "疫苗"),
    "3099": ("新型建材", "石英材料"), "3216": ("电解铝", "再生铝"), "3252": ("铝型材", "铝板带箔"),
    "3421": ("数控机床", "精密机床"), "3441": ("工业泵", "真空设备"), "3451": ("精密轴承", "汽车轴承"),
    "3511": ("矿山装备", "掘进装备"), "3581": ("医疗器械", "体外诊断设备"), "3591": ("环保装备", "污水处理设备"),
    "3612": ("新能源整车", "新能源商用车"), "3660": ("专用车", "汽车车身"), "3670": ("汽车零部件", "汽车电子"),
    "3825": ("光伏组件", "高效电池片"), "3841": ("锂电池", "储能电池"), "3851": ("智能冰箱", "冷柜"),
    "3852": ("智能空调", "空调压缩机"), "3856": ("厨房电器", "智能厨电"), "3921": ("通信设备", "光通信模块"),
    "3971": ("电子元器件", "电子器件"), "3973": ("集成电路封测", "功率半导体"), "3974": ("显示面板", "显示模组"),
    "3976": ("光电器件", "光学镜头"), "3982": ("印制电路板", "柔性线路板"), "3985": ("电子材料", "电子化学品"),
    "4011": ("工业自动化设备", "智能控制系统"), "4040": ("光学仪器", "光学元件"),
    "6513": ("软件研发中心", "工业互联网平台"), "6520": ("芯片设计中心", "集成电路设计"),
    "6540": ("数据中心", "算力中心"), "7211": ("区域总部", "结算中心"), "7320": ("研发中心", "中试基地"),
    "5920": ("智慧物流园", "仓储物流中心"),
}  # fmt: skip
UNITS: dict[str, tuple[str, ...]] = {  # output units for 年产… names, by division
    "14": ("万吨",),
    "15": ("万千升", "万吨"),
    "17": ("万锭", "万米"),
    "18": ("万件", "万套"),
    "26": ("万吨",),
    "27": ("亿片", "万盒"),
    "30": ("万吨", "万平方米"),
    "32": ("万吨",),
    "34": ("千台", "万台"),
    "35": ("千台", "万台"),
    "36": ("万辆", "万套"),
    "38": ("GW", "万台", "万套"),
    "39": ("亿只", "万片", "万套"),
    "40": ("万台", "万件"),
}
TRADE_FIRST = "恒华鑫金天汇永宏瑞盛兴德联博新亿伟东明海凯嘉锦昊启远泰富绿辰祥晨鼎润安宇康普信诚佳众"
TRADE_SECOND = "达瑞源泰丰盛图兴邦创远宇业方阳诺禾程航和春光鼎泽宝通利隆昌运升腾驰威科嘉顺"
TRADE_WORDS = ("科技", "实业", "新材料", "智能装备", "电子", "集团", "控股", "产业发展")
FOREIGN_ORIGINS = ("（香港）", "（新加坡）", "（台湾）", "（日本）", "（韩国）", "（德国）")
PLACES: dict[str, tuple[str, ...]] = {
    "G361149": ("江西", "浙江", "上海", "广东"), "G511193": ("四川", "重庆", "成都", "广东"),
    "G341022": ("安徽", "合肥", "上海", "江苏"), "G321016": ("南通", "江苏", "上海", "浙江"),
}  # fmt: skip
DEFAULT_PLACES = ("江苏", "淮安", "上海", "浙江", "广东")
USD_RATE = (6.9, 7.2)


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def q(value: float | Decimal, step: Decimal = CENT) -> Decimal:
    return Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(d: date, months: int, r: random.Random) -> date:
    """A random day in the month ``months`` after ``d``'s month, never before ``d``."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    first = d.day if months == 0 else 1
    day = r.randint(first, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def is_industrial(code: str) -> bool:
    return 13 <= int(code[:2]) <= 43


@dataclass
class Event:
    kind: str
    date: date


@dataclass
class Project:
    zone_code: str
    key: str  # stable internal key (entry draw), before ids are assigned
    events: list[Event]
    industry_code: str
    is_foreign: bool
    total_investment: Decimal  # 万元, whole
    name: str = ""
    investor: str = ""
    project_id: str = ""
    foreign_usd: Decimal | None = None  # 万美元, 2 decimals
    land_mu: Decimal | None = None  # 亩 (P1: 2 decimals; P2: 公顷 to 4 decimals × 15)
    expected_output: Decimal = Decimal(0)  # 万元, whole
    fixed_share: float = 0.8  # fixed-asset investment / agreed investment
    build_months: int = 12  # planned construction time
    deposit_share: float = 0.05
    funds_ratio: float = 1.2
    key_project: bool = False  # big enough to be a 重点项目 once started
    spend: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # 万元 completed per month
    plan: dict[int, Decimal] = field(default_factory=dict)  # 年度计划投资 by year

    def first(self, kind: str) -> date | None:
        return next((e.date for e in self.events if e.kind == kind), None)

    def stage_date(self, kind: str, upto: date) -> date | None:
        d = self.first(kind)
        return d if d is not None and d <= upto else None

    @property
    def entry(self) -> date:
        return self.events[0].date

    @property
    def closed(self) -> date | None:
        """Dropped or in production: the project leaves the ledger at the next year's start."""
        return self.first("dropped") or self.first("production")

    def status(self, upto: date) -> str:
        state = "active"
        for e in self.events:
            if e.date > upto:
                break
            if e.kind == "stalled":
                state = "stalled"
            elif e.kind == "revived":
                state = "active"
            elif e.kind == "dropped":
                state = "dropped"
        return state

    def building(self, year: int, month: int) -> bool:
        """Under construction (started, not completed before the month, not stalled or dropped at its end)."""
        start = self.first("started")
        end = month_end(year, month)
        if start is None or start > end:
            return False
        done = self.first("completed")
        if done is not None and done < date(year, month, 1):
            return False
        return self.status(end) == "active"


@dataclass
class ZoneProjects:
    zone: Zone
    layout: str  # P1 / P2
    projects: list[Project]
    key_threshold: Decimal  # 万元: started projects at least this big are 重点项目 (P1 only)


# --- timelines -------------------------------------------------------------------------------------------


def _lag(r: random.Random, low: int, high: int, mode: float) -> int:
    return round(r.triangular(low, high, mode))


def _timeline(r: random.Random, entry: date, revive: float = 0.45) -> list[Event]:
    """Draw the events of one project from its first negotiation on."""
    events = [Event("negotiation", entry)]
    last = entry
    nexts = (
        ("signed", 1, 6, 2.0),
        ("started", 1, 8, 3.0),
        ("completed", 8, 24, 14.0),
        ("production", 0, 3, 1.0),
    )
    # (drop, stall) probabilities while waiting for the next stage
    risks = {
        "signed": (0.18, 0.06),
        "started": (0.03, 0.09),
        "completed": (0.0, 0.08),
        "production": (0.0, 0.02),
    }
    revived_once = False
    for kind, low, high, mode in nexts:
        drop, stall = risks[kind]
        u = r.random()
        if u < drop:
            events.append(Event("dropped", add_months(last, r.randint(1, 8), r)))
            return events
        if u < drop + stall and not revived_once:
            stalled = add_months(last, r.randint(1, 6), r)
            events.append(Event("stalled", stalled))
            v = r.random()
            if v < revive:
                revived = add_months(stalled, r.randint(3, 15), r)
                events.append(Event("revived", revived))
                revived_once = True
                last = revived
                low, high, mode = 1, max(2, min(high, 8)), 2.0
            elif v < revive + 0.30:
                events.append(Event("dropped", add_months(stalled, r.randint(6, 18), r)))
                return events
            else:
                return events  # stays stalled
        last = add_months(last, _lag(r, low, high, mode), r)
        events.append(Event(kind, last))
    return events


def _entries_per_year(zone: Zone, year: int, base: float | None = None) -> int:
    """New projects a year; ``base`` (a profile's mean) replaces the size rule and the sample's overrides."""
    if base is None:
        if year in ENTRIES.get(zone.code, {}):
            return ENTRIES[zone.code][year]
        base = 25 + zone.revenue_2023_yi * 0.05
    return round(base * _rng(zone.code, year, "entries").uniform(0.85, 1.15))


def _median_amount(zone: Zone, year: int, annual_fai: float, base: float | None = None) -> float:
    if base is None and year in MEDIAN_AMOUNT.get(zone.code, {}):
        return MEDIAN_AMOUNT[zone.code][year]
    n = 25 + zone.revenue_2023_yi * 0.05 if base is None else base
    return min(80_000.0, max(8_000.0, 2.0 * annual_fai / n))


def _round_amount(value: float) -> Decimal:
    step = Decimal(100) if value >= 10_000 else Decimal(10)
    return (Decimal(str(value)) / step).quantize(ONE, rounding=ROUND_HALF_UP) * step


def _draw_projects(
    zone: Zone, years: list[int], fai_2023: float, industries: tuple[str, ...], base: float | None = None
) -> list[Project]:
    projects: list[Project] = []
    for year in years:
        r = _rng(zone.code, year, "projects")
        n = _entries_per_year(zone, year, base)
        season = ENTRY_SEASON_OVERRIDES.get((zone.code, year), ENTRY_SEASON)
        months = r.choices(range(1, 13), weights=season, k=n)
        median = _median_amount(zone, year, fai_2023, base)
        for i, month in enumerate(sorted(months)):
            entry = date(year, month, r.randint(1, calendar.monthrange(year, month)[1]))
            code = r.choice(SERVICE_CODES) if r.random() < 0.12 else r.choice(industries)
            low, high = MEDIAN_TREND.get((zone.code, year), (1.0, 1.0))
            amount = median * low * (high / low) ** ((month - 1) / 11) * r.lognormvariate(0.0, 0.8)
            if r.random() < 0.02:
                amount *= r.uniform(4.0, 10.0)  # a few flagship projects
            amount = min(max(amount, 5_000.0), 2_000_000.0)
            projects.append(
                Project(
                    zone_code=zone.code,
                    key=f"{year}-{i:04d}",
                    events=_timeline(r, entry, REVIVE_SHARE.get(zone.code, 0.45)),
                    industry_code=code,
                    is_foreign=zone.has_fdi and r.random() < 0.15,
                    total_investment=_round_amount(amount),
                )
            )
    return projects


# --- calibration -----------------------------------------------------------------------------------------


def _count(projects: list[Project], kind: str, lo: date, hi: date) -> int:
    return sum(1 for p in projects for e in p.events if e.kind == kind and lo <= e.date <= hi)


def _move_candidates(
    projects: list[Project], kind: str, lo: date, hi: date, into: bool, keep: tuple[date, date] | None
) -> list[tuple[int, str, Project, int, date, date]]:
    """Events of ``kind`` that can move into (or out of) [lo, hi]: (distance, key, project, index, low, high)."""
    out = []
    for p in projects:
        for i, e in enumerate(p.events):
            if e.kind != kind:
                continue
            prev = p.events[i - 1].date if i > 0 else date(1900, 1, 1)
            nxt = p.events[i + 1].date if i + 1 < len(p.events) else date(2100, 1, 1)
            inside = lo <= e.date <= hi
            options: list[tuple[date, date]] = []  # allowed ranges of the new date
            if into and not inside:
                options.append((max(prev, lo), min(nxt, hi)))
            if not into and inside:
                options.append((hi + timedelta(days=1), nxt))
                options.append((prev, lo - timedelta(days=1)))
            for low, high in options:
                if keep is not None:
                    low, high = max(low, keep[0]), min(high, keep[1])
                if low > high:
                    continue
                nearest = min(max(e.date, low), high)
                out.append((abs((nearest - e.date).days), p.key, p, i, low, high))
    return sorted(out, key=lambda c: (c[0], c[1]))


def _repair_counts(
    projects: list[Project], kind: str, lo: date, hi: date, target: int, r: random.Random
) -> None:
    """Move single ``kind`` dates across the window's edges until exactly ``target`` fall inside.

    A window inside the calendar year (上饶 from August) only trades dates with the rest of that year, so a
    year count fixed before stays fixed.
    """
    year_lo, year_hi = date(lo.year, 1, 1), date(hi.year, 12, 31)
    keep = None if (lo, hi) == (year_lo, year_hi) else (year_lo, year_hi)
    while (n := _count(projects, kind, lo, hi)) != target:
        candidates = _move_candidates(projects, kind, lo, hi, n < target, keep)
        if not candidates:
            raise RuntimeError(f"cannot calibrate {kind} in {lo}..{hi} to {target} (at {n})")
        _, _, project, i, low, high = candidates[0]
        old = project.events[i].date
        nearest = min(max(old, low), high)
        # land a few days past the edge, like a real slip of the date, within the allowed range
        span = min(20, (high - low).days)
        shift = timedelta(days=r.randint(0, span))
        project.events[i].date = nearest + shift if nearest == low else nearest - shift


def _scale_sums(projects: list[Project], zone_code: str) -> None:
    """Scale agreed amounts so each calibrated window's sum is exact, keeping projects in several windows."""
    targets = [t for t in STAGE_SUM_TARGETS if t[0] == zone_code]
    if not targets:
        return
    members = [
        {p.key for p in projects if any(e.kind == kind and lo <= e.date <= hi for e in p.events)}
        for _, kind, lo, hi, _ in targets
    ]
    by_key = {p.key: p for p in projects}
    for j, (_, kind, lo, hi, total) in enumerate(targets):
        others = set().union(*(m for k, m in enumerate(members) if k != j))
        own = sorted(members[j] - others)
        shared = sum((by_key[k].total_investment for k in members[j] & others), Decimal(0))
        base = sum((by_key[k].total_investment for k in own), Decimal(0))
        factor = (total - shared) / base
        if not Decimal("0.2") < factor < Decimal(5):
            raise RuntimeError(f"{zone_code} {kind} {lo}..{hi}: scale factor {factor:.3f} is implausible")
        for k in own:
            by_key[k].total_investment = max(Decimal(1000), q(by_key[k].total_investment * factor, ONE))
        residual = total - shared - sum((by_key[k].total_investment for k in own), Decimal(0))
        biggest = max(own, key=lambda k: (by_key[k].total_investment, k))
        by_key[biggest].total_investment += residual


def _calibrate(projects: list[Project], zone_code: str) -> None:
    r = _rng(zone_code, "calibration")
    for code, kind, lo, hi, target in STAGE_COUNT_TARGETS:
        if code == zone_code:
            _repair_counts(projects, kind, lo, hi, target, r)
    _scale_sums(projects, zone_code)


# --- attributes that follow the amounts -----------------------------------------------------------------


def _trade(r: random.Random) -> str:
    return r.choice(TRADE_FIRST) + r.choice(TRADE_SECOND)


def _unit(code: str, r: random.Random) -> str:
    return r.choice(UNITS.get(code[:2], ("万件",)))


def _describe(zone: Zone, p: Project, layout: str) -> None:
    r = _rng(zone.code, p.key, "attributes")
    trade = _trade(r)
    product = r.choice(PRODUCTS[p.industry_code])
    place = r.choice(PLACES.get(zone.code, DEFAULT_PLACES))
    if p.is_foreign:
        p.investor = f"{trade}{r.choice(FOREIGN_ORIGINS)}{r.choice(('投资', '实业', '科技'))}有限公司"
    else:
        p.investor = f"{place}{trade}{r.choice(TRADE_WORDS)}有限公司"
    amount = float(p.total_investment)
    if is_industrial(p.industry_code):
        template = r.randrange(4)
        if template == 0:
            p.name = f"年产{r.choice((5, 10, 20, 30, 50, 100))}{_unit(p.industry_code, r)}{product}项目"
        elif template == 1:
            p.name = f"{trade}{product}生产基地项目"
        elif template == 2:
            p.name = f"{trade}{product}{r.choice(('扩建', '技改', '智能化改造'))}项目"
        else:
            p.name = f"{product}产业园{r.choice(('一期', '二期', ''))}项目"
        intensity = r.lognormvariate(5.85, 0.35)  # 万元/亩, median ≈ 350
        intensity = min(max(intensity, 120.0), 900.0)
        mu = amount / intensity
        if layout == "P2":  # the library keeps 公顷 to four decimals
            p.land_mu = q(mu / 15, HA_STEP) * MU_PER_HA
        else:
            p.land_mu = q(mu)
        p.expected_output = q(amount * r.uniform(0.8, 2.5), ONE)
    else:
        p.name = f"{trade}{product}项目"
        p.land_mu = None
        p.expected_output = q(amount * r.uniform(0.2, 0.8), ONE)
    if p.is_foreign:
        p.foreign_usd = q(amount * r.uniform(0.3, 1.0) / r.uniform(*USD_RATE))
    p.fixed_share = r.uniform(0.6, 0.95)
    p.build_months = 12
    if (s := p.first("started")) and (c := p.first("completed")):
        p.build_months = max(1, (c.year - s.year) * 12 + c.month - s.month + 1)
    p.deposit_share = r.uniform(0.0, 0.1)
    p.funds_ratio = r.uniform(1.05, 1.4)


def _assign_ids(prefix: str, projects: list[Project]) -> None:
    """ids = zone prefix + year of the first negotiation + sequence within that year, in order of entry."""
    projects.sort(key=lambda p: (p.entry, p.key))
    seq: dict[int, int] = {}
    for p in projects:
        seq[p.entry.year] = seq.get(p.entry.year, 0) + 1
        p.project_id = f"{prefix}-{p.entry.year}-{seq[p.entry.year]:04d}"


# --- investment ------------------------------------------------------------------------------------------


SPEND_CAP = Decimal("0.95")  # a project completes at most this share of its agreed investment
MONTH_CAP = 2.5  # … and in one month at most this multiple of its planned monthly pace


def _allocate(target: Decimal, building: list[Project]) -> list[Decimal]:
    """Split ``target`` (万元) over the projects by size / construction time, none beyond its cap (water-filling).

    Whatever the capped projects cannot take goes to the others; if all are capped, less is allocated.
    """
    weights = [float(p.total_investment) * p.fixed_share / p.build_months for p in building]
    room = [
        min(p.total_investment * SPEND_CAP - sum(p.spend.values(), Decimal(0)), q(w * MONTH_CAP))
        for p, w in zip(building, weights, strict=True)
    ]
    parts = [Decimal(0)] * len(building)
    open_ = [i for i in range(len(building)) if room[i] > 0]
    left = target
    while open_ and left > 0:
        total_w = sum(weights[i] for i in open_)
        capped = [i for i in open_ if float(left) * weights[i] / total_w >= float(room[i])]
        if not capped:
            shares = {i: q(float(left) * weights[i] / total_w) for i in open_}
            biggest = max(open_, key=lambda i: (weights[i], building[i].key))
            shares[biggest] += left - sum(shares.values(), Decimal(0))
            for i, v in shares.items():
                parts[i] += v
            break
        for i in capped:
            take = q(room[i]) if q(room[i]) <= room[i] else q(room[i]) - CENT
            parts[i] += take
            left -= take
            open_.remove(i)
    return parts


def _spending(zone: Zone, projects: list[Project], years: list[int]) -> None:
    """Monthly investment completed per project: a share of the zone's FAI split over projects building."""
    series = simulate_zone(zone, years)
    for year in years:
        share = _rng(zone.code, year, "project share").uniform(0.50, 0.80)
        carry = Decimal(0)
        for month in range(1, 13):
            target = q(float(series.month_value("fixed_asset_investment", year, month)) * share) + carry
            building = [p for p in projects if p.building(year, month)]
            if not building or target <= 0:
                carry = target if month < 12 else Decimal(0)
                continue
            parts = _allocate(target, building)
            carry = target - sum(parts, Decimal(0)) if month < 12 else Decimal(0)
            for p, part in zip(building, parts, strict=True):
                if part > 0:
                    p.spend[(year, month)] = part
    for p in projects:
        r = _rng(zone.code, p.key, "plan")
        done = sum(p.spend.values(), Decimal(0))
        for year in years:
            actual = sum((v for (y, _), v in p.spend.items() if y == year), Decimal(0))
            if actual > 0:
                p.plan[year] = min(q(float(actual) * r.uniform(0.85, 1.30)), p.total_investment)
            else:  # planned, but stalled all year: half a year at the planned pace, at most what is left
                pace = float(p.total_investment) * p.fixed_share / p.build_months
                left = max(float(p.total_investment - done), pace)
                p.plan[year] = q(min(pace * 6, left))


@dataclass(frozen=True)
class ProjectProfile:
    """A zone outside the sample (national scale generator): its own layout, industries, id prefix and size.

    With a profile the sample's per-zone overrides of entries and amounts and the calibration to published
    figures do not apply: those describe the sample zones only.
    """

    zone: Zone
    layout: str  # P1 / P2
    industries: tuple[str, ...]  # GB/T 4754 codes with a product list in PRODUCTS
    prefix: str  # project id prefix, unique across zones (ids are bound to one zone)
    entries_per_year: float  # mean new projects (洽谈) a year


def simulate_projects(zone_code: str, last_year: int = 2024, profile: ProjectProfile | None = None) -> ZoneProjects:
    """All projects of one zone entering from 2021 to ``last_year``, calibrated, with their investment."""
    zone = profile.zone if profile else ZONE_BY_CODE[zone_code]
    layout = profile.layout if profile else PROJECT_LAYOUT.get(zone_code, "P2")
    industries = profile.industries if profile else ZONE_INDUSTRIES[zone_code]
    years = list(range(FIRST_ENTRY_YEAR, max(last_year, 2023) + 1))
    series = simulate_zone(zone, [2023])
    fai_2023 = float(series.ytd("fixed_asset_investment", 2023, 12))
    projects = _draw_projects(zone, years, fai_2023, industries, profile.entries_per_year if profile else None)
    if profile is None:
        _calibrate(projects, zone_code)
    _assign_ids(profile.prefix if profile else ZONE_PREFIX[zone_code], projects)
    for p in projects:
        _describe(zone, p, layout)
    _spending(zone, projects, years)
    amounts = sorted(p.total_investment for p in projects)
    threshold = max(Decimal(10_000), amounts[int(len(amounts) * 0.7)])
    for p in projects:
        p.key_project = p.total_investment >= threshold
    return ZoneProjects(zone, layout, projects, threshold)


def simulate_all(last_year: int = 2024) -> list[ZoneProjects]:
    return [simulate_projects(z.code, last_year) for z in ZONES]


def submission_offset(zone: Zone) -> int:
    """Minutes after 10:00 on the 9th at which a zone's project ledger arrives."""
    return zone.submit_offset_min % 60 + zlib.crc32(f"{zone.code}|projects".encode()) % 30
