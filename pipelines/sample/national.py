"""National scale generator (issue #7): monthly ledgers for every zone of the real 2018 catalogue (2,543 zones).

The sample's simulation and ledger writers are reused as they are; this module only decides, for each catalogue
zone, what the sample scenario fixes by hand for its 13 zones: how big the zone is, which layouts it sends
(zone ledger A–D, firm ledger E1/E2, project ledger P1/P2), its industries, and which city office sends the
one CSV (layout B) for several provincial zones.

Sizes follow the issue: about 120 listed 规上 firms and 40 projects per zone snapshot on average, skewed
(lognormal, national zones about three times the provincial ones). Everything is seeded from zone codes, so
a zone's ledgers are the same whichever other zones are generated and whichever months are asked for: the
simulation always covers the whole scenario (2023-01..2024-12), the months only select what is written.
Work is streamed zone group by zone group (a group = one zone, or the zones of one layout-B city CSV), so
memory stays that of one group, and groups can be spread over worker processes.
"""

from __future__ import annotations

import csv
import math
import os
import random
import re
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path

from pipelines.registry import Zone as CatalogueZone
from pipelines.registry import load_zones
from pipelines.sample.firms import simulate_firms
from pipelines.sample.generator import WRITERS
from pipelines.sample.layout_b import write_layout_b
from pipelines.sample.layout_e import write_layout_e
from pipelines.sample.periods import month_range
from pipelines.sample.projects import write_zone_ledgers
from pipelines.sample.projects_sim import PRODUCTS, ProjectProfile, simulate_projects
from pipelines.sample.scenario import FirmProfile, Zone
from pipelines.sample.simulate import simulate_zone, simulation_years, zone_params

# Bump whenever the output for the same arguments changes: the benchmark caches generated history by it.
GENERATOR_VERSION = "1"
SCENARIO_START, SCENARIO_END = "2023-01", "2024-12"
SCENARIO_YEARS = [2023, 2024]
MAX_FIRMS = 1_200  # a firm ledger lists at most this many firms (the sample caps at 250)

# Listed 规上 firms per zone: lognormal around these medians (national zones larger); mean ≈ 120 overall.
ABOVE_SCALE_MEDIAN = {"national": 210.0, "provincial": 70.0}
ABOVE_SCALE_SIGMA = 0.6
ABOVE_SCALE_BOUNDS = (12, 800)
ABOVE_SHARE = 0.70  # 规上 share of a firm ledger (firms.py draws it in [0.67, 0.73])
# New projects a year ∝ sqrt(firms): a project snapshot lists about 2.3 years of entries, ≈ 40 on average.
PROJECT_ENTRY_FACTOR = 1.7
# Layout mix of the sample (13 zones: A 4, B 4, C 3, D 2; E2 3; P1 5): national zones mostly A / P1.
# Layout B goes to every provincial zone that shares its city with another (about a fifth of all zones).
ZONE_LAYOUT_WEIGHTS = {"national": {"A": 0.55, "C": 0.30, "D": 0.15}, "provincial": {"A": 0.36, "C": 0.35, "D": 0.29}}
E2_SHARE = {"national": 0.35, "provincial": 0.18}
P1_SHARE = {"national": 0.75, "provincial": 0.25}
FDI_SHARE = {"national": 0.92, "provincial": 0.70}

