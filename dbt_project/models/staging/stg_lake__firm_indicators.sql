-- Enterprise ledger rows (企业亩均效益台账), typed. One row per ledger file × firm (uscc) as Python wrote it.
-- Flows (revenue, tax, value added, energy, electricity, emissions, R&D) are 1-N月 cumulative (YTD) up to
-- `month`; land_mu, employees and years_in_production are values at the period.
-- A lake without firm ledger files reads as an empty table (macro lake_source_or_empty).
with source as (
    {{ lake_source_or_empty('lake', 'firm_indicators', [
        ['file_sha256', 'varchar'], ['source_file', 'varchar'], ['sheet', 'varchar'],
        ['source_line', 'integer'], ['layout_id', 'varchar'], ['received_at', 'timestamp'],
        ['vintage', 'integer'], ['zone_code', 'varchar'], ['zone_name_raw', 'varchar'],
        ['year', 'smallint'], ['month', 'tinyint'], ['uscc', 'varchar'], ['firm_name', 'varchar'],
        ['industry_code', 'varchar'], ['above_scale', 'boolean'], ['own_land', 'boolean'],
        ['land_mu', 'double'], ['years_in_production', 'smallint'], ['revenue', 'double'],
        ['tax', 'double'], ['value_added', 'double'], ['energy_tce', 'double'],
        ['electricity_kwh', 'double'], ['emissions_t', 'double'], ['employees', 'double'],
        ['rd_spend', 'double'],
    ]) }}
),

renamed as (
    select
        {{ ledger_row_origin() }}
        upper(trim(cast(uscc as varchar)))       as uscc,
        cast(firm_name as varchar)               as firm_name,
        trim(cast(industry_code as varchar))     as industry_code,
        cast(above_scale as boolean)             as above_scale,
        cast(own_land as boolean)                as own_land,
        -- values at the period
        cast(land_mu as double)                  as land_mu,
        cast(years_in_production as integer)     as years_in_production,
        cast(employees as double)                as employees,
        -- flows, YTD
        cast(revenue as double)                  as revenue,
        cast(tax as double)                      as tax,
        cast(value_added as double)              as value_added,
        cast(energy_tce as double)               as energy_tce,
        cast(electricity_kwh as double)          as electricity_kwh,
        cast(emissions_t as double)              as emissions_t,
        cast(rd_spend as double)                 as rd_spend
    from source
)

select * from renamed
