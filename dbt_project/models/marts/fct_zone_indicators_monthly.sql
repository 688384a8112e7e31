{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'delete+insert',
        unique_key = ['zone_code', 'year', 'month', 'measure'],
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_window('period_date') }}"
    )
}}
-- Zone × year × month × measure: 1-N月 cumulative value, the period value, 同比 and lineage.
with growth as (
    select * from {{ ref('int_zone_indicators__growth') }}
    where {{ incremental_month_filter('period_date') }}
),

measures as (
    select * from {{ ref('dim_measure') }}
)

select
    growth.zone_code,
    growth.year,
    growth.month,
    growth.period_date,
    growth.measure,
    measures.label as measure_label,
    growth.kind,
    growth.unit,
    growth.value_basis,
    growth.reported_value,
    -- cumulative / end-of-month value
    growth.ytd_value,
    case
        when growth.kind = 'stock' then growth.month || '月末'
        when growth.month = 1 then '1月'
        else '1-' || growth.month || '月'
    end as ytd_label,
    growth.ytd_complete,
    -- value of the period period_start_month..month (flows)
    growth.period_value,
    growth.period_start_month,
    growth.month - growth.period_start_month + 1 as period_months,
    case
        when growth.kind = 'stock' then growth.month || '月末'
        when growth.period_start_month = growth.month then growth.month || '月'
        else growth.period_start_month || '-' || growth.month || '月'
    end as period_label,
    -- 同比
    growth.prior_ytd_value,
    growth.yoy_pct,
    growth.yoy_basis,
    growth.ledger_prior_ytd_value,
    growth.ledger_yoy_pct,
    growth.previous_year_ytd_value,
    -- lineage
    growth.file_sha256,
    growth.source_file,
    growth.sheet,
    growth.source_line,
    growth.layout_id,
    growth.vintage,
    growth.received_at,
    growth.versions_received
from growth
left join measures using (measure)
