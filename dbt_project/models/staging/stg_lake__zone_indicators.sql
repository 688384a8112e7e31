-- Accepted ledger cells, typed. One row per file × zone × period × measure × value basis.
with source as (
    select * from {{ source('lake', 'zone_indicators') }}
),

renamed as (
    select
        -- lineage
        cast(file_sha256 as varchar)            as file_sha256,
        cast(source_file as varchar)            as source_file,
        cast(sheet as varchar)                  as sheet,
        cast(source_line as integer)            as source_line,
        cast(layout_id as varchar)              as layout_id,
        cast(received_at as timestamp)          as received_at,
        cast(vintage as integer)                as vintage,
        -- keys
        cast(zone_code as varchar)              as zone_code,
        cast(zone_name_raw as varchar)          as zone_name_raw,
        cast(year as integer)                   as year,
        cast(month as integer)                  as month,
        make_date(cast(year as integer), cast(month as integer), 1) as period_date,
        lower(trim(cast(value_basis as varchar))) as value_basis,
        cast(measure as varchar)                as measure,
        -- values (canonical unit)
        cast(value as double)                   as value,
        cast(unit as varchar)                   as unit,
        cast(prior_ytd_value as double)         as prior_ytd_value,
        cast(yoy_pct as double)                 as yoy_pct,
        cast(raw_value as varchar)              as raw_value,
        cast(raw_unit as varchar)               as raw_unit
    from source
)

select * from renamed