# Words of the catalogue's 主导产业 → GB/T 4754 classes the firm and project generators know (PRODUCTS).
INDUSTRY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("集成电路", ("3973", "3985")), ("半导体", ("3973", "3985")), ("芯片", ("3973",)),
    ("光电", ("3976", "3974")), ("显示", ("3974",)), ("通信", ("3921",)), ("光伏", ("3825",)),
    ("电池", ("3841",)), ("新能源汽车", ("3612", "3841")), ("新能源", ("3825", "3841")),
    ("电子", ("3971", "3982")), ("信息", ("3971", "3982", "3921")), ("软件", ("3982",)),
    ("家电", ("3851", "3852", "3856")), ("电器", ("3851", "3856")), ("电气", ("4011", "3971")),
    ("汽车", ("3670", "3660")), ("摩托车", ("3670",)), ("零部件", ("3670",)), ("轨道交通", ("3511", "3441")),
    ("装备", ("3421", "3441", "3511")), ("机械", ("3421", "3441", "3451")), ("机电", ("3441", "4011")),
    ("设备", ("3441", "3511")), ("制造", ("3421", "3451")), ("智能", ("4011",)), ("仪器", ("4040",)),
    ("光学", ("4040",)), ("医疗", ("3581",)), ("生物", ("2761", "2720")), ("医药", ("2720", "2740")),
    ("中药", ("2740",)), ("健康", ("2740", "3581")), ("精细化工", ("2651", "2613")), ("盐化", ("2613", "2612")),
    ("化工", ("2612", "2613", "2651")), ("石化", ("2651",)), ("塑料", ("2651",)), ("橡胶", ("2651",)),
    ("新材料", ("2651", "3099")), ("材料", ("3099",)), ("建材", ("3099",)), ("陶瓷", ("3099",)),
    ("石材", ("3099",)), ("非金属", ("3099",)), ("水泥", ("3099",)), ("铝", ("3216", "3252")),
    ("有色", ("3216", "3252")), ("冶金", ("3216", "3252")), ("钢", ("3252",)), ("金属", ("3252",)),
    ("稀土", ("3216",)), ("酒", ("1512",)), ("饮料", ("1529",)), ("食品", ("1431", "1529")),
    ("农", ("1431",)), ("乳", ("1529",)), ("纺织", ("1711", "1713")), ("服装", ("1810",)), ("鞋", ("1810",)),
    ("轻纺", ("1711", "1810")), ("化纤", ("1711",)), ("环保", ("3591",)), ("节能", ("3591",)),
    ("再生资源", ("3591",)),
)  # fmt: skip
DEFAULT_INDUSTRIES = ("3421", "3971", "1431", "3099", "3670")  # zones whose 主导产业 are services only
PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$")
CITY_SUFFIXES = ("市", "县", "区", "盟", "旗")
MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})


@dataclass(frozen=True)
class NationalZone:
    """One catalogue zone as the generator sees it: the sample-style scenario and its firm/project profiles."""

    zone: Zone  # ledger_name = the catalogue name, layout A–D, size (revenue_2023_yi)
    province: str  # folder of the landing tree (as zones' offices upload per province)
    level: str  # national / provincial
    group: str  # generation unit: the layout-B sender (a city office) or the zone code
    firm_profile: FirmProfile
    project_profile: ProjectProfile
    target_above_scale: int  # listed 规上 firms aimed at (the firm simulator may list a few fewer)


@dataclass
class NationalSummary:
    landing_dir: Path
    months: list[str]
    zones: int
    files_per_layout: dict[str, int]
    firm_rows: int
    project_rows: int
    seconds: float
    files_per_month: dict[str, int] = field(default_factory=dict)

    @property
    def total_files(self) -> int:
        return sum(self.files_per_layout.values())


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def _short(name: str) -> str:
    return PROVINCE_SUFFIX.sub("", name)


def _industries(text: str) -> tuple[str, ...]:
    codes: list[str] = []
    for word, classes in INDUSTRY_WORDS:
        if word in text:
            codes.extend(c for c in classes if c not in codes)
    for c in DEFAULT_INDUSTRIES:
        if len(codes) >= 3:
            break
        if c not in codes:
            codes.append(c)
    assert all(c in PRODUCTS for c in codes)
    return tuple(codes[:9])


def _sender(cities: list[str], key: str) -> str:
    """The city office that sends a layout-B CSV, named from the catalogue's 城市/区县 of its zones: 淮安 →
    淮安市, 呼和浩特… → 呼和浩特市; 兵团 and its divisions (…师) keep their names."""
    prefix = _common_prefix(cities)
    name = prefix if len(prefix) >= 3 and prefix[2] != prefix[1] else key  # 南昌昌南/南昌昌东 → 南昌
    return name if name.endswith(CITY_SUFFIXES) or name.startswith("兵团") or name.endswith("师") else f"{name}市"


