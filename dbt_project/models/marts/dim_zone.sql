-- Development zones (开发区) from the registry, with the names ledgers may use for them.
with zones as (
    select * from {{ ref('stg_registry__zones') }}
),

aliases as (
    select
        zone_code,
        string_agg(alias, '；' order by alias) as aliases
    from {{ ref('stg_registry__zone_aliases') }}
    group by zone_code
)

select
    zones.zone_code,
    zones.catalogue_code,
    zones.catalogue_seq,
    zones.zone_name,
    zones.province,
    zones.city_county,
    zones.city,
    zones.level,
    zones.level_label,
    zones.zone_type,
    zones.zone_type_label,
    zones.approval_date,
    zones.approved_area_ha,
    coalesce(zones.approved_area_mu, zones.approved_area_ha * 15) as approved_area_mu,  -- 1 公顷 = 15 亩
    zones.leading_industries,
    zones.region,
    zones.region_label,
    aliases.aliases,
    zones.note
from zones
left join aliases using (zone_code)
