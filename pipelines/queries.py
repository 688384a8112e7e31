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
