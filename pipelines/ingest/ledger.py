"""Applying a layout to a ledger file: canonical rows out, each traced to its file, sheet and line.

Two kinds of problems, two outcomes:
- the file as a whole cannot be read (no matching layout, header not found, a required column missing, the zone
  or period unreadable): `LedgerError` is raised and the caller quarantines the file;
- one value or row is bad (a non-numeric cell, an unknown zone on one row of a city file): that row is rejected
  with a `Rejection` naming file, line and field, and every other row is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import pyarrow as pa

from pipelines.ingest.columns import Refused, convert_column
from pipelines.ingest.layouts import FieldSpec, Layout, Locator, MeasureSpec
from pipelines.ingest.readers import Cell, FileReadError, Grid, read_grid
from pipelines.ingest.values import (
    CANONICAL_UNIT,
    Period,
    Unit,
    ValueParseError,
    clean_text,
    is_missing,
    parse_growth,
    parse_number,
    parse_period,
    parse_unit,
    to_canonical,
)
from pipelines.lake_schema import FIELD_UNITS, RECORD_KEYS, parsed_schema
from pipelines.measures import Measure, load_measures
from pipelines.registry import UnknownZoneError, ZoneResolver, zone_resolver


@dataclass
class LedgerError(ValueError):
    """The file cannot be ingested; the message names the file, and the row and field where it can."""

    file: str
    message: str
    sheet: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.line:
            where.append(f"row {self.line}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class Rejection:
    file: str
    sheet: str | None
    line: int
    field: str
    raw_value: str
    message: str
    period: Period | None

    def __str__(self) -> str:
        sheet = f", sheet {self.sheet}" if self.sheet else ""
        return f"{self.file}{sheet}, row {self.line}, field {self.field}: {self.message}"


@dataclass
class ParsedLedger:
    file: str
    layout: Layout
    sheet: str | None
    rows: list[dict] = field(default_factory=list)  # see pipelines.lake_schema.ZONE_INDICATORS (file columns aside)
    rejections: list[Rejection] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # indicator labels the layout does not map (ignored)
    table: pa.Table | None = None  # the rows as Arrow columns, once sealed (then `rows` is empty)

    def seal(self) -> None:
        """Move the rows into Arrow columns of their lake table (parsed_schema: the file's own columns are set
        when it enters the lake). Done in the reader worker: the parent then receives a few buffers instead of
        unpickling and converting tens of thousands of dicts on its one core."""
        if self.table is None:
            self.table = pa.Table.from_pylist(self.rows, schema=parsed_schema(self.layout.ledger))
            self.rows = []

    def __getstate__(self) -> dict:
        # A sealed ledger crosses from the reader worker to the parent as Arrow IPC bytes: one buffer, about ten
        # times cheaper to pickle and unpickle than a Table's pickled columns and chunks.
        state = dict(self.__dict__)
        if self.table is not None:
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, self.table.schema) as writer:
                writer.write_table(self.table)
            state["table"] = sink.getvalue()
        return state

    def __setstate__(self, state: dict) -> None:
        if state.get("table") is not None:
            state["table"] = pa.ipc.open_stream(state["table"]).read_all()
        self.__dict__.update(state)

    @property
    def row_count(self) -> int:
        return len(self.rows) if self.table is None else self.table.num_rows

    @property
    def zone_periods(self) -> set[tuple[str, int, int]]:
        if self.table is None:
            return {(r["zone_code"], r["year"], r["month"]) for r in self.rows}
        columns = self.table.select(["zone_code", "year", "month"]).to_pydict()
        return set(zip(columns["zone_code"], columns["year"], columns["month"], strict=True))

    @property
    def periods(self) -> set[Period]:
        return {Period(year, 1, month) for year, month in {(y, m) for _, y, m in self.zone_periods}} | {
            r.period for r in self.rejections if r.period is not None
        }


_SPACES = re.compile(r"\s+")


def _text(cell: Cell) -> str:
    return _SPACES.sub("", clean_text(cell))


def _first_text(row: list[Cell]) -> str:
    """The row's first cell with text ("-" counts: a missing mark is text, an empty cell is not)."""
    for c in row:
        if c is not None and (text := _text(c)):
            return text
    return ""


