"""Ledger layouts, declared in YAML under sources/layouts/: how to recognise a file, find its header, zone and
period, and map its rows or columns to canonical measures. Adding a layout needs a YAML file, not code.
See sources/layouts/README.md for the keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from pipelines.settings import SOURCES_DIR

Orientation = Literal["indicators_in_rows", "zones_in_rows", "records_in_rows"]
FieldType = Literal["text", "uscc", "industry", "flag", "integer", "amount", "date", "choice"]
FIELD_TYPES = ("text", "uscc", "industry", "flag", "integer", "amount", "date", "choice")
ROLES = ("indicator", "unit", "ytd", "month", "prior_ytd", "yoy_pct", "zone", "period")


class LayoutConfigError(ValueError):
    """A layout YAML file is malformed."""


@dataclass(frozen=True)
class Locator:
    """Where a file-level value (zone, period) is written: a top cell, the file name, a data column, or fixed."""

    source: Literal["cell", "filename", "column", "fixed"]
    pattern: re.Pattern[str] | None = None  # named groups: zone, year, period
    value: str | None = None  # for source == fixed


@dataclass(frozen=True)
class ColumnSpec:
    pattern: re.Pattern[str]
    required: bool = True


@dataclass(frozen=True)
class MeasureSpec:
    measure: str
    label: re.Pattern[str]  # the indicator's row label (indicators_in_rows) or its column header (zones_in_rows)
    unit: str | None = None  # declared unit when the file does not say it next to the value
    prior_ytd: re.Pattern[str] | None = None  # zones_in_rows: header of this measure's 上年同期 column
    yoy_pct: re.Pattern[str] | None = None  # zones_in_rows: header of this measure's growth column
    required: bool = True  # zones_in_rows: a missing column is an error (header drift)


@dataclass(frozen=True)
class FieldSpec:
    """A column of a record ledger (one row per firm / project) and how to read it."""

    field: str  # the lake column it fills
    label: re.Pattern[str]  # its header
    type: FieldType
    unit: str | None = None  # amount: declared unit when the header gives none
    minimum: float | None = None  # amount/integer: smallest valid value (0 = no negatives)
    true_values: tuple[str, ...] = ()  # flag: texts meaning true
    false_values: tuple[str, ...] = ()  # flag: texts meaning false
    choices: tuple[tuple[str, str], ...] = ()  # choice: (text in the file, value stored)
    required: bool = True


@dataclass(frozen=True)
class Layout:
    id: str
    label: str
    path: Path
    ledger: str  # the lake table the rows go to: zone_indicators, firm_indicators
    format: Literal["xlsx", "csv"]
    orientation: Orientation
    values: Literal["ytd", "month"]  # how flows are reported: 1-N月累计 or 当月
    suffixes: tuple[str, ...]
    contains: tuple[str, ...]  # text that must appear in the first scan_rows rows
    filename: re.Pattern[str] | None
    scan_rows: int
    header_anchor: re.Pattern[str]
    header_rows: int
    columns: dict[str, ColumnSpec]
    zone: Locator
    period: Locator
    default_unit: re.Pattern[str] | None
    measures: tuple[MeasureSpec, ...]
    fields: tuple[FieldSpec, ...]
    ordered_dates: tuple[str, ...]  # record ledgers: date fields that must not go backwards (stage dates)
    stop_at: re.Pattern[str] | None
    skip_rows: re.Pattern[str] | None
    sheet: str | int = 0
    encoding: str = "auto"
    delimiter: str = ","
    notes: str = ""
    senders: tuple[str, ...] = field(default_factory=tuple)


def _regex(value: str | None, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise LayoutConfigError(f"{where}: bad regular expression {value!r}: {exc}") from exc


def _locator(raw: dict | None, where: str) -> Locator:
    if not raw:
        raise LayoutConfigError(f"{where}: missing")
    source = raw.get("from")
    if source not in ("cell", "filename", "column", "fixed"):
        raise LayoutConfigError(f"{where}.from must be cell, filename, column or fixed, not {source!r}")
    return Locator(source=source, pattern=_regex(raw.get("pattern"), where), value=raw.get("value"))


def parse_layout(path: Path, known_measures: set[str]) -> Layout:
    with path.open(encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    where = path.name
    try:
        orientation = raw["orientation"]
        if orientation not in ("indicators_in_rows", "zones_in_rows", "records_in_rows"):
            raise LayoutConfigError(f"{where}: orientation must be indicators_in_rows, zones_in_rows or "
                                    "records_in_rows")
        columns = {}
        for role, spec in (raw.get("columns") or {}).items():
            if role not in ROLES:
                raise LayoutConfigError(f"{where}: unknown column role {role!r}; roles are {ROLES}")
            spec = spec if isinstance(spec, dict) else {"pattern": spec}
            columns[role] = ColumnSpec(_regex(spec["pattern"], f"{where}.columns.{role}"), spec.get("required", True))
        measures = []
        for measure, spec in (raw.get("measures") or {}).items():
            if measure not in known_measures:
                raise LayoutConfigError(f"{where}: unknown measure {measure!r}; see sources/measures.yaml")
            spec = spec if isinstance(spec, dict) else {"label": spec}
            measures.append(
                MeasureSpec(
                    measure=measure,
                    label=_regex(spec["label"], f"{where}.measures.{measure}"),
                    unit=spec.get("unit"),
                    prior_ytd=_regex(spec.get("prior_ytd"), f"{where}.measures.{measure}.prior_ytd"),
                    yoy_pct=_regex(spec.get("yoy_pct"), f"{where}.measures.{measure}.yoy_pct"),
                    required=spec.get("required", True),
                )
            )
        fields = []
        for name, spec in (raw.get("fields") or {}).items():
            spec = spec if isinstance(spec, dict) else {"label": spec, "type": "text"}
            if spec.get("type", "text") not in FIELD_TYPES:
                raise LayoutConfigError(f"{where}: fields.{name}.type must be one of {FIELD_TYPES}")
            if spec.get("type") in ("flag", "choice") and not spec.get("values"):
                raise LayoutConfigError(f"{where}: fields.{name} needs `values` (text in the file → value)")
            fields.append(
                FieldSpec(
                    field=name,
                    label=_regex(spec["label"], f"{where}.fields.{name}"),
                    type=spec.get("type", "text"),
                    unit=spec.get("unit"),
                    minimum=spec.get("min"),
                    # flag: `values: {是: true, 否: false}`; choice: `values: {在建: active, ...}`
                    true_values=tuple(str(k) for k, v in (spec.get("values") or {}).items() if v is True),
                    false_values=tuple(str(k) for k, v in (spec.get("values") or {}).items() if v is False),
                    choices=tuple((str(k), str(v)) for k, v in (spec.get("values") or {}).items()),
                    required=spec.get("required", True),
                )
            )
        match = raw.get("match") or {}
        header = raw["header"]
        layout = Layout(
            id=raw["id"],
            label=raw.get("label", raw["id"]),
            path=path,
            ledger=raw.get("ledger", "zone_indicators"),
            format=raw["format"],
            orientation=orientation,
            values=raw.get("values", "ytd"),
            suffixes=tuple(s.lower() for s in match.get("suffixes", [".xlsx"] if raw["format"] == "xlsx" else [".csv"])),
            contains=tuple(match.get("contains", [])),
            filename=_regex(match.get("filename"), f"{where}.match.filename"),
            scan_rows=int(match.get("scan_rows", 12)),
            header_anchor=_regex(header["anchor"], f"{where}.header.anchor"),
            header_rows=int(header.get("rows", 1)),
            columns=columns,
            zone=_locator(raw.get("zone"), f"{where}.zone"),
            period=_locator(raw.get("period"), f"{where}.period"),
            default_unit=_regex(raw.get("default_unit"), f"{where}.default_unit"),
            measures=tuple(measures),
            fields=tuple(fields),
            ordered_dates=tuple(raw.get("ordered_dates", [])),
            stop_at=_regex(raw.get("stop_at"), f"{where}.stop_at"),
            skip_rows=_regex(raw.get("skip_rows"), f"{where}.skip_rows"),
            sheet=raw.get("sheet", 0),
            encoding=raw.get("encoding", "auto"),
            delimiter=raw.get("delimiter", ","),
            notes=raw.get("notes", ""),
            senders=tuple(raw.get("senders", [])),
        )
    except KeyError as exc:
        raise LayoutConfigError(f"{where}: missing key {exc}") from exc
    _validate(layout)
    return layout


def _validate(layout: Layout) -> None:
    where = layout.path.name
    if layout.orientation == "indicators_in_rows":
        needed = {"indicator", "month" if layout.values == "month" else "ytd"}
        if missing := needed - set(layout.columns):
            raise LayoutConfigError(f"{where}: indicators_in_rows needs columns {sorted(missing)}")
        if layout.zone.source == "column" or layout.period.source == "column":
            raise LayoutConfigError(f"{where}: one zone per file: zone and period come from a cell or the file name")
    elif layout.zone.source == "column" and "zone" not in layout.columns:
        raise LayoutConfigError(f"{where}: zone.from is column but columns.zone is not declared")
    if layout.period.source == "column" and "period" not in layout.columns:
        raise LayoutConfigError(f"{where}: period.from is column but columns.period is not declared")
    if layout.orientation == "records_in_rows":
        from pipelines.lake_schema import LAKE_TABLES

        schema = LAKE_TABLES.get(layout.ledger)
        if schema is None:
            raise LayoutConfigError(f"{where}: unknown ledger {layout.ledger!r}; known: {sorted(LAKE_TABLES)}")
        if unknown := [f.field for f in layout.fields if f.field not in schema.names]:
            raise LayoutConfigError(f"{where}: fields {unknown} are not columns of the {layout.ledger} table")
        if not layout.fields:
            raise LayoutConfigError(f"{where}: no fields declared")
    elif not layout.measures:
        raise LayoutConfigError(f"{where}: no measures declared")


@cache
def load_layouts(layouts_dir: Path = SOURCES_DIR / "layouts") -> tuple[Layout, ...]:
    from pipelines.measures import load_measures

    known = set(load_measures())
    layouts = tuple(parse_layout(p, known) for p in sorted(layouts_dir.glob("*.yaml")))
    ids = [layout.id for layout in layouts]
    if len(ids) != len(set(ids)):
        raise LayoutConfigError(f"duplicate layout ids in {layouts_dir}: {ids}")
    return layouts
