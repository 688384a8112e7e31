-- Newest vintage of every ledger value: for each zone × year × month × measure × value basis keep the row of
-- the highest vintage (tie: latest received_at, then file_sha256). Corrections (更正) replace earlier files.
with indicators as (
    select * from {{ ref('stg_lake__zone_indicators') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by zone_code, year, month, measure, value_basis
            order by vintage desc nulls last, received_at desc nulls last, file_sha256 desc
        ) as vintage_rank,
        count(*) over (partition by zone_code, year, month, measure, value_basis) as versions_received
    from indicators
)

select * exclude (vintage_rank)
from ranked
where vintage_rank = 1
