"""Read-side queries over the published release (never the live warehouse)."""

from __future__ import annotations

from pipelines.publish import connect_published
from pipelines.settings import DataPaths


class RankingError(ValueError):
    """A ranking query names a month or metric that is not published."""


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _arrow(change: int | None) -> str:
    if change is None:
        return "new"
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "–"


def ranking_table(paths: DataPaths, month: str | None, metric: str, top: int) -> tuple[str, list[tuple[str, ...]]]:
    """Rows for the ranking printout: rank, change, zone, 亩均营收, 亩均税收, YTD revenue (亿元), 同比, basis, score."""
    with connect_published(paths) as con:
        months = [r[0] for r in con.execute(
            "select distinct strftime(period_date, '%Y-%m') from fct_zone_ranking_monthly order by 1").fetchall()]
        if not months:
            raise RankingError("the published release has no ranking yet")
        month = month or months[-1]
        if month not in months:
            raise RankingError(f"month {month} is not published; published months: {months[0]} .. {months[-1]}")
        metrics = [r[0] for r in con.execute(
            "select distinct metric from fct_zone_ranking_monthly order by 1").fetchall()]
        if metric not in metrics:
            raise RankingError(f"unknown metric {metric!r}; choose one of {', '.join(metrics)}")
        rows = con.execute(
            """
            with m as (
                select * from fct_zone_ranking_monthly where strftime(period_date, '%Y-%m') = ?
            ),
            wide as (
                select zone_code,
                    max(value) filter (where metric = 'revenue_per_mu') as revenue_per_mu,
                    max(basis) filter (where metric = 'revenue_per_mu') as efficiency_basis,
                    max(value) filter (where metric = 'tax_per_mu') as tax_per_mu,
                    max(value) filter (where metric = 'industrial_revenue_ytd') as revenue_ytd,
                    max(value) filter (where metric = 'industrial_revenue_yoy_pct') as revenue_yoy,
                    max(basis) filter (where metric = 'industrial_revenue_yoy_pct') as yoy_basis,
                    max(value) filter (where metric = 'composite_score') as composite,
                    max(rank_overall) filter (where metric = ?) as rank_overall,
                    max(rank_change) filter (where metric = ?) as rank_change
                from m group by zone_code
            )
            select w.rank_overall, w.rank_change, z.zone_name, w.revenue_per_mu, w.tax_per_mu,
                   w.revenue_ytd / 10000.0, w.revenue_yoy, w.efficiency_basis, w.yoy_basis, w.composite
            from wide w join dim_zone z using (zone_code)
            where w.rank_overall is not null
            order by w.rank_overall, z.zone_name
            limit ?
            """,
            [month, metric, metric, top],
        ).fetchall()
    basis = {"ttm": "TTM", "annualised_ytd": "年化"}
    table = []
    for rank, change, name, rpm, tpm, revenue, yoy, eff_basis, yoy_basis, composite in rows:
        yoy_flag = {"comparable": "c", "nominal": "n"}.get(yoy_basis or "", "")
        table.append((str(rank), _arrow(change), name, _fmt(rpm), _fmt(tpm, 2), _fmt(revenue, 2),
                      f"{_fmt(yoy)}{yoy_flag}", basis.get(eff_basis or "", eff_basis or "—"), _fmt(composite)))
    return month, table


class QueryError(ValueError):
    """A query names a zone, year, scheme or class the published release does not have."""


def _choices(con, sql: str) -> list:
    return [r[0] for r in con.execute(sql).fetchall()]


def resolve_zone(con, zone: str) -> str:
    """A zone code or any name the registry knows (aliases included) → the code."""
    from pipelines.registry import UnknownZoneError, zone_resolver

    try:
        return zone_resolver().resolve(zone)
    except UnknownZoneError as exc:
        raise QueryError(str(exc)) from exc


