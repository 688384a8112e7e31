{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'append',
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_from('first_seen_period_date') }}"
    )
}}
-- Project stage events (项目阶段事件): one row per project and stage reached.
-- A stage counts once, in the month of the FIRST current snapshot (by period) in which the project shows that
-- stage's date filled; the project's attributes (zone, industry, is_foreign, total_investment, land,
-- is_key_project) are taken from that snapshot. A project listed in many snapshots therefore counts once per
-- stage, and a new vintage of a past snapshot (which replaces that month's snapshot) can move or add events.
-- The first snapshot of a zone carries all stages reached before it (opening stock): flagged by
-- in_opening_snapshot. Those stages are dated by their own stage date (a project signed in 2022 and first seen in
-- the January 2023 snapshot counts as signed in 2022, not as newly signed in January 2023); every other stage
-- counts in the month of the snapshot that first shows it.
-- Incremental: an event first seen before the window's first month stays as it is (the snapshots before it are
-- unchanged); the pre-hook deletes the others, which are found again in the snapshots from that month on, for
-- the project's stages not already seen before it.
with snapshots as (
    select * from {{ ref('int_project_snapshots__current') }}
),

window_snapshots as (
    select * from snapshots
    where {{ incremental_from_filter('period_date') }}
),

zone_first_snapshot as (
    select zone_code, min(period_date) as first_period_date
    from snapshots
    group by zone_code
),

stage_rows as (
    {%- for s in project_stage_definitions() %}
    select
        '{{ s.stage }}' as stage,
        {{ s.date_column }} as stage_date,
        *
    from window_snapshots
    where {{ s.date_column }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

first_seen as (
    select
        *,
        row_number() over (partition by project_id, stage order by period_date, zone_code) as seen_rank
    from stage_rows
),

dated as (
    select
        first_seen.*,
        first_seen.period_date = zone_first_snapshot.first_period_date as in_opening_snapshot,
        case
            when first_seen.period_date = zone_first_snapshot.first_period_date
                and first_seen.stage_date < first_seen.period_date
                then date_trunc('month', first_seen.stage_date)::date
            else first_seen.period_date
        end as counted_period_date
    from first_seen
    left join zone_first_snapshot using (zone_code)
    where first_seen.seen_rank = 1
    {%- if month_window_active() %}
        and not exists (
            select 1 from {{ this }} as seen_before
            where seen_before.project_id = first_seen.project_id and seen_before.stage = first_seen.stage
        )
    {%- endif %}
)

select
    dated.project_id,
    dated.stage,
    catalogue.stage_label,
    catalogue.stage_order,
    catalogue.in_four_new_one_revived,
    dated.stage_date,
    dated.zone_code,
    year(dated.counted_period_date)::integer as year,
    month(dated.counted_period_date)::integer as month,
    dated.counted_period_date as period_date,
    dated.period_date as first_seen_period_date,
    dated.in_opening_snapshot,
    dated.project_name,
    dated.industry_code,
    dated.industry_division,
    dated.is_industrial,
    dated.is_foreign,
    dated.total_investment,
    dated.land_mu,
    dated.is_key_project,
    dated.status,
    -- lineage: the snapshot in which the stage was first seen
    dated.file_sha256,
    dated.source_file,
    dated.vintage
from dated
inner join {{ project_stage_catalogue() }} as catalogue using (stage)
