-- Bottom-up 亩均效益 of each zone and year from its enterprise ledgers, next to the zone ledger's figures
-- (企业台账汇总 vs 园区月报): zone × year for the zones and years with December firm ledgers.
--   firm_revenue_per_mu = Σ revenue / Σ land_mu, firm_tax_per_mu = Σ tax / Σ land_mu over the zone's firms on
--   their own land (own_land not false and land_mu > 0; exempt firms included), December YTD.
--   ledger_*: fct_zone_land_efficiency at month 12 of the same year (null when the zone ledger lacks December).
--   *_diff = firm − ledger; *_diff_pct = (firm − ledger) / ledger × 100.
with firm_years as (
    select * from {{ ref('fct_firm_indicators_annual') }}
),

bottom_up as (
    select
        zone_code,
        year,
        count(*) as firms,
        count(*) filter (where own_land is not false and land_mu > 0) as firms_on_own_land,
        sum(land_mu) filter (where own_land is not false and land_mu > 0) as land_mu,
        sum(revenue) filter (where own_land is not false and land_mu > 0) as revenue,
        sum(tax) filter (where own_land is not false and land_mu > 0) as tax
    from firm_years
    group by zone_code, year
),

ledger as (
    select zone_code, year, revenue_12m, tax_12m, industrial_land_mu, revenue_per_mu, tax_per_mu, basis
    from {{ ref('fct_zone_land_efficiency') }}
    where month = 12
),

zones as (
    select zone_code, zone_name, city, province from {{ ref('dim_zone') }}
),

joined as (
    select
        bottom_up.zone_code,
        zones.zone_name,
        zones.city,
        zones.province,
        bottom_up.year,
        bottom_up.firms,
        bottom_up.firms_on_own_land,
        bottom_up.land_mu,
        bottom_up.revenue,
        bottom_up.tax,
        bottom_up.revenue / nullif(bottom_up.land_mu, 0) as firm_revenue_per_mu,
        bottom_up.tax / nullif(bottom_up.land_mu, 0) as firm_tax_per_mu,
        ledger.industrial_land_mu as ledger_land_mu,
        ledger.revenue_12m as ledger_revenue,
        ledger.tax_12m as ledger_tax,
        ledger.revenue_per_mu as ledger_revenue_per_mu,
        ledger.tax_per_mu as ledger_tax_per_mu
    from bottom_up
    left join ledger
        on ledger.zone_code = bottom_up.zone_code
        and ledger.year = bottom_up.year
    left join zones
        on zones.zone_code = bottom_up.zone_code
)

select
    *,
    firm_revenue_per_mu - ledger_revenue_per_mu as revenue_per_mu_diff,
    (firm_revenue_per_mu - ledger_revenue_per_mu) / nullif(ledger_revenue_per_mu, 0) * 100 as revenue_per_mu_diff_pct,
    firm_tax_per_mu - ledger_tax_per_mu as tax_per_mu_diff,
    (firm_tax_per_mu - ledger_tax_per_mu) / nullif(ledger_tax_per_mu, 0) * 100 as tax_per_mu_diff_pct
from joined
