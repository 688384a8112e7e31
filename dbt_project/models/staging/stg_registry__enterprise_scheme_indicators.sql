-- Indicators of each enterprise evaluation scheme and population (main = 规上, small = 规下, both on own land):
-- weight (points), direction and benchmark rule.
-- A lake without the file reads as an empty table (macro lake_source_or_empty).
with source as (
    {{ lake_source_or_empty('registry', 'enterprise_scheme_indicators', [
        ['scheme', 'varchar'], ['population', 'varchar'], ['indicator', 'varchar'], ['label', 'varchar'],
        ['weight', 'double'], ['direction', 'varchar'], ['benchmark_method', 'varchar'],
        ['benchmark_factor', 'double'], ['benchmark_value', 'double'],
    ]) }}
),

renamed as (
    select
        cast(scheme as varchar)                                               as scheme,
        lower(trim(cast(population as varchar)))                              as population,
        trim(cast(indicator as varchar))                                      as indicator,
        cast(label as varchar)                                                as label,
        cast(weight as double)                                                as weight,
        coalesce(lower(trim(cast(direction as varchar))), 'higher_is_better') as direction,
        lower(trim(cast(benchmark_method as varchar)))                        as benchmark_method,
        cast(benchmark_factor as double)                                      as benchmark_factor,
        cast(benchmark_value as double)                                       as benchmark_value
    from source
)

select * from renamed
