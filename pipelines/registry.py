"""The zone registry: the 2018 catalogue, its regions and types, and the alias list that ledgers' names resolve by.

A name resolves only by exact match after normalisation; an unknown or ambiguous name is an error, never a guess.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.settings import SOURCES_DIR

MU_PER_HECTARE = 15.0
_PROVINCE_PREFIX = re.compile(r"^(北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|"
                              r"广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆)(省|市|自治区)?")
_ABBREVIATIONS = [("经济技术开发区", "经开区"), ("高新技术产业开发区", "高新区"), ("经济开发区", "经开区")]


class UnknownZoneError(ValueError):
    """A ledger names a zone that the registry cannot resolve."""


def normalise_name(name: str) -> str:
    """Full-width → half-width, drop all white space and brackets' width differences."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))


@dataclass(frozen=True)
class Zone:
    zone_code: str
    catalogue_code: str
    catalogue_seq: int
    zone_name: str
    province: str
    city_county: str
    city: str
    level: str
    level_label: str
    zone_type: str
    zone_type_label: str
    approval_date: str
    approved_area_ha: float | None
    approved_area_mu: float | None
    leading_industries: str
    region: str
    region_label: str
    note: str


def _load_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def load_zones(registry_dir: Path = SOURCES_DIR / "registry") -> tuple[Zone, ...]:
    """Read the catalogue; a code given to several zones becomes `<code>-<序号>` for each of them."""
    types = _load_yaml(registry_dir / "zone_types.yaml")
    regions = _load_yaml(registry_dir / "regions.yaml")["regions"]
    province_region = {p: (key, r["label"]) for key, r in regions.items() for p in r["provinces"]}
    overrides = {z["zone_code"]: z for z in _load_yaml(registry_dir / "aliases.yaml")["zones"]}
    with (registry_dir / "zones_2018.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    code_counts = Counter(r["代码"] for r in rows)
    zones = []
    for r in rows:
        code, seq = r["代码"].strip(), int(r["序号"])
        repeated = code_counts[code] > 1
        zone_code = f"{code}-{seq}" if repeated else code
        override = overrides.get(zone_code, {})
        area_ha = float(r["核准面积_公顷"]) if r["核准面积_公顷"].strip() else None
        region, region_label = province_region.get(r["省份"], ("unknown", "未知"))
        zones.append(
            Zone(
                zone_code=zone_code,
                catalogue_code=code,
                catalogue_seq=seq,
                zone_name=r["开发区名称"].strip(),
                province=r["省份"].strip(),
                city_county=r["城市/区县"].strip(),
                city=override.get("city", r["城市/区县"].strip()),
                level=types["levels"][r["批准级别"]],
                level_label=r["批准级别"],
                zone_type=types["zone_types"][r["开发区类型"]],
                zone_type_label=r["开发区类型"],
                approval_date=r["批准时间"].strip(),
                approved_area_ha=area_ha,
                approved_area_mu=None if area_ha is None else round(area_ha * MU_PER_HECTARE, 2),
                leading_industries=r["主导产业"].strip(),
                region=region,
                region_label=region_label,
                note=(f"catalogue code {code} is shared by {code_counts[code]} zones; disambiguated by 序号"
                      if repeated else override.get("note", "")),
            )
        )
    return tuple(zones)


@dataclass(frozen=True)
class ZoneResolver:
    """Resolves the names ledgers use to catalogue zone codes."""

    names: dict[str, str]  # normalised name -> zone_code
    ambiguous: dict[str, tuple[str, ...]]  # derived names that point to several zones
    origins: dict[str, str]  # normalised name -> how the alias arises

    def resolve(self, name: str) -> str:
        key = normalise_name(name)
        if key in self.names:
            return self.names[key]
        if key in self.ambiguous:
            raise UnknownZoneError(
                f"zone name {name!r} is ambiguous (it could be {', '.join(self.ambiguous[key])}); "
                "add the intended name to sources/registry/aliases.yaml"
            )
        raise UnknownZoneError(
            f"unknown zone {name!r}: not a catalogue code, catalogue name or alias; "
            "add it to sources/registry/aliases.yaml if it is another name of a catalogue zone"
        )

    def alias_rows(self) -> list[dict[str, str]]:
        return [{"alias": a, "zone_code": c, "origin": self.origins[a]} for a, c in sorted(self.names.items())]


@cache
def zone_resolver(registry_dir: Path = SOURCES_DIR / "registry") -> ZoneResolver:
    zones = load_zones(registry_dir)
    names: dict[str, str] = {}
    origins: dict[str, str] = {}
    derived: dict[str, set[str]] = defaultdict(set)
    for z in zones:
        names[normalise_name(z.zone_code)] = z.zone_code
        origins[normalise_name(z.zone_code)] = "code"
        full = normalise_name(z.zone_name)
        bare = _PROVINCE_PREFIX.sub("", full)
        for candidate in {full, bare}:
            derived[candidate].add(z.zone_code)
            for long, short in _ABBREVIATIONS:
                if long in candidate:
                    derived[candidate.replace(long, short)].add(z.zone_code)
    ambiguous: dict[str, tuple[str, ...]] = {}
    for name, codes in derived.items():
        if len(codes) == 1:
            names.setdefault(name, next(iter(codes)))
            origins.setdefault(name, "catalogue name or derived abbreviation")
        else:
            ambiguous[name] = tuple(sorted(codes))
    # Explicit aliases win over derived names: a person checked them.
    for entry in _load_yaml(registry_dir / "aliases.yaml")["zones"]:
        for alias in entry.get("aliases", []):
            key = normalise_name(alias)
            names[key] = entry["zone_code"]
            origins[key] = "sources/registry/aliases.yaml"
            ambiguous.pop(key, None)
    unknown = {c for c in names.values()} - {z.zone_code for z in zones}
    if unknown:
        raise ValueError(f"sources/registry/aliases.yaml names codes not in the catalogue: {sorted(unknown)}")
    return ZoneResolver(names=names, ambiguous=ambiguous, origins=origins)
