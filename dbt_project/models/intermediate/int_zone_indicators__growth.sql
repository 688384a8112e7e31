-- 同比 (year-on-year) for every zone × year × month × measure, on the best basis available:
--   1. the ledger gives 上年同期                      -> prior = it,                       basis 'comparable' (同口径)
--   2. the ledger gives only 同比%                     -> prior = ytd / (1 + yoy / 100),    basis 'comparable'
--   3. the warehouse has this zone's YTD of the same month last year -> prior = that,     basis 'nominal'
--   4. otherwise                                       -> prior null,                      basis 'none'
-- yoy_pct = ytd / prior * 100 - 100, except that the ledger's own 同比% is kept when it gives one.
-- Stocks follow the same rules with end-of-month values.
with periods as (
    select * from {{ ref('int_zone_indicators__periods') }}
),

previous_year as (
    select
        zone_code,
        measure,
        year + 1 as year,
        month,
        ytd_value as previous_year_ytd_value
    from periods
    where ytd_value is not null
),

joined as (
    select
        periods.* rename (prior_ytd_value as ledger_prior_ytd_value, yoy_pct as ledger_yoy_pct),
        previous_year.previous_year_ytd_value
    from periods
    left join previous_year using (zone_code, measure, year, month)
),

based as (
    select
        *,
        case
            when ytd_value is null then 'none'
            when ledger_prior_ytd_value is not null then 'comparable'
            when ledger_yoy_pct is not null then 'comparable'
            when previous_year_ytd_value is not null then 'nominal'
            else 'none'
        end as yoy_basis
    from joined
),

growth as (
    select
        *,
        case yoy_basis
            when 'comparable' then coalesce(
                ledger_prior_ytd_value,
                ytd_value / nullif(1 + ledger_yoy_pct / 100, 0)
            )
            when 'nominal' then previous_year_ytd_value
        end as prior_ytd_value
    from based
)

select
    * exclude (ledger_prior_ytd_value, ledger_yoy_pct, previous_year_ytd_value),
    case
        when yoy_basis = 'comparable' and ledger_yoy_pct is not null then ledger_yoy_pct
        when yoy_basis <> 'none' then ytd_value / nullif(prior_ytd_value, 0) * 100 - 100
    end as yoy_pct,
    ledger_prior_ytd_value,
    ledger_yoy_pct,
    previous_year_ytd_value
from growth
