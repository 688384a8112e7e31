-- Key projects (重点项目) per zone × month, from that month's current snapshot: the key projects listed
-- (is_key_project, any status), Σ 年度计划投资, Σ 本年完成投资 (1-N月), completion_pct = completed / plan × 100,
-- 序时进度 time_progress_pct = month / 12 × 100, gap_pp = completion_pct − time_progress_pct (percentage points).
-- A month whose snapshot lists no key project has a row with 0 projects and null percentages.
with snapshots as (
    select * from {{ ref('int_project_snapshots__current') }}
),

totals as (
    select
        zone_code,
        year,
        month,
        period_date,
        count(*) filter (where is_key_project) as key_projects,
        count(*) filter (where is_key_project and status = 'active') as key_projects_active,
        count(*) filter (where is_key_project and started_date is not null) as key_projects_started,
        coalesce(sum(annual_plan_investment) filter (where is_key_project), 0) as annual_plan_investment,
        coalesce(sum(investment_completed_ytd) filter (where is_key_project), 0) as investment_completed_ytd,
        coalesce(sum(total_investment) filter (where is_key_project), 0) as total_investment
    from snapshots
    group by all
)

select
    *,
    {{ safe_ratio('100.0 * investment_completed_ytd', 'annual_plan_investment') }} as completion_pct,
    month * 100.0 / 12 as time_progress_pct,
    {{ safe_ratio('100.0 * investment_completed_ytd', 'annual_plan_investment') }} - month * 100.0 / 12
        as gap_pp,
    {{ safe_ratio('100.0 * investment_completed_ytd', 'annual_plan_investment') }} > month * 100.0 / 12
        as ahead_of_schedule
from totals
