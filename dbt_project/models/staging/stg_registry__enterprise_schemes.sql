-- Enterprise evaluation schemes (企业亩均效益综合评价方案), one row per scheme.
-- A lake without the file reads as an empty table (macro lake_source_or_empty).
with source as (
    {{ lake_source_or_empty('registry', 'enterprise_schemes', [
        ['scheme', 'varchar'], ['label', 'varchar'], ['evaluation_area', 'varchar'],
        ['exempt_industry_prefixes', 'varchar[]'], ['min_years_in_production', 'smallint'],
        ['score_cap', 'double'], ['source', 'varchar'],
    ]) }}
),

renamed as (
    select
        cast(scheme as varchar)                                   as scheme,
        cast(label as varchar)                                    as label,
        lower(trim(cast(evaluation_area as varchar)))             as evaluation_area,
        coalesce(cast(exempt_industry_prefixes as varchar[]), [])  as exempt_industry_prefixes,
        cast(min_years_in_production as integer)                  as min_years_in_production,
        cast(score_cap as double)                                 as score_cap,
        cast(source as varchar)                                   as source
    from source
)

select * from renamed
