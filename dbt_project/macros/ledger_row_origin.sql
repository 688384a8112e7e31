{#
  The columns every ledger row starts with (pipelines/lake_schema.py LEDGER_ROW_ORIGIN), typed: where the row
  came from (file, sheet, line, layout, receipt, vintage) and which zone and period it describes.
#}
{% macro ledger_row_origin() -%}
        -- lineage
        cast(file_sha256 as varchar)               as file_sha256,
        cast(source_file as varchar)               as source_file,
        cast(sheet as varchar)                     as sheet,
        cast(source_line as integer)               as source_line,
        cast(layout_id as varchar)                 as layout_id,
        cast(received_at as timestamp)             as received_at,
        cast(vintage as integer)                   as vintage,
        -- keys
        cast(zone_code as varchar)                 as zone_code,
        cast(zone_name_raw as varchar)             as zone_name_raw,
        cast(year as integer)                      as year,
        cast(month as integer)                     as month,
        make_date(cast(year as integer), cast(month as integer), 1) as period_date,
{%- endmacro %}
