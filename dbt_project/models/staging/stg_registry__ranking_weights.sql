-- Ranking metrics per scheme: weight in the composite score and direction.
with source as (
    select * from {{ source('registry', 'ranking_weights') }}
),

renamed as (
    select
        cast(scheme as varchar)                                          as scheme,
        cast(metric as varchar)                                          as metric,
        cast(label as varchar)                                           as label,
        cast(weight as double)                                           as weight,
        coalesce(lower(trim(cast(direction as varchar))), 'higher_is_better') as direction
    from source
)

select * from renamed
