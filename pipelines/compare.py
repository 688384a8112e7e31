"""Comparing zones on published metrics (`parkstats compare`) and one zone's series (`parkstats zone`).

Pure functions over a read-only connection to a release (`pipelines.publish.connect_published`). They read the
analytics view `v_zone_metrics` (`pipelines.analytics`), or the same SQL inline for a release published before the
views existed, so they see exactly what an analyst sees in SQL. Ranks are computed within the chosen peer group;
without a filter they equal the published ranking's. An unknown metric, zone, month or peer-group value raises
`CompareError` with the valid choices. The writers at the end export rows as CSV (guarded against formula
injection), JSON and xlsx.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb

from pipelines.analytics import Column, view_sql
from pipelines.registry import UnknownZoneError, normalise_name, zone_resolver


class CompareError(ValueError):
    """An argument names a metric, zone, month or peer group that the published release does not have."""


MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
LIST_AT_MOST = 40  # choices listed in an error message (a national release has 2,543 zones)


def _relation_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_catalog = current_database() "
                       "and table_schema = 'main' and table_name = ?", [name]).fetchone()[0] > 0


def zone_metrics(con: duckdb.DuckDBPyConnection) -> str:
    """The relation to read: the view, or its SQL for a release that predates the analytics layer."""
    if _relation_exists(con, "v_zone_metrics"):
        return "v_zone_metrics"
    return f"({view_sql('v_zone_metrics')}) as v_zone_metrics"


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:LIST_AT_MOST])
    return shown + (f", … ({len(items)} in all)" if len(items) > LIST_AT_MOST else "")


def month_ranges(months: Iterable[str]) -> str:
    """'2023-01..2023-05, 2023-07..2024-12': the months, consecutive ones as a range."""
    ordered = sorted(set(months))
    index = [int(m[:4]) * 12 + int(m[5:]) - 1 for m in ordered]
    runs: list[list[str]] = []
    for i, month in enumerate(ordered):
        if runs and index[i] == index[i - 1] + 1:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    return ", ".join(a if a == b else f"{a}..{b}" for a, b in runs) or "none"


def check_month(text: str, option: str = "--month") -> str:
    if not MONTH.match(text or ""):
        raise CompareError(f"{option} {text!r} is not a month in the form YYYY-MM (e.g. 2024-06)")
    return text


def published_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months the release publishes (release_months), else the months with figures."""
    if _relation_exists(con, "release_months"):
        months = [r[0] for r in con.execute(
            "select month from release_months where status = 'published' order by 1").fetchall()]
    else:
        months = [r[0] for r in con.execute(f"select distinct period from {zone_metrics(con)} order by 1").fetchall()]
    if not months:
        raise CompareError("the published release has no published month yet")
    return months


def _published_month(con: duckdb.DuckDBPyConnection, month: str, option: str = "--month") -> str:
    months = published_months(con)
    if check_month(month, option) not in months:
        raise CompareError(f"{option} {month} is not published; published months: {month_ranges(months)}")
    return month


# ---- metrics -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    metric: str
    label: str
    unit: str
    direction: str
    ranked: bool


def metric_catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, Metric]:
    rows = con.execute(f"""
        select metric, any_value(metric_label), any_value(unit),
               coalesce(any_value(direction), 'higher_is_better'), bool_or(rank_overall is not null)
        from {zone_metrics(con)} group by metric order by metric""").fetchall()
    return {r[0]: Metric(*r) for r in rows}


def resolve_metric(con: duckdb.DuckDBPyConnection, metric: str) -> Metric:
    """A metric key or its Chinese label (亩均税收) → the metric."""
    catalogue = metric_catalogue(con)
    if metric in catalogue:
        return catalogue[metric]
    by_label = [m for m in catalogue.values() if normalise_name(m.label) == normalise_name(metric)]
    if len(by_label) == 1:
        return by_label[0]
    choices = [f"{m.metric} ({m.label})" for m in catalogue.values()]
    raise CompareError(f"unknown metric {metric!r}; published metrics: {', '.join(choices)}")


