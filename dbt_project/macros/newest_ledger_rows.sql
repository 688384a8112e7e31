{#
  The current record ledger of every zone and month (firms, projects): for each zone × year × month only the rows
  of the newest file count (highest vintage; tie: latest received_at, then file_sha256). A newer file for a zone
  and month replaces that month's whole ledger: records missing from it disappear for that month, they are not
  carried over from the older file. One row per zone × year × month × record key; should a file list a record
  twice, its last line (highest source_line) wins. `files_received` counts the files of that zone and month.
  Everything is decided within a zone and month, so an incremental run rebuilds only its own months.
#}
{% macro newest_ledger_rows(staging_model, record_key) -%}
with ledger_rows as (
    select * from {{ ref(staging_model) }}
    where {{ record_key }} is not null and {{ record_key }} <> ''
      and {{ incremental_year_month_filter() }}
),

files as (
    select
        zone_code,
        year,
        month,
        file_sha256,
        max(vintage) as vintage,
        max(received_at) as received_at
    from ledger_rows
    group by zone_code, year, month, file_sha256
),

ranked_files as (
    select
        *,
        row_number() over (
            partition by zone_code, year, month
            order by vintage desc nulls last, received_at desc nulls last, file_sha256 desc
        ) as file_rank,
        count(*) over (partition by zone_code, year, month) as files_received
    from files
),

newest_file_rows as (
    select
        ledger_rows.*,
        ranked_files.files_received,
        row_number() over (
            partition by ledger_rows.zone_code, ledger_rows.year, ledger_rows.month, ledger_rows.{{ record_key }}
            order by ledger_rows.source_line desc nulls last
        ) as line_rank
    from ledger_rows
    inner join ranked_files
        on ranked_files.zone_code = ledger_rows.zone_code
        and ranked_files.year = ledger_rows.year
        and ranked_files.month = ledger_rows.month
        and ranked_files.file_sha256 = ledger_rows.file_sha256
        and ranked_files.file_rank = 1
)

select * exclude (line_rank)
from newest_file_rows
where line_rank = 1
{%- endmacro %}
