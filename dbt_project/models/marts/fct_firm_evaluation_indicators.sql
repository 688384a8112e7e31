{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'append',
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_years('year', years_after=1) }}"
    )
}}
-- Incremental by year: a year's benchmarks use the previous year, so a changed December
-- rebuilds its year and the next.
-- Indicator scores of the enterprise evaluation (企业亩均效益综合评价单项指标得分).
-- Grain: scheme × year × zone × firm × indicator, for the scored firms (evaluation_group main / small) and the
-- indicators of their population in the scheme.
--   value      the firm's indicator for the year (fct_firm_indicators_annual, December YTD)
--   benchmark  'previous_year_average': benchmark_factor (null = 1) × the aggregate ratio Σ numerator / Σ
--              denominator (e.g. Σ tax / Σ land_mu; rd_intensity = Σ rd_spend / Σ revenue × 100) over the scored
--              firms of the same scheme, evaluation area and group with a value for the indicator in the
--              PREVIOUS year (benchmark_basis 'previous_year'); when the area and group had no such firm that
--              year, the same year's aggregate (benchmark_basis 'current_year_fallback').
--              'fixed': the scheme's benchmark_value (benchmark_basis 'fixed').
--   ratio      higher_is_better: value / benchmark; lower_is_better: benchmark / value, and when value <= 0 the
--              cap (score_cap, or 1 without a cap). Null when the value or the benchmark is null or the
--              benchmark <= 0.
--   points     weight × min(ratio, score_cap) (no cap when score_cap is null); a null ratio scores 0.
with population as (
    select * from {{ ref('int_firm_evaluation__population') }}
    where evaluation_group in ('main', 'small')
      and {{ incremental_year_filter('year', years_after=1, years_before=1) }}
),

schemes as (
    select scheme, score_cap from {{ ref('stg_registry__enterprise_schemes') }}
),

scheme_indicators as (
    select * from {{ ref('stg_registry__enterprise_scheme_indicators') }}
),

firm_years as (
    select * from {{ ref('fct_firm_indicators_annual') }}
    where {{ incremental_year_filter('year', years_after=1, years_before=1) }}
),

indicator_values as (
    {{ firm_indicators_long('firm_years', ['zone_code', 'year', 'uscc']) }}
),

definitions as (
    {%- for d in firm_indicator_definitions() %}
    select '{{ d.indicator }}' as indicator, '{{ d.unit }}' as unit
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
),

-- every scored firm with every indicator of its population
firm_indicators as (
    select
        population.scheme,
        population.year,
        population.evaluation_area_type,
        population.evaluation_area,
        population.evaluation_group,
        population.zone_code,
        population.uscc,
        population.firm_name,
        scheme_indicators.indicator,
        scheme_indicators.label,
        definitions.unit,
        scheme_indicators.weight,
        scheme_indicators.direction,
        scheme_indicators.benchmark_method,
        scheme_indicators.benchmark_factor,
        scheme_indicators.benchmark_value as scheme_benchmark_value,
        schemes.score_cap,
        indicator_values.numerator,
        indicator_values.denominator,
        indicator_values.value
    from population
    inner join scheme_indicators
        on scheme_indicators.scheme = population.scheme
        and scheme_indicators.population = population.evaluation_group
    inner join schemes
        on schemes.scheme = population.scheme
    left join definitions
        on definitions.indicator = scheme_indicators.indicator
    left join indicator_values
        on indicator_values.zone_code = population.zone_code
        and indicator_values.year = population.year
        and indicator_values.uscc = population.uscc
        and indicator_values.indicator = scheme_indicators.indicator
),

-- aggregate ratio of each scheme × year × area × group × indicator over the firms with a value
aggregates as (
    select
        scheme,
        year,
        evaluation_area,
        evaluation_group,
        indicator,
        count(*) as firms,
        sum(numerator) / nullif(sum(denominator), 0) as aggregate_value
    from firm_indicators
    where value is not null
    group by all
),

benchmarked as (
    select
        firm_indicators.*,
        case
            when firm_indicators.benchmark_method = 'fixed' then firm_indicators.scheme_benchmark_value
            when firm_indicators.benchmark_method = 'previous_year_average'
                then coalesce(firm_indicators.benchmark_factor, 1.0)
                    * coalesce(previous_year.aggregate_value, current_year.aggregate_value)
        end as benchmark,
        case
            when firm_indicators.benchmark_method = 'fixed' then 'fixed'
            when firm_indicators.benchmark_method = 'previous_year_average'
                and previous_year.aggregate_value is not null then 'previous_year'
            when firm_indicators.benchmark_method = 'previous_year_average'
                and current_year.aggregate_value is not null then 'current_year_fallback'
        end as benchmark_basis,
        case
            when firm_indicators.benchmark_method = 'previous_year_average'
                and previous_year.aggregate_value is not null then previous_year.firms
            when firm_indicators.benchmark_method = 'previous_year_average' then current_year.firms
        end as benchmark_firms
    from firm_indicators
    left join aggregates as previous_year
        on previous_year.scheme = firm_indicators.scheme
        and previous_year.year = firm_indicators.year - 1
        and previous_year.evaluation_area is not distinct from firm_indicators.evaluation_area
        and previous_year.evaluation_group = firm_indicators.evaluation_group
        and previous_year.indicator = firm_indicators.indicator
    left join aggregates as current_year
        on current_year.scheme = firm_indicators.scheme
        and current_year.year = firm_indicators.year
        and current_year.evaluation_area is not distinct from firm_indicators.evaluation_area
        and current_year.evaluation_group = firm_indicators.evaluation_group
        and current_year.indicator = firm_indicators.indicator
    -- the previous year was read for its aggregates only
    where {{ incremental_year_filter('firm_indicators.year', years_after=1) }}
),

ratios as (
    select
        *,
        case
            when value is null or benchmark is null or benchmark <= 0 then null
            when direction = 'lower_is_better' and value <= 0 then coalesce(score_cap, 1.0)
            when direction = 'lower_is_better' then benchmark / value
            else value / benchmark
        end as ratio
    from benchmarked
),

scored as (
    select
        *,
        -- (least() ignores nulls in DuckDB: a null ratio must stay null, i.e. 0 points)
        case
            when ratio is null then null
            when score_cap is not null then least(ratio, score_cap)
            else ratio
        end as scored_ratio
    from ratios
)

select
    scheme,
    year,
    zone_code,
    uscc,
    firm_name,
    evaluation_area_type,
    evaluation_area,
    evaluation_group,
    indicator,
    label,
    unit,
    weight,
    direction,
    value,
    numerator,
    denominator,
    benchmark_method,
    benchmark_factor,
    benchmark,
    benchmark_basis,
    benchmark_firms,
    ratio,
    score_cap,
    coalesce(score_cap is not null and ratio > score_cap, false) as is_capped,
    coalesce(weight * scored_ratio, 0) as points
from scored