# ---- zones and peer groups -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Zone:
    zone_code: str
    zone_name: str
    level: str
    level_label: str
    zone_type: str
    zone_type_label: str
    province: str
    city: str
    region: str
    region_label: str
    aliases: str


def published_zones(con: duckdb.DuckDBPyConnection) -> list[Zone]:
    """Zones with at least one published figure, with their peer-group attributes."""
    rows = con.execute(f"""
        select z.zone_code, z.zone_name, z.level, z.level_label, z.zone_type, z.zone_type_label, z.province,
               z.city, z.region, z.region_label, coalesce(z.aliases, '')
        from dim_zone z
        where z.zone_code in (select zone_code from {zone_metrics(con)})
        order by z.zone_code""").fetchall()
    return [Zone(*r) for r in rows]


def _zone_listing(zones: Sequence[Zone]) -> str:
    return _listing([f"{z.zone_code} {z.zone_name}" for z in zones])


def resolve_zone(con: duckdb.DuckDBPyConnection, text: str, zones: Sequence[Zone] | None = None) -> Zone:
    """A code, the official name, an alias or an abbreviation the registry knows (淮安经开区) → a published zone."""
    zones = published_zones(con) if zones is None else zones
    key = normalise_name(text)
    for zone in zones:
        names = [zone.zone_code, zone.zone_name, *[a for a in zone.aliases.split("；") if a]]
        if key.upper() == zone.zone_code.upper() or key in map(normalise_name, names):
            return zone
    try:
        code = zone_resolver().resolve(text)
    except UnknownZoneError as exc:
        reason = str(exc).split(";")[0]
        raise CompareError(f"{reason}; published zones: {_zone_listing(zones)}") from exc
    found = next((z for z in zones if z.zone_code == code), None)
    if found is None:
        name = con.execute("select any_value(zone_name) from dim_zone where zone_code = ?", [code]).fetchone()[0]
        raise CompareError(f"zone {code} {name or text} has no published figures; published zones: "
                           f"{_zone_listing(zones)}")
    return found


# peer-group option → (key attribute, label attribute, how it reads in a message); extra Chinese synonyms
PEER_FIELDS = {
    "level": ("level", "level_label", "levels"),
    "zone_type": ("zone_type", "zone_type_label", "zone types"),
    "province": ("province", None, "provinces"),
    "city": ("city", None, "cities"),
    "region": ("region", "region_label", "regions"),
}
SYNONYMS = {"level": {"国家级": "national", "省级": "provincial"}, "zone_type": {"高新区": "high_tech"}}


@dataclass(frozen=True)
class PeerGroup:
    """Who is compared: zones of a level, type, province, city and region (all that are given), or a list."""

    level: str | None = None
    zone_type: str | None = None
    province: str | None = None
    city: str | None = None
    region: str | None = None
    zones: tuple[str, ...] = ()

    def filters(self) -> dict[str, str]:
        return {name: value for name in PEER_FIELDS if (value := getattr(self, name))}

    def is_everyone(self) -> bool:
        return not self.filters() and not self.zones


def resolve_peer_value(option: str, text: str, zones: Sequence[Zone]) -> str:
    """A key or Chinese label (national / 国务院 / 国家级; east / 东部), or an unambiguous prefix (江苏 → 江苏省)."""
    attribute, label_attribute, plural = PEER_FIELDS[option]
    values: dict[str, str] = {}  # spelling → key
    for zone in zones:
        key = getattr(zone, attribute)
        values[normalise_name(key).lower()] = key
        if label_attribute:
            values[normalise_name(getattr(zone, label_attribute))] = key
    for synonym, key in SYNONYMS.get(option, {}).items():
        if key in values.values():
            values[synonym] = key
    wanted = normalise_name(text)
    if wanted in values or wanted.lower() in values:
        return values.get(wanted) or values[wanted.lower()]
    prefixed = {key for spelling, key in values.items() if spelling.startswith(wanted)}
    if len(prefixed) == 1:
        return prefixed.pop()
    choices = sorted({getattr(z, attribute) for z in zones})
    if label_attribute:
        labels = {getattr(z, attribute): getattr(z, label_attribute) for z in zones}
        choices = [f"{c} ({labels[c]})" for c in choices]
    flag = "--type" if option == "zone_type" else f"--{option}"
    raise CompareError(f"unknown {flag} {text!r}; published {plural}: {', '.join(choices)}")


