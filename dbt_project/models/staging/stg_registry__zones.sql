-- Zone registry (开发区名录, catalogue 2018 plus local additions).
with source as (
    select * from {{ source('registry', 'zones') }}
),

renamed as (
    select
        cast(zone_code as varchar)          as zone_code,
        cast(catalogue_code as varchar)     as catalogue_code,
        cast(catalogue_seq as integer)      as catalogue_seq,
        cast(zone_name as varchar)          as zone_name,
        cast(province as varchar)           as province,
        cast(city_county as varchar)        as city_county,
        cast(city as varchar)               as city,
        cast(level as varchar)              as level,
        cast(level_label as varchar)        as level_label,
        cast(zone_type as varchar)          as zone_type,
        cast(zone_type_label as varchar)    as zone_type_label,
        cast(approval_date as varchar)      as approval_date,   -- text as in the catalogue, e.g. '1992.10'
        cast(approved_area_ha as double)    as approved_area_ha,
        cast(approved_area_mu as double)    as approved_area_mu,
        cast(leading_industries as varchar) as leading_industries,
        cast(region as varchar)             as region,
        cast(region_label as varchar)       as region_label,
        cast(note as varchar)               as note
    from source
)

select * from renamed
