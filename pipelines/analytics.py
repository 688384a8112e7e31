"""The analytics layer: documented SQL views over the published marts of a release.

Every release's `parkstats.duckdb` carries these views next to its tables, so an analyst can open the file
read-only in any SQL client (DuckDB CLI, a notebook, DBeaver) and ask ad-hoc questions without knowing the marts:

    duckdb -readonly data/published/current/parkstats.duckdb \
      "select zone_name, value, rank_overall from v_zone_metrics where period = '2024-12' and metric = 'tax_per_mu'"

The views are plain SQL over the release's own tables (no warehouse, no attached file, no absolute path), so they
bind wherever the file is opened, also when it is attached under another name. Each view and column is documented
here (`VIEWS`), in the database itself (`COMMENT ON`, readable through `duckdb_views()` / `duckdb_columns()`), by
`parkstats views` and in the README.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Column:
    name: str  # English snake_case, as in SQL
    label: str  # Chinese display label
    description: str


@dataclass(frozen=True)
class View:
    name: str
    label: str
    description: str
    sql: str
    columns: tuple[Column, ...]

    def comment(self) -> str:
        return f"{self.label}: {self.description}"


def _columns(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


# Columns shared by the zone views, in this order.
ZONE_COLUMNS = (
    ("zone_code", "开发区代码", "Registry zone code (2018 catalogue 代码, disambiguated where repeated)."),
    ("zone_name", "开发区名称", "Official zone name."),
    ("level", "批准级别", "national (国务院批准) / provincial (省政府批准)."),
    ("zone_type", "开发区类型", "economic_technological, high_tech, economic_development, industrial_park, …"),
    ("province", "省份", "Province, as the catalogue writes it (江苏省)."),
    ("city", "城市", "Prefecture city (淮安)."),
    ("region", "区域", "east / central / west (东部 / 中部 / 西部, as MOFCOM ranks national zones)."),
)
PERIOD_COLUMNS = (
    ("year", "年份", "Reporting year."),
    ("month", "月份", "Period-end month (1-N月 → N)."),
    ("period", "报告期", "The month as text 'YYYY-MM', the form the CLI takes."),
    ("period_date", "报告期（月初日期）", "First day of the month (DATE)."),
)

# Basis of a value: how a 12-month figure or a growth rate was obtained.
BASIS_DOC = ("ttm (trailing 12 months) / annualised_ytd (YTD × 12/N, estimated) for 12-month and 亩均 figures; "
             "comparable (同口径) / nominal for growth rates; null for plain YTD values, stocks, counts, the "
             "composite and target completion.")

_ZONE_SELECT = "z.zone_code, z.zone_name, z.level, z.zone_type, z.province, z.city, z.region"
_PERIOD_SELECT = "m.year, m.month, strftime(m.period_date, '%Y-%m') as period, m.period_date"

V_ZONE_METRICS_SQL = f"""
with ranked as (
    -- the published ranking: value, basis, ranks and flag of one row
    select zone_code, year, month, period_date, metric, label as metric_label, unit, value, basis, direction,
           rank_overall, rank_in_level, rank_in_province, rank_in_region, zones_ranked, rank_change,
           status_flag, 'fct_zone_ranking_monthly' as source_table
    from fct_zone_ranking_monthly
),

indicators as (
    -- zone ledger: flows as 1-N月 cumulative values, stocks as end-of-month values
    select zone_code, year, month, period_date,
           measure || case when kind = 'flow' then '_ytd' else '' end as metric,
           measure_label || case when kind = 'flow' then '（1-N月累计）' else '（期末）' end as metric_label,
           unit, ytd_value as value, yoy_pct, case when yoy_pct is not null then yoy_basis end as yoy_basis,
           status_flag, 'fct_zone_indicators_monthly' as source_table
    from fct_zone_indicators_monthly
    where ytd_value is not null
),

