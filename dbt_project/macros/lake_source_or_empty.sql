{#
  A lake source, or a typed empty relation when its files do not exist yet.

  The enterprise tables (firm_indicators, reference/enterprise_scheme*.parquet) were added to the lake contract
  after the zone tables; a lake written before them (or a test lake that only has the zone tables) has no such
  files, and DuckDB refuses to read a missing Parquet path. The staging models therefore read the source
  through this macro: when the path of the source's external_location (a file or glob) matches no file, they
  see zero rows with the contract's column types instead of failing the whole build.

  columns: list of [name, duckdb_type] of the source (pipelines/lake_schema.py).
#}
{% macro lake_source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set found = true -%}
    {%- if execute -%}
        {%- set match = modules.re.search("read_parquet\\(\\s*'([^']+)'", relation | string) -%}
        {%- if match -%}
            {%- set result = run_query("select count(*) from glob('" ~ match.group(1) ~ "')") -%}
            {%- set found = result.columns[0].values()[0] > 0 -%}
        {%- endif -%}
    {%- endif -%}
    {%- if found -%}
        select * from {{ relation }}
    {%- else -%}
        select
        {%- for c in columns %}
            cast(null as {{ c[1] }}) as {{ c[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