def find_header(grid: Grid, layout: Layout, file: str) -> int:
    for i, row in enumerate(grid.rows[: layout.scan_rows + 20]):
        if any(layout.header_anchor.search(_text(c)) for c in row if c is not None):
            return i
    raise LedgerError(file, f"no header row: expected a cell matching {layout.header_anchor.pattern!r} "
                      f"in the first {layout.scan_rows + 20} rows", sheet=grid.sheet, field="header")


def header_labels(grid: Grid, start: int, count: int) -> list[str]:
    """One label per column from a (possibly merged, multi-level) header: levels joined with '|'.

    Merged cells come back as one value and blanks, so upper levels are carried right over blanks.
    """
    rows = grid.rows[start : start + count]
    width = max((len(r) for r in rows), default=0)
    levels: list[list[str]] = []
    for level, row in enumerate(rows):
        cells = [_text(row[c]) if c < len(row) else "" for c in range(width)]
        if level < count - 1:
            carried = ""
            for c in range(width):
                carried = cells[c] or carried
                cells[c] = carried
        levels.append(cells)
    labels = []
    for c in range(width):
        parts: list[str] = []
        for cells in levels:
            if cells[c] and cells[c] not in parts:
                parts.append(cells[c])
        labels.append("|".join(parts))
    return labels


def _find_column(labels: list[str], pattern: re.Pattern[str]) -> int | None:
    return next((i for i, label in enumerate(labels) if label and pattern.search(label)), None)


def _column(rows: list[list[Cell]], idx: int | None, shortest: int) -> list[Cell]:
    """One column of the data rows; None where a row is too short (under `shortest` cells: none is) or the
    column is absent."""
    if idx is None:
        return [None] * len(rows)
    if idx < shortest:
        return list(map(itemgetter(idx), rows))
    return [row[idx] if idx < len(row) else None for row in rows]


def _locate(locator: Locator, top: list[list[Cell]], filename: str) -> re.Match[str] | None:
    if locator.source == "filename" and locator.pattern:
        return locator.pattern.search(Path(filename).stem)
    if locator.source == "cell" and locator.pattern:
        for row in top:
            for c in row:
                if c is not None and (m := locator.pattern.search(_text(c))):
                    return m
    return None


