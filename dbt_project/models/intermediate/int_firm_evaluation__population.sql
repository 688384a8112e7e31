{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'append',
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_years('year', years_after=0) }}"
    )
}}
-- Incremental by year: a year's population comes from fct_firm_indicators_annual of that year.
-- Who is evaluated how: every enterprise evaluation scheme × every firm-year of fct_firm_indicators_annual.
--   evaluation_group  'exempt'      industry_code starts with one of the scheme's exempt prefixes (utilities,
--                                   GB/T 4754 44-46) or years_in_production < min_years_in_production → class T
--                     'rented_land' own_land is false or land_mu is null / <= 0 → listed, not scored, no class
--                     'main'        above_scale (规上) on own land → scored with the scheme's 'main' indicators
--                     'small'       not above_scale (规下, null counts as 规下) on own land → 'small' indicators
--   evaluation_area   the firm's zone_code, city or province, per the scheme's evaluation_area: firms are
--                     benchmarked and ranked against the firms of the same area and group.
-- A null years_in_production or industry_code does not exempt a firm.
with schemes as (
    select * from {{ ref('stg_registry__enterprise_schemes') }}
),

exempt_prefixes as (
    select scheme, unnest(exempt_industry_prefixes) as prefix
    from schemes
),

firms as (
    select * from {{ ref('fct_firm_indicators_annual') }}
    where {{ incremental_year_filter('year') }}
),

flagged as (
    select
        schemes.scheme,
        schemes.label as scheme_label,
        schemes.evaluation_area as evaluation_area_type,
        firms.year,
        firms.zone_code,
        firms.city,
        firms.province,
        firms.uscc,
        firms.firm_name,
        firms.industry_code,
        firms.above_scale,
        firms.own_land,
        firms.land_mu,
        firms.years_in_production,
        exists (
            select 1
            from exempt_prefixes
            where exempt_prefixes.scheme = schemes.scheme
              and exempt_prefixes.prefix is not null
              and exempt_prefixes.prefix <> ''
              and starts_with(firms.industry_code, exempt_prefixes.prefix)
        ) as exempt_industry,
        coalesce(firms.years_in_production < schemes.min_years_in_production, false) as exempt_new_firm,
        case schemes.evaluation_area
            when 'zone' then firms.zone_code
            when 'city' then firms.city
            when 'province' then firms.province
        end as evaluation_area
    from schemes
    cross join firms
)

select
    scheme,
    scheme_label,
    evaluation_area_type,
    evaluation_area,
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
    case
        when exempt_industry or exempt_new_firm then 'exempt'
        when own_land is false or coalesce(land_mu, 0) <= 0 then 'rented_land'
        when coalesce(above_scale, false) then 'main'
        else 'small'
    end as evaluation_group,
    case
        when exempt_industry then 'exempt_industry'
        when exempt_new_firm then 'years_in_production'
    end as exempt_reason
from flagged
