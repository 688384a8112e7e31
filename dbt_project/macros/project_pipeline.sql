{#
  The project pipeline (四新一盘活) per zone × month × stage [× extra dimension], shared by
  fct_project_pipeline_monthly and fct_project_pipeline_by_industry.

  Rows: every month in which the zone has a current project snapshot, × every stage of the catalogue
  (project_stage_catalogue(): six stages plus the four_new_one_revived total) [× every value of the extra
  dimension that has an event in the zone and year up to that month]. Months and stages without events give 0,
  so the YTD is carried through.
    projects / total_investment          events of the month (a stage counts in the month it is first seen)
    projects_ytd / total_investment_ytd  events of months 1..month of the same year (also before the zone's
                                         first snapshot: the opening stock is dated by its stage dates)
  The four_new_one_revived row adds up the events of 新洽谈, 新签约, 新开工, 新竣工 and 盘活 (a project reaching two
  stages in a period counts twice, as the published 四新一盘活 totals do).
  dimension: none, or a column of int_project_stage_events (e.g. 'industry_division').
#}
{% macro project_pipeline(dimension=none) -%}
{%- set dim = (dimension ~ ', ') if dimension else '' -%}
with events as (
    select * from {{ ref('int_project_stage_events') }}
),

zone_months as (
    select distinct zone_code, year, month, period_date
    from {{ ref('int_project_snapshots__current') }}
),

stage_events as (
    select zone_code, year, month, {{ dim }}stage, project_id, total_investment, is_foreign, is_key_project
    from events
    union all
    select zone_code, year, month, {{ dim }}'four_new_one_revived', project_id, total_investment, is_foreign,
           is_key_project
    from events
    where in_four_new_one_revived
),

monthly as (
    select
        zone_code,
        year,
        month,
        {{ dim }}
        stage,
        count(*) as projects,
        coalesce(sum(total_investment), 0) as total_investment,
        count(*) filter (where is_foreign) as foreign_projects,
        count(*) filter (where is_key_project) as key_projects
    from stage_events
    group by all
),

{% if dimension %}
dimension_start as (
    -- a value of the dimension enters the zone's rows from its first event of the year
    select zone_code, year, {{ dimension }}, min(month) as first_month
    from events
    group by all
),
{% endif %}

grid as (
    select
        zone_months.zone_code,
        zone_months.year,
        zone_months.month,
        zone_months.period_date,
        {% if dimension %}dimension_start.{{ dimension }},{% endif %}
        catalogue.stage,
        catalogue.stage_label,
        catalogue.stage_order
    from zone_months
    {% if dimension %}
    inner join dimension_start
        on dimension_start.zone_code = zone_months.zone_code
        and dimension_start.year = zone_months.year
        and dimension_start.first_month <= zone_months.month
    {% endif %}
    cross join {{ project_stage_catalogue() }} as catalogue
),

filled as (
    select
        grid.*,
        coalesce(monthly.projects, 0) as projects,
        coalesce(monthly.total_investment, 0) as total_investment,
        coalesce(monthly.foreign_projects, 0) as foreign_projects,
        coalesce(monthly.key_projects, 0) as key_projects
    from grid
    left join monthly
        on monthly.zone_code = grid.zone_code
        and monthly.year = grid.year
        and monthly.month = grid.month
        and monthly.stage = grid.stage
        {% if dimension %}and monthly.{{ dimension }} is not distinct from grid.{{ dimension }}{% endif %}
),

year_to_date as (
    -- events of months 1..month of the same year, including months before the zone's first snapshot
    -- (stages of the opening stock are dated by their own dates)
    select
        grid.zone_code,
        grid.year,
        grid.month,
        {% if dimension %}grid.{{ dimension }},{% endif %}
        grid.stage,
        cast(coalesce(sum(monthly.projects), 0) as bigint) as projects_ytd,
        coalesce(sum(monthly.total_investment), 0) as total_investment_ytd,
        cast(coalesce(sum(monthly.foreign_projects), 0) as bigint) as foreign_projects_ytd,
        cast(coalesce(sum(monthly.key_projects), 0) as bigint) as key_projects_ytd
    from grid
    left join monthly
        on monthly.zone_code = grid.zone_code
        and monthly.year = grid.year
        and monthly.month <= grid.month
        and monthly.stage = grid.stage
        {% if dimension %}and monthly.{{ dimension }} is not distinct from grid.{{ dimension }}{% endif %}
    group by all
)

select
    filled.*,
    year_to_date.projects_ytd,
    year_to_date.total_investment_ytd,
    year_to_date.foreign_projects_ytd,
    year_to_date.key_projects_ytd
from filled
inner join year_to_date
    on year_to_date.zone_code = filled.zone_code
    and year_to_date.year = filled.year
    and year_to_date.month = filled.month
    and year_to_date.stage = filled.stage
    {% if dimension %}and year_to_date.{{ dimension }} is not distinct from filled.{{ dimension }}{% endif %}
{%- endmacro %}
