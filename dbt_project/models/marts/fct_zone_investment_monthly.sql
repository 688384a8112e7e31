-- Investment per zone × month: the project ledger's 本年完成投资 (Σ investment_completed_ytd over the projects of
-- the current snapshot, 1-N月) next to the zone ledger's 固定资产投资 1-N月 (fct_zone_indicators_monthly,
-- measure fixed_asset_investment: ytd_value, yoy_pct, yoy_basis), and project_share_pct = project / zone × 100.
-- One row per zone and month that has either a project snapshot or a zone-ledger investment row; the side
-- that is missing is null.
with projects as (
    select
        zone_code,
        year,
        month,
        period_date,
        count(*) as projects_listed,
        count(investment_completed_ytd) as projects_reporting_investment,
        coalesce(sum(investment_completed_ytd), 0) as project_investment_completed_ytd,
        coalesce(sum(investment_completed_ytd) filter (where is_key_project), 0)
            as key_project_investment_completed_ytd
    from {{ ref('int_project_snapshots__current') }}
    group by all
),

zone_ledger as (
    select
        zone_code,
        year,
        month,
        period_date,
        ytd_value as fixed_asset_investment_ytd,
        ytd_complete as fixed_asset_investment_ytd_complete,
        yoy_pct as fixed_asset_investment_yoy_pct,
        yoy_basis as fixed_asset_investment_yoy_basis
    from {{ ref('fct_zone_indicators_monthly') }}
    where measure = 'fixed_asset_investment'
)

select
    coalesce(projects.zone_code, zone_ledger.zone_code) as zone_code,
    coalesce(projects.year, zone_ledger.year) as year,
    coalesce(projects.month, zone_ledger.month) as month,
    coalesce(projects.period_date, zone_ledger.period_date) as period_date,
    projects.projects_listed,
    projects.projects_reporting_investment,
    projects.project_investment_completed_ytd,
    projects.key_project_investment_completed_ytd,
    zone_ledger.fixed_asset_investment_ytd,
    zone_ledger.fixed_asset_investment_ytd_complete,
    zone_ledger.fixed_asset_investment_yoy_pct,
    zone_ledger.fixed_asset_investment_yoy_basis,
    {{ safe_ratio('100.0 * projects.project_investment_completed_ytd', 'zone_ledger.fixed_asset_investment_ytd') }}
        as project_share_pct
from projects
full outer join zone_ledger
    on zone_ledger.zone_code = projects.zone_code
    and zone_ledger.period_date = projects.period_date
