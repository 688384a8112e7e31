{#
  Month window of an incremental run.

  The orchestrator passes a partition range with --vars '{month_from: "2024-03", month_to: "2024-05"}'
  ('YYYY-MM'; 'YYYY-MM-DD' is accepted and cut to the month). A changed month M can change later months
  through the trailing-12-month sums, 同比 against the same month of the next year, the periods derived from
  1-N月 cumulative values and rank changes, all at most 12 months ahead. So an incremental run rebuilds the
  months month_from .. month_to + 12 months, reading all the history it needs from upstream models.
  Without month_from (or on --full-refresh, or when the table does not exist yet) every month is built.
#}

{% macro month_start_literal(value) -%}
    {%- set text = (value | string) | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}(-[0-9]{2})?', text) -%}
        {{ exceptions.raise_compiler_error("month vars must look like 'YYYY-MM', got '" ~ text ~ "'") }}
    {%- endif -%}
    date '{{ text[:7] }}-01'
{%- endmacro %}

{% macro month_window_active() -%}
    {{ return(is_incremental() and (var('month_from', none) is not none) and (var('month_from', none) | string | trim) != '') }}
{%- endmacro %}

{# SQL predicate selecting the months this run rebuilds ('true' when it rebuilds everything). #}
{% macro incremental_month_filter(date_column='period_date') -%}
    {%- if month_window_active() -%}
        {%- set month_from = var('month_from') -%}
        {%- set month_to = var('month_to', none) or month_from -%}
        {{ date_column }} between {{ month_start_literal(month_from) }}
            and {{ month_start_literal(month_to) }} + interval 12 month
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#
  Pre-hook of the incremental marts: delete the rows of the months being rebuilt, so a row that disappeared
  upstream (a corrected ledger without that measure) also disappears here. delete+insert on the unique key
  then inserts the rebuilt rows.
#}
{% macro delete_incremental_window(date_column='period_date') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ incremental_month_filter(date_column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
