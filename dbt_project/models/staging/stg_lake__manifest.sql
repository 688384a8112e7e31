-- Ingested ledger files: one row per file × zone.
with source as (
    select * from {{ source('lake', 'manifest') }}
),

renamed as (
    select
        cast(file_sha256 as varchar)      as file_sha256,
        cast(source_file as varchar)      as source_file,
        cast(archived_path as varchar)    as archived_path,
        cast(size_bytes as bigint)        as size_bytes,
        cast(layout_id as varchar)        as layout_id,
        cast(ledger as varchar)           as ledger,
        cast(zone_code as varchar)        as zone_code,
        cast(year as integer)             as year,
        cast(month as integer)            as month,
        make_date(cast(year as integer), cast(month as integer), 1) as period_date,
        cast(received_at as timestamp)    as received_at,
        cast(vintage as integer)          as vintage,
        cast(rows_accepted as integer)    as rows_accepted,
        cast(rows_rejected as integer)    as rows_rejected
    from source
)

select * from renamed
