"""`parkstats compare`, `zone` and `views`: analysts' commands over the published release (never the warehouse).

The queries live in `pipelines/compare.py` and the views in `pipelines/analytics.py`; this module formats them.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipelines.settings import data_paths

console = Console(width=None if Console().is_terminal else 160)  # no truncation when piped or in CI


def fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


BASIS_LABELS = {"ttm": "TTM", "annualised_ytd": "年化", "comparable": "同口径", "nominal": "名义"}
UNIT_DIGITS = {"个": 0, "万元/亩": 2, "%": 1, "分": 1, "万元": 1, "万美元": 1, "亩": 1}
LEGEND = ("变动: against the previous month (↑ up, new = not ranked then). 口径: TTM trailing 12 months, 年化 "
          "annualised YTD; 同比 c comparable (同口径), n nominal. 标志: A normal, P provisional, E estimated, "
          "r revised.")


def views_epilog() -> str:
    from pipelines.analytics import VIEWS

    return ("For SQL, the release's parkstats.duckdb holds the analytics views "
            + ", ".join(f"{v.name} ({v.label})" for v in VIEWS.values()) + "; `parkstats views` lists their columns.")


def _output_format(fmt: OutputFormat | None, out: Path | None) -> OutputFormat:
    """--format, or the suffix of --out; a table is printed, the other formats may go to a file."""
    if fmt is None:
        if out is None:
            return OutputFormat.table
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in {"csv", "json", "xlsx"}:
            fail(f"cannot tell the format of {out.name!r} from its suffix; give --format csv, json or xlsx")
        return OutputFormat(suffix)
    if fmt is OutputFormat.table and out is not None:
        fail("--out writes csv, json or xlsx; give --format csv, json or xlsx, or drop --out to print the table")
    if fmt is OutputFormat.xlsx and out is None:
        fail("--format xlsx needs --out FILE.xlsx")
    return fmt


def _export(fmt: OutputFormat, out: Path | None, columns, rows: list[dict], payload: dict, sheet: str,
            about: list[tuple[str, str]]) -> None:
    """CSV (text cells that look like formulas are quoted) or JSON to the file or stdout; xlsx to the file."""
    import io

    from pipelines.compare import to_json, write_csv, write_xlsx

    if fmt is OutputFormat.xlsx:
        write_xlsx(out, sheet, columns, rows, about)
    elif fmt is OutputFormat.csv:
        buffer = io.StringIO()
        write_csv(buffer, columns, rows)
        if out is None:
            typer.echo(buffer.getvalue(), nl=False)
        else:
            out.write_text(buffer.getvalue(), encoding="utf-8-sig")  # the BOM lets Excel read the Chinese
    elif out is None:
        typer.echo(to_json(payload), nl=False)
    else:
        out.write_text(to_json(payload), encoding="utf-8")
    if out is not None:
        console.print(f"wrote {len(rows)} rows to {out}", highlight=False, soft_wrap=True)


def _fmt_value(value: float | None, unit: str | None) -> str:
    return "—" if value is None else f"{value:,.{UNIT_DIGITS.get(unit or '', 1)}f}"


YOY_MARKS = {"comparable": "c", "nominal": "n"}


def _fmt_yoy(value: float | None, basis: str | None) -> str:
    return "" if value is None else f"{value:,.1f}{YOY_MARKS.get(basis or '', '')}"


def _arrow(change: int | None) -> str:
    if change is None:
        return "new"
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "–"


def _release_id() -> str:
    from pipelines.publish import current_release

    return current_release(data_paths()).name


def compare(
    month: Annotated[str | None, typer.Option(help="Month YYYY-MM (default: the latest published with values).")] = None,
    metric: Annotated[str, typer.Option(help="Any published metric or its Chinese label, e.g. composite_score, "
                                             "tax_per_mu, 亩均税收, signed_amount_ytd (`parkstats views` → "
                                             "v_metric_catalogue).")] = "composite_score",
    level: Annotated[str | None, typer.Option(help="Peer group: national / provincial (国家级 / 省级).")] = None,
    zone_type: Annotated[str | None, typer.Option("--type", help="Peer group: zone type, e.g. high_tech, "
                                                                 "economic_development, 高新技术产业开发区.")] = None,
    province: Annotated[str | None, typer.Option(help="Peer group: province, e.g. 江苏省 (or 江苏).")] = None,
    city: Annotated[str | None, typer.Option(help="Peer group: city, e.g. 淮安.")] = None,
    region: Annotated[str | None, typer.Option(help="Peer group: east / central / west (东部 / 中部 / 西部).")] = None,
    zones: Annotated[str | None, typer.Option(help="Only these zones: codes or names, comma-separated.")] = None,
    top: Annotated[int | None, typer.Option(min=1, help="Only the first N of the peer group.")] = None,
    fmt: Annotated[OutputFormat | None, typer.Option("--format", help="table (default), csv, json or xlsx; "
                                                                      "default from the --out suffix.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write csv / json / xlsx to this file (csv and json "
                                                  "print to stdout without it).")] = None,
) -> None:
    """Rank the zones of a peer group on a published metric in a month: rank, change against the previous month,
    overall rank, value, its basis (TTM / 年化, 同口径 / 名义), 同比 and status flag.

    Filters combine (--province 江苏省 --level provincial); without any, ranks equal the published ranking.
    """
    from pipelines import compare as comparing
    from pipelines.publish import connect_published

    fmt = _output_format(fmt, out)
    peers = comparing.PeerGroup(level=level, zone_type=zone_type, province=province, city=city, region=region,
                                zones=tuple(z.strip() for z in (zones or "").replace("，", ",").split(",") if z.strip()))
    try:
        release_id = _release_id()
        with connect_published(data_paths()) as con:
            result = comparing.compare(con, month, metric, peers, top)
    except (comparing.CompareError, FileNotFoundError) as exc:
        fail(str(exc))
    group = comparing.describe_peer_group(result.peers)
    m = result.metric
    if fmt is not OutputFormat.table:
        payload = {"release_id": release_id, "month": result.month, "metric": m.metric, "metric_label": m.label,
                   "unit": m.unit, "direction": m.direction, "peer_group": {**result.peers.filters(),
                                                                            "zones": list(result.peers.zones)},
                   "previous_month": result.previous_month,
                   "zones_without_value": [z.zone_code for z in result.missing],
                   "columns": {c.name: c.label for c in comparing.COMPARE_COLUMNS}, "rows": result.rows}
        about = [("release", release_id), ("month", result.month), ("metric", f"{m.metric} {m.label} ({m.unit})"),
                 ("peer group", group), ("previous month", result.previous_month or "—"), ("flags", LEGEND)]
        _export(fmt, out, comparing.COMPARE_COLUMNS, result.rows, payload, "compare", about)
        return
    table = Table(title=f"开发区对比 {result.month}（{m.label}，{m.unit}；{group}）", title_justify="left",
                  caption=f"release {release_id}; previous month {result.previous_month or '—'}",
                  caption_justify="left")
    rows = result.rows
    # (title, justify, cell) — optional columns only when they say something
    columns = [("排名", "right", lambda r: str(r["rank"])),
               ("变动", "right", lambda r: _arrow(r["rank_change"]) if result.previous_month else "–")]
    if not result.peers.is_everyone():
        columns.append(("总排名", "right", lambda r: str(r["rank_overall"])))
    columns += [("开发区", "left", lambda r: r["zone_name"]), ("代码", "left", lambda r: r["zone_code"]),
                ("省份", "left", lambda r: r["province"]), ("城市", "left", lambda r: r["city"]),
                (f"{m.label}\n{m.unit}", "right", lambda r: _fmt_value(r["value"], r["unit"]))]
    if any(r["basis"] for r in rows):
        columns.append(("口径", "left", lambda r: BASIS_LABELS.get(r["basis"] or "", r["basis"] or "")))
    if any(r["yoy_pct"] is not None for r in rows):
        columns.append(("同比%", "right", lambda r: _fmt_yoy(r["yoy_pct"], r["yoy_basis"])))
    if any(r["time_progress_pct"] is not None for r in rows):
        columns += [("序时进度%", "right", lambda r: _fmt_value(r["time_progress_pct"], "%")),
                    ("快慢\n百分点", "right", lambda r: "" if r["gap_pp"] is None else f"{r['gap_pp']:+,.1f}")]
    columns.append(("标志", "center", lambda r: r["status_flag"]))
    for title, justify, _ in columns:
        table.add_column(title, justify=justify)
    for r in rows:
        table.add_row(*(cell(r) for _, _, cell in columns))
    console.print(table)
    console.print(f"{len(rows)} of {rows[0]['zones_ranked']} zones in the peer group"
                  + ("" if result.peers.is_everyone() else "; 总排名 = rank among all published zones") + ".",
                  highlight=False)
    if result.missing:
        console.print("no value in " + result.month + ": " + ", ".join(f"{z.zone_code} {z.zone_name}"
                                                                      for z in result.missing), highlight=False)
    console.print(LEGEND, highlight=False)


def zone(
    name: Annotated[str, typer.Argument(metavar="CODE", help="Zone code or name (G361149, 上饶经开区).")],
    first: Annotated[str | None, typer.Option("--from", help="First month YYYY-MM (default: 11 published "
                                                             "months before --to).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month YYYY-MM (default: the latest "
                                                          "published).")] = None,
    metric: Annotated[list[str] | None, typer.Option(help="Metric to show (repeatable; `all` for every one). "
                                                          "Default: headline figures and every completion "
                                                          "metric with 序时进度.")] = None,
    fmt: Annotated[OutputFormat | None, typer.Option("--format", help="table (default), csv, json or xlsx.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write csv / json / xlsx to this file.")] = None,
) -> None:
    """One zone's published series month by month: value, basis, 同比, completion against 序时进度, rank."""
    from pipelines import compare as comparing
    from pipelines.publish import connect_published

    fmt = _output_format(fmt, out)
    try:
        release_id = _release_id()
        with connect_published(data_paths()) as con:
            series = comparing.zone_series(con, name, first, last, metric or ())
    except (comparing.CompareError, FileNotFoundError) as exc:
        fail(str(exc))
    z = series.zone
    if fmt is not OutputFormat.table:
        payload = {"release_id": release_id, "zone_code": z.zone_code, "zone_name": z.zone_name,
                   "from": series.first, "to": series.last, "metrics": series.metrics,
                   "columns": {c.name: c.label for c in comparing.SERIES_COLUMNS}, "rows": series.rows}
        about = [("release", release_id), ("zone", f"{z.zone_code} {z.zone_name}"),
                 ("months", f"{series.first} .. {series.last}"), ("metrics", ", ".join(series.metrics)),
                 ("flags", LEGEND)]
        _export(fmt, out, comparing.SERIES_COLUMNS, series.rows, payload, z.zone_code, about)
        return
    table = Table(title=f"{z.zone_name} {z.zone_code}（{z.province} {z.city}，{z.level_label}）"
                        f" {series.first} .. {series.last}", title_justify="left",
                  caption=f"release {release_id}", caption_justify="left")
    for title, justify in [("月份", "left"), ("指标", "left"), ("数值", "right"), ("单位", "left"), ("口径", "left"),
                           ("同比%", "right"), ("序时进度%", "right"), ("快慢\n百分点", "right"), ("排名", "right"),
                           ("变动", "right"), ("标志", "center")]:
        table.add_column(title, justify=justify)
    for i, r in enumerate(series.rows):
        last_of_month = i + 1 == len(series.rows) or series.rows[i + 1]["period"] != r["period"]
        ranked = r["rank_overall"] is not None
        table.add_row(r["period"], r["metric_label"], _fmt_value(r["value"], r["unit"]), r["unit"],
                      BASIS_LABELS.get(r["basis"] or "", r["basis"] or ""), _fmt_yoy(r["yoy_pct"], r["yoy_basis"]),
                      "" if r["time_progress_pct"] is None else _fmt_value(r["time_progress_pct"], "%"),
                      "" if r["gap_pp"] is None else f"{r['gap_pp']:+,.1f}",
                      f"{r['rank_overall']}/{r['zones_ranked']}" if ranked else "",
                      _arrow(r["rank_change"]) if ranked else "", r["status_flag"], end_section=last_of_month)
    console.print(table)
    console.print(f"{len(series.rows)} values. 序时进度 = month ÷ months of the target period (N/12 for a year); "
                  "快慢 = completion − 序时进度, percentage points.", highlight=False)
    console.print(LEGEND, highlight=False)


def views(
    name: Annotated[str | None, typer.Argument(help="Only this view, e.g. v_zone_metrics.")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown (for the README).")] = False,
) -> None:
    """List the analytics views of the published DuckDB file, with their columns (English name, 中文标签, meaning)."""
    from pipelines.analytics import VIEWS, views_markdown

    if name is not None and name not in VIEWS:
        fail(f"unknown view {name!r}; views: {', '.join(VIEWS)}")
    if markdown:
        typer.echo(views_markdown(), nl=False)
        return
    for view in [VIEWS[name]] if name else VIEWS.values():
        table = Table(title=f"{view.name} — {view.label}", title_justify="left", caption=view.description,
                      caption_justify="left")
        for title in ("column", "标签", "meaning"):
            table.add_column(title)
        for column in view.columns:
            table.add_row(column.name, column.label, column.description)
        console.print(table, highlight=False)
    try:
        from pipelines.publish import published_db

        where = published_db(data_paths())
        console.print(f"open read-only, e.g.: duckdb -readonly {where}", highlight=False, soft_wrap=True)
    except FileNotFoundError:
        console.print("nothing is published yet: the views appear in every release's parkstats.duckdb")
