-- Ledger rows refused by the Python reader, with the reason.
with source as (
    select * from {{ source('lake', 'rejections') }}
),

renamed as (
    select
        cast(file_sha256 as varchar)     as file_sha256,
        cast(source_file as varchar)     as source_file,
        cast(sheet as varchar)           as sheet,
        cast(source_line as integer)     as source_line,
        cast(field as varchar)           as field,
        cast(raw_value as varchar)       as raw_value,
        cast(message as varchar)         as message,
        cast(year as integer)            as year,
        cast(month as integer)           as month,
        case when year is not null and month is not null
             then make_date(cast(year as integer), cast(month as integer), 1) end as period_date,
        cast(rejected_at as timestamp)   as rejected_at
    from source
)

select * from renamed
