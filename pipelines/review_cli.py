"""`parkstats review …` and `parkstats status`: the statisticians' side of the quality gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipelines.quality import review as rv
from pipelines.settings import data_paths

review_app = typer.Typer(help="Review the findings of the data checks and record decisions (accept, waive, reject).",
                         no_args_is_help=True)
console = Console(width=None if Console().is_terminal else 160)
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "blue"}


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)


def _rows_text(failing_rows: str | None, limit: int = 3) -> str:
    rows = json.loads(failing_rows) if isinstance(failing_rows, str) else []
    lines = []
    for r in rows[:limit]:
        where = f"{r.get('source_file', '?')}" + (f", row {r['source_line']}" if r.get("source_line") else "")
        lines.append(f"{where}: {r.get('subject', '')} {r.get('detail', '')}".strip())
    return "\n".join(lines) + (f"\n… {len(rows) - limit} more" if len(rows) > limit else "")


@review_app.command("list")
def list_findings(
    month: Annotated[str, typer.Option(help="Month YYYY-MM.")],
    all_findings: Annotated[bool, typer.Option("--all", help="Also findings already accepted or waived.")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the findings to a CSV to decide in Excel "
                                                               "(then `parkstats review import FILE`).")] = None,
) -> None:
    """Findings of a month: errors first, then Hidiroglou–Berthelot outliers by score, then warnings."""
    try:
        found = rv.open_findings(data_paths(), month, include_decided=all_findings)
    except rv.ReviewError as e:
        _fail(str(e))
    if csv_out:
        rv.export_findings(found, csv_out)
        console.print(f"wrote {len(found)} findings to {csv_out}; fill in decision (accept / waive / reject), reason "
                      "and reviewer, then `parkstats review import` it")
        return
    table = Table(title=f"数据审核 {month}: {len(found)} finding(s)", title_justify="left")
    for col in ("finding", "severity", "level", "status", "rule", "failed / checked", "score", "where"):
        table.add_column(col, overflow="fold")
    for _, f in found.iterrows():
        style = SEVERITY_STYLE.get(f["severity"], "")
        table.add_row(f["finding_id"], f"[{style}]{f['severity']}[/{style}]", str(f["ess_level"]), f["status"],
                      f"{f['description_zh']}", f"{f['failed']} / {f['checked']}",
                      "" if f["score"] != f["score"] else f"{f['score']:.1f}", _rows_text(f["failing_rows"], 2))
    console.print(table)
    if found.empty:
        console.print("nothing to review" + ("" if all_findings else " (--all shows decided findings)"))


@review_app.command()
def show(finding_id: Annotated[str, typer.Argument(help="e.g. 2024-03:G321100:ZI-007")]) -> None:
    """One finding: the rule, its failing rows with file and line, its check history and decisions."""
    try:
        f, history, decisions = rv.finding_history(data_paths(), finding_id)
    except rv.ReviewError as e:
        _fail(str(e))
    console.print(f"[bold]{finding_id}[/bold]  {f['rule_id']} · ESS level {f['ess_level']} · {f['severity']} · "
                  f"status {f.get('status', 'cleared')}", highlight=False)
    console.print(f"{f['description_zh']}\n{f['description_en']}", highlight=False)
    console.print(f"failed {f['failed']} of {f['checked']} checked, {f['not_evaluable']} not evaluable", highlight=False)
    rows = json.loads(f["failing_rows"]) if isinstance(f["failing_rows"], str) else []
    console.print("[bold]failing rows[/bold] (file, row: what — compared with)")
    for r in rows:  # plain lines, so file names can be copied whole
        other = f" — vs {r['other_source_file']}" + (f", row {r['other_source_line']}" if r.get("other_source_line")
                                                     else "") if r.get("other_source_file") else ""
        line = f", row {r['source_line']}" if r.get("source_line") else ""
        console.print(f"  {r.get('source_file', '(derived)')}{line}: {r.get('subject', '')} {r.get('detail', '')}"
                      f"{other}", highlight=False, soft_wrap=True)
    hist = Table(title="history", title_justify="left")
    for col in ("checked at", "run", "checked", "failed", "not evaluable", "evidence"):
        hist.add_column(col)
    for _, h in history.iterrows():
        hist.add_row(str(h["checked_at"])[:19], h["run_id"][:8], str(h["checked"]), str(h["failed"]),
                     str(h["not_evaluable"]), str(h["evidence"] or ""))
    console.print(hist)
    for _, d in decisions.iterrows():
        console.print(f"{d['decided_at'][:19]} {d['reviewer']}: {d['decision']} — {d['reason']} "
                      f"(evidence {d['evidence']}, {d['origin']})", highlight=False)


@review_app.command()
def decide(
    finding_ids: Annotated[list[str], typer.Argument(help="One or more finding ids.")],
    accept: Annotated[bool, typer.Option("--accept", help="The values are right as reported.")] = False,
    waive: Annotated[bool, typer.Option("--waive", help="Publish despite the failure (needs --reason).")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="The zone must resubmit; the month stays unpublished.")] = False,
    reason: Annotated[str, typer.Option(help="Why (required to waive).")] = "",
    reviewer: Annotated[str | None, typer.Option(help="Who decides (default: $PARKSTATS_REVIEWER or the login).")] = None,
) -> None:
    """Record a decision on findings (append-only audit; a later decision supersedes an earlier one)."""
    chosen = [name for name, flag in (("accept", accept), ("waive", waive), ("reject", reject)) if flag]
    if len(chosen) != 1:
        _fail("give exactly one of --accept, --waive, --reject")
    try:
        records = rv.decide(data_paths(), finding_ids, chosen[0], reason, reviewer or rv.default_reviewer())
    except rv.ReviewError as e:
        _fail(str(e))
    for r in records:
        console.print(f"{r['finding_id']}: {r['decision']} by {r['reviewer']} ({r['decided_at'][:19]})", highlight=False)
    console.print("run the month again (`parkstats run --from M --to M`) to publish it")


@review_app.command("import")
def import_file(path: Annotated[Path, typer.Argument(help="A .yaml or .csv decision file.", exists=True)]) -> None:
    """Record the decisions of a YAML or CSV file (rows without a decision are skipped)."""
    try:
        records = rv.import_decisions(data_paths(), path)
    except rv.ReviewError as e:
        _fail(str(e))
    console.print(f"recorded {len(records)} decision(s) from {path.name}")


@review_app.command()
def audit(month: Annotated[str | None, typer.Option(help="Only findings of this month (YYYY-MM).")] = None) -> None:
    """Every decision ever recorded, oldest first."""
    from pipelines.quality.store import read_decisions

    decisions = read_decisions(data_paths())
    if month:
        decisions = decisions[decisions["finding_id"].str.startswith(month + ":")]
    table = Table(title="review decisions (audit)", title_justify="left")
    for col in ("decided at", "reviewer", "finding", "decision", "reason", "origin"):
        table.add_column(col, overflow="fold")
    for _, d in decisions.iterrows():
        table.add_row(d["decided_at"][:19], d["reviewer"], d["finding_id"], d["decision"], d["reason"], d["origin"])
    console.print(table)


@review_app.command()
def rules() -> None:
    """The rule catalogue: every check with its id, suite, ESS level, severity and meaning."""
    from pipelines.quality.catalogue import load_catalogue

    table = Table(title="data-quality rules (expectations/)", title_justify="left")
    for col in ("rule", "suite", "level", "severity", "规则", "rule (en)"):
        table.add_column(col, overflow="fold")
    for suite in load_catalogue().values():
        for r in suite.rules:
            table.add_row(r.rule_id, suite.name, str(r.ess_level), r.severity, r.zh, r.en)
    console.print(table)


def status(month: Annotated[str, typer.Option(help="Month YYYY-MM.")]) -> None:
    """Per zone for a month: ledgers received (with vintage), rules checked, findings, waivers, published."""
    try:
        frame = rv.month_status(data_paths(), month)
    except rv.ReviewError as e:
        _fail(str(e))
    from pipelines.quality.gate import month_gates

    gate = month_gates(data_paths(), [month])[month]
    table = Table(title=f"报送与审核状态 {month}", title_justify="left")
    for col in ("zone", "received", "rules checked", "open errors", "open warnings", "waived/accepted",
                "rejected", "published"):
        table.add_column(col)
    for _, r in frame.iterrows():
        err = f"[red]{r['open_errors']}[/red]" if r["open_errors"] else "0"
        table.add_row(r["zone_code"], r["received"], str(r["checked"]), err, str(r["open_warnings"]),
                      str(r["waived"]), str(r["rejected"]), r["published"])
    console.print(table)
    verdict = "may publish" if gate.publishable else f"withheld: {gate.blocking_reason()}"
    console.print(f"{month}: {gate.rules_checked} rules, {gate.items_checked} items checked, {gate.errors} error and "
                  f"{gate.warnings} warning finding(s); {verdict}", highlight=False)
