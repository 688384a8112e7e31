-- Class cut-offs of each enterprise evaluation scheme: a class covers the ranks whose rank share
-- (rank / firms ranked) is at most its upper_share and above the previous class's.
-- A lake without the file reads as an empty table (macro lake_source_or_empty).
with source as (
    {{ lake_source_or_empty('registry', 'enterprise_scheme_classes', [
        ['scheme', 'varchar'], ['class', 'varchar'], ['upper_share', 'double'],
    ]) }}
),

renamed as (
    select
        cast(scheme as varchar)          as scheme,
        upper(trim(cast("class" as varchar))) as "class",
        cast(upper_share as double)      as upper_share
    from source
)

select * from renamed
