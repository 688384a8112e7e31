"""The tables of one month's bulletin, read from a published release (never the warehouse).

Frames keep the warehouse units (万元, 亩, %); the layout decides how they are shown (亿元, rounding). Every
value column may carry a status flag (SDMX/Eurostat A/P/E/r) in a `<column>__flag` column: it is taken from the
table's `status_flag` column when the release has one, and is empty otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.bulletin.release import (
    ReleaseInfo,
    check_month_published,
    connect_release,
    parse_month,
    read_release_info,
)

RANKING_METRICS = ("composite_score", "revenue_per_mu", "tax_per_mu", "industrial_revenue_ytd",
                   "industrial_revenue_yoy_pct", "tax_revenue_ytd", "fixed_asset_investment_ytd",
                   "fixed_asset_investment_yoy_pct", "four_new_one_revived_ytd")
TREND_METRICS = ("composite_score", "revenue_per_mu", "tax_per_mu")
# the funnel follows a project from first talks to production; 盘活 (revived) is not a step of it
FUNNEL_STAGES = ("negotiation", "signed", "started", "completed", "production")
PIPELINE_STAGES = (*FUNNEL_STAGES, "revived", "four_new_one_revived")


@dataclass(frozen=True)
class BulletinData:
    month: str
    year: int
    month_number: int
    release: ReleaseInfo
    ranking: pd.DataFrame  # one row per zone: composite rank and the ranked metrics
    efficiency: pd.DataFrame  # one row per zone: 亩均营收, 亩均税收, their ranks and the quadrant
    efficiency_medians: tuple[float | None, float | None]  # medians of 亩均营收 and 亩均税收 that month
    investment: pd.DataFrame  # one row per zone: 四新一盘活 stages, conversion, project and fixed-asset investment
    funnel: pd.DataFrame  # one row per stage: projects and investment 1-N月, all zones
    progress: pd.DataFrame  # one row per zone and target: completion against 序时进度
    trends: pd.DataFrame  # long: zone × month × metric over the month and the 11 before it
    trend_months: list[str] = field(default_factory=list)  # 'YYYY-MM' of the 12-month window, oldest first
    composite_weights: list[tuple[str, float]] = field(default_factory=list)  # (label, weight) of the composite

    @property
    def ytd_label(self) -> str:
        return "1月" if self.month_number == 1 else f"1-{self.month_number}月"

    @property
    def title_month(self) -> str:
        return f"{self.year}年{self.month_number}月"


def load_bulletin_data(release_dir: Path, month: str) -> BulletinData:
    year, number = parse_month(month)
    info = read_release_info(release_dir, month)
    with connect_release(release_dir) as con:
        check_month_published(con, month, info)
        period = date(year, number, 1)
        ranking = _ranking(con, period)
        efficiency, medians = _efficiency(con, period, ranking)
        investment = _investment(con, period).merge(
            ranking[["zone_code", "four_new_one_revived_ytd__rank", "four_new_one_revived_ytd__change"]],
            on="zone_code", how="left")
        return BulletinData(
            month=month, year=year, month_number=number, release=info, ranking=ranking, efficiency=efficiency,
            efficiency_medians=medians, investment=investment, funnel=_funnel(con, period),
            progress=_progress(con, period), trends=_trends(con, period), trend_months=_window(period),
            composite_weights=_composite_weights(con, period))


def _flag(con: duckdb.DuckDBPyConnection, table: str, alias: str) -> str:
    """SQL for the row's status flag: the column when the release has it (newer releases), else null."""
    has = con.execute("select count(*) from information_schema.columns where table_name = ? "
                      "and column_name = 'status_flag'", [table]).fetchone()[0]
    return f"{alias}.status_flag" if has else "cast(null as varchar)"


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def _widen(long: pd.DataFrame, key: str, fields: dict[str, str]) -> pd.DataFrame:
    """Long rows (zone × key) → one row per zone, with `<key value><suffix>` columns for each field."""
    parts = []
    for source, suffix in fields.items():
        wide = long.pivot(index="zone_code", columns=key, values=source)
        parts.append(wide.rename(columns=lambda k, s=suffix: f"{k}{s}"))
    return pd.concat(parts, axis=1).reset_index() if parts and not long.empty else pd.DataFrame({"zone_code": []})


