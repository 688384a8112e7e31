"""Publishing: copy the marts of the months that passed the gate out of the live warehouse into a release.

A release is a folder `published/releases/<id>/` holding a DuckDB file of the marts, each mart as Parquet (one file
per period for marts with periods) and `release.json` (the release record); `published/current` is a symbolic link swapped atomically (rename over the
old link), so readers see the previous release or the new one, never a mix, and never open the warehouse.

Month by month: a month's rows come from the warehouse when the month may publish (`quality.gate`); a month that
may not keeps the rows of the previous release (or stays out if it was never published). Every row carries a
status flag: r revised against the previous release, E estimated (the mart's `estimated_when`), P provisional
(among the latest `provisional_months` published), else A.

Steady state: when most periods are unchanged since the previous release, the release is that release's DuckDB file
copied and patched (see _copy_mart), and the Parquet files of unchanged periods are hard links to its files, so
publishing a month costs about the month's rows, not the history's.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from pipelines.analytics import create_analytics_views
from pipelines.faults import crash_point
from pipelines.marts import MartSpec, mart_specs
from pipelines.quality.gate import findings, month_gates
from pipelines.quality.store import results_dir
from pipelines.settings import SOURCES_DIR, DataPaths, duckdb_config

KEEP_RELEASES = 5
RELEASE_TABLES = ("release_months", "release_findings", "release_vintages")  # the release's own record
LINEAGE = {"source_line", "vintage", "versions_received", "files_received"}  # not values: never a revision
FLAGS = {"A": "normal", "P": "provisional: zones may still revise", "E": "estimated (annualised)",
         "r": "revised against the previous release"}


def current_release(paths: DataPaths) -> Path:
    link = paths.published / "current"
    if not link.exists():
        raise FileNotFoundError(
            f"nothing is published yet under {paths.published}; run `parkstats run` (or `make run`) first"
        )
    return link.resolve()


def published_db(paths: DataPaths) -> Path:
    return current_release(paths) / "parkstats.duckdb"


def connect_published(paths: DataPaths) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current release: readers never lock or see the live warehouse."""
    return duckdb.connect(str(published_db(paths)), read_only=True)


def release_record(release_dir: Path) -> dict:
    return json.loads((release_dir / "release.json").read_text(encoding="utf-8"))


def _policy() -> dict:
    return yaml.safe_load((SOURCES_DIR / "publishing.yaml").read_text(encoding="utf-8"))


def _ym(month: str) -> int:
    return int(month[:4]) * 100 + int(month[5:7])


def checked_months(paths: DataPaths) -> list[str]:
    return sorted(p.name for p in results_dir(paths).glob("[0-9]*") if p.is_dir())


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f"describe {table}").fetchall()}


