-- Enterprise 亩均效益 indicators per firm and month on a 12-month basis (企业亩均效益月度指标，近12个月).
--   12-month flow = TTM when the firm's ledgers of December last year and of the same month last year (same zone)
--                   both exist: YTD + YTD(December last year) - YTD(same month last year); December: the YTD
--                   itself. basis 'ttm'. A flow missing in one of the three rows stays null.
--                 = else annualised YTD: YTD × 12 / month, basis 'annualised_ytd' (flagged).
--   land_mu, employees, years_in_production: values at the month.
-- Indicators: see macros/firm_indicators.sql, computed from the 12-month flows.
-- Incremental: a run rebuilds its months and the 12 after them (a month is the same month last year of the month
-- 12 later, and December last year of the next year's months), looking back 12 months from there.
{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'append',
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_window('period_date') }}"
    )
}}
{% set flows = ['revenue', 'tax', 'value_added', 'energy_tce', 'electricity_kwh', 'emissions_t', 'rd_spend'] %}
with current_rows as (
    select * from {{ ref('int_firm_indicators__current') }}
    where {{ incremental_year_month_filter(months_after=12) }}
),

earlier_rows as (
    -- the months the rebuilt ones look back on (December and the same month of the previous year)
    select * from {{ ref('int_firm_indicators__current') }}
    where {{ incremental_year_month_filter(months_after=12, months_before=12) }}
),

zones as (
    select zone_code, zone_name, city, province from {{ ref('dim_zone') }}
),

based as (
    select
        current_rows.*,
        {%- for f in flows %}
        last_december.{{ f }} as last_december_{{ f }},
        last_year_same_month.{{ f }} as last_year_same_month_{{ f }},
        {%- endfor %}
        case
            when current_rows.month = 12 then 'ttm'
            when last_december.uscc is not null and last_year_same_month.uscc is not null then 'ttm'
            else 'annualised_ytd'
        end as basis
    from current_rows
    left join earlier_rows as last_december
        on last_december.zone_code = current_rows.zone_code
        and last_december.uscc = current_rows.uscc
        and last_december.year = current_rows.year - 1
        and last_december.month = 12
    left join earlier_rows as last_year_same_month
        on last_year_same_month.zone_code = current_rows.zone_code
        and last_year_same_month.uscc = current_rows.uscc
        and last_year_same_month.year = current_rows.year - 1
        and last_year_same_month.month = current_rows.month
),

twelve_months as (
    select
        based.zone_code,
        zones.zone_name,
        zones.city,
        zones.province,
        based.year,
        based.month,
        based.period_date,
        based.uscc,
        based.firm_name,
        based.industry_code,
        based.above_scale,
        based.own_land,
        based.land_mu,
        based.years_in_production,
        based.employees,
        based.basis,
        based.basis = 'annualised_ytd' as is_annualised,
        based.revenue as revenue_ytd,
        based.tax as tax_ytd,
        based.value_added as value_added_ytd,
        {%- for f in flows %}
        case
            when based.month = 12 then based.{{ f }}
            when based.basis = 'ttm'
                then based.{{ f }} + based.last_december_{{ f }} - based.last_year_same_month_{{ f }}
            else based.{{ f }} * 12.0 / based.month
        end as {{ f }},
        {%- endfor %}
        based.source_file,
        based.vintage
    from based
    left join zones using (zone_code)
)

select
    *,
    {{ firm_indicator_columns() }}
from twelve_months
