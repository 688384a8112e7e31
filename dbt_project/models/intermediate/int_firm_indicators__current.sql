-- The current enterprise ledger of every zone and month: for each zone × year × month only the rows of the
-- newest file count (highest vintage; tie: latest received_at, then file_sha256). A newer file for a zone
-- and month replaces the whole ledger: firms missing from it disappear, they are not carried over from the
-- older file. One row per zone × year × month × firm (uscc); should a file list a firm twice, its last line
-- (highest source_line) wins.
with firm_rows as (
    select * from {{ ref('stg_lake__firm_indicators') }}
    where uscc is not null and uscc <> ''
),

files as (
    select
        zone_code,
        year,
        month,
        file_sha256,
        max(vintage) as vintage,
        max(received_at) as received_at
    from firm_rows
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
        firm_rows.*,
        ranked_files.files_received,
        row_number() over (
            partition by firm_rows.zone_code, firm_rows.year, firm_rows.month, firm_rows.uscc
            order by firm_rows.source_line desc nulls last
        ) as line_rank
    from firm_rows
    inner join ranked_files
        on ranked_files.zone_code = firm_rows.zone_code
        and ranked_files.year = firm_rows.year
        and ranked_files.month = firm_rows.month
        and ranked_files.file_sha256 = firm_rows.file_sha256
        and ranked_files.file_rank = 1
)

select * exclude (line_rank)
from newest_file_rows
where line_rank = 1
