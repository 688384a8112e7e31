-- Accepted ledger cells, typed. One row per file × zone × period × measure × value basis.
with source as (
    select * from {{ source('lake', 'zone_indicators') }}
),

renamed as (
    select
        {{ ledger_row_origin() }}
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