def resolve_peer_group(con: duckdb.DuckDBPyConnection, peers: PeerGroup,
                       zones: Sequence[Zone] | None = None) -> PeerGroup:
    """The group with every value as its key and every listed zone as its code."""
    zones = published_zones(con) if zones is None else zones
    resolved = {name: resolve_peer_value(name, value, zones) for name, value in peers.filters().items()}
    codes = tuple(dict.fromkeys(resolve_zone(con, z, zones).zone_code for z in peers.zones))
    return PeerGroup(**resolved, zones=codes)


def describe_peer_group(peers: PeerGroup) -> str:
    parts = [f"{'type' if k == 'zone_type' else k}={v}" for k, v in peers.filters().items()]
    if peers.zones:
        parts.append(f"zones={','.join(peers.zones)}")
    return ", ".join(parts) or "all zones"


# ---- compare ---------------------------------------------------------------------------------------------------

def _columns(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


COMPARE_COLUMNS = _columns(
    ("rank", "排名", "Rank within the peer group (1 = best; ties share a rank)."),
    ("rank_change", "名次变化", "Peer-group rank in the previous month with values − this rank (positive = up; "
                               "empty = not ranked then)."),
    ("rank_overall", "总排名", "Rank among all published zones (the published ranking's rank_overall)."),
    ("zones_ranked", "参评园区数", "Zones of the peer group with a value this month."),
    ("zone_code", "开发区代码", "Registry zone code."),
    ("zone_name", "开发区名称", "Official zone name."),
    ("level", "批准级别", "national / provincial."),
    ("zone_type", "开发区类型", "Zone type key."),
    ("province", "省份", "Province."),
    ("city", "城市", "City."),
    ("region", "区域", "east / central / west."),
    ("period", "报告期", "Month 'YYYY-MM'."),
    ("metric", "指标", "Metric key."),
    ("metric_label", "指标名称", "Chinese name of the metric."),
    ("value", "数值", "Published value."),
    ("unit", "单位", "Unit of value."),
    ("basis", "口径", "ttm / annualised_ytd (亩均, 12-month), comparable / nominal (同比); empty otherwise."),
    ("yoy_pct", "同比增长%", "同比 of a zone-ledger value."),
    ("yoy_basis", "同比口径", "comparable (同口径) / nominal."),
    ("time_progress_pct", "序时进度%", "For completion metrics: month ÷ months of the period × 100."),
    ("gap_pp", "快于序时进度（百分点）", "Completion − 序时进度."),
    ("status_flag", "数据标志", "A normal, P provisional, E estimated, r revised."),
)
_VIEW_FIELDS = ("zone_code", "zone_name", "level", "zone_type", "province", "city", "region", "period", "metric",
                "metric_label", "value", "unit", "basis", "yoy_pct", "yoy_basis", "time_progress_pct", "gap_pp",
                "status_flag")


@dataclass
class Comparison:
    month: str
    metric: Metric
    peers: PeerGroup
    previous_month: str | None
    rows: list[dict[str, Any]]
    missing: list[Zone] = field(default_factory=list)  # listed zones without a value this month


def _peer_filter(peers: PeerGroup) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    for name, value in peers.filters().items():
        clauses.append(f"{name} = ${name}")
        params[name] = value
    if peers.zones:
        clauses.append("list_contains($zones, zone_code)")
        params["zones"] = list(peers.zones)
    return " and ".join(clauses) or "true", params


def compare(con: duckdb.DuckDBPyConnection, month: str | None = None, metric: str = "composite_score",
            peers: PeerGroup | None = None, top: int | None = None) -> Comparison:
    """Rank the zones of a peer group on a metric in a published month, with the change against the previous
    month that has values in the group (the published ranking's rule) and the overall rank beside it."""
    found = resolve_metric(con, metric)
    zones = {z.zone_code: z for z in published_zones(con)}
    peers = resolve_peer_group(con, peers or PeerGroup(), list(zones.values()))
    relation = zone_metrics(con)
    with_values = [r[0] for r in con.execute(
        f"select distinct period from {relation} where metric = ? order by 1", [found.metric]).fetchall()]
    published = published_months(con)
    if month is None:
        candidates = [m for m in published if m in with_values]
        if not candidates:
            raise CompareError(f"metric {found.metric} has no values in any published month")
        month = candidates[-1]
    _published_month(con, month)
    if month not in with_values:
        raise CompareError(f"metric {found.metric} has no values in {month}; months with values: "
                           f"{month_ranges(m for m in with_values if m in published)}")
    where, params = _peer_filter(peers)
    previous = con.execute(f"select max(period) from {relation} where metric = $metric and period < $month "
                           f"and list_contains($published, period) and {where}",
                           {"metric": found.metric, "month": month, "published": published, **params}).fetchone()[0]
    rows = con.execute(f"""
        with metric_rows as (
            select *, case when $direction = 'lower_is_better' then value else -value end as ranking_value
            from {relation}
            where metric = $metric and period in ($month, $previous)
        ),
        overall as (
            select *, rank() over (partition by period order by ranking_value) as overall_rank
            from metric_rows
        ),
        peer_ranks as (
            select *, rank() over (partition by period order by ranking_value) as peer_rank,
                   count(*) over (partition by period) as zones_in_group
            from overall
            where {where}
        )
        select c.peer_rank, p.peer_rank - c.peer_rank, c.overall_rank, c.zones_in_group,
               {", ".join(f"c.{name}" for name in _VIEW_FIELDS)}
        from peer_ranks c
        left join peer_ranks p on p.zone_code = c.zone_code and p.period = $previous
        where c.period = $month
        order by c.peer_rank, c.zone_code""",
        {"metric": found.metric, "direction": found.direction, "month": month, "previous": previous or month,
         **params}).fetchall()
    names = ["rank", "rank_change", "rank_overall", "zones_ranked", *_VIEW_FIELDS]
    records = [{c.name: found_row[c.name] for c in COMPARE_COLUMNS}
               for found_row in (dict(zip(names, r, strict=True)) for r in rows)]
    if previous is None:
        for record in records:
            record["rank_change"] = None
    present = {r["zone_code"] for r in records}
    missing = [zones[code] for code in peers.zones if code not in present]
    if not records:
        raise CompareError(f"no zone of the peer group ({describe_peer_group(peers)}) has a value of "
                           f"{found.metric} in {month}")
    return Comparison(month, found, peers, previous, records[:top] if top else records, missing)


# ---- one zone's series -------------------------------------------------------------------------------------------

DEFAULT_SERIES_METRICS = ("industrial_revenue_ytd", "tax_revenue_ytd", "fixed_asset_investment_ytd",
                          "revenue_per_mu", "tax_per_mu", "four_new_one_revived_ytd", "composite_score")
SERIES_COLUMNS = _columns(
    ("zone_code", "开发区代码", "Registry zone code."),
    ("zone_name", "开发区名称", "Official zone name."),
    ("period", "报告期", "Month 'YYYY-MM'."),
    ("metric", "指标", "Metric key."),
    ("metric_label", "指标名称", "Chinese name of the metric."),
    ("value", "数值", "Published value."),
    ("unit", "单位", "Unit of value."),
    ("basis", "口径", "ttm / annualised_ytd, comparable / nominal; empty otherwise."),
    ("yoy_pct", "同比增长%", "同比 of a zone-ledger value."),
    ("yoy_basis", "同比口径", "comparable (同口径) / nominal."),
    ("time_progress_pct", "序时进度%", "For target and key-project completion: month ÷ months of the target "
                                     "period × 100."),
    ("gap_pp", "快于序时进度（百分点）", "Completion − 序时进度 (positive = ahead)."),
    ("rank_overall", "总排名", "Rank among all zones in the published ranking (ranked metrics)."),
    ("zones_ranked", "参评园区数", "Zones ranked that month."),
    ("rank_change", "名次变化", "Change against the previous ranking month (positive = up)."),
    ("status_flag", "数据标志", "A normal, P provisional, E estimated, r revised."),
)


@dataclass
class ZoneSeries:
    zone: Zone
    first: str
    last: str
    metrics: list[str]
    rows: list[dict[str, Any]]


def zone_series(con: duckdb.DuckDBPyConnection, zone: str, first: str | None = None, last: str | None = None,
                metrics: Sequence[str] = ()) -> ZoneSeries:
    """One zone's published figures month by month, with 同比 and, for completion metrics, 序时进度.

    Default months: the 12 latest published up to `last`. Default metrics: the headline figures and every
    completion metric (targets, key projects) the zone has; `all` for every metric."""
    found = resolve_zone(con, zone)
    published = published_months(con)
    last = _published_month(con, last, "--to") if last else published[-1]
    first = _published_month(con, first, "--from") if first else [m for m in published if m <= last][-12:][0]
    if first > last:
        raise CompareError(f"--from {first} is after --to {last}")
    relation = zone_metrics(con)
    catalogue = metric_catalogue(con)
    if list(metrics) == ["all"]:
        chosen = list(catalogue)
    elif metrics:
        chosen = list(dict.fromkeys(resolve_metric(con, m).metric for m in metrics))
    else:
        completion = [r[0] for r in con.execute(
            f"select distinct metric from {relation} where zone_code = ? and time_progress_pct is not null "
            "and period between ? and ? order by 1", [found.zone_code, first, last]).fetchall()]
        chosen = [m for m in DEFAULT_SERIES_METRICS if m in catalogue] + completion
    order = {m: i for i, m in enumerate(chosen)}
    names = [c.name for c in SERIES_COLUMNS]
    rows = con.execute(f"""
        select {", ".join(names)} from {relation}
        where zone_code = $zone and period between $first and $last and list_contains($metrics, metric)
          and list_contains($published, period)""",
        {"zone": found.zone_code, "first": first, "last": last, "metrics": chosen, "published": published}).fetchall()
    records = sorted((dict(zip(names, r, strict=True)) for r in rows),
                     key=lambda r: (r["period"], order[r["metric"]]))
    return ZoneSeries(found, first, last, chosen, records)


# ---- writers ---------------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """OWASP CSV-injection advice: a text cell starting with = + - @ (or tab / CR) gets a leading single quote,
    so a spreadsheet shows it as text instead of running it. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(stream: IO[str], columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c.name) is None else csv_safe(row[c.name]) for c in columns])


