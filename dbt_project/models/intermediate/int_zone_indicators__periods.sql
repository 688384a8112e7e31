-- One row per zone × year × month × measure, in one shape whatever the ledger reported:
--   ytd_value           1-N月 cumulative value (flows) or end-of-month value (stocks)
--   period_value        the value of the period period_start_month..month (flows only)
--   period_start_month  first month of that period
-- Flows reported cumulative ('ytd'): period = YTD - YTD of the previous REPORTED month of the same year, so a
--   first report at 1-2月 is one period starting in January (never split into Jan and Feb).
-- Flows reported per month ('month', 当月): period = the value; YTD = running sum over the year, only when
--   every month 1..M of the year is present (else null and ytd_complete = false).
-- Stocks: ytd_value = the end value, period_value null, period_start_month = month.
-- If a zone reports one measure and month both ways, the cumulative row wins.
with current_values as (
    select * from {{ ref('int_zone_indicators__current') }}
),

measures as (
    select * from {{ ref('stg_registry__measures') }}
),

with_kind as (
    select
        current_values.*,
        coalesce(measures.kind, 'flow') as kind,
        measures.unit as measure_unit
    from current_values
    left join measures using (measure)
),

ytd_flows as (
    select
        *,
        lag(month) over previous_report as previous_month,
        lag(value) over previous_report as previous_ytd_value
    from with_kind
    where kind = 'flow' and value_basis = 'ytd'
    window previous_report as (partition by zone_code, measure, year order by month)
),

ytd_flow_periods as (
    select
        *,
        value as ytd_value,
        case when previous_month is null then value else value - previous_ytd_value end as period_value,
        coalesce(previous_month + 1, 1) as period_start_month,
        true as ytd_complete,
        prior_ytd_value as ledger_prior_value,
        yoy_pct as ledger_yoy_pct
    from ytd_flows
),

month_flows as (
    select
        *,
        -- the ledger's 上年同期 / 同比 of a single month, turned into that month's prior-year value
        coalesce(prior_ytd_value, value / nullif(1 + yoy_pct / 100, 0)) as month_prior_value
    from with_kind
    where kind = 'flow' and value_basis = 'month'
),

month_flow_running as (
    select
        *,
        sum(value) over year_so_far as running_value,
        count(value) over year_so_far as months_present,
        sum(month_prior_value) over year_so_far as running_prior_value,
        count(month_prior_value) over year_so_far as priors_present
    from month_flows
    window year_so_far as (
        partition by zone_code, measure, year order by month
        rows between unbounded preceding and current row
    )
),

month_flow_periods as (
    select
        *,
        case when months_present = month then running_value end as ytd_value,
        value as period_value,
        month as period_start_month,
        months_present = month as ytd_complete,
        -- comparable prior-year YTD only when every month carries its own 上年同期 / 同比
        case when months_present = month and priors_present = month then running_prior_value end
            as ledger_prior_value,
        -- a 当月 ledger's 同比 describes the month alone, not 1-N月: not carried as the YTD growth
        cast(null as double) as ledger_yoy_pct
    from month_flow_running
),

stock_periods as (
    select
        *,
        value as ytd_value,
        cast(null as double) as period_value,
        month as period_start_month,
        true as ytd_complete,
        prior_ytd_value as ledger_prior_value,
        yoy_pct as ledger_yoy_pct
    from with_kind
    where kind = 'stock'
),

unioned as (
    {% set columns %}
        zone_code, year, month, period_date, measure, kind, value_basis,
        value as reported_value, coalesce(unit, measure_unit) as unit,
        ytd_value, period_value, period_start_month, ytd_complete,
        ledger_prior_value as prior_ytd_value, ledger_yoy_pct as yoy_pct,
        file_sha256, source_file, sheet, source_line, layout_id, vintage, received_at, versions_received
    {% endset %}
    select {{ columns }} from ytd_flow_periods
    union all
    select {{ columns }} from month_flow_periods
    union all
    select {{ columns }} from stock_periods
)

select *
from unioned
qualify row_number() over (
    partition by zone_code, year, month, measure
    order by case value_basis when 'ytd' then 0 else 1 end, file_sha256
) = 1
