{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'delete+insert',
        unique_key = ['zone_code', 'year', 'month'],
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_window('period_date') }}"
    )
}}
-- 亩均效益 per zone and month: 12-month industrial revenue and tax per mu of industrial land in use.
--   12-month value = TTM when computable: YTD(this month) + YTD(December last year) - YTD(same month last
--                    year) (December: the YTD itself), basis 'ttm';
--                    else annualised YTD = YTD × 12 / month, basis 'annualised_ytd' (flagged).
--   land           = industrial_land stock at the end of the same month (no carry-forward).
with periods as (
    select * from {{ ref('int_zone_indicators__periods') }}
),

flows as (
    select zone_code, measure, year, month, period_date, ytd_value
    from periods
    where measure in ('industrial_revenue', 'tax_revenue')
      and ytd_value is not null
),

twelve_months as (
    select
        flows.zone_code,
        flows.measure,
        flows.year,
        flows.month,
        flows.ytd_value,
        case
            when flows.month = 12 then flows.ytd_value
            else flows.ytd_value + last_december.ytd_value - last_year_same_month.ytd_value
        end as ttm_value
    from flows
    left join flows as last_december
        on last_december.zone_code = flows.zone_code
        and last_december.measure = flows.measure
        and last_december.year = flows.year - 1
        and last_december.month = 12
    left join flows as last_year_same_month
        on last_year_same_month.zone_code = flows.zone_code
        and last_year_same_month.measure = flows.measure
        and last_year_same_month.year = flows.year - 1
        and last_year_same_month.month = flows.month
),

twelve_months_based as (
    select
        *,
        coalesce(ttm_value, ytd_value * 12.0 / month) as value_12m,
        case when ttm_value is not null then 'ttm' else 'annualised_ytd' end as basis
    from twelve_months
),

land as (
    select zone_code, year, month, ytd_value as industrial_land_mu
    from periods
    where measure = 'industrial_land'
      and ytd_value is not null
),

zone_months as (
    select distinct zone_code, year, month, period_date
    from periods
    where measure in ('industrial_revenue', 'tax_revenue', 'industrial_land')
      and ytd_value is not null
      and {{ incremental_month_filter('period_date') }}
),

joined as (
    select
        zone_months.zone_code,
        zone_months.year,
        zone_months.month,
        zone_months.period_date,
        revenue.ytd_value as revenue_ytd,
        revenue.value_12m as revenue_12m,
        revenue.basis as revenue_basis,
        tax.ytd_value as tax_ytd,
        tax.value_12m as tax_12m,
        tax.basis as tax_basis,
        land.industrial_land_mu
    from zone_months
    left join twelve_months_based as revenue
        on revenue.zone_code = zone_months.zone_code
        and revenue.year = zone_months.year
        and revenue.month = zone_months.month
        and revenue.measure = 'industrial_revenue'
    left join twelve_months_based as tax
        on tax.zone_code = zone_months.zone_code
        and tax.year = zone_months.year
        and tax.month = zone_months.month
        and tax.measure = 'tax_revenue'
    left join land
        on land.zone_code = zone_months.zone_code
        and land.year = zone_months.year
        and land.month = zone_months.month
)

select
    zone_code,
    year,
    month,
    period_date,
    revenue_ytd,
    revenue_12m,
    revenue_basis,
    tax_ytd,
    tax_12m,
    tax_basis,
    industrial_land_mu,
    revenue_12m / nullif(industrial_land_mu, 0) as revenue_per_mu,
    tax_12m / nullif(industrial_land_mu, 0) as tax_per_mu,
    case
        when revenue_basis is null and tax_basis is null then null
        when coalesce(revenue_basis, 'ttm') = 'ttm' and coalesce(tax_basis, 'ttm') = 'ttm' then 'ttm'
        else 'annualised_ytd'
    end as basis,
    coalesce(revenue_basis = 'annualised_ytd' or tax_basis = 'annualised_ytd', false) as is_annualised
from joined