twelve_months as (
    select zone_code, year, month, period_date, 'industrial_revenue_12m' as metric,
           '近12个月工业营业收入' as metric_label, '万元' as unit, revenue_12m as value, revenue_basis as basis,
           status_flag, 'fct_zone_land_efficiency' as source_table
    from fct_zone_land_efficiency where revenue_12m is not null
    union all
    select zone_code, year, month, period_date, 'tax_revenue_12m', '近12个月税收收入', '万元', tax_12m, tax_basis,
           status_flag, 'fct_zone_land_efficiency'
    from fct_zone_land_efficiency where tax_12m is not null
),

investment as (
    select zone_code, year, month, period_date, 'project_share_pct' as metric,
           '项目完成投资占固定资产投资比重' as metric_label, '%' as unit, project_share_pct as value,
           status_flag, 'fct_zone_investment_monthly' as source_table
    from fct_zone_investment_monthly where project_share_pct is not null
),

pipeline as (
    -- 四新一盘活: projects and their investment per stage, 1-N月 (names as in the ranking where it has them)
    select zone_code, year, month, period_date,
           case stage when 'four_new_one_revived' then 'four_new_one_revived_ytd'
                      else stage || '_projects_ytd' end as metric,
           replace(stage_label, '合计', '') || '项目数（1-N月累计）' as metric_label, '个' as unit,
           cast(projects_ytd as double) as value, status_flag, 'fct_project_pipeline_monthly' as source_table
    from fct_project_pipeline_monthly
    union all
    select zone_code, year, month, period_date,
           case stage when 'signed' then 'signed_amount_ytd' else stage || '_investment_ytd' end,
           case stage when 'signed' then '签约金额（1-N月累计）'
                      else replace(stage_label, '合计', '') || '项目总投资（1-N月累计）' end,
           '万元', total_investment_ytd, status_flag, 'fct_project_pipeline_monthly'
    from fct_project_pipeline_monthly
),

targets as (
    -- 目标完成率 against 序时进度, one metric per target measure and period
    select zone_code, year, month, period_date,
           measure || '_target_' || lower(period) || '_pct' as metric,
           measure_label || case period when 'year' then '年度' when 'Q1' then '一季度' when 'Q2' then '上半年'
                                        when 'H1' then '上半年' when 'Q3' then '前三季度' when 'Q4' then '全年'
                                        else period end || '目标完成率' as metric_label,
           '%' as unit, completion_pct as value, time_progress_pct, gap_pp,
           status_flag, 'fct_target_progress' as source_table
    from fct_target_progress where completion_pct is not null
),

key_project_schedule as (
    select zone_code, year, month, 'key_project_completion_pct' as metric, time_progress_pct, gap_pp
    from fct_key_project_progress
),

unranked as (
    select * from indicators
    union all by name select * from twelve_months
    union all by name select * from investment
    union all by name select * from pipeline
    union all by name select * from targets
),

metrics as (
    select * from ranked
    union all by name
    select u.* from unranked u
    anti join ranked r using (zone_code, year, month, metric)
),

growth as (
    select zone_code, year, month, metric, yoy_pct, yoy_basis from indicators
)

select
    {_ZONE_SELECT},
    {_PERIOD_SELECT},
    m.metric, m.metric_label, m.unit, m.value, m.basis,
    coalesce(m.yoy_pct, g.yoy_pct) as yoy_pct,
    coalesce(m.yoy_basis, g.yoy_basis) as yoy_basis,
    coalesce(m.time_progress_pct, k.time_progress_pct) as time_progress_pct,
    coalesce(m.gap_pp, k.gap_pp) as gap_pp,
    m.direction, m.rank_overall, m.rank_in_level, m.rank_in_province, m.rank_in_region, m.zones_ranked,
    m.rank_change, m.status_flag, m.source_table
