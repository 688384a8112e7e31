-- Investment peer ranks (招商引资与项目评比) of zones, long format: zone × month × metric. Same columns and
-- ranking rules as fct_zone_ranking_monthly: rank() (ties share a rank, the next is skipped), 1 = best,
-- direction from the weights table of var ranking_scheme when it lists the metric (else higher_is_better);
-- a zone is ranked on a metric only in months it has a value. No composite score: the composite columns are null
-- and normalised_score is the min–max score 0–100 of the month (100 = best), for reading only.
{% set scheme = var('ranking_scheme', 'monthly_default') %}

with pipeline as (
    select * from {{ ref('fct_project_pipeline_monthly') }}
),

key_projects as (
    select * from {{ ref('fct_key_project_progress') }}
),

investment as (
    select * from {{ ref('fct_zone_investment_monthly') }}
),

zones as (
    select * from {{ ref('dim_zone') }}
),

weights as (
    select * from {{ ref('stg_registry__ranking_weights') }}
    where scheme = '{{ scheme }}'
),

metric_catalogue as (
    select * from (
        values
            ('signed_amount_ytd', '签约金额（1-N月累计）', '万元', 1),
            ('signed_projects_ytd', '新签约项目数（1-N月累计）', '个', 2),
            ('started_projects_ytd', '新开工项目数（1-N月累计）', '个', 3),
            ('started_investment_ytd', '新开工项目总投资（1-N月累计）', '万元', 4),
            ('four_new_one_revived_ytd', '四新一盘活项目数（1-N月累计）', '个', 5),
            ('key_project_completion_pct', '重点项目年度投资完成率', '%', 6),
            ('project_investment_completed_ytd', '项目本年完成投资（1-N月）', '万元', 7)
    ) as catalogue (metric, default_label, unit, metric_order)
),

metric_values as (
    select zone_code, year, month, period_date, 'signed_amount_ytd' as metric,
           cast(total_investment_ytd as double) as value, cast(null as varchar) as basis
    from pipeline where stage = 'signed'
    union all
    select zone_code, year, month, period_date, 'signed_projects_ytd', projects_ytd, null
    from pipeline where stage = 'signed'
    union all
    select zone_code, year, month, period_date, 'started_projects_ytd', projects_ytd, null
    from pipeline where stage = 'started'
    union all
    select zone_code, year, month, period_date, 'started_investment_ytd', total_investment_ytd, null
    from pipeline where stage = 'started'
    union all
    select zone_code, year, month, period_date, 'four_new_one_revived_ytd', projects_ytd, null
    from pipeline where stage = 'four_new_one_revived'
    union all
    select zone_code, year, month, period_date, 'key_project_completion_pct', completion_pct, null
    from key_projects where completion_pct is not null
    union all
    select zone_code, year, month, period_date, 'project_investment_completed_ytd',
           project_investment_completed_ytd, null
    from investment where project_investment_completed_ytd is not null
),

scored as (
    select
        metric_values.*,
        coalesce(weights.direction, 'higher_is_better') as direction,
        min(metric_values.value) over same_metric_month as month_min,
        max(metric_values.value) over same_metric_month as month_max
    from metric_values
    left join weights using (metric)
    window same_metric_month as (partition by metric_values.metric, metric_values.period_date)
),

ranked as (
    select
        scored.* exclude (month_min, month_max),
        case
            when month_max = month_min then 100.0
            when direction = 'lower_is_better' then (month_max - value) / (month_max - month_min) * 100
            else (value - month_min) / (month_max - month_min) * 100
        end as normalised_score,
        zones.level,
        zones.province,
        zones.region,
        rank() over (partition by metric, period_date order by ranking_value) as rank_overall,
        rank() over (partition by metric, period_date, zones.level order by ranking_value) as rank_in_level,
        rank() over (partition by metric, period_date, zones.province order by ranking_value) as rank_in_province,
        rank() over (partition by metric, period_date, zones.region order by ranking_value) as rank_in_region,
        count(*) over (partition by metric, period_date) as zones_ranked
    from (
        select
            *,
            case when direction = 'lower_is_better' then value else -value end as ranking_value
        from scored
    ) as scored
    left join zones using (zone_code)
),

ranking_months as (
    select
        metric,
        period_date,
        lag(period_date) over (partition by metric order by period_date) as previous_period_date
    from (select distinct metric, period_date from ranked) as months
),

with_previous as (
    select
        ranked.*,
        ranking_months.previous_period_date,
        previous.rank_overall as previous_rank_overall
    from ranked
    left join ranking_months using (metric, period_date)
    left join ranked as previous
        on previous.metric = ranked.metric
        and previous.zone_code = ranked.zone_code
        and previous.period_date = ranking_months.previous_period_date
)

select
    with_previous.zone_code,
    with_previous.year,
    with_previous.month,
    with_previous.period_date,
    with_previous.metric,
    coalesce(weights.label, metric_catalogue.default_label) as label,
    metric_catalogue.unit,
    metric_catalogue.metric_order,
    with_previous.value,
    with_previous.basis,
    with_previous.direction,
    with_previous.level,
    with_previous.province,
    with_previous.region,
    with_previous.rank_overall,
    with_previous.rank_in_level,
    with_previous.rank_in_province,
    with_previous.rank_in_region,
    with_previous.zones_ranked,
    with_previous.previous_period_date,
    with_previous.previous_rank_overall,
    with_previous.previous_rank_overall - with_previous.rank_overall as rank_change,
    with_previous.normalised_score,
    cast(null as double) as composite_weight,
    cast(null as double) as composite_coverage,
    cast(null as bigint) as composite_components,
    '{{ scheme }}' as ranking_scheme
from with_previous
left join metric_catalogue using (metric)
left join weights using (metric)