class _Reader:
    """The state of reading one file: resolved columns, file-level zone / period / unit."""

    def __init__(self, grid: Grid, layout: Layout, file: str, resolver: ZoneResolver, measures: dict[str, Measure]):
        self.grid, self.layout, self.file, self.resolver, self.measures = grid, layout, file, resolver, measures
        self.header_index = find_header(grid, layout, file)
        self.header_line = grid.line(self.header_index)
        self.labels = header_labels(grid, self.header_index, layout.header_rows)
        self.top = grid.rows[: self.header_index]
        self.cols: dict[str, int] = {}
        for role, spec in layout.columns.items():
            idx = _find_column(self.labels, spec.pattern)
            if idx is None and spec.required:
                raise self.error(f"missing column: expected a header matching {spec.pattern.pattern!r}; "
                                 f"found {[x for x in self.labels if x]}", field=role, line=self.header_line)
            if idx is not None:
                self.cols[role] = idx
        self.default_unit = self._default_unit()
        self.zone_code, self.zone_raw = self._file_zone()
        self.period = self._file_period()
        self.parsed = ParsedLedger(file=file, layout=layout, sheet=grid.sheet)
        self._row_values: dict[tuple[str, Cell], object] = {}  # zone and period texts down a column, read once

    def error(self, message: str, *, field: str | None = None, line: int | None = None) -> LedgerError:
        return LedgerError(self.file, message, sheet=self.grid.sheet, line=line, field=field)

    def reject(self, line: int, field: str, raw: Cell, message: str, period: Period | None) -> None:
        raw_text = "" if raw is None else str(raw)
        self.parsed.rejections.append(Rejection(self.file, self.grid.sheet, line, field, raw_text, message, period))

    def _default_unit(self) -> Unit | None:
        if self.layout.default_unit is None:
            return None
        m = _locate(Locator("cell", self.layout.default_unit), self.top, self.file)
        if m is None:
            raise self.error(f"no unit line matching {self.layout.default_unit.pattern!r} above the header",
                             field="unit")
        try:
            return parse_unit(m["unit"])
        except ValueParseError as exc:
            raise self.error(str(exc), field="unit") from exc

    def _file_zone(self) -> tuple[str | None, str | None]:
        loc = self.layout.zone
        if loc.source == "column":
            return None, None
        if loc.source == "fixed":
            return self.resolver.resolve(loc.value or ""), loc.value
        m = _locate(loc, self.top, self.file)
        if m is None or not m.groupdict().get("zone"):
            raise self.error(f"cannot find the zone name: expected {loc.source} text matching "
                             f"{loc.pattern.pattern if loc.pattern else ''!r}", field="zone")
        try:
            return self.resolver.resolve(m["zone"]), m["zone"]
        except UnknownZoneError as exc:
            raise self.error(str(exc), field="zone") from exc

    def _file_period(self) -> Period | None:
        loc = self.layout.period
        if loc.source == "column":
            return None
        m = _locate(loc, self.top, self.file)
        if m is None:
            raise self.error(f"cannot find the reporting period: expected {loc.source} text matching "
                             f"{loc.pattern.pattern if loc.pattern else ''!r}", field="period")
        groups = m.groupdict()
        try:
            year = int(groups["year"]) if groups.get("year") else None
            return parse_period(groups.get("period") or m.group(0), year)
        except ValueParseError as exc:
            raise self.error(str(exc), field="period") from exc

    def _unit_for(self, spec: MeasureSpec, row_unit: Cell, header: str, line: int) -> Unit:
        measure = self.measures[spec.measure]
        candidates: list[tuple[str, object]] = []
        if not is_missing(row_unit):
            candidates.append(("unit column", row_unit))
        if m := re.search(r"\(([^()]+)\)$", header):
            try:
                if parse_unit(m.group(1)):
                    candidates.append(("column header", m.group(1)))
            except ValueParseError:
                pass  # a parenthesis that is not a unit, e.g. (当月)
        if spec.unit:
            candidates.append(("layout", spec.unit))
        if self.default_unit:
            candidates.append(("unit line", self.default_unit.name))
        wanted = self.measures[spec.measure].unit
        for origin, raw in candidates:
            unit = parse_unit(raw)
            if unit is None:
                continue
            if CANONICAL_UNIT[unit.dimension] == wanted:
                return unit
            if origin in ("unit column", "column header"):
                raise ValueParseError(f"unit {unit.name} ({origin}) does not fit {measure.label}, "
                                      f"which is measured in {wanted}")
        raise ValueParseError(f"no unit for {measure.label}: the file gives none and the layout declares none")

    def emit(self, *, zone_code: str, zone_raw: str, period: Period, spec: MeasureSpec, value_cell: Cell,
             value_header: str, unit_cell: Cell, prior_cell: Cell, yoy_cell: Cell, line: int,
             seen: set[tuple[str, str, str]]) -> None:
        measure = self.measures[spec.measure]
        label = measure.label
        try:
            unit = self._unit_for(spec, unit_cell, value_header, line)
        except ValueParseError as exc:
            self.reject(line, f"{label}/unit", unit_cell, str(exc), period)
            return
        try:
            number = parse_number(value_cell)
        except ValueParseError as exc:
            self.reject(line, f"{label}/{value_header}", value_cell, f"{exc} in {unit.name}", period)
            return
        if number is None:
            return  # "—": nothing reported for this measure
        prior = yoy = None
        try:
            prior_number = parse_number(prior_cell)
            prior = None if prior_number is None else to_canonical(prior_number, unit)
        except ValueParseError as exc:
            self.reject(line, f"{label}/上年同期", prior_cell, str(exc), period)
            return
        try:
            yoy = parse_growth(yoy_cell)
        except ValueParseError as exc:
            self.reject(line, f"{label}/同比", yoy_cell, str(exc), period)
            return
        key = (zone_code, period.key, spec.measure)
        if key in seen:
            self.reject(line, label, value_cell, f"{label} is given twice for {zone_code} {period.key}", period)
            return
        seen.add(key)
        self.parsed.rows.append(
            {
                "sheet": self.grid.sheet,
                "source_line": line,
                "layout_id": self.layout.id,
                "zone_code": zone_code,
                "zone_name_raw": zone_raw,
                "year": period.year,
                "month": period.end_month,
                "value_basis": "month" if self.layout.values == "month" and not measure.is_stock else "ytd",
                "measure": spec.measure,
                "value": to_canonical(number, unit),
                "unit": measure.unit,
                "prior_ytd_value": prior,
                "yoy_pct": yoy,
                "raw_value": clean_text(value_cell),
                "raw_unit": unit.name,
            }
        )

    def row_zone_period(self, row: list[Cell], line: int) -> tuple[str, str, Period] | None:
        """The zone and period of a data row (from the file, or from the row's own columns); None if refused."""
        zone_code, zone_raw = self.zone_code, self.zone_raw or ""
        if zone_code is None:
            zone_raw = clean_text(self.cell(row, "zone"))
            zone_code = self._row_values.get(("zone", zone_raw))
            if zone_code is None:
                try:
                    zone_code = self._row_values[("zone", zone_raw)] = self.resolver.resolve(zone_raw)
                except UnknownZoneError as exc:
                    self.reject(line, "zone", zone_raw, str(exc), self.period)
                    return None
        period = self.period
        if period is None:
            raw_period = self.cell(row, "period")
            period = self._row_values.get(("period", raw_period))
            if period is None:
                try:
                    period = parse_period(raw_period)
                except ValueParseError as exc:
                    self.reject(line, "period", raw_period, str(exc), None)
                    return None
                if isinstance(raw_period, str):
                    self._row_values[("period", raw_period)] = period
        return zone_code, zone_raw, period

    def data_rows(self):
        start = self.header_index + self.layout.header_rows
        for i in range(start, len(self.grid.rows)):
            row = self.grid.rows[i]
            first = _first_text(row)
            if not first:
                continue
            if self.layout.stop_at and self.layout.stop_at.search(first):
                break
            if self.layout.skip_rows and self.layout.skip_rows.search(first):
                continue
            yield self.grid.line(i), row

    def cell(self, row: list[Cell], role_or_index: str | int | None) -> Cell:
        idx = self.cols.get(role_or_index) if isinstance(role_or_index, str) else role_or_index
        return row[idx] if idx is not None and idx < len(row) else None

    def read_indicator_rows(self) -> None:
        assert self.zone_code and self.period
        value_role = "month" if self.layout.values == "month" else "ytd"
        seen: set[tuple[str, str, str]] = set()
        for line, row in self.data_rows():
            label = _text(self.cell(row, "indicator"))
            spec = next((s for s in self.layout.measures if s.label.search(label)), None)
            if spec is None:
                self.parsed.unmapped.append(label)
                continue
            self.emit(zone_code=self.zone_code, zone_raw=self.zone_raw or "", period=self.period, spec=spec,
                      value_cell=self.cell(row, value_role), value_header=self.labels[self.cols[value_role]],
                      unit_cell=self.cell(row, "unit"), prior_cell=self.cell(row, "prior_ytd"),
                      yoy_cell=self.cell(row, "yoy_pct"), line=line, seen=seen)

    def read_zone_rows(self) -> None:
        measure_cols: list[tuple[MeasureSpec, int, int | None, int | None]] = []
        for spec in self.layout.measures:
            idx = _find_column(self.labels, spec.label)
            if idx is None:
                if spec.required:
                    raise self.error(f"missing column: expected a header matching {spec.label.pattern!r} for "
                                     f"{self.measures[spec.measure].label}; found {[x for x in self.labels if x]}",
                                     field=self.measures[spec.measure].label, line=self.header_line)
                continue
            prior = _find_column(self.labels, spec.prior_ytd) if spec.prior_ytd else None
            yoy = _find_column(self.labels, spec.yoy_pct) if spec.yoy_pct else None
            measure_cols.append((spec, idx, prior, yoy))
        seen: set[tuple[str, str, str]] = set()
        for line, row in self.data_rows():
            located = self.row_zone_period(row, line)
            if located is None:
                continue
            zone_code, zone_raw, period = located
            for spec, idx, prior, yoy in measure_cols:
                self.emit(zone_code=zone_code, zone_raw=zone_raw, period=period, spec=spec,
                          value_cell=self.cell(row, idx), value_header=self.labels[idx], unit_cell=None,
                          prior_cell=self.cell(row, prior), yoy_cell=self.cell(row, yoy), line=line, seen=seen)


    # --- record ledgers (one row per firm): every field of a row must be valid, or the row is refused ---

    def _record_unit(self, spec: FieldSpec, header: str, wanted: str) -> Unit:
        declared = None
        if m := re.search(r"\(([^()]+)\)$", header):
            declared = parse_unit(m.group(1))  # in a record ledger a bracket after an amount is its unit
        declared = declared or (parse_unit(spec.unit) if spec.unit else None)
        if declared is None:
            raise ValueParseError(f"no unit: the header gives none and the layout declares none (expected {wanted})")
        if CANONICAL_UNIT[declared.dimension] != wanted:
            raise ValueParseError(f"unit {declared.name} does not fit this field, which is measured in {wanted}")
        return declared

    def _date_order_problem(self, record: dict, headers: dict[str, str]) -> tuple | None:
        """Stage dates must follow each other (签约 not before 洽谈, 开工 not before 签约 ...)."""
        previous: tuple[str, object] | None = None
        for name in self.layout.ordered_dates:
            value = record.get(name)
            if value is None:
                continue
            if previous is not None and value < previous[1]:
                return (headers[name], value.isoformat(), f"{headers[name]} {value.isoformat()} is before "
                        f"{headers[previous[0]]} {previous[1].isoformat()}; the row is not ingested")
            previous = (name, value)
        return None

    def _record_columns(self) -> list[tuple[FieldSpec, int | None]]:
        columns: list[tuple[FieldSpec, int | None]] = []
        for spec in self.layout.fields:
            idx = _find_column(self.labels, spec.label)
            if idx is None and spec.required:
                raise self.error(f"missing column: expected a header matching {spec.label.pattern!r}; "
                                 f"found {[x for x in self.labels if x]}", field=spec.field, line=self.header_line)
            columns.append((spec, idx))
        return columns

    def _record_units(self, columns: list[tuple[FieldSpec, int | None]]) -> dict[str, Unit]:
        """Units are a property of the header: an unknown one makes the whole file unreadable, not each row."""
        units: dict[str, Unit] = {}
        for spec, idx in columns:
            if spec.type == "amount" and idx is not None:
                try:
                    units[spec.field] = self._record_unit(
                        spec, self.labels[idx], FIELD_UNITS[self.layout.ledger][spec.field])
                except ValueParseError as exc:
                    raise self.error(f"{exc} (column {self.labels[idx]})", field=self.labels[idx],
                                     line=self.header_line) from exc
        return units

    def read_records(self) -> None:
        columns = self._record_columns()
        units = self._record_units(columns)
        rows = list(self.data_rows())
        cells = [row for _, row in rows]
        shortest = min(map(len, cells), default=0)
        headers = [self.labels[idx] if idx is not None else spec.field for spec, idx in columns]
        converted = [convert_column(spec, _column(cells, idx, shortest), units.get(spec.field), self.layout.ledger)
                     for spec, idx in columns]
        # the row is refused at its first bad field, in column order
        refused_at: dict[int, int] = {}
        for c, column in enumerate(converted):
            for r in [r for r, value in enumerate(column) if type(value) is Refused]:
                refused_at.setdefault(r, c)
        fields = [spec.field for spec, _ in columns]
        header_of = dict(zip(fields, headers, strict=True))
        key_field = RECORD_KEYS[self.layout.ledger]
        key_label = next((self.labels[i] for s, i in columns if s.field == key_field and i is not None), key_field)
        first_line: dict[tuple[str, str, str], int] = {}
        for r, ((line, row), values) in enumerate(zip(rows, zip(*converted, strict=True), strict=True)):
            located = self.row_zone_period(row, line)
            if located is None:
                continue
            zone_code, zone_raw, period = located
            refused = refused_at.get(r)
            if refused is not None:
                header = headers[refused]
                self.reject(line, header, self.cell(row, columns[refused][1]),
                            f"{header} {values[refused].message}; the row is not ingested", period)
                continue
            record = dict(zip(fields, values, strict=True))
            if self.layout.ordered_dates and (problem := self._date_order_problem(record, header_of)):
                self.reject(line, problem[0], problem[1], problem[2], period)
                continue
            key = (zone_code, period.key, str(record.get(key_field)))
            if key in first_line:
                self.reject(line, key_label, key[2], f"{key[2]} is listed twice in this ledger (first on row "
                            f"{first_line[key]}); the repeated row is not ingested", period)
                continue
            first_line[key] = line
            self.parsed.rows.append({"sheet": self.grid.sheet, "source_line": line, "layout_id": self.layout.id,
                                     "zone_code": zone_code, "zone_name_raw": zone_raw,
                                     "year": period.year, "month": period.end_month, **record})