def to_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"


def write_xlsx(path: Path, sheet: str, columns: Sequence[Column], rows: Sequence[dict[str, Any]],
               about: Sequence[tuple[str, str]]) -> None:
    """One sheet of rows under the Chinese labels, and a sheet 说明 with the query and the columns.

    Every text is written as a string (never a formula, number or URL), whatever it starts with."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                               "strings_to_urls": False})
    try:
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        decimal = workbook.add_format({"num_format": "#,##0.00"})
        data = workbook.add_worksheet(sheet)
        for j, column in enumerate(columns):
            data.write_string(0, j, column.label, bold)
            data.set_column(j, j, max(10, min(28, 2 * len(column.label) + 2)))
        for i, row in enumerate(rows, start=1):
            for j, column in enumerate(columns):
                _write_cell(data, i, j, row.get(column.name), decimal)
        data.freeze_panes(1, 0)
        data.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
        notes = workbook.add_worksheet("说明")
        notes.set_column(0, 0, 24)
        notes.set_column(1, 2, 60)
        line = 0
        for key, value in about:
            notes.write_string(line, 0, key, bold)
            notes.write_string(line, 1, value)
            line += 1
        line += 1
        for j, title in enumerate(("column", "标签", "meaning")):
            notes.write_string(line, j, title, bold)
        for column in columns:
            line += 1
            for j, text in enumerate((column.name, column.label, column.description)):
                notes.write_string(line, j, text)
    finally:
        workbook.close()


def _write_cell(sheet: Any, row: int, col: int, value: Any, decimal: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int):
        sheet.write_number(row, col, value)
    elif isinstance(value, float):
        sheet.write_number(row, col, value, decimal)
    else:
        sheet.write_string(row, col, str(value))