from metrics m
left join growth g using (zone_code, year, month, metric)
left join key_project_schedule k using (zone_code, year, month, metric)
left join dim_zone z using (zone_code)
where m.value is not null
"""

V_ZONE_RANKING_SQL = f"""
select
    {_ZONE_SELECT},
    {_PERIOD_SELECT},
    m.metric, m.label as metric_label, m.unit, m.value, m.basis, m.direction,
    m.rank_overall, m.rank_in_level, m.rank_in_province, m.rank_in_region, m.zones_ranked,
    strftime(m.previous_period_date, '%Y-%m') as previous_period, m.previous_rank_overall, m.rank_change,
    m.normalised_score, m.composite_weight, m.composite_coverage, m.ranking_scheme, m.status_flag
from fct_zone_ranking_monthly m
left join dim_zone z using (zone_code)
"""

V_TARGET_PROGRESS_SQL = f"""
with progress as (
    select zone_code, year, month, period_date, 'target' as target_kind, measure, measure_label, unit,
           period as target_period, end_month, target_value, actual_value, completion_pct, time_progress_pct,
           gap_pp, ahead_of_schedule, target_note as note, status_flag
    from fct_target_progress
    union all by name
    -- the key projects' 年度计划投资 is a target too: 本年完成投资 against it, same 序时进度
    select zone_code, year, month, period_date, 'key_project_plan' as target_kind,
           'key_project_investment' as measure, '重点项目本年完成投资' as measure_label, '万元' as unit,
           'year' as target_period, 12 as end_month, annual_plan_investment as target_value,
           investment_completed_ytd as actual_value, completion_pct, time_progress_pct, gap_pp,
           ahead_of_schedule, key_projects || ' 个重点项目的年度计划投资' as note, status_flag
    from fct_key_project_progress
    where annual_plan_investment > 0
)

select
    {_ZONE_SELECT},
    {_PERIOD_SELECT},
    m.target_kind, m.measure, m.measure_label, m.unit, m.target_period, m.end_month, m.target_value,
    m.actual_value, m.completion_pct, m.time_progress_pct, m.gap_pp, m.ahead_of_schedule, m.note, m.status_flag
from progress m
left join dim_zone z using (zone_code)
"""

V_RELEASE_SQL = """
with zones as (
    select strftime(period_date, '%Y-%m') as period, count(distinct zone_code) as zones_reporting
    from fct_zone_indicators_monthly
    group by all
),

findings as (
    select month as period, count(*) as findings_on_record
    from release_findings
    group by all
)

select
    {release_id} as release_id,
    r.month as period, r.status, r.newly_published, nullif(r.reason, '') as reason,
    coalesce(z.zones_reporting, 0) as zones_reporting,
    r.rules_checked, r.items_checked, r.findings, r.errors, r.warnings, r.open_errors, r.accepted, r.waived,
    r.rejected, coalesce(f.findings_on_record, 0) as findings_on_record
from release_months r
left join zones z on z.period = r.month
left join findings f on f.period = r.month
order by r.month
"""

V_METRIC_CATALOGUE_SQL = """
select
    metric, any_value(metric_label) as metric_label, any_value(unit) as unit, any_value(source_table) as source_table,
    bool_or(rank_overall is not null) as ranked, any_value(direction) as direction,
    bool_or(basis is not null) as has_basis, bool_or(yoy_pct is not null) as has_yoy,
    bool_or(time_progress_pct is not null) as has_time_progress,
    min(period) as first_period, max(period) as last_period,
    count(distinct zone_code) as zones, count(*) as rows
from v_zone_metrics
group by metric
"""

V_ZONE_SQL = """
with published as (
    select zone_code, min(strftime(period_date, '%Y-%m')) as first_period,
           max(strftime(period_date, '%Y-%m')) as last_period
    from fct_zone_indicators_monthly
    group by zone_code
)

select
    z.zone_code, z.zone_name, z.level, z.level_label, z.zone_type, z.zone_type_label, z.province, z.city,
    z.region, z.region_label, z.approved_area_mu, z.leading_industries, z.aliases,
    p.first_period, p.last_period
