-- Progress against targets (目标完成率 vs 序时进度) per zone × year × measure × target period × month, for the
-- months 1..end_month of the period in which an actual exists:
--   zone measures (industrial_revenue, …): ytd_value of fct_zone_indicators_monthly (1-N月; end value for
--     stocks), months the zone ledger reports;
--   project measures, months with a current project snapshot, from int_project_stage_events (events of months
--     1..month of the year): key_projects_started = key projects reaching 开工, key_projects_total_investment =
--     their Σ total_investment, signed_amount = Σ total_investment of projects newly signed (签约金额),
--     signed_projects = their count.
-- completion_pct = actual / target × 100; time_progress_pct (序时进度) = month / end_month × 100 (N/12 for the
-- year, N/3 for Q1, N/6 for H1 …); gap_pp = completion_pct − time_progress_pct; ahead_of_schedule = gap_pp > 0.
with targets as (
    select * from {{ ref('stg_registry__targets') }}
),

zone_months as (
    select distinct zone_code, year, month, period_date
    from {{ ref('int_project_snapshots__current') }}
),

events as (
    select * from {{ ref('int_project_stage_events') }}
),

project_ytd as (
    select
        zone_months.zone_code,
        zone_months.year,
        zone_months.month,
        zone_months.period_date,
        cast(count(events.project_id) filter (where events.stage = 'started' and events.is_key_project) as double)
            as key_projects_started,
        coalesce(sum(events.total_investment) filter (where events.stage = 'started' and events.is_key_project), 0)
            as key_projects_total_investment,
        coalesce(sum(events.total_investment) filter (where events.stage = 'signed'), 0) as signed_amount,
        cast(count(events.project_id) filter (where events.stage = 'signed') as double) as signed_projects
    from zone_months
    left join events
        on events.zone_code = zone_months.zone_code
        and events.year = zone_months.year
        and events.month <= zone_months.month
    group by all
),

project_catalogue as (
    select * from (
        values
            ('key_projects_started', '重点项目开工数', '个'),
            ('key_projects_total_investment', '开工重点项目总投资', '万元'),
            ('signed_amount', '签约金额', '万元'),
            ('signed_projects', '签约项目数', '个')
    ) as catalogue (measure, measure_label, unit)
),

project_actuals as (
    select
        unpivoted.zone_code, unpivoted.year, unpivoted.month, unpivoted.period_date, unpivoted.measure,
        project_catalogue.measure_label, project_catalogue.unit,
        unpivoted.actual_value, true as actual_complete, 'project_ledger' as actual_source
    from (
        unpivot project_ytd
        on key_projects_started, key_projects_total_investment, signed_amount, signed_projects
        into name measure value actual_value
    ) as unpivoted
    inner join project_catalogue using (measure)
),

zone_actuals as (
    select
        zone_code, year, month, period_date, measure, measure_label, unit,
        ytd_value as actual_value, ytd_complete as actual_complete, 'zone_ledger' as actual_source
    from {{ ref('fct_zone_indicators_monthly') }}
    where measure not in (select measure from project_catalogue)
),

actuals as (
    select * from project_actuals
    union all by name
    select * from zone_actuals
),

progress as (
    select
        targets.zone_code,
        targets.year,
        targets.measure,
        actuals.measure_label,
        actuals.unit,
        targets.period,
        targets.end_month,
        actuals.month,
        actuals.period_date,
        actuals.actual_value,
        actuals.actual_complete,
        actuals.actual_source,
        targets.target_value,
        {{ safe_ratio('100.0 * actuals.actual_value', 'targets.target_value') }} as completion_pct,
        actuals.month * 100.0 / targets.end_month as time_progress_pct,
        targets.note as target_note
    from targets
    inner join actuals
        on actuals.zone_code = targets.zone_code
        and actuals.year = targets.year
        and actuals.measure = targets.measure
        and actuals.month <= targets.end_month
)

select
    * exclude (target_note),
    completion_pct - time_progress_pct as gap_pp,
    completion_pct - time_progress_pct > 0 as ahead_of_schedule,
    target_note
from progress
