"""`parkstats`: the command line of ParkStats.

Readers' commands (ranking, files) read the published release, never the live warehouse.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipelines.analyst_cli import compare, views, views_epilog, zone
from pipelines.review_cli import review_app, status
from pipelines.settings import data_paths, export_env

app = typer.Typer(help="ParkStats: monthly statistics of development zones (开发区月报).", no_args_is_help=True,
                  add_completion=False)
console = Console(width=None if Console().is_terminal else 160)  # no truncation when piped or in CI


def fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code=1)


class SampleScale(StrEnum):
    sample = "sample"
    national = "national"


@app.command()
def sample(
    landing: Annotated[Path | None, typer.Option(help="Where to write the ledgers (default: the landing folder).")] = None,
    truth: Annotated[Path | None, typer.Option(help="Where to write the ground truth.")] = None,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM.")] = "2023-01",
    end: Annotated[str, typer.Option(help="Last month, YYYY-MM.")] = "2024-12",
    scale: Annotated[SampleScale, typer.Option(help="sample: the 13 bundled zones; national: every zone of the "
                                                    "2018 catalogue (2,543), for benchmarks.")] = SampleScale.sample,
    zones: Annotated[int | None, typer.Option(min=1, help="With --scale national: only this many zones "
                                                          "(taken city by city).")] = None,
) -> None:
    """Generate the bundled sample: 13 zones' monthly ledgers in four layouts, plus their ground truth; or, with
    --scale national, the ledgers of every catalogue zone (no ground truth: a list of the zones and layouts)."""
    import os

    from pipelines.sample import generate_sample

    paths = data_paths()
    if scale is SampleScale.national:
        from pipelines.sample.national import generate_national, write_expected_reporters, write_plan

        national = generate_national(landing or paths.landing, start, end, zones=zones,
                                     workers=min(2, os.cpu_count() or 1))
        layouts = ", ".join(f"{k}: {v}" for k, v in national.files_per_layout.items())
        console.print(f"wrote {national.total_files} ledger files ({layouts}) for {national.zones} zones to "
                      f"{national.landing_dir} in {national.seconds:.0f} s")
        truth_dir = truth or paths.sample_truth
        console.print(f"zones and what each sends: {write_plan(truth_dir / 'national_zones.csv', zones)}")
        reporters = write_expected_reporters(truth_dir / "national_expected_reporters.yaml", zones)
        console.print(f"for the completeness check, set PARKSTATS_EXPECTED_REPORTERS={reporters}")
        return
    if zones is not None:
        fail("--zones applies to --scale national only")
    summary = generate_sample(landing or paths.landing, truth or paths.sample_truth, start, end)
    layouts = ", ".join(f"{k}: {v}" for k, v in summary.files_per_layout.items())
    console.print(f"wrote {summary.total_files} ledger files ({layouts}) to {summary.landing_dir}")
    console.print(f"ground truth in {summary.truth_dir}")


@app.command()
def run(
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM (default: earliest pending).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM (default: latest pending).")] = None,
) -> None:
    """Ingest, check, build and publish the months through Dagster, then print the latest ranking."""
    from pipelines.ingest.landing import scan_landing
    from pipelines.runner import run_months

    paths = export_env()
    if first is None or last is None:
        months = sorted({m for f in scan_landing(paths) for m in f.months})
        if not months:
            fail(f"no ledgers waiting in {paths.landing}; give --from and --to to rebuild months already ingested")
        first, last = first or months[0], last or months[-1]
    console.print(f"running the monthly job for {first} .. {last} (Dagster instance: {paths.dagster_home})")
    from datetime import datetime

    log_file = paths.home / "logs" / f"run-{datetime.now():%Y%m%dT%H%M%S}.log"
    with console.status("ingesting, checking, building the warehouse and publishing …"):
        outcome = run_months(first, last, log_file=log_file)
    console.print(f"full log: {log_file}")
    if outcome.ingest:
        i = outcome.ingest
        console.print(f"ingested {i['new_files']} new files ({i['duplicates']} already known, {i['quarantined']} "
                      f"quarantined, {i['deferred_other_months']} of other months left in landing)")
    console.print(f"{outcome.materialized} assets materialized for {first} .. {last}, "
                  f"{outcome.checks_passed} check evaluations passed")
    for problem in outcome.problems[:10]:
        console.print(f"[yellow]![/yellow] {problem}", highlight=False)
    if len(outcome.problems) > 10:
        console.print(f"… and {len(outcome.problems) - 10} more (see the checks in `make ui`, data/quarantine and "
                      "the lake_rejections asset)")
    if outcome.failed_checks:
        console.print(f"[yellow]checks not passed:[/yellow] {', '.join(outcome.failed_checks)}")
    if not outcome.success:
        fail(f"run {outcome.run_id} did not complete (skipped: {', '.join(outcome.skipped_steps) or 'none'}); "
             "see `make ui` for its logs")
    console.print(f"run {outcome.run_id} succeeded")
    publish = outcome.publish or {}
    if publish.get("months_new"):
        console.print(f"published release {publish['release_id']}: {', '.join(publish['months_new'])}")
    checks = publish.get("check_summary") or {}
    if checks:
        errors, warnings = sum(c["errors"] for c in checks.values()), sum(c["warnings"] for c in checks.values())
        latest = max(checks)
        console.print(f"checks: {max(c['rules_checked'] for c in checks.values())} rules on {len(checks)} month(s), "
                      f"{errors} error and {warnings} warning finding(s) — `parkstats status --month {latest}`, "
                      f"`parkstats review list --month {latest}`", highlight=False)
    for month, reason in (publish.get("months_withheld") or {}).items():
        console.print(f"[yellow]{month} not published[/yellow]: {reason} — `parkstats review list --month {month}`",
                      highlight=False)
    show_ranking(None, "composite_score", 20)


@app.command()
def ranking(
    month: Annotated[str | None, typer.Option(help="Month YYYY-MM (default: the latest published).")] = None,
    metric: Annotated[str, typer.Option(help="Metric to rank by, e.g. composite_score, revenue_per_mu.")] = "composite_score",
    top: Annotated[int, typer.Option(help="How many zones to show.")] = 50,
) -> None:
    """Print the cross-zone ranking of a published month."""
    show_ranking(month, metric, top)


def show_ranking(month: str | None, metric: str, top: int) -> None:
    from pipelines.queries import RankingError, ranking_table

    try:
        month, rows = ranking_table(data_paths(), month, metric, top)
    except (RankingError, FileNotFoundError) as exc:
        fail(str(exc))
    table = Table(title=f"开发区月度排名 {month}（按 {metric}）", title_justify="left")
    for col, justify in [("排名", "right"), ("变动", "right"), ("开发区", "left"), ("亩均营收\n万元/亩", "right"),
                         ("亩均税收\n万元/亩", "right"), ("工业营收累计\n亿元", "right"), ("营收同比%", "right"),
                         ("口径", "left"), ("综合得分", "right")]:
        table.add_column(col, justify=justify)
    for r in rows:
        table.add_row(*r)
    console.print(table)
    console.print("变动: rank change against the previous month (↑ moved up). 口径: TTM = trailing 12 months, "
                  "年化 = annualised YTD; 同比 basis c = comparable (同口径), n = nominal.")


@app.command()
def ui(port: Annotated[int, typer.Option(help="Port.")] = 3000,
       host: Annotated[str, typer.Option(help="Address to bind; keep 127.0.0.1 unless it must be reachable.")] = "127.0.0.1") -> None:
    """Start the Dagster UI (webserver + daemon for the sensor, schedule and run queue)."""
    import os
    import sys

    export_env()
    dagster = str(Path(sys.executable).parent / "dagster")
    os.execv(dagster, [dagster, "dev", "-m", "pipelines.definitions", "-h", host, "-p", str(port)])


GROUP_LABELS = {"main": "规上", "small": "规下", "rented_land": "租赁用地", "exempt": "不参评(T)"}


@app.command()
def firms(
    zone: Annotated[str | None, typer.Option(help="Zone code or name (e.g. G321100 or 淮安经开区).")] = None,
    year: Annotated[int | None, typer.Option(help="Evaluation year (default: the latest).")] = None,
    firm_class: Annotated[str | None, typer.Option("--class", help="Only this class: A, B, C, D or T.")] = None,
    scheme: Annotated[str | None, typer.Option(help="Evaluation scheme, e.g. huaian_2024 or huangyan_2022.")] = None,
    group: Annotated[str | None, typer.Option(help="main (规上), small (规下), rented_land or exempt.")] = None,
) -> None:
    """List firms of the 亩均效益 evaluation with their indicators, score, rank and class."""
    from pipelines.queries import QueryError, firms_table

    try:
        selection, rows = firms_table(data_paths(), zone, year, scheme, firm_class, group)
    except (QueryError, FileNotFoundError) as exc:
        fail(str(exc))
    title = f"企业亩均效益评价 {selection['scheme']} {selection['year']}年" + (f" {selection['zone']}" if selection["zone"] else "")
    table = Table(title=title, title_justify="left")
    for col, justify in [("开发区", "left"), ("统一社会信用代码", "left"), ("企业名称", "left"), ("行业", "left"),
                         ("组别", "left"), ("亩均税收\n万元/亩", "right"), ("亩均营收\n万元/亩", "right"),
                         ("单位能耗税收\n万元/吨标煤", "right"), ("用地\n亩", "right"), ("得分", "right"),
                         ("排名", "right"), ("类别", "center")]:
        table.add_column(col, justify=justify)
    for r in rows:
        rank = f"{r['score_rank']}/{r['firms_ranked']}" if r["score_rank"] else "—"
        table.add_row(r["zone_name"], r["uscc"], r["firm_name"], r["industry_code"],
                      GROUP_LABELS.get(r["evaluation_group"], r["evaluation_group"]), _num(r["tax_per_mu"], 2),
                      _num(r["revenue_per_mu"], 1), _num(r["tax_per_energy"], 2), _num(r["land_mu"], 1),
                      _num(r["score"], 1), rank, r["class"] or "—")
    console.print(table)
    console.print(f"{len(rows)} firms")


def _num(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


@app.command()
def projects(
    zone: Annotated[str | None, typer.Option(help="Zone code or name (e.g. G511193 or 广元经开区).")] = None,
    month: Annotated[str | None, typer.Option(help="Month YYYY-MM (default: the latest published).")] = None,
    stage: Annotated[str | None, typer.Option(help="新洽谈, 新签约, 新开工, 新竣工, 新投产 or 盘活.")] = None,
    ytd: Annotated[bool, typer.Option("--ytd", help="January to the month instead of the month alone.")] = False,
) -> None:
    """List the projects behind the 四新一盘活 counts of a month."""
    from pipelines.queries import QueryError, projects_table

    try:
        selection, rows = projects_table(data_paths(), zone, month, stage, ytd)
    except (QueryError, FileNotFoundError) as exc:
        fail(str(exc))
    period = f"{selection['month'][:4]}年1-{int(selection['month'][5:])}月" if ytd else selection["month"]
    table = Table(title=f"项目明细 {period}" + (f" {selection['zone']}" if selection["zone"] else ""),
                  title_justify="left")
    for col, justify in [("开发区", "left"), ("项目编号", "left"), ("项目名称", "left"), ("阶段", "left"),
                         ("日期", "left"), ("行业", "left"), ("外资", "center"), ("协议投资额\n亿元", "right"),
                         ("用地\n亩", "right"), ("重点", "center"), ("状态", "left")]:
        table.add_column(col, justify=justify)
    total = 0.0
    for r in rows:
        total += r["total_investment"] or 0
        table.add_row(r["zone_name"], r["project_id"], r["project_name"], r["stage_label"], str(r["stage_date"]),
                      r["industry_code"], "是" if r["is_foreign"] else "", _num((r["total_investment"] or 0) / 1e4, 2),
                      _num(r["land_mu"], 1), "是" if r["is_key_project"] else "", STATUS.get(r["status"], r["status"]))
    console.print(table)
    console.print(f"{len(rows)} projects, 协议投资额 {total / 1e4:,.2f} 亿元")


STATUS = {"active": "在建/推进", "stalled": "停滞", "dropped": "终止"}


@app.command()
def bulletin(
    month: Annotated[str | None, typer.Option(help="Month YYYY-MM (default: the latest published).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder (default: <PARKSTATS_HOME>/published/bulletins/<month>/).")] = None,
) -> None:
    """Write the monthly bulletin (月通报) of a published month: an xlsx workbook and a self-contained HTML page."""
    from pipelines.bulletin import BulletinError, build_bulletin, latest_month
    from pipelines.publish import current_release

    paths = data_paths()
    try:
        release = current_release(paths)
        month = month or latest_month(release)
        files = build_bulletin(release, month, out or paths.published / "bulletins" / month)
    except (BulletinError, FileNotFoundError) as exc:
        fail(str(exc))
    console.print(f"月通报 {month} (release {files.release_id})")
    console.print(f"xlsx: {files.xlsx}", highlight=False, soft_wrap=True)
    console.print(f"html: {files.html}", highlight=False, soft_wrap=True)


# statisticians' and analysts' commands (pipelines/review_cli.py, pipelines/analyst_cli.py)
app.add_typer(review_app, name="review")
app.command("status")(status)
app.command(epilog=views_epilog())(compare)
app.command()(zone)
app.command()(views)
