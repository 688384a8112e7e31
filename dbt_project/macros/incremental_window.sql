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

{#
  The month window's ends: the vars month_from / month_to when given (tests, runs by hand), else the environment
  variables PARKSTATS_MONTH_FROM / PARKSTATS_MONTH_TO, read only while executing. The orchestrator uses the
  environment: vars are part of what dbt parses, so a new window in --vars re-parses the whole project on every
  run (~10 s at start-up), whereas an environment variable read only at execution is not recorded by the parser.
#}
{% macro build_month(end) -%}
    {%- set value = var('month_' ~ end, none) -%}
    {%- if (value is none or (value | string | trim) == '') and execute -%}
        {%- set value = env_var('PARKSTATS_MONTH_' ~ (end | upper), '') -%}
    {%- endif -%}
    {{ return(none if value is none or (value | string | trim) == '' else value) }}
{%- endmacro %}

{% macro month_window_active() -%}
    {{ return(is_incremental() and build_month('from') is not none) }}
{%- endmacro %}

{#
  SQL predicate selecting the months this run rebuilds ('true' when it rebuilds everything).
  months_after: how far a changed month reaches ahead in this model (12 for TTM / 同比 / rank change; 0 for a
  model whose rows of a month depend only on the ledgers of that month, e.g. the newest firm ledger).
#}
{% macro incremental_month_filter(date_column='period_date', months_after=12) -%}
    {%- if month_window_active() -%}
        {%- set month_from = build_month('from') -%}
        {%- set month_to = build_month('to') or month_from -%}
        {{ date_column }} between {{ month_start_literal(month_from) }}
            and {{ month_start_literal(month_to) }} + interval {{ months_after }} month
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#
  SQL predicate selecting the years of annual rows this run rebuilds ('true' when it rebuilds everything).
  An annual row of year Y is built from the December ledgers of Y (years_after=0) and, for the evaluation's
  previous-year benchmark, of Y - 1 (years_after=1): a run changes the years whose December (or the previous
  December) lies in month_from .. month_to. A run without a December rebuilds no year.
  years_before: on an upstream model, also the years the rebuilt ones look back on.
#}
{% macro incremental_year_filter(year_column='year', years_after=0, years_before=0) -%}
    {%- if month_window_active() -%}
        {%- set month_from = build_month('from') -%}
        {%- set month_to = build_month('to') or month_from -%}
        -- (no December in the window: no year)
        year({{ month_start_literal(month_from) }}) <= year({{ month_start_literal(month_to) }} + interval 1 month) - 1
        and {{ year_column }} between year({{ month_start_literal(month_from) }}) - {{ years_before }}
            and year({{ month_start_literal(month_to) }} + interval 1 month) - 1 + {{ years_after }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#
  Pre-hook of the incremental marts: delete the rows of the months being rebuilt, so a row that disappeared
  upstream (a corrected ledger without that measure) also disappears here. delete+insert on the unique key
  then inserts the rebuilt rows.
#}
{% macro delete_incremental_window(date_column='period_date', months_after=12) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ incremental_month_filter(date_column, months_after) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{# Pre-hook of the annual incremental marts: delete the rows of the years being rebuilt (as above). #}
{% macro delete_incremental_years(year_column='year', years_after=0) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ incremental_year_filter(year_column, years_after) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#
  The same month window as incremental_month_filter, spelled as (year = Y and month = M) or ... on the integer
  columns: DuckDB pushes that into the Parquet scan of a staging view (row groups of other months are skipped),
  which it cannot do with a date computed from them.
#}
{% macro incremental_year_month_filter(months_after=0, months_before=0, year_column='year', month_column='month') -%}
    {%- if month_window_active() -%}
        {%- set month_from = build_month('from') | string | trim -%}
        {%- set month_to = (build_month('to') or month_from) | string | trim -%}
        {%- set first = (month_from[:4] | int) * 12 + (month_from[5:7] | int) - 1 - months_before -%}
        {%- set last = (month_to[:4] | int) * 12 + (month_to[5:7] | int) - 1 + months_after -%}
        {%- do month_start_literal(month_from) -%}{%- do month_start_literal(month_to) -%}
        ({%- for index in range(first, last + 1) -%}
            ({{ year_column }} = {{ index // 12 }} and {{ month_column }} = {{ index % 12 + 1 }})
            {{- ' or ' if not loop.last }}
        {%- endfor -%}{{ 'false' if first > last }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#
  For a model whose row can move to any later month when a month changes (a project's stage counts in the first
  snapshot showing it: a corrected snapshot can move that to any later month): the months from month_from on,
  with no end ('true' when it rebuilds everything).
#}
{% macro incremental_from_filter(date_column='period_date') -%}
    {%- if month_window_active() -%}
        {{ date_column }} >= {{ month_start_literal(build_month('from')) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# Pre-hook of such a model: delete its rows from month_from on (see delete_incremental_window). #}
{% macro delete_incremental_from(date_column='period_date') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ incremental_from_filter(date_column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
