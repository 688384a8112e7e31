{#
  on-run-start: every dbt invocation on the warehouse appends one row to warehouse_builds: when it started
  (epoch seconds), the month window it was given (build_month; null = every month) and whether it was a --full-refresh.
  dbt is the warehouse's only writer, so this log says which months can have changed since a given time:
  publishing (pipelines/publish.py) reuses the previous release's rows of the months no build touched since.
  A hook, not a model, so that it also runs for a build of a selection of models.
#}
{% macro record_warehouse_build() -%}
    {%- set month_from = build_month('from') -%}
    {%- set month_to = build_month('to') or month_from -%}
    {%- set has_window = month_from is not none -%}
    create table if not exists {{ target.schema }}.warehouse_builds (
        invocation_id varchar, started_epoch double, command varchar,
        month_from date, month_to date, full_refresh boolean
    );
    insert into {{ target.schema }}.warehouse_builds values (
        '{{ invocation_id }}',
        epoch(current_timestamp),
        '{{ flags.WHICH }}',
        {{ month_start_literal(month_from) if has_window else 'null' }},
        {{ month_start_literal(month_to) if has_window else 'null' }},
        {{ 'true' if flags.FULL_REFRESH else 'false' }}
    )
{%- endmacro %}
