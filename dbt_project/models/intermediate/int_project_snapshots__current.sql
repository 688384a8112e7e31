-- The current project ledger of every zone and month: for each zone × year × month only the rows of the newest
-- file count (highest vintage; tie: latest received_at, then file_sha256). A newer file for a zone and month
-- replaces that month's whole snapshot: projects missing from it disappear for that month, they are not
-- carried over from the older file. One row per zone × year × month × project; should a file list a project
-- twice, its last line (highest source_line) wins.
with project_rows as (
    select * from {{ ref('stg_lake__project_snapshots') }}
    where project_id is not null and project_id <> ''
),

files as (
    select
        zone_code,
        year,
        month,
        file_sha256,
        max(vintage) as vintage,
        max(received_at) as received_at
    from project_rows
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
        project_rows.*,
        ranked_files.files_received,
        row_number() over (
            partition by project_rows.zone_code, project_rows.year, project_rows.month, project_rows.project_id
            order by project_rows.source_line desc nulls last
        ) as line_rank
    from project_rows
    inner join ranked_files
        on ranked_files.zone_code = project_rows.zone_code
        and ranked_files.year = project_rows.year
        and ranked_files.month = project_rows.month
        and ranked_files.file_sha256 = project_rows.file_sha256
        and ranked_files.file_rank = 1
)

select * exclude (line_rank)
from newest_file_rows
where line_rank = 1
