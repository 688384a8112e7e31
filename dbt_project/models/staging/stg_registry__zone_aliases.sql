-- Names and abbreviations under which ledgers refer to a zone.
with source as (
    select * from {{ source('registry', 'zone_aliases') }}
),

renamed as (
    select
        cast(alias as varchar)      as alias,
        cast(zone_code as varchar)  as zone_code,
        cast(origin as varchar)     as origin
    from source
)

select * from renamed
