-- The current project ledger of every zone and month: the newest file's snapshot replaces older ones for that
-- month (rule in macros/newest_ledger_rows.sql). One row per zone × year × month × project.
{{ newest_ledger_rows('stg_lake__project_snapshots', 'project_id') }}