from dim_zone z
inner join published p using (zone_code)
"""

VIEWS: dict[str, View] = {
    view.name: view for view in (
        View(
            "v_zone_metrics", "园区指标长表",
            "One row per zone × month × metric with a value: every ranked metric of the published ranking "
            "(with its ranks), every zone-ledger measure (flows 1-N月 as e.g. industrial_revenue_ytd, stocks "
            "end-of-month as e.g. industrial_land), 12-month revenue and tax, the project share of investment, the 四新一盘活 stages "
            "(projects and investment, 1-N月) and target completion against 序时进度. A metric that is ranked "
            "comes from the ranking (value, ranks and flag from one row); the others have null ranks.",
            V_ZONE_METRICS_SQL,
            _columns(
                *ZONE_COLUMNS, *PERIOD_COLUMNS,
                ("metric", "指标", "Metric key (see v_metric_catalogue), e.g. revenue_per_mu, composite_score."),
                ("metric_label", "指标名称", "Chinese name of the metric."),
                ("unit", "单位", "Unit of value: 万元, 万美元, 亩, 个, 万元/亩, %, 分."),
                ("value", "数值", "The published value."),
                ("basis", "口径", BASIS_DOC),
                ("yoy_pct", "同比增长%", "同比 of a zone-ledger value (also on ranked YTD metrics); null elsewhere."),
                ("yoy_basis", "同比口径", "comparable (同口径, the ledger's own 上年同期) / nominal (last year's "
                                         "published value, flagged)."),
                ("time_progress_pct", "序时进度%", "For target and key-project completion: month ÷ months of "
                                                 "the target period × 100 (N/12 for a year)."),
                ("gap_pp", "快于序时进度（百分点）", "Completion − 序时进度, percentage points (positive = ahead)."),
                ("direction", "排序方向", "higher_is_better / lower_is_better for ranked metrics."),
                ("rank_overall", "总排名", "Rank among all zones ranked that month (1 = best, ties share)."),
                ("rank_in_level", "同级别排名", "Rank among zones of the same level."),
                ("rank_in_province", "省内排名", "Rank among zones of the same province."),
                ("rank_in_region", "区域内排名", "Rank among zones of the same region."),
                ("zones_ranked", "参评园区数", "Zones ranked on the metric that month."),
                ("rank_change", "名次变化", "Previous ranking month's rank − this rank (positive = moved up; "
                                           "null = not ranked then)."),
                ("status_flag", "数据标志", "A normal, P provisional, E estimated (annualised), r revised against "
                                           "the previous release."),
                ("source_table", "来源表", "The published mart the row comes from."),
            ),
        ),
        View(
            "v_zone_ranking", "园区月度排名",
            "One row per zone × month × ranked metric, the composite score (综合得分) included: value, basis, "
            "overall and peer ranks (level, province, region), the previous rank and the change, and the "
            "composite's components and coverage.",
            V_ZONE_RANKING_SQL,
            _columns(
                *ZONE_COLUMNS, *PERIOD_COLUMNS,
                ("metric", "评比指标", "Ranked metric, e.g. composite_score, revenue_per_mu, signed_amount_ytd."),
                ("metric_label", "指标名称", "Chinese name (the scheme's label where it has one)."),
                ("unit", "单位", "Unit of value."),
                ("value", "数值", "Value of the metric."),
                ("basis", "口径", BASIS_DOC),
                ("direction", "排序方向", "higher_is_better / lower_is_better."),
                ("rank_overall", "总排名", "Rank among all zones ranked that month (1 = best, ties share)."),
                ("rank_in_level", "同级别排名", "Rank among zones of the same level."),
                ("rank_in_province", "省内排名", "Rank among zones of the same province."),
                ("rank_in_region", "区域内排名", "Rank among zones of the same region."),
                ("zones_ranked", "参评园区数", "Zones ranked on the metric that month."),
                ("previous_period", "上期评比月份", "The latest earlier month with a ranking of the metric."),
                ("previous_rank_overall", "上期总排名", "The zone's overall rank then (null if not ranked)."),
                ("rank_change", "名次变化", "previous_rank_overall − rank_overall (positive = moved up)."),
                ("normalised_score", "标准化得分", "Min–max score 0–100 of a composite component."),
                ("composite_weight", "综合权重", "Weight of the metric in the composite (null if none)."),
                ("composite_coverage", "综合得分覆盖率", "For composite_score: share of the scheme's weight the "
                                                       "zone has (1 = all components)."),
                ("ranking_scheme", "评比方案", "Weights scheme (sources/metrics/ranking.yaml)."),
                ("status_flag", "数据标志", "A / P / E / r, as in v_zone_metrics."),
            ),
        ),
        View(
            "v_target_progress", "目标完成进度",
            "One row per zone × month × target: the year-to-date actual against annual and quarterly targets "
            "(sources/targets) and the key projects' 本年完成投资 against their 年度计划投资, with 序时进度 "
            "(N/12 for a year, N/3 for Q1 …) and the gap in percentage points.",
            V_TARGET_PROGRESS_SQL,
            _columns(
                *ZONE_COLUMNS, *PERIOD_COLUMNS,
                ("target_kind", "目标类型", "target (sources/targets) / key_project_plan (重点项目年度计划投资)."),
                ("measure", "指标", "Measure the target is set on (industrial_revenue, signed_amount, …)."),
                ("measure_label", "指标名称", "Chinese name of the measure."),
                ("unit", "单位", "Unit of target and actual."),
                ("target_period", "目标期", "year, Q1..Q4 (cumulative to the quarter's end) or H1."),
                ("end_month", "目标期末月", "Last month of the target period."),
                ("target_value", "目标值", "The target."),
                ("actual_value", "实际完成", "Year-to-date actual."),
                ("completion_pct", "完成率%", "actual ÷ target × 100."),
                ("time_progress_pct", "序时进度%", "month ÷ end_month × 100."),
                ("gap_pp", "快于序时进度（百分点）", "completion − 序时进度 (positive = ahead of schedule)."),
                ("ahead_of_schedule", "快于序时进度", "gap_pp > 0."),
                ("note", "说明", "The target's note (its source)."),
                ("status_flag", "数据标志", "A / P / E / r."),
            ),
        ),
        View(
            "v_release", "发布记录",
            "What this release holds: one row per checked month, published or withheld (with the reason), the "
            "zones reporting, and the month's check summary (rules and items checked, errors, warnings, open "
            "errors, accepted, waived, rejected).",
            V_RELEASE_SQL,
            _columns(
                ("release_id", "发布批次", "Id of this release (the folder name under published/releases/)."),
                ("period", "报告期", "Month 'YYYY-MM'."),
                ("status", "发布状态", "published / withheld."),
                ("newly_published", "本次新发布", "Published by the run that made this release."),
                ("reason", "暂缓原因", "Why a withheld month may not publish."),
                ("zones_reporting", "报送园区数", "Zones with zone-ledger figures in the month."),
                ("rules_checked", "检查规则数", "Rules evaluated on the month."),
                ("items_checked", "检查项数", "Items checked."),
                ("findings", "发现问题数", "Findings (month × zone × rule with failures)."),
                ("errors", "错误", "Error findings."),
                ("warnings", "警告", "Warning findings."),
                ("open_errors", "未处理错误", "Errors neither accepted nor waived (a published month has 0)."),
                ("accepted", "已确认", "Findings accepted as right."),
                ("waived", "已豁免", "Findings waived with a reason."),
                ("rejected", "已退回", "Findings rejected (the zone must resubmit)."),
                ("findings_on_record", "发现记录数", "Rows of release_findings for the month."),
            ),
        ),
        View(
            "v_metric_catalogue", "指标目录",
            "One row per metric of v_zone_metrics: label, unit, source, whether it is ranked, which extra "
            "columns it fills, the months and zones it covers.",
            V_METRIC_CATALOGUE_SQL,
            _columns(
                ("metric", "指标", "Metric key."),
                ("metric_label", "指标名称", "Chinese name."),
                ("unit", "单位", "Unit."),
                ("source_table", "来源表", "Published mart."),
                ("ranked", "参与排名", "Whether the published ranking ranks it (rank columns filled)."),
                ("direction", "排序方向", "higher_is_better / lower_is_better for ranked metrics."),
                ("has_basis", "有口径", "Whether basis is filled."),
                ("has_yoy", "有同比", "Whether yoy_pct is filled."),
                ("has_time_progress", "有序时进度", "Whether time_progress_pct is filled."),
                ("first_period", "起始报告期", "First month with a value."),
                ("last_period", "最新报告期", "Latest month with a value."),
                ("zones", "园区数", "Zones with a value."),
                ("rows", "行数", "Rows in v_zone_metrics."),
            ),
        ),
        View(
            "v_zone", "园区名录",
            "The zones with published figures and the attributes peer groups are made of.",
            V_ZONE_SQL,
            _columns(
                ("zone_code", "开发区代码", "Registry zone code."),
                ("zone_name", "开发区名称", "Official name."),
                ("level", "批准级别", "national / provincial."),
                ("level_label", "批准级别（中文）", "国务院 / 省政府."),
                ("zone_type", "开发区类型", "Zone type key."),
                ("zone_type_label", "开发区类型（中文）", "Zone type as the catalogue writes it."),
                ("province", "省份", "Province."),
                ("city", "城市", "City."),
                ("region", "区域", "east / central / west."),
                ("region_label", "区域（中文）", "东部 / 中部 / 西部."),
                ("approved_area_mu", "核准面积（亩）", "Approved area, 亩."),
                ("leading_industries", "主导产业", "Leading industries."),
                ("aliases", "别名", "Other names used by ledgers, separated by '；'."),
                ("first_period", "起始报告期", "First month with zone-ledger figures."),
                ("last_period", "最新报告期", "Latest month with zone-ledger figures."),
            ),
        ),
    )
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def view_sql(name: str, release_id: str | None = None) -> str:
    """The view's SELECT; v_release gets the release id as a literal (the tables do not hold it)."""
    literal = _quote(release_id) if release_id else "cast(null as varchar)"
    return VIEWS[name].sql.replace("{release_id}", literal)


