-- Project conversion (项目转化) per zone × month, cumulative over all snapshots up to that month:
--   开工率 start_rate_pct       = projects signed up to the month that have also started up to it
--                                 ÷ projects signed up to the month × 100
--   竣工率 completion_rate_pct  = projects started up to the month that have also completed up to it
--                                 ÷ projects started up to the month × 100
--   median_months_signed_to_started: median, over projects started up to the month that were also signed up
--     to it, of (month of the 开工 event − month of the 签约 event), in months (the months in which the stages
--     were counted, int_project_stage_events); *_by_date: the same from the calendar months of the stage dates.
-- Dropped projects stay in the counts (they were signed). "Up to the month" = stage event month ≤ that month.
with zone_months as (
    select distinct zone_code, year, month, period_date
    from {{ ref('int_project_snapshots__current') }}
),

events as (
    select * from {{ ref('int_project_stage_events') }}
),

projects as (
    select
        project_id,
        zone_code,
        max(case when stage = 'signed' then period_date end)    as signed_period_date,
        max(case when stage = 'started' then period_date end)   as started_period_date,
        max(case when stage = 'completed' then period_date end) as completed_period_date,
        max(case when stage = 'signed' then stage_date end)     as signed_date,
        max(case when stage = 'started' then stage_date end)    as started_date
    from events
    group by project_id, zone_code
),

lags as (
    select
        *,
        date_diff('month', signed_period_date, started_period_date) as months_signed_to_started,
        date_diff('month', date_trunc('month', signed_date), date_trunc('month', started_date))
            as months_signed_to_started_by_date
    from projects
)

select
    zone_months.zone_code,
    zone_months.year,
    zone_months.month,
    zone_months.period_date,
    count(lags.project_id) filter (where lags.signed_period_date <= zone_months.period_date)
        as signed_projects,
    count(lags.project_id) filter (where lags.started_period_date <= zone_months.period_date)
        as started_projects,
    count(lags.project_id) filter (
        where lags.signed_period_date <= zone_months.period_date
          and lags.started_period_date <= zone_months.period_date
    ) as signed_and_started_projects,
    count(lags.project_id) filter (where lags.completed_period_date <= zone_months.period_date)
        as completed_projects,
    count(lags.project_id) filter (
        where lags.started_period_date <= zone_months.period_date
          and lags.completed_period_date <= zone_months.period_date
    ) as started_and_completed_projects,
    {{ safe_ratio(
        "100.0 * count(lags.project_id) filter (where lags.signed_period_date <= zone_months.period_date
                  and lags.started_period_date <= zone_months.period_date)",
        "count(lags.project_id) filter (where lags.signed_period_date <= zone_months.period_date)"
    ) }} as start_rate_pct,
    {{ safe_ratio(
        "100.0 * count(lags.project_id) filter (where lags.started_period_date <= zone_months.period_date
                  and lags.completed_period_date <= zone_months.period_date)",
        "count(lags.project_id) filter (where lags.started_period_date <= zone_months.period_date)"
    ) }} as completion_rate_pct,
    median(cast(lags.months_signed_to_started as double)) filter (
        where lags.signed_period_date <= zone_months.period_date
          and lags.started_period_date <= zone_months.period_date
    ) as median_months_signed_to_started,
    median(cast(lags.months_signed_to_started_by_date as double)) filter (
        where lags.signed_period_date <= zone_months.period_date
          and lags.started_period_date <= zone_months.period_date
    ) as median_months_signed_to_started_by_date
from zone_months
left join lags
    on lags.zone_code = zone_months.zone_code
group by zone_months.zone_code, zone_months.year, zone_months.month, zone_months.period_date
