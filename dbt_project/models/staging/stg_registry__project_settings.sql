-- Settings of the project metrics (sources/metrics/projects.yaml), one row per setting.
-- A lake without the file reads as an empty table (macro lake_source_or_empty).
with source as (
    {{ lake_source_or_empty('registry_targets', 'project_settings', [
        ['setting', 'varchar'], ['value', 'double'], ['unit', 'varchar'], ['note', 'varchar'],
    ]) }}
),

renamed as (
    select
        trim(cast(setting as varchar))  as setting,
        cast(value as double)           as value,
        cast(unit as varchar)           as unit,
        cast(note as varchar)           as note
    from source
)

select * from renamed