def _ranking(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    long = _frame(con, f"""
        select r.zone_code, r.metric, r.value, r.basis, r.rank_overall, r.rank_change, r.zones_ranked,
               r.composite_coverage, {_flag(con, 'fct_zone_ranking_monthly', 'r')} as status_flag
        from fct_zone_ranking_monthly r
        where r.period_date = ? and r.metric in ({', '.join('?' * len(RANKING_METRICS))})
        """, [period, *RANKING_METRICS])
    wide = _widen(long, "metric", {"value": "", "basis": "__basis", "rank_overall": "__rank",
                                   "rank_change": "__change", "status_flag": "__flag",
                                   "zones_ranked": "__zones", "composite_coverage": "__coverage"})
    for metric in RANKING_METRICS:  # a metric nobody has this month still gets its (empty) columns
        for suffix in ("", "__basis", "__rank", "__change", "__flag", "__zones", "__coverage"):
            if f"{metric}{suffix}" not in wide:
                wide[f"{metric}{suffix}"] = None
    wide = _with_zone_names(con, wide)
    return wide.sort_values(["composite_score__rank", "zone_name"], na_position="last").reset_index(drop=True)


def _with_zone_names(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    zones = _frame(con, "select zone_code, zone_name, level from dim_zone", [])
    merged = frame.merge(zones, on="zone_code", how="left")
    merged["zone_name"] = merged["zone_name"].fillna(merged["zone_code"])  # a code the registry lacks still shows
    return merged


def _efficiency(con: duckdb.DuckDBPyConnection, period: date,
                ranking: pd.DataFrame) -> tuple[pd.DataFrame, tuple[float | None, float | None]]:
    flag = _flag(con, "fct_zone_land_efficiency", "e")
    frame = _frame(con, f"""
        select e.zone_code, e.industrial_land_mu, e.revenue_12m, e.tax_12m, e.revenue_per_mu, e.tax_per_mu,
               e.basis, {flag} as status_flag
        from fct_zone_land_efficiency e
        where e.period_date = ?
        """, [period])
    ranks = ranking[["zone_code", "revenue_per_mu__rank", "revenue_per_mu__change", "tax_per_mu__rank",
                     "tax_per_mu__change"]]
    frame = _with_zone_names(con, frame.merge(ranks, on="zone_code", how="left"))
    for column in ("revenue_12m", "tax_12m", "industrial_land_mu", "revenue_per_mu", "tax_per_mu"):
        frame[f"{column}__flag"] = frame["status_flag"]
    both = frame.dropna(subset=["revenue_per_mu", "tax_per_mu"])
    medians = (float(both["revenue_per_mu"].median()), float(both["tax_per_mu"].median())) if len(both) else (
        None, None)
    frame["quadrant"] = [_quadrant(r, t, medians) for r, t in zip(frame["revenue_per_mu"], frame["tax_per_mu"],
                                                                     strict=True)]
    frame = frame.sort_values(["revenue_per_mu__rank", "zone_name"], na_position="last").reset_index(drop=True)
    return frame, medians


def _quadrant(revenue: float, tax: float, medians: tuple[float | None, float | None]) -> str | None:
    """Which side of the month's medians a zone lies on (a value at the median counts as high)."""
    if pd.isna(revenue) or pd.isna(tax) or medians[0] is None:
        return None
    high_revenue, high_tax = revenue >= medians[0], tax >= medians[1]
    return f"{'高' if high_revenue else '低'}营收·{'高' if high_tax else '低'}税收"


def _investment(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    stages = _frame(con, f"""
        select p.zone_code, p.stage, p.projects, p.projects_ytd, p.total_investment_ytd,
               {_flag(con, 'fct_project_pipeline_monthly', 'p')} as status_flag
        from fct_project_pipeline_monthly p
        where p.period_date = ?
        """, [period])
    wide = _widen(stages, "stage", {"projects": "__projects", "projects_ytd": "__projects_ytd",
                                    "total_investment_ytd": "__investment_ytd", "status_flag": "__flag"})
    for stage in PIPELINE_STAGES:
        for suffix in ("__projects", "__projects_ytd", "__investment_ytd", "__flag"):
            if f"{stage}{suffix}" not in wide:
                wide[f"{stage}{suffix}"] = None
    for stage in PIPELINE_STAGES:  # every figure of a stage carries the stage row's flag
        for suffix in ("__projects", "__projects_ytd", "__investment_ytd"):
            wide[f"{stage}{suffix}__flag"] = wide[f"{stage}__flag"]
    conversion = _frame(con, f"""
        select c.zone_code, c.start_rate_pct, c.completion_rate_pct,
               {_flag(con, 'fct_project_conversion', 'c')} as conversion_flag
        from fct_project_conversion c where c.period_date = ?
        """, [period])
    investment = _frame(con, f"""
        select i.zone_code, i.project_investment_completed_ytd, i.fixed_asset_investment_ytd,
               i.fixed_asset_investment_yoy_pct, i.fixed_asset_investment_yoy_basis, i.project_share_pct,
               {_flag(con, 'fct_zone_investment_monthly', 'i')} as investment_flag
        from fct_zone_investment_monthly i where i.period_date = ?
        """, [period])
    frame = wide.merge(conversion, on="zone_code", how="outer").merge(investment, on="zone_code", how="outer")
    for column in ("start_rate_pct", "completion_rate_pct"):
        frame[f"{column}__flag"] = frame["conversion_flag"]
    for column in ("project_investment_completed_ytd", "fixed_asset_investment_ytd",
                   "fixed_asset_investment_yoy_pct", "project_share_pct"):
        frame[f"{column}__flag"] = frame["investment_flag"]
    frame = _with_zone_names(con, frame)
    return frame.sort_values(["four_new_one_revived__projects_ytd", "zone_name"], ascending=[False, True],
                             na_position="last").reset_index(drop=True)


def _composite_weights(con: duckdb.DuckDBPyConnection, period: date) -> list[tuple[str, float]]:
    """The weights the release's composite used that month (the scheme is configuration, so read, not assumed)."""
    return [(label, float(weight)) for label, weight in con.execute("""
        select any_value(label), any_value(composite_weight) from fct_zone_ranking_monthly
        where period_date = ? and composite_weight is not null
        group by metric order by min(metric_order)
        """, [period]).fetchall()]


def _funnel(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    return _frame(con, """
        select stage, any_value(stage_label) as stage_label, min(stage_order) as stage_order,
               sum(projects_ytd) as projects_ytd, sum(total_investment_ytd) as total_investment_ytd,
               count(distinct zone_code) as zones
        from fct_project_pipeline_monthly
        where period_date = ?
        group by stage order by stage_order
        """, [period])


def _progress(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """Targets (fct_target_progress) and key-project annual plans (fct_key_project_progress), one shape."""
    targets = _frame(con, f"""
        select t.zone_code, t.measure_label as indicator, t.period, t.unit, t.target_value, t.actual_value,
               t.actual_complete, t.completion_pct, t.time_progress_pct, t.gap_pp, t.target_note as note,
               {_flag(con, 'fct_target_progress', 't')} as status_flag, 1 as source_order
        from fct_target_progress t
        where t.period_date = ?
        """, [period])
    key_projects = _frame(con, f"""
        select k.zone_code, '重点项目年度投资' as indicator, 'year' as period, '万元' as unit,
               k.annual_plan_investment as target_value, k.investment_completed_ytd as actual_value,
               true as actual_complete, k.completion_pct, k.time_progress_pct, k.gap_pp,
               format('重点项目 {{}} 个', k.key_projects) as note,
               {_flag(con, 'fct_key_project_progress', 'k')} as status_flag, 2 as source_order
        from fct_key_project_progress k
        where k.period_date = ? and k.completion_pct is not null
        """, [period])
    parts = [f for f in (targets, key_projects) if not f.empty]
    frame = _with_zone_names(con, pd.concat(parts, ignore_index=True) if parts else targets)
    for column in ("target_value", "actual_value", "completion_pct"):
        frame[f"{column}__flag"] = frame["status_flag"]
    return frame.sort_values(["zone_name", "source_order", "indicator", "period"]).reset_index(drop=True)


def _window(period: date) -> list[str]:
    """The month and the 11 before it, oldest first."""
    months = []
    for back in range(11, -1, -1):
        year, month0 = divmod(period.year * 12 + period.month - 1 - back, 12)
        months.append(f"{year:04d}-{month0 + 1:02d}")
    return months


def _trends(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    first = date.fromisoformat(_window(period)[0] + "-01")
    frame = _frame(con, f"""
        select r.zone_code, strftime(r.period_date, '%Y-%m') as month, r.metric, r.value, r.rank_overall,
               r.zones_ranked, {_flag(con, 'fct_zone_ranking_monthly', 'r')} as status_flag
        from fct_zone_ranking_monthly r
        where r.period_date between ? and ? and r.metric in ({', '.join('?' * len(TREND_METRICS))})
        order by r.metric, r.zone_code, r.period_date
        """, [first, period, *TREND_METRICS])
    return _with_zone_names(con, frame)
