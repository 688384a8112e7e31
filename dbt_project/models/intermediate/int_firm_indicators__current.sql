{{
    config(
        materialized = 'incremental',
        incremental_strategy = 'append',
        on_schema_change = 'sync_all_columns',
        pre_hook = "{{ delete_incremental_window('period_date', months_after=0) }}"
    )
}}
-- The current enterprise ledger of every zone and month: the newest file replaces the whole ledger for that
-- month (rule in macros/newest_ledger_rows.sql). One row per zone × year × month × firm (uscc).
{{ newest_ledger_rows('stg_lake__firm_indicators', 'uscc') }}
