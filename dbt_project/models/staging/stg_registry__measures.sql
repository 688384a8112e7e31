-- Canonical measures (sources/measures.yaml): unit and kind (flow = 1-N月累计, stock = 期末数).
with source as (
    select * from {{ source('registry', 'measures') }}
),

renamed as (
    select
        cast(measure as varchar)             as measure,
        cast(label as varchar)               as label,
        cast(unit as varchar)                as unit,
        lower(trim(cast(kind as varchar)))   as kind,
        cast(description as varchar)         as description
    from source
)

select * from renamed
