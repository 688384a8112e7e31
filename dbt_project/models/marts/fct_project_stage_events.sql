-- The projects behind every 四新一盘活 count (项目阶段明细): one row per project and stage reached, in the month it
-- counts (see int_project_stage_events), with the zone's name for readers.
select
    events.*,
    zones.zone_name
from {{ ref('int_project_stage_events') }} as events
left join {{ ref('dim_zone') }} as zones using (zone_code)
