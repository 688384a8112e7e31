-- Project stage events (项目阶段事件): one row per project and stage reached.
-- A stage counts once, in the month of the FIRST current snapshot (by period) in which the project shows that
-- stage's date filled; the project's attributes (zone, industry, is_foreign, total_investment, land,
-- is_key_project) are taken from that snapshot. A project listed in many snapshots therefore counts once per
-- stage, and a new vintage of a past snapshot (which replaces that month's snapshot) can move or add events.
-- The first snapshot of a zone carries all stages reached before it (opening stock): flagged by
-- in_opening_snapshot.
with snapshots as (
    select * from {{ ref('int_project_snapshots__current') }}
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
    from snapshots
    where {{ s.date_column }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

first_seen as (
    select
        *,
        row_number() over (partition by project_id, stage order by period_date, zone_code) as seen_rank
    from stage_rows
)

select
    first_seen.project_id,
    first_seen.stage,
    catalogue.stage_label,
    catalogue.stage_order,
    catalogue.in_four_new_one_revived,
    first_seen.stage_date,
    first_seen.zone_code,
    first_seen.year,
    first_seen.month,
    first_seen.period_date,
    first_seen.period_date = zone_first_snapshot.first_period_date as in_opening_snapshot,
    first_seen.project_name,
    first_seen.industry_code,
    first_seen.industry_division,
    first_seen.is_industrial,
    first_seen.is_foreign,
    first_seen.total_investment,
    first_seen.land_mu,
    first_seen.is_key_project,
    first_seen.status,
    -- lineage: the snapshot in which the stage was first seen
    first_seen.file_sha256,
    first_seen.source_file,
    first_seen.vintage
from first_seen
inner join {{ project_stage_catalogue() }} as catalogue using (stage)
left join zone_first_snapshot using (zone_code)
where first_seen.seen_rank = 1
