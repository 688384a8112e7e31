-- Project-ledger rows (招商引资及重点项目台账), typed. One row per ledger file × project as Python wrote it.
-- A lake without project ledger files reads as an empty table (macro lake_source_or_empty).
-- industry_division = first two digits of the GB/T 4754-2017 code (行业大类); industrial = divisions 06–46
-- (采矿业 06–12, 制造业 13–43, 电力热力燃气及水 44–46).
with source as (
    {{ lake_source_or_empty('lake_projects', 'project_snapshots', [
        ['file_sha256', 'varchar'], ['source_file', 'varchar'], ['sheet', 'varchar'],
        ['source_line', 'integer'], ['layout_id', 'varchar'], ['received_at', 'timestamp'],
        ['vintage', 'integer'], ['zone_code', 'varchar'], ['zone_name_raw', 'varchar'],
        ['year', 'smallint'], ['month', 'tinyint'], ['project_id', 'varchar'], ['project_name', 'varchar'],
        ['investor', 'varchar'], ['industry_code', 'varchar'], ['is_foreign', 'boolean'],
        ['total_investment', 'double'], ['foreign_investment_usd', 'double'], ['status', 'varchar'],
        ['negotiation_date', 'date'], ['signed_date', 'date'], ['started_date', 'date'],
        ['completed_date', 'date'], ['production_date', 'date'], ['revived_date', 'date'],
        ['land_mu', 'double'], ['annual_plan_investment', 'double'], ['investment_completed_ytd', 'double'],
        ['funds_in_place', 'double'], ['expected_annual_output', 'double'], ['is_key_project', 'boolean'],
    ]) }}
),

renamed as (
    select
        {{ ledger_row_origin() }}
        trim(cast(project_id as varchar))          as project_id,
        cast(project_name as varchar)              as project_name,
        cast(investor as varchar)                  as investor,
        -- industry
        trim(cast(industry_code as varchar))       as industry_code,
        left(trim(cast(industry_code as varchar)), 2) as industry_division,
        coalesce(
            regexp_full_match(left(trim(cast(industry_code as varchar)), 2), '[0-9]{2}')
            and left(trim(cast(industry_code as varchar)), 2) between '06' and '46',
            false
        )                                          as is_industrial,
        coalesce(cast(is_foreign as boolean), false) as is_foreign,
        lower(trim(cast(status as varchar)))       as status,
        -- stage dates
        cast(negotiation_date as date)             as negotiation_date,
        cast(signed_date as date)                  as signed_date,
        cast(started_date as date)                 as started_date,
        cast(completed_date as date)               as completed_date,
        cast(production_date as date)              as production_date,
        cast(revived_date as date)                 as revived_date,
        -- amounts (万元, 万美元, 亩)
        cast(total_investment as double)           as total_investment,
        cast(foreign_investment_usd as double)     as foreign_investment_usd,
        cast(land_mu as double)                    as land_mu,
        cast(annual_plan_investment as double)     as annual_plan_investment,
        cast(investment_completed_ytd as double)   as investment_completed_ytd,
        cast(funds_in_place as double)             as funds_in_place,
        cast(expected_annual_output as double)     as expected_annual_output,
        coalesce(cast(is_key_project as boolean), false) as is_key_project
    from source
)

select * from renamed