PERIOD_SQL = {"monthly": "(year * 100 + month)", "annual": "(year * 100 + 12)", "none": None}
NUMERIC = ("DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "TINYINT")


def _copy_mart(con: duckdb.DuckDBPyConnection, spec: MartSpec, provisional_from: int, latest: int,
               patch: bool = False) -> tuple[dict[str, int], set[int] | None]:
    """Create `spec.name` in the release DB: warehouse rows of open periods (flagged), previous rows of kept ones,
    and previous rows of the open periods the warehouse has not changed since (`reused_periods`, see
    _reused_periods): those are the rows the warehouse would give, so they are flagged as fresh unrevised rows.

    With `patch`, the release DB is a copy of the previous one and `spec.name` is patched in place: rows of
    periods neither kept nor reused deleted, the flags of reused rows recomputed where they change (a period
    leaving the provisional window, a revision flag of the previous release), fresh rows inserted. Publishing a
    month then costs the month's rows, not the history's.

    Returns the rows by status flag and the periods whose rows may differ from the previous release's (None: any
    may)."""
    table, period = spec.name, PERIOD_SQL[spec.period]
    has_prev = con.execute("select count(*) from prev_tables where table_name = ?", [table]).fetchone()[0] > 0
    reuse = has_prev and _reusable(con, spec)
    patch = patch and reuse
    fresh = f"{period} in (select ym from open_periods)" if period else "true"
    if reuse:  # year bound first: lets DuckDB skip the row groups of the reused years
        first_year = con.execute("select coalesce(min(ym), 0) // 100 from fresh_periods").fetchone()[0]
        fresh = f"year >= {first_year} and {period} in (select ym from fresh_periods)"
    provisional = f"{period} >= {provisional_from}" if period else "false"
    if spec.period == "annual":  # a year stays provisional until its December is published and out of the window
        provisional += f" or {period} > {latest}"
    estimated = f"coalesce(({spec.estimated_when or 'false'}), false)"
    con.execute(f"""create or replace temp view fresh_rows as
        select *, {estimated} as _estimated, ({provisional}) as _provisional
        from wh.main."{table}" where {fresh}""")
    revised, join = "false", ""
    if has_prev and period:
        columns = _columns(con, f'wh.main."{table}"')
        previous = _columns(con, f'prev.main."{table}"')
        values = [c for c, kind in columns.items() if c in previous and c not in spec.key and c not in LINEAGE
                  and kind.split("(")[0] in NUMERIC]
        changed = " or ".join(f'round(n."{c}", 6) is distinct from round(p."{c}", 6)' for c in values) or "false"
        revised = f'(p."{spec.key[0]}" is not null and ({changed}))'
        # reused periods are not compared: only the fresh ones need the previous rows
        prev_rows = (f'(select * from prev.main."{table}" where {fresh})' if reuse
                     else f'prev.main."{table}"')
        join = (f"left join {prev_rows} p on "
                + " and ".join(f'p."{k}" is not distinct from n."{k}"' for k in spec.key))
    flag = f"case when {revised} then 'r' when n._estimated then 'E' when n._provisional then 'P' else 'A' end"
    fresh_select = f"select n.* exclude (_estimated, _provisional), {flag} as status_flag from fresh_rows n {join}"
    again = f"case when {estimated} then 'E' when {provisional} then 'P' else 'A' end"
    changed: set[int] | None = None
    if patch:
        kept = f"{period} in (select ym from kept_periods) or {period} in (select ym from reused_periods)"
        reflagged = f"{period} in (select ym from reused_periods) and status_flag is distinct from {again}"
        changed = {ym for (ym,) in con.execute(f'select distinct {period} from "{table}" where {reflagged}').fetchall()}
        changed |= {ym for (ym,) in con.execute("select ym from fresh_periods").fetchall()}
        con.execute(f'delete from "{table}" where not coalesce(({kept}), false)')
        con.execute(f'update "{table}" set status_flag = {again} where {reflagged}')
        con.execute(f'insert into "{table}" by name {fresh_select}')
    else:
        sql = f'create or replace table "{table}" as {fresh_select}'
        if has_prev and period:
            old_flag = "" if "status_flag" in _columns(con, f'prev.main."{table}"') else ", 'A' as status_flag"
            sql += (f' union all by name select *{old_flag} from prev.main."{table}" '
                    f"where {period} in (select ym from kept_periods)")
        if reuse:
            sql += (f' union all by name select * exclude (status_flag), {again} as status_flag '
                    f'from prev.main."{table}" where {period} in (select ym from reused_periods)')
        con.execute(sql)
    counts = dict(con.execute(f'select status_flag, count(*) from "{table}" group by all order by 1').fetchall())
    return counts, changed


def _period_file(ym: int, monthly: bool) -> str:
    return f"{ym // 100:04d}-{ym % 100:02d}.parquet" if monthly else f"{ym // 100:04d}.parquet"


def _export_parquet(con: duckdb.DuckDBPyConnection, spec: MartSpec | None, table: str, staging: Path,
                    previous_dir: Path | None, changed: set[int] | None) -> None:
    """Write `table` as Parquet into the release folder. A table with periods is a folder of one file per period
    (`<table>/YYYY-MM.parquet`, annual tables `<table>/YYYY.parquet`); a period whose rows are unchanged since the
    previous release is a hard link to that release's file (releases are never rewritten), so a month's release
    writes the month's rows. Other tables are one file, `<table>.parquet`."""
    options = "format parquet, compression zstd"
    if spec is None or spec.period == "none":
        con.execute(f"copy \"{table}\" to '{staging / (table + '.parquet')}' ({options})")
        return
    period, monthly = PERIOD_SQL[spec.period], spec.period == "monthly"
    folder = staging / table
    folder.mkdir()
    export = []
    for (ym,) in con.execute(f'select distinct {period} from "{table}" order by 1').fetchall():
        source = previous_dir / table / _period_file(ym, monthly) if previous_dir is not None else None
        if changed is not None and ym not in changed and source is not None and source.is_file():
            os.link(source, folder / _period_file(ym, monthly))
        else:
            export.append(ym)
    if not export:
        return
    parts = folder / ".parts"  # DuckDB writes year=Y[/month=M]/ folders: each file is moved to its period's name
    keys = "year, month" if monthly else "year"
    con.execute(f"""copy (select * from "{table}" where {period} in ({", ".join(map(str, export))}))
        to '{parts}' ({options}, partition_by ({keys}), write_partition_columns true, filename_pattern 'data')""")
    for file in parts.rglob("*.parquet"):
        values = dict(part.split("=", 1) for part in file.relative_to(parts).parts[:-1])
        os.replace(file, folder / _period_file(int(values["year"]) * 100 + int(values.get("month", 12)), monthly))
    shutil.rmtree(parts)


def _reusable(con: duckdb.DuckDBPyConnection, spec: MartSpec) -> bool:
    """May `spec` take rows of reused periods from the previous release: it declares that a period's rows depend
    only on earlier ledgers, its key holds the period, and the previous release has the same columns."""
    if not spec.reuse_earlier_periods or not {"year", "month"} & set(spec.key):
        return False
    if con.execute("select count(*) from reused_periods").fetchone()[0] == 0:
        return False
    previous = _columns(con, f'prev.main."{spec.name}"')
    return previous == {**_columns(con, f'wh.main."{spec.name}"'), "status_flag": "VARCHAR"}


def _open_periods(months: list[str], open_months: list[str]) -> set[int]:
    """Periods (yyyymm) whose rows may come from the warehouse: open months, December of every year whose
    checked months are all open (annual rows), and the history before the first checked month when that is open."""
    periods = {_ym(m) for m in open_months}
    for year in {m[:4] for m in months}:
        if all(m in open_months for m in months if m.startswith(year)):
            periods.add(int(year) * 100 + 12)
    if months and months[0] in open_months:
        first = _ym(months[0])
        periods |= {y * 100 + m for y in range(2000, first // 100 + 1) for m in range(1, 13) if y * 100 + m < first}
    return periods


def _reused_periods(con: duckdb.DuckDBPyConnection, paths: DataPaths, previous: dict, open_periods: set[int],
                    run_months: list[str], specs: dict[str, MartSpec]) -> set[int]:
    """Open periods whose rows the previous release already holds as the warehouse has them: periods the previous
    release took from the warehouse, before the earliest month that may have changed since (for the marts whose
    rows of a period depend only on ledgers of that period and earlier). Empty when that cannot be shown."""
    if not previous or not _dimensions_unchanged(con, specs):
        return set()
    first_changed = _first_changed_period(con, paths, previous, run_months)
    if first_changed is None:
        return set()
    checked = sorted(previous.get("check_summary", {}))
    withheld = previous.get("months_withheld", {})
    previously_open = _open_periods(checked, [m for m in checked if m not in withheld])
    return {p for p in open_periods & previously_open if p < first_changed}


def _first_changed_period(con: duckdb.DuckDBPyConnection, paths: DataPaths, previous: dict,
                          run_months: list[str]) -> int | None:
    """The earliest period (yyyymm) whose warehouse rows may differ from the previous release's, None if any may:
    the run's months, the months of every dbt build since the previous release began (the warehouse_builds log
    of dbt's on-run-start hook; dbt is the warehouse's only writer, a build without a month window or with
    --full-refresh may change every month) and the months whose newest ledger vintages differ from the previous
    release's (a build that failed after ingestion)."""
    if not _has_table(con, "wh", "warehouse_builds") or not _has_table(con, "prev", "release_vintages"):
        return None
    began = datetime.strptime(previous["release_id"], "%Y%m%dT%H%M%S%f").timestamp()
    builds = con.execute("select started_epoch, month_from, full_refresh from wh.main.warehouse_builds").fetchall()
    if not any(at <= began for at, _, _ in builds):
        return None  # the log starts after the previous release: it cannot tell what changed before
    since = [(month_from, full) for at, month_from, full in builds if at > began]
    if any(month_from is None or full for month_from, full in since):
        return None
    firsts = [_ym(m) for m in run_months] + [d.year * 100 + d.month for d, _ in since]
    con.register("new_vintages", _vintages(paths, previous.get("months_published", [])))
    columns = ", ".join(f"cast({c} as varchar)" for c in ("month", "ledger", "zone_code", "source_file",
                                                           "file_sha256", "vintage"))
    changed = con.execute(f"""select distinct month from (
        (select {columns} from new_vintages except all select {columns} from prev.main.release_vintages)
        union all
        (select {columns} from prev.main.release_vintages except all select {columns} from new_vintages)
    ) as differences (month)""").fetchall()
    con.unregister("new_vintages")
    return min(firsts + [_ym(m) for (m,) in changed], default=10**6)


def _dimensions_unchanged(con: duckdb.DuckDBPyConnection, specs: dict[str, MartSpec]) -> bool:
    """Zone names, levels and measures are joined into the rows of every period: if they changed, reuse nothing."""
    for spec in specs.values():
        if spec.period != "none":
            continue
        table = spec.name
        if not _has_table(con, "prev", table) or _columns(con, f'prev.main."{table}"') != {
                **_columns(con, f'wh.main."{table}"'), "status_flag": "VARCHAR"}:
            return False
        current, previous = f'select * from wh.main."{table}"', f'select * exclude (status_flag) from prev.main."{table}"'
        differences = con.execute(f"select count(*) from (({current} except all {previous}) "
                                  f"union all ({previous} except all {current}))").fetchone()[0]
        if differences:
            return False
    return True


def _has_table(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_catalog = ? and table_name = ?",
                       [catalog, table]).fetchone()[0] > 0


def _vintages(paths: DataPaths, months: list[str]) -> pd.DataFrame:
    """The files behind each published month: newest vintage per ledger, zone and month."""
    files = [str(p) for m in months if (p := paths.lake / "manifest" / m / "data.parquet").exists()]
    if not files:
        return pd.DataFrame(columns=["month", "ledger", "zone_code", "source_file", "file_sha256", "vintage"])
    with duckdb.connect() as con:
        return con.execute("""
            select printf('%04d-%02d', year, month) as month, ledger, zone_code, source_file, file_sha256, vintage
            from read_parquet(?)
            qualify row_number() over (partition by ledger, zone_code, year, month
                                       order by vintage desc, received_at desc) = 1
            order by month, ledger, zone_code""", [files]).df()


def _attach_sources(con: duckdb.DuckDBPyConnection, paths: DataPaths, previous_db: Path | None) -> None:
    """The warehouse as `wh` and the previous release as `prev` (both read-only), and `prev_tables`."""
    con.execute(f"attach '{paths.warehouse}' as wh (read_only)")
    if previous_db is not None:
        con.execute(f"attach '{previous_db}' as prev (read_only)")
        con.execute("create temp table prev_tables as select table_name from information_schema.tables "
                    "where table_catalog = 'prev'")
    else:
        con.execute("create temp table prev_tables (table_name varchar)")


def _drop_derived(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """In a copy of the previous release: drop its views (made again at the end) and the tables of marts that are
    gone, so that the copy holds only what this release would hold."""
    for (view,) in con.execute("select view_name from duckdb_views() where not internal "
                               "and database_name = current_database()").fetchall():
        con.execute(f'drop view "{view}"')
    for (table,) in con.execute("select table_name from duckdb_tables() "
                                "where database_name = current_database()").fetchall():
        if table not in keep:
            con.execute(f'drop table "{table}"')


def _remove_unfinished(paths: DataPaths) -> None:
    """Clear what a publishing run killed midway left behind: its hidden staging folder and temporary link.
    Readers never saw them (only `current` is read); publishing holds the `warehouse` pool, so none is in use."""
    for staging in (paths.published / "releases").glob(".*.tmp"):
        shutil.rmtree(staging, ignore_errors=True)
    for link in paths.published.glob(".current.*"):
        link.unlink(missing_ok=True)


def publish(paths: DataPaths, run_months: list[str]) -> dict:
    """Publish every month that passes the gate; returns the release record (`published` False if none does)."""
    months = sorted(set(checked_months(paths)) | set(run_months))
    found_all = findings(paths, months)  # read once: the gates and the release's findings table both use it
    gates = month_gates(paths, months, found_all)
    open_months = [m for m in months if gates[m].publishable]
    withheld = {m: gates[m].blocking_reason() for m in months if not gates[m].publishable}
    link = paths.published / "current"
    previous = release_record(link.resolve()) if link.exists() else {}
    if not open_months:
        return {"published": False, "release_id": previous.get("release_id"), "months_withheld": withheld,
                "check_summary": {m: g.summary() for m, g in gates.items()}}

    release_id = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    releases = paths.published / "releases"
    _remove_unfinished(paths)
    staging = releases / f".{release_id}.tmp"
    staging.mkdir(parents=True)
    open_periods = _open_periods(months, open_months)
    kept_periods = set(previous.get("periods", [])) - open_periods
    months_published = sorted(set(open_months) | {m for m in previous.get("months_published", [])
                                                  if _ym(m) in kept_periods})
    policy = _policy()
    latest_ym = max(_ym(m) for m in months_published)
    window = sorted({_ym(m) for m in months_published})[-int(policy["provisional_months"]):]
    provisional_from = min(window) if window else latest_ym + 1
    specs = mart_specs()
    flags: dict[str, dict[str, int]] = {}
    changed: dict[str, set[int] | None] = {}
    previous_db = link.resolve() / "parkstats.duckdb" if previous else None
    with duckdb.connect(config=duckdb_config()) as con:
        _attach_sources(con, paths, previous_db)
        reused = _reused_periods(con, paths, previous, open_periods, run_months, specs)
    release_db = staging / "parkstats.duckdb"
    patch = bool(reused)  # most periods unchanged: patch a copy of the previous release rather than rebuild
    if patch:
        shutil.copyfile(previous_db, release_db)
    with duckdb.connect(str(release_db), config=duckdb_config()) as con:
        _attach_sources(con, paths, previous_db)
        if patch:
            _drop_derived(con, keep=set(specs) | set(RELEASE_TABLES))
        for name, periods in (("open_periods", open_periods), ("kept_periods", kept_periods),
                              ("reused_periods", reused), ("fresh_periods", open_periods - reused)):
            con.register("periods", pd.DataFrame({"ym": sorted(periods)}, dtype="int64"))
            con.execute(f"create temp table {name} as select ym from periods")
            con.unregister("periods")
        for spec in specs.values():
            flags[spec.name], changed[spec.name] = _copy_mart(con, spec, provisional_from, latest_ym, patch)
            crash_point("publish.staging_written")
        con.execute("detach wh")
        found = found_all[found_all["month_key"].isin(months_published)].reset_index(drop=True)
        decided = found[found["status"] != "open"]
        release_tables = {
            "release_months": pd.DataFrame(
                [{"month": m, "status": "published" if m in months_published else "withheld",
                  "newly_published": m in open_months and m in run_months, "reason": withheld.get(m, ""),
                  **{k: v for k, v in gates[m].summary().items() if k != "publishable"}} for m in months
                 if m in gates]),
            "release_findings": found[["month_key", "zone_code", "rule_id", "ess_level", "severity", "suite",
                                       "checked", "failed", "not_evaluable", "score", "finding_id", "status",
                                       "decision_reason", "decision_reviewer", "decision_at", "failing_rows"]]
            .rename(columns={"month_key": "month"}),
            "release_vintages": _vintages(paths, months_published),
        }
        for name, frame in release_tables.items():
            con.register("frame", frame)
            con.execute(f'create or replace table "{name}" as select * from frame')
            con.unregister("frame")
        create_analytics_views(con, release_id)  # documented views for any SQL client (pipelines/analytics.py)
        assert set(release_tables) == set(RELEASE_TABLES)
        for table in [*specs, *release_tables]:
            _export_parquet(con, specs.get(table), table, staging, previous_db.parent if patch else None,
                            changed.get(table))
        counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in [*specs, *release_tables]}
    new_vintages = release_tables["release_vintages"]
    record = {
        "release_id": release_id,
        "published_at": datetime.now().isoformat(timespec="seconds"),
        "previous_release": previous.get("release_id"),
        "run_months": run_months,
        "months_published": months_published,
        "months_new": [m for m in open_months if m in run_months],
        "months_withheld": withheld,
        "periods": sorted(open_periods | kept_periods),
        "check_summary": {m: {**g.summary(), "reviewers": list(g.reviewers)} for m, g in gates.items()},
        "decisions": decided[["finding_id", "rule_id", "severity", "status", "decision_reason", "decision_reviewer",
                              "decision_at"]].rename(columns={"decision_reason": "reason",
                                                              "decision_reviewer": "reviewer",
                                                              "decision_at": "decided_at"}).to_dict("records"),
        "reviewers": sorted(set(decided["decision_reviewer"].dropna())),
        "vintages": new_vintages[new_vintages["month"].isin(run_months)].to_dict("records"),
        "status_flags": FLAGS,
        "flags": flags,
        "tables": counts,
    }
    (staging / "release.json").write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str),
                                          encoding="utf-8")
    final = releases / release_id
    os.replace(staging, final)
    tmp_link = paths.published / f".current.{release_id}"
    tmp_link.symlink_to(final.relative_to(paths.published), target_is_directory=True)
    os.replace(tmp_link, link)  # atomic: readers see the old or the new release
    crash_point("publish.swapped")
    for old in sorted(p for p in releases.iterdir() if not p.name.startswith("."))[:-KEEP_RELEASES]:
        shutil.rmtree(old, ignore_errors=True)
    return {"published": True, **record}