def create_analytics_views(con: duckdb.DuckDBPyConnection, release_id: str | None = None) -> list[str]:
    """Create (or replace) the views in `con`, whose main schema holds the published marts; returns their names.

    Each view is bound right away, so a mart that lost a column fails the publication here rather than an
    analyst's query later. `release_id` (optional) is written into v_release.
    """
    for view in VIEWS.values():
        con.execute(f"create or replace view {view.name} as {view_sql(view.name, release_id)}")
        actual = [row[0] for row in con.execute(f"describe {view.name}").fetchall()]
        documented = [c.name for c in view.columns]
        if actual != documented:
            raise ValueError(f"view {view.name} has columns {actual}, but VIEWS documents {documented}")
        con.execute(f"comment on view {view.name} is {_quote(view.comment())}")
        for column in view.columns:
            con.execute(f"comment on column {view.name}.{column.name} is "
                        f"{_quote(f'{column.label}: {column.description}')}")
    return list(VIEWS)


def views_markdown() -> str:
    """The views and their columns as Markdown (README section, `parkstats views --markdown`)."""
    parts = []
    for view in VIEWS.values():
        parts.append(f"#### `{view.name}` — {view.label}\n\n{view.description}\n\n"
                     "| column | 标签 | meaning |\n|---|---|---|\n"
                     + "\n".join(f"| `{c.name}` | {c.label} | {c.description.replace('|', '/')} |"
                                 for c in view.columns))
    return "\n\n".join(parts) + "\n"
