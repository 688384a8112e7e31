-- Targets (年度/季度目标) per zone × year × measure × period; period covers months 1..end_month.
-- A lake without the file reads as an empty table (macro lake_source_or_empty).
with source as (
    {{ lake_source_or_empty('registry_targets', 'targets', [
        ['zone_code', 'varchar'], ['year', 'smallint'], ['measure', 'varchar'], ['period', 'varchar'],
        ['end_month', 'tinyint'], ['target_value', 'double'], ['note', 'varchar'],
    ]) }}
),

renamed as (
    select
        cast(zone_code as varchar)      as zone_code,
        cast(year as integer)           as year,
        cast(measure as varchar)        as measure,
        trim(cast(period as varchar))   as period,
        cast(end_month as integer)      as end_month,
        cast(target_value as double)    as target_value,
        cast(note as varchar)           as note
    from source
)

select * from renamed