def _city(z: CatalogueZone) -> str:
    # 城市/区县 is cut from the zone's name and sometimes keeps a stray 省/市 (江苏省南京… → 省南京…)
    return z.city.lstrip("省市—")


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    n = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), min(len(first), len(last)))
    return first[:n]


def _divisions(zones: Iterable[CatalogueZone]) -> dict[str, str]:
    """A 6-digit registering division per zone, unique in the catalogue, so firm codes (USCC) never collide
    across zones and each zone can be generated on its own. Province digits are the catalogue code's."""
    by_province: dict[str, list[str]] = defaultdict(list)
    for z in sorted(zones, key=lambda z: z.zone_code):
        by_province[z.catalogue_code[1:3]].append(z.zone_code)
    out: dict[str, str] = {}
    for province, codes in by_province.items():
        for i, code in enumerate(codes):
            out[code] = f"{province}{1 + i // 29:02d}{71 + i % 29:02d}"
    return out


def _b_groups(zones: Iterable[CatalogueZone]) -> dict[str, str]:
    """zone code → sender, for the provincial zones that share a city with other provincial zones: that city's
    office sends one CSV for them all (layout B), as 淮安市 does in the sample. The catalogue's 城市/区县 names a
    county or district as often as the prefecture, so zones are grouped by its first two characters."""
    cities: dict[tuple[str, str], list[CatalogueZone]] = defaultdict(list)
    for z in zones:
        if z.level == "provincial":  # a municipality (上海市) is one city office
            cities[(z.province, z.province if z.province in MUNICIPALITIES else _city(z)[:2])].append(z)
    out: dict[str, str] = {}
    for (province, city), members in cities.items():
        if len(members) >= 2:
            sender = province if city == province else _sender([_city(z) for z in members], city)
            for z in members:
                out[z.zone_code] = sender
    return out


def _choose(r: random.Random, weights: dict[str, float]) -> str:
    return r.choices(list(weights), weights=list(weights.values()))[0]


def _plan(z: CatalogueZone, division: str, b_sender: str | None) -> NationalZone:
    r = _rng(z.zone_code, "national")
    level = z.level if z.level in ABOVE_SCALE_MEDIAN else "provincial"
    above = round(ABOVE_SCALE_MEDIAN[level] * r.lognormvariate(0.0, ABOVE_SCALE_SIGMA))
    above = min(max(above, ABOVE_SCALE_BOUNDS[0]), ABOVE_SCALE_BOUNDS[1])
    layout = "B" if b_sender else _choose(r, ZONE_LAYOUT_WEIGHTS[level])
    provisional = Zone(z.zone_code, z.zone_name, layout, 1, 0, "")
    params = zone_params(provisional)  # seeded by the code only: the revenue per firm the simulation will use
    # The zone counts more 规上 firms than its ledger lists (the listed ones are a subset).
    zone_firms = above * r.uniform(1.12, 1.35)
    revenue_yi = max(1, round(zone_firms * params.revenue_per_firm / 0.97 / params.size_factor / 10_000))
    zone = Zone(
        code=z.zone_code,
        ledger_name=z.zone_name,
        layout=layout,
        revenue_2023_yi=revenue_yi,
        submit_offset_min=r.randint(0, 300),
        area_code=f"0{100 + zlib.crc32(z.city.encode()) % 900}",
        has_fdi=r.random() < FDI_SHARE[level] or layout != "D",  # only layout D can print "—" for it
    )
    industries = _industries(z.leading_industries)
    province, city = _short(z.province), _city(z) if len(_city(z)) <= 3 else _city(z)[:2]
    firm_profile = FirmProfile(
        zone_code=z.zone_code,
        layout="E2" if r.random() < E2_SHARE[level] else "E1",
        division=division,
        population=round(above / ABOVE_SHARE),
        industries=industries,
        name_prefixes=tuple(dict.fromkeys((city, province))),
    )
    project_profile = ProjectProfile(
        zone=zone,
        layout="P1" if r.random() < P1_SHARE[level] else "P2",
        industries=industries,
        prefix=z.zone_code.replace("-", ""),
        entries_per_year=max(3.0, PROJECT_ENTRY_FACTOR * math.sqrt(above) * r.uniform(0.8, 1.25)),
    )
    return NationalZone(zone, z.province, level, b_sender or z.zone_code, firm_profile,
                        project_profile, above)


