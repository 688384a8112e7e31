-- Zone 投资强度 per zone × month: over the zone's industrial projects (division 06–46) signed up to the month
-- (签约 event month ≤ month) with land, Σ total_investment / Σ land_mu (万元/亩), and the share of those
-- projects whose own intensity meets project_settings.investment_intensity_threshold.
-- Each project is read as of its latest current snapshot up to the month (so later revisions of land or
-- investment do not reach back). Projects whose status there is 'dropped' (终止) are left out (counted in
-- dropped_projects_excluded): their land does not carry the investment.
with zone_months as (
    select distinct zone_code, year, month, period_date
    from {{ ref('int_project_snapshots__current') }}
),

snapshots as (
    select * from {{ ref('int_project_snapshots__current') }}
),

signed as (
    select project_id, period_date as signed_period_date
    from {{ ref('int_project_stage_events') }}
    where stage = 'signed'
),

settings as (
    select max(value) as threshold
    from {{ ref('stg_registry__project_settings') }}
    where setting = 'investment_intensity_threshold'
),

next_snapshots as (
    select
        *,
        lead(period_date) over (partition by zone_code, project_id order by period_date) as next_period_date
    from snapshots
),

snapshot_spans as (
    -- a project's snapshot stands for it in its zone until the zone's next snapshot of it (the last one, to the
    -- latest month): the months it spans, one row each. "As of its latest snapshot up to the month" is then an
    -- equi-join on zone and month — linear in the history, where joining every month to every earlier snapshot
    -- and ranking them grew with its square (months × snapshots)
    select
        *,
        unnest(generate_series(
            period_date,
            coalesce(next_period_date - interval 1 month, (select max(period_date) from zone_months)),
            interval 1 month
        ))::date as as_of_period_date
    from next_snapshots
),

assessed as (
    -- each signed project of the zone as of its latest snapshot up to the month
    select
        zone_months.zone_code,
        zone_months.year,
        zone_months.month,
        zone_months.period_date,
        snapshot_spans.project_id,
        snapshot_spans.status,
        snapshot_spans.is_industrial,
        snapshot_spans.total_investment,
        snapshot_spans.land_mu,
        snapshot_spans.is_industrial and snapshot_spans.land_mu > 0 and snapshot_spans.total_investment is not null
            and snapshot_spans.status is distinct from 'dropped' as is_assessed
    from zone_months
    inner join snapshot_spans
        on snapshot_spans.zone_code = zone_months.zone_code
        and snapshot_spans.as_of_period_date = zone_months.period_date
    inner join signed
        on signed.project_id = snapshot_spans.project_id
        and signed.signed_period_date <= zone_months.period_date
),

zone_totals as (
    select
        zone_code,
        year,
        month,
        period_date,
        count(*) filter (where is_assessed) as industrial_projects,
        sum(total_investment) filter (where is_assessed) as total_investment,
        sum(land_mu) filter (where is_assessed) as land_mu,
        count(*) filter (
            where is_assessed and total_investment / land_mu >= (select threshold from settings)
        ) as projects_meeting_threshold,
        count(*) filter (
            where is_industrial and land_mu > 0 and total_investment is not null and status = 'dropped'
        ) as dropped_projects_excluded
    from assessed
    group by all
)

select
    zone_months.zone_code,
    zone_months.year,
    zone_months.month,
    zone_months.period_date,
    coalesce(zone_totals.industrial_projects, 0) as industrial_projects,
    coalesce(zone_totals.total_investment, 0) as total_investment,
    coalesce(zone_totals.land_mu, 0) as land_mu,
    {{ safe_ratio('zone_totals.total_investment', 'zone_totals.land_mu') }} as investment_intensity,
    (select threshold from settings) as investment_intensity_threshold,
    case when (select threshold from settings) is not null then coalesce(zone_totals.projects_meeting_threshold, 0) end
        as projects_meeting_threshold,
    case when (select threshold from settings) is not null then
        {{ safe_ratio('100.0 * zone_totals.projects_meeting_threshold', 'zone_totals.industrial_projects') }}
    end as share_meeting_threshold_pct,
    coalesce(zone_totals.dropped_projects_excluded, 0) as dropped_projects_excluded
from zone_months
left join zone_totals using (zone_code, year, month, period_date)
