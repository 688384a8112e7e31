-- Canonical measures of the zone ledgers (园区月报主要经济指标).
select
    measure,
    label,
    unit,
    kind,
    description
from {{ ref('stg_registry__measures') }}
