-- 投资强度 (investment intensity) per project, from the project's latest current snapshot (the newest month in
-- which any zone ledger lists it). investment_intensity = total_investment / land_mu (万元/亩), computed only for
-- industrial projects (industry division 06–46) with land_mu > 0 and a total investment; otherwise null.
-- meets_threshold compares it with project_settings.investment_intensity_threshold (≥ threshold), null when
-- either is missing.
with snapshots as (
    select * from {{ ref('int_project_snapshots__current') }}
),

latest as (
    select
        *,
        count(*) over (partition by project_id) as snapshots_listed,
        row_number() over (partition by project_id order by period_date desc, zone_code) as recency
    from snapshots
),

settings as (
    select max(value) as threshold
    from {{ ref('stg_registry__project_settings') }}
    where setting = 'investment_intensity_threshold'
),

assessed as (
    select
        latest.*,
        latest.is_industrial and latest.land_mu > 0 and latest.total_investment is not null as is_assessed,
        settings.threshold
    from latest
    cross join settings
    where latest.recency = 1
)

select
    project_id,
    zone_code,
    year,
    month,
    period_date,
    project_name,
    industry_code,
    industry_division,
    is_industrial,
    is_foreign,
    is_key_project,
    status,
    signed_date,
    total_investment,
    land_mu,
    coalesce(is_assessed, false) as is_assessed,
    case when is_assessed then total_investment / land_mu end as investment_intensity,
    threshold as investment_intensity_threshold,
    case
        when is_assessed and threshold is not null then total_investment / land_mu >= threshold
    end as meets_threshold,
    case when is_assessed then total_investment / land_mu - threshold end as gap_to_threshold,
    snapshots_listed,
    source_file,
    vintage
from assessed
