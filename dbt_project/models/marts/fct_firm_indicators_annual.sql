{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'append',
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_years('year', years_after=0) }}"
    )
}}
-- Incremental by year: a year's rows come from its December ledgers only.
-- Enterprise 亩均效益 indicators per firm and year (企业亩均效益年度指标), from the December ledger (1-12月 YTD) of
-- the year. A firm without a December row in a year is not in that year. Indicators: see macros/firm_indicators.sql
-- (denominators <= 0 or null give null).
with december as (
    select * from {{ ref('int_firm_indicators__current') }}
    where month = 12
      and {{ incremental_year_filter('year') }}
),

zones as (
    select zone_code, zone_name, city, province from {{ ref('dim_zone') }}
),

firm_years as (
    select
        december.zone_code,
        zones.zone_name,
        zones.city,
        zones.province,
        december.year,
        december.uscc,
        december.firm_name,
        december.industry_code,
        december.above_scale,
        december.own_land,
        december.land_mu,
        december.years_in_production,
        december.employees,
        december.revenue,
        december.tax,
        december.value_added,
        december.energy_tce,
        december.electricity_kwh,
        december.emissions_t,
        december.rd_spend,
        december.source_file,
        december.vintage
    from december
    left join zones using (zone_code)
)

select
    *,
    {{ firm_indicator_columns() }}
from firm_years