def firms_table(paths: DataPaths, zone: str | None, year: int | None, scheme: str | None,
                firm_class: str | None, group: str | None) -> tuple[dict, list[dict]]:
    """Firms of a published evaluation with their indicators, score, rank and class."""
    with connect_published(paths) as con:
        schemes = _choices(con, "select distinct scheme from fct_firm_evaluation order by 1")
        if not schemes:
            raise QueryError("the published release has no firm evaluation yet")
        scheme = scheme or schemes[0]
        if scheme not in schemes:
            raise QueryError(f"unknown scheme {scheme!r}; published schemes: {', '.join(schemes)}")
        years = [r[0] for r in con.execute(
            "select distinct year from fct_firm_evaluation where scheme = ? order by 1", [scheme]).fetchall()]
        year = year or years[-1]
        if year not in years:
            raise QueryError(f"year {year} is not evaluated; evaluated years: {', '.join(map(str, years))}")
        classes = ["A", "B", "C", "D", "T"]
        if firm_class and firm_class.upper() not in classes:
            raise QueryError(f"unknown class {firm_class!r}; classes are {', '.join(classes)}")
        groups = ["main", "small", "rented_land", "exempt"]
        if group and group not in groups:
            raise QueryError(f"unknown group {group!r}; groups are {', '.join(groups)}")
        code = resolve_zone(con, zone) if zone else None
        if code and code not in _choices(con, "select distinct zone_code from fct_firm_evaluation"):
            raise QueryError(f"zone {code} has no evaluated firms in the published release")
        rows = con.execute(
            """
            select e.zone_code, z.zone_name, e.uscc, e.firm_name, e.industry_code, e.evaluation_group,
                   i.tax_per_mu, i.revenue_per_mu, i.tax_per_energy, i.land_mu, e.score, e.score_rank,
                   e.firms_ranked, e."class"
            from fct_firm_evaluation e
            join dim_zone z using (zone_code)
            left join fct_firm_indicators_annual i using (zone_code, year, uscc)
            where e.scheme = ? and e.year = ?
              and (? is null or e.zone_code = ?)
              and (? is null or e."class" = ?)
              and (? is null or e.evaluation_group = ?)
            order by e.zone_code, e.evaluation_group, e.score_rank nulls last, e.firm_name
            """,
            [scheme, year, code, code, firm_class and firm_class.upper(), firm_class and firm_class.upper(),
             group, group],
        ).fetchall()
    columns = ["zone_code", "zone_name", "uscc", "firm_name", "industry_code", "evaluation_group", "tax_per_mu",
               "revenue_per_mu", "tax_per_energy", "land_mu", "score", "score_rank", "firms_ranked", "class"]
    return {"scheme": scheme, "year": year, "zone": code}, [dict(zip(columns, r, strict=True)) for r in rows]


STAGES = {"新洽谈": "negotiation", "新签约": "signed", "新开工": "started", "新竣工": "completed", "新投产": "production",
          "盘活": "revived"}


def projects_table(paths: DataPaths, zone: str | None, month: str | None, stage: str | None,
                   ytd: bool = False) -> tuple[dict, list[dict]]:
    """The projects behind a 四新一盘活 count: stage events of a month (or Jan..month with ytd)."""
    with connect_published(paths) as con:
        months = _choices(con, "select distinct strftime(period_date, '%Y-%m') from fct_project_pipeline_monthly "
                               "order by 1")
        if not months:
            raise QueryError("the published release has no project ledgers yet")
        month = month or months[-1]
        if month not in months:
            raise QueryError(f"month {month} is not published; published months: {months[0]} .. {months[-1]}")
        stage_key = None
        if stage:
            stage_key = STAGES.get(stage, stage if stage in STAGES.values() else None)
            if stage_key is None:
                raise QueryError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)} "
                                 f"(or {', '.join(STAGES.values())})")
        code = resolve_zone(con, zone) if zone else None
        year, number = int(month[:4]), int(month[5:])
        rows = con.execute(
            """
            select zone_code, zone_name, project_id, project_name, stage_label, stage_date, industry_code,
                   is_foreign, total_investment, land_mu, is_key_project, status, source_file
            from fct_project_stage_events
            where year = ? and (month = ? or (? and month <= ?))
              and (? is null or zone_code = ?) and (? is null or stage = ?)
            order by zone_code, stage_order, stage_date, project_id
            """,
            [year, number, ytd, number, code, code, stage_key, stage_key],
        ).fetchall()
    columns = ["zone_code", "zone_name", "project_id", "project_name", "stage_label", "stage_date", "industry_code",
               "is_foreign", "total_investment", "land_mu", "is_key_project", "status", "source_file"]
    return {"month": month, "zone": code, "stage": stage_key, "ytd": ytd}, [dict(zip(columns, r, strict=True))
                                                                          for r in rows]
