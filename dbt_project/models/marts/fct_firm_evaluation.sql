{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'append',
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_years('year', years_after=1) }}"
    )
}}
-- Incremental by year: its indicator points change with the previous year's benchmarks (see
-- fct_firm_evaluation_indicators), so a changed December rebuilds its year and the next.
-- Enterprise 亩均效益综合评价 (per-firm land-efficiency evaluation and A/B/C/D/T classes).
-- Grain: scheme × year × zone × firm, for every scheme of the reference tables and every firm-year of
-- fct_firm_indicators_annual. Groups: see int_firm_evaluation__population; indicator points: see
-- fct_firm_evaluation_indicators.
--   score       Σ indicator points of the firm (main / small only)
--   score_rank  rank() over score desc within scheme × year × evaluation_area × evaluation_group: tied
--               scores share the better rank (1, 2, 2, 4)
--   rank_share  score_rank / firms_ranked (firms in that partition)
--   class       the class of the scheme with the smallest upper_share >= rank_share (A top 20% ... ); tied
--               firms share a rank and therefore the better class. Exempt firms: 'T'. Rented land: null.
with population as (
    select * from {{ ref('int_firm_evaluation__population') }}
    where {{ incremental_year_filter('year', years_after=1) }}
),

firm_years as (
    select zone_code, year, uscc, revenue, tax from {{ ref('fct_firm_indicators_annual') }}
    where {{ incremental_year_filter('year', years_after=1) }}
),

points as (
    select
        scheme,
        year,
        zone_code,
        uscc,
        sum(points) as score,
        count(*) filter (where value is not null) as indicators_with_value,
        count(*) as indicators_scored
    from {{ ref('fct_firm_evaluation_indicators') }}
    where {{ incremental_year_filter('year', years_after=1) }}
    group by all
),

classes as (
    select * from {{ ref('stg_registry__enterprise_scheme_classes') }}
),

scored as (
    select
        population.*,
        firm_years.revenue,
        firm_years.tax,
        case
            when population.evaluation_group in ('main', 'small') then coalesce(points.score, 0)
        end as score,
        case
            when population.evaluation_group in ('main', 'small') then coalesce(points.indicators_scored, 0)
        end as indicators_scored,
        case
            when population.evaluation_group in ('main', 'small') then coalesce(points.indicators_with_value, 0)
        end as indicators_with_value
    from population
    left join firm_years
        on firm_years.zone_code = population.zone_code
        and firm_years.year = population.year
        and firm_years.uscc = population.uscc
    left join points
        on points.scheme = population.scheme
        and points.year = population.year
        and points.zone_code = population.zone_code
        and points.uscc = population.uscc
),

ranked as (
    select
        *,
        case when score is not null then
            rank() over (
                partition by scheme, year, evaluation_area, evaluation_group order by score desc
            )
        end as score_rank,
        case when score is not null then
            count(*) over (partition by scheme, year, evaluation_area, evaluation_group)
        end as firms_ranked
    from scored
),

shared as (
    select
        *,
        score_rank / firms_ranked as rank_share
    from ranked
),

classed as (
    select
        shared.*,
        case
            when shared.evaluation_group = 'exempt' then 'T'
            when shared.rank_share is not null then (
                select classes."class"
                from classes
                where classes.scheme = shared.scheme
                  and classes.upper_share >= shared.rank_share - 1e-9
                order by classes.upper_share
                limit 1
            )
        end as "class"
    from shared
)

select
    scheme,
    scheme_label,
    year,
    zone_code,
    city,
    province,
    uscc,
    firm_name,
    industry_code,
    above_scale,
    own_land,
    land_mu,
    years_in_production,
    revenue,
    tax,
    evaluation_area_type,
    evaluation_area,
    evaluation_group,
    exempt_reason,
    indicators_scored,
    indicators_with_value,
    score,
    score_rank,
    firms_ranked,
    rank_share,
    "class"
from classed
