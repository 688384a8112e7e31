{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'append',
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_years('year', years_after=1) }}"
    )
}}
-- Incremental by year: from fct_firm_evaluation of the same year.
-- Firms of each zone by evaluation class (园区企业分类结构): scheme × year × zone × class, for the classes that
-- occur: the scheme's classes (A/B/C/D), 'T' (exempt: utilities, new firms) and 'unclassed' (rented land,
-- listed but not scored). Shares are of all firms of the zone in the evaluation of that scheme and year
-- (every class incl. T and unclassed), so they add up to 1 over a zone's classes.
-- d_class_land_mu: land held by the zone's D-class firms (candidates for 腾笼换凤), 0 when none; the same on
-- every row of the zone.
with evaluation as (
    select * from {{ ref('fct_firm_evaluation') }}
    where {{ incremental_year_filter('year', years_after=1) }}
),

classes as (
    select * from {{ ref('stg_registry__enterprise_scheme_classes') }}
),

class_orders as (
    select scheme, "class", row_number() over (partition by scheme order by upper_share) as class_order
    from classes
),

zones as (
    select zone_code, zone_name, city, province from {{ ref('dim_zone') }}
),

by_class as (
    select
        scheme,
        year,
        zone_code,
        coalesce("class", 'unclassed') as "class",
        count(*) as firms,
        sum(land_mu) as land_mu,
        sum(revenue) as revenue,
        sum(tax) as tax
    from evaluation
    group by all
),

with_totals as (
    select
        *,
        cast(sum(firms) over zone_year as bigint) as zone_firms,
        sum(land_mu) over zone_year as zone_land_mu,
        sum(revenue) over zone_year as zone_revenue,
        coalesce(sum(land_mu) filter (where "class" = 'D') over zone_year, 0) as d_class_land_mu
    from by_class
    window zone_year as (partition by scheme, year, zone_code)
)

select
    with_totals.scheme,
    with_totals.year,
    with_totals.zone_code,
    zones.zone_name,
    zones.city,
    zones.province,
    with_totals."class",
    case
        when with_totals."class" = 'T' then 1000
        when with_totals."class" = 'unclassed' then 1001
        else class_orders.class_order
    end as class_order,
    with_totals.firms,
    with_totals.land_mu,
    with_totals.revenue,
    with_totals.tax,
    with_totals.firms / nullif(with_totals.zone_firms, 0) as firm_share,
    with_totals.land_mu / nullif(with_totals.zone_land_mu, 0) as land_share,
    with_totals.revenue / nullif(with_totals.zone_revenue, 0) as revenue_share,
    with_totals.zone_firms,
    with_totals.zone_land_mu,
    with_totals.zone_revenue,
    with_totals.d_class_land_mu
from with_totals
left join class_orders
    on class_orders.scheme = with_totals.scheme
    and class_orders."class" = with_totals."class"
left join zones
    on zones.zone_code = with_totals.zone_code