@cache
def _catalogue_plan() -> tuple[NationalZone, ...]:
    zones = load_zones()
    divisions, b_senders = _divisions(zones), _b_groups(zones)
    return tuple(_plan(z, divisions[z.zone_code], b_senders.get(z.zone_code)) for z in zones)


def plan_zones(limit: int | None = None) -> list[NationalZone]:
    """The zones to generate: the whole catalogue, or ``limit`` zones taken city by city in a fixed
    pseudo-random order of cities (so a layout-B city CSV keeps its zones and the level mix stays)."""
    plan = _catalogue_plan()
    if limit is None or limit >= len(plan):
        return list(plan)
    if limit < 1:
        raise ValueError("--zones must be at least 1")
    cities: dict[tuple[str, str], list[NationalZone]] = defaultdict(list)
    for nz, z in zip(plan, load_zones(), strict=True):
        cities[(z.province, nz.group if nz.zone.layout == "B" else z.city)].append(nz)
    order = sorted(cities, key=lambda key: (zlib.crc32("|".join(key).encode()), key))
    chosen: list[NationalZone] = []
    for key in order:
        chosen.extend(sorted(cities[key], key=lambda nz: nz.zone.code))
        if len(chosen) >= limit:
            break
    return chosen[:limit]


def _groups(plan: list[NationalZone]) -> list[list[NationalZone]]:
    groups: dict[tuple[str, str], list[NationalZone]] = defaultdict(list)
    for nz in plan:
        groups[(nz.province, nz.group)].append(nz)
    return [groups[key] for key in sorted(groups)]


def _write_group(
    group: list[NationalZone], months: list[tuple[int, int]], landing_dir: Path, month_dirs: bool
) -> tuple[Counter, Counter, int, int]:
    """Simulate one group's zones over the whole scenario and write the requested months; returns counts."""
    years = simulation_years(SCENARIO_YEARS[0], SCENARIO_YEARS[-1])
    per_layout: Counter = Counter()
    per_month: Counter = Counter()
    firm_rows = project_rows = 0
    series = [simulate_zone(nz.zone, years) for nz in group]
    panels = [
        simulate_firms(s, SCENARIO_YEARS, set(), profile=nz.firm_profile, max_firms=MAX_FIRMS)
        for s, nz in zip(series, group, strict=True)
    ]
    projects = [simulate_projects(nz.zone.code, SCENARIO_YEARS[-1], nz.project_profile) for nz in group]
    layout = group[0].zone.layout
    for year, month in months:
        key = f"{year}-{month:02d}"
        root = (landing_dir / key if month_dirs else landing_dir) / group[0].province
        written = 0
        if layout == "B":
            zone_files = write_layout_b(series, [(year, month)], root, sender=group[0].group)
        else:
            zone_files = WRITERS[layout](series, [(year, month)], root)
        firm_files = write_layout_e(panels, [(year, month)], root)
        for f in (*zone_files, *firm_files):
            stamp = f.submitted.timestamp()  # naive = local time, as the sample generator stamps them
            os.utime(f.path, (stamp, stamp))
            per_layout[f.layout] += 1
            written += 1
        firm_rows += sum(len(f.rows) for f in firm_files)
        for zp in projects:
            for f in write_zone_ledgers(zp, [(year, month)], root):
                per_layout[f.layout] += 1
                project_rows += len(f.rows)
                written += 1
        per_month[key] += written
    return per_layout, per_month, firm_rows, project_rows


def _write_chunk(args: tuple[list[list[NationalZone]], list[tuple[int, int]], Path, bool]) -> tuple:
    groups, months, landing_dir, month_dirs = args
    totals: Counter = Counter()
    per_month: Counter = Counter()
    firm_rows = project_rows = 0
    for group in groups:
        layouts, months_written, firms, projects = _write_group(group, months, landing_dir, month_dirs)
        totals.update(layouts)
        per_month.update(months_written)
        firm_rows += firms
        project_rows += projects
    return totals, per_month, firm_rows, project_rows


