-- The current enterprise ledger of every zone and month: the newest file replaces the whole ledger for that
-- month (rule in macros/newest_ledger_rows.sql). One row per zone × year × month × firm (uscc).
{{ newest_ledger_rows('stg_lake__firm_indicators', 'uscc') }}
