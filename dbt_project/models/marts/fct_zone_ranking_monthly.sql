{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'delete+insert',
        unique_key = ['zone_code', 'year', 'month', 'metric'],
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_window('period_date') }}"
    )
}}
-- Monthly ranking of zones (月评比), long format: zone × month × metric.
-- Ranks use rank() (ties share a rank, the next rank is skipped), 1 = best; direction from the weights table
-- (lower_is_better ranks ascending, anything else or no row descending). A zone is ranked on a metric only
-- when it has a value for it that month. Composite score: see the model docs.
{% set scheme = var('ranking_scheme', 'monthly_default') %}

with growth as (
    select * from {{ ref('int_zone_indicators__growth') }}
),

land_efficiency as (
    select * from {{ ref('fct_zone_land_efficiency') }}
),

pipeline as (
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
            ('revenue_per_mu', '亩均营收', '万元/亩', 1),
            ('tax_per_mu', '亩均税收', '万元/亩', 2),
            ('industrial_revenue_ytd', '工业营业收入（1-N月累计）', '万元', 3),
            ('industrial_revenue_yoy_pct', '工业营业收入同比增长', '%', 4),
            ('tax_revenue_ytd', '税收收入（1-N月累计）', '万元', 5),
            ('fixed_asset_investment_ytd', '固定资产投资（1-N月累计）', '万元', 6),
            ('fixed_asset_investment_yoy_pct', '固定资产投资同比增长', '%', 7),
            ('composite_score', '综合得分', '分', 8),
            -- investment promotion and key projects (招商引资与重点项目), from the project ledgers
            ('signed_amount_ytd', '签约金额（1-N月累计）', '万元', 9),
            ('signed_projects_ytd', '新签约项目数（1-N月累计）', '个', 10),
            ('started_projects_ytd', '新开工项目数（1-N月累计）', '个', 11),
            ('started_investment_ytd', '新开工项目总投资（1-N月累计）', '万元', 12),
            ('four_new_one_revived_ytd', '四新一盘活项目数（1-N月累计）', '个', 13),
            ('key_project_completion_pct', '重点项目年度投资完成率', '%', 14),
            ('project_investment_completed_ytd', '项目本年完成投资（1-N月）', '万元', 15)
    ) as catalogue (metric, default_label, unit, metric_order)
),

metric_values as (
    select zone_code, year, month, period_date, 'revenue_per_mu' as metric,
           revenue_per_mu as value, revenue_basis as basis
    from land_efficiency where revenue_per_mu is not null
    union all
    select zone_code, year, month, period_date, 'tax_per_mu', tax_per_mu, tax_basis
    from land_efficiency where tax_per_mu is not null
    union all
    select zone_code, year, month, period_date, 'industrial_revenue_ytd', ytd_value, null
    from growth where measure = 'industrial_revenue' and ytd_value is not null
    union all
    select zone_code, year, month, period_date, 'industrial_revenue_yoy_pct', yoy_pct, yoy_basis
    from growth where measure = 'industrial_revenue' and yoy_pct is not null
    union all
    select zone_code, year, month, period_date, 'tax_revenue_ytd', ytd_value, null
    from growth where measure = 'tax_revenue' and ytd_value is not null
    union all
    select zone_code, year, month, period_date, 'fixed_asset_investment_ytd', ytd_value, null
    from growth where measure = 'fixed_asset_investment' and ytd_value is not null
    union all
    select zone_code, year, month, period_date, 'fixed_asset_investment_yoy_pct', yoy_pct, yoy_basis
    from growth where measure = 'fixed_asset_investment' and yoy_pct is not null
    union all
    select zone_code, year, month, period_date, 'signed_amount_ytd', cast(total_investment_ytd as double), null
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

{% if month_window_active() %}
ranking_start as (
    -- an incremental run ranks its months against each metric's latest earlier month (rank change): the months
    -- before the earliest of those cannot change any rebuilt row, so the windows below skip them
    select coalesce(min(previous_month), {{ month_start_literal(build_month('from')) }}) as start_date
    from (
        select max(period_date) as previous_month
        from metric_values
        where period_date < {{ month_start_literal(build_month('from')) }}
        group by metric
    ) as previous_months
),
{% endif %}

window_values as (
    select * from metric_values
    {% if month_window_active() %}where period_date >= (select start_date from ranking_start){% endif %}
),

components as (
    -- metrics of the scheme that enter the composite (positive weight, computed by this model)
    select weights.metric, weights.weight, weights.direction
    from weights
    inner join metric_catalogue using (metric)
    where weights.metric <> 'composite_score'
      and weights.weight > 0
),

scheme_weight as (
    select sum(weight) as total_weight from components
),

scored as (
    select
        window_values.*,
        coalesce(weights.direction, 'higher_is_better') as direction,
        components.weight as composite_weight,
        min(window_values.value) over same_metric_month as month_min,
        max(window_values.value) over same_metric_month as month_max
    from window_values
    left join weights using (metric)
    left join components using (metric)
    window same_metric_month as (partition by window_values.metric, window_values.period_date)
),

normalised as (
    select
        * exclude (month_min, month_max),
        -- min-max score 0-100 across the zones of the month, 100 = best; all equal -> 100
        case
            when composite_weight is null then null
            when month_max = month_min then 100.0
            when direction = 'lower_is_better' then (month_max - value) / (month_max - month_min) * 100
            else (value - month_min) / (month_max - month_min) * 100
        end as normalised_score
    from scored
),

composite as (
    select
        zone_code,
        year,
        month,
        period_date,
        'composite_score' as metric,
        sum(composite_weight * normalised_score) / sum(composite_weight) as value,
        cast(null as varchar) as basis,
        'higher_is_better' as direction,
        cast(null as double) as composite_weight,
        cast(null as double) as normalised_score,
        sum(composite_weight) / (select total_weight from scheme_weight) as composite_coverage,
        count(*) as composite_components
    from normalised
    where composite_weight is not null
    group by zone_code, year, month, period_date
),

all_metrics as (
    select
        *,
        cast(null as double) as composite_coverage,
        cast(null as bigint) as composite_components
    from normalised
    union all by name
    select * from composite
),

ranked as (
    select
        all_metrics.*,
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
        from all_metrics
    ) as all_metrics
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
    with_previous.composite_weight,
    with_previous.composite_coverage,
    with_previous.composite_components,
    '{{ scheme }}' as ranking_scheme
from with_previous
left join metric_catalogue using (metric)
left join weights using (metric)
where {{ incremental_month_filter('with_previous.period_date') }}