def generate_national(
    landing_dir: Path,
    start: str = SCENARIO_START,
    end: str = SCENARIO_END,
    zones: int | None = None,
    workers: int = 1,
    month_dirs: bool = False,
) -> NationalSummary:
    """Write the ledgers of ``zones`` catalogue zones (all 2,543 by default) for ``start``..``end``.

    Files go to ``landing_dir/<省份>/<zone or city office>/…``, or with ``month_dirs`` to
    ``landing_dir/<YYYY-MM>/<省份>/…`` so that months can be delivered one at a time. ``workers`` > 1 spreads
    zone groups over processes; the bytes and mtimes do not depend on it.
    """
    begun = time.perf_counter()
    landing_dir = Path(landing_dir)
    months = month_range(start, end)
    if not set(months) <= set(month_range(SCENARIO_START, SCENARIO_END)):
        raise ValueError(f"the national scenario covers {SCENARIO_START}..{SCENARIO_END}")
    plan = plan_zones(zones)
    groups = _groups(plan)
    # Interleave big and small groups over chunks so that workers finish at about the same time.
    n_chunks = max(1, min(len(groups), workers * 8))
    chunks = [(groups[i::n_chunks], months, landing_dir, month_dirs) for i in range(n_chunks)]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_write_chunk, chunks))
    else:
        results = [_write_chunk(chunk) for chunk in chunks]
    per_layout: Counter = Counter()
    per_month: Counter = Counter()
    firm_rows = project_rows = 0
    for layouts, months_written, firms, projects in results:
        per_layout.update(layouts)
        per_month.update(months_written)
        firm_rows += firms
        project_rows += projects
    order = ("A", "B", "C", "D", "E1", "E2", "P1", "P2")
    return NationalSummary(
        landing_dir=landing_dir,
        months=[f"{y}-{m:02d}" for y, m in months],
        zones=len(plan),
        files_per_layout={k: per_layout[k] for k in order if per_layout[k]},
        firm_rows=firm_rows,
        project_rows=project_rows,
        seconds=time.perf_counter() - begun,
        files_per_month=dict(sorted(per_month.items())),
    )


PLAN_COLUMNS = ("zone_code", "zone_name", "province", "level", "zone_layout", "sender", "firm_layout",
                "project_layout", "revenue_2023_yi", "target_above_scale", "firm_population",
                "project_entries_per_year", "industries")


def write_plan(path: Path, zones: int | None = None) -> Path:
    """The generated zones and what each sends (the national scale's counterpart of scenario.csv)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PLAN_COLUMNS)
        for nz in plan_zones(zones):
            writer.writerow((
                nz.zone.code, nz.zone.ledger_name, nz.province, nz.level, nz.zone.layout,
                nz.group if nz.zone.layout == "B" else "", nz.firm_profile.layout, nz.project_profile.layout,
                nz.zone.revenue_2023_yi, nz.target_above_scale, nz.firm_profile.population,
                f"{nz.project_profile.entries_per_year:.2f}", " ".join(nz.firm_profile.industries),
            ))  # fmt: skip
    return path


def write_expected_reporters(path: Path, zones: int | None = None) -> Path:
    """The generated zones as 应报单位 (the format of sources/reporting/expected_reporters.yaml), for the
    completeness rule: point PARKSTATS_EXPECTED_REPORTERS at it when running the pipeline on these ledgers."""
    plan = plan_zones(zones)
    every = [nz.zone.code for nz in plan]
    monthly = [nz.zone.code for nz in plan if nz.zone.layout != "C"]
    combined = [nz.zone.code for nz in plan if nz.zone.layout == "C"]  # 1-2月合报: nothing for January

    def entry(ledger: str, codes: list[str], skip: str = "") -> str:
        return f"  - ledger: {ledger}\n    from: {SCENARIO_START}\n{skip}    zones: [{', '.join(codes)}]\n"

    text = "# Expected reporters of the national scale generator (pipelines/sample/national.py)\nreporters:\n"
    text += entry("zone_indicators", monthly) if monthly else ""
    text += entry("zone_indicators", combined, "    skip_months: [1]\n") if combined else ""
    text += entry("firm_indicators", every) + entry("project_snapshots", every)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

