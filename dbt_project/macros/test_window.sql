{#
  Data tests of a windowed build look at the rows the build may have changed, not the whole history.

  dbt wraps the model of every generic test in get_where_subquery (this project's version replaces dbt's). When
  the build has a month window (build_month('from'), see incremental_window.sql) and is not a full refresh, a
  test on a model that declares which of its rows a window can change checks only those rows:
  - meta.reuse_earlier_periods (the marts: a period's rows depend only on ledgers of that period and earlier),
    or meta.tests_from: period — rows of periods from the window's first month on (year-only models: from its
    year on);
  - meta.tests_from: <date column> — rows whose <date column> is on or after the window's first month.
  The earlier rows were tested by the builds that made them and no build since could change them. A build
  without a window (the first, a full refresh, a run by hand) tests every row.
#}
{% macro get_where_subquery(relation) -%}
    {%- set predicates = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do predicates.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set window = tested_window_predicate(relation) -%}
    {%- if window -%}{%- do predicates.append(window) -%}{%- endif -%}
    {%- if predicates -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ (predicates | join(' and ')) ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{% macro tested_window_predicate(relation) -%}
    {%- if not execute or flags.FULL_REFRESH or relation.identifier is none -%}{{ return('') }}{%- endif -%}
    {%- set month_from = build_month('from') -%}
    {%- if month_from is none -%}{{ return('') }}{%- endif -%}
    {%- set first = month_start_literal(month_from) -%}
    {%- set text = (month_from | string) | trim -%}
    {%- set year, month = text[:4] | int, text[5:7] | int -%}
    {#- a model's relation is named after the model (this project sets no aliases): look it up directly rather
        than scan the graph for each of some 300 tests -#}
    {%- set direct = graph.nodes.get('model.' ~ project_name ~ '.' ~ relation.identifier) -%}
    {%- for node in ([direct] if direct else graph.nodes.values()) -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name
              and (node.alias or node.name) | lower == relation.identifier | lower -%}
            {%- set meta = node.config.meta or {} -%}
            {%- set declared = meta.get('tests_from') or ('period' if meta.get('reuse_earlier_periods')) -%}
            {%- if declared == 'period' and 'month' in node.columns and 'year' in node.columns -%}
                {#- spelled on the integer columns so that DuckDB can skip row groups (and Parquet files) -#}
                {{ return('(year >= ' ~ year ~ ' and (year > ' ~ year ~ ' or month >= ' ~ month ~ '))') }}
            {%- elif declared == 'period' and 'year' in node.columns -%}
                {{ return('year >= ' ~ year) }}
            {%- elif declared and declared != 'period' -%}
                {{ return(adapter.quote(declared) ~ ' >= ' ~ first) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