def read_ledger(path: Path, layout: Layout, *, file_name: str | None = None, resolver: ZoneResolver | None = None,
                grid: Grid | None = None) -> ParsedLedger:
    """Parse one ledger file with a known layout. Raises LedgerError when the file as a whole is unreadable."""
    name = file_name or path.name
    if grid is None:
        try:
            grid = read_grid(path, sheet=layout.sheet, encoding=layout.encoding, delimiter=layout.delimiter)
        except FileReadError as exc:
            raise LedgerError(name, str(exc)) from exc
    reader = _Reader(grid, layout, name, resolver or zone_resolver(), load_measures())
    if layout.orientation == "indicators_in_rows":
        reader.read_indicator_rows()
    elif layout.orientation == "zones_in_rows":
        reader.read_zone_rows()
    else:
        reader.read_records()
    if not reader.parsed.rows and not reader.parsed.rejections:
        raise LedgerError(name, "no data rows found below the header", sheet=grid.sheet, line=reader.header_line)
    return reader.parsed


def _signature_text(grid: Grid, rows: int) -> str:
    return "".join(_text(c) for row in grid.rows[:rows] for c in row if c is not None)


def detect_layout(path: Path, layouts: tuple[Layout, ...], file_name: str | None = None) -> tuple[Layout, Grid]:
    """The one layout whose match rules fit the file, with the grid already read."""
    name = file_name or path.name
    suffix = path.suffix.lower()
    candidates = [lay for lay in layouts if suffix in lay.suffixes]
    if not candidates:
        known = sorted({s for lay in layouts for s in lay.suffixes})
        raise LedgerError(name, f"no layout reads {suffix or 'files without an extension'} files (known: {known})")
    grids: dict[tuple, Grid] = {}
    signatures: dict[tuple, str] = {}  # (grid, rows scanned) -> text: layouts often share both
    matches: list[tuple[Layout, Grid]] = []
    errors: list[str] = []
    for lay in candidates:
        if lay.filename and not lay.filename.search(Path(name).stem):
            continue
        key = (lay.sheet, lay.encoding, lay.delimiter)
        if key not in grids:
            try:
                grids[key] = read_grid(path, sheet=lay.sheet, encoding=lay.encoding, delimiter=lay.delimiter)
            except FileReadError as exc:
                errors.append(f"{lay.id}: {exc}")
                continue
        if (key, lay.scan_rows) not in signatures:
            signatures[(key, lay.scan_rows)] = _signature_text(grids[key], lay.scan_rows)
        text = signatures[(key, lay.scan_rows)]
        if all(re.sub(r"\s+", "", clean_text(s)) in text for s in lay.contains):
            matches.append((lay, grids[key]))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        detail = f" ({'; '.join(errors)})" if errors else ""
        raise LedgerError(name, "no layout in sources/layouts matches this file; add a layout YAML for it"
                          f"{detail}", field="layout")
    raise LedgerError(name, f"several layouts match this file: {[m[0].id for m in matches]}; "
                      "make their match rules more specific", field="layout")
