"""The benchmark's ratios against the issue's targets, and its outputs: a rich table, JSON and Markdown."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

STARTUP_LIMIT_S = 10.0


def _stage(result: dict, prefix: str) -> dict:
    return next(s for s in result["stages"] if s["name"].startswith(prefix))


def _seconds(result: dict, *categories: str) -> float:
    return sum(s["seconds"] for s in result["stages"] if s.get("category") in categories)


def targets(results: dict) -> list[dict]:
    """Each target of issue #7 part 3: measured value, limit, and whether it is met (None: not measured)."""
    out: list[dict] = []
    inc = results.get("incremental", {})
    refs = results.get("references", {})
    h_n = inc.get("hN") or inc.get("h1")  # with --history 1 there is one run
    h_1 = inc.get("h1") if "hN" in inc else None
    import_s = results.get("setup", {}).get("import_code_location", {}).get("seconds", 0.0)

    def add(name: str, measured: float | None, limit: str, ok: bool | None, detail: str) -> None:
        out.append({"target": name, "measured": None if measured is None else round(measured, 3), "limit": limit,
                    "met": ok, "detail": detail})

    if h_n and "calamine" in refs:
        ingest = _seconds(h_n, "ingest")
        ratio = refs["calamine"]["seconds"] / ingest
        add("ingestion throughput ÷ raw calamine parse", ratio, "≥ 0.5", ratio >= 0.5,
            f"ingest {ingest:.1f} s vs raw parse {refs['calamine']['seconds']:.1f} s for the same "
            f"{refs['calamine']['files']} files")
    if h_n and "raw_sql_month" in refs:
        work = _seconds(h_n, "checks", "dbt", "publish", "other")
        dbt_startup = h_n["dbt_startup_s"]
        ratio = (work - dbt_startup) / refs["raw_sql_month"]["seconds"]
        add("checks + dbt + publish ÷ raw DuckDB SQL (month)", ratio, "≤ 2.0", ratio <= 2.0,
            f"{work:.1f} s − dbt start-up {dbt_startup:.1f} s vs {refs['raw_sql_month']['seconds']:.1f} s")
        startup = import_s + h_n["startup_s"]
        add("fixed start-up (imports, run launch, dbt start-up)", startup, f"< {STARTUP_LIMIT_S:.0f} s",
            startup < STARTUP_LIMIT_S,
            f"import {import_s:.1f} s + reference data and run launch {h_n['startup_s'] - h_n['dbt_startup_s']:.1f} s "
            f"+ dbt start-up {h_n['dbt_startup_s']:.1f} s")
    if h_n and h_1:
        a, b = _stage(h_n, "end-to-end")["seconds"], _stage(h_1, "end-to-end")["seconds"]
        add(f"incremental month, {h_n['history_months']} vs 1 month loaded", a / b, "≤ 1.2", a / b <= 1.2,
            f"{a:.1f} s vs {b:.1f} s")
    pipeline_peaks = [s["peak_gib"] for r in (h_1, h_n) if r for s in r["stages"]]
    if "full_rebuild" in results:
        pipeline_peaks.append(results["full_rebuild"]["stage"]["peak_gib"])
    if pipeline_peaks:
        peak = max(pipeline_peaks)
        add("peak memory of the pipeline (process tree)", peak, "≤ 4 GiB", peak <= 4.0,
            "incremental months and full rebuild; RSS of the process and its children")
    if "pandas_ranking" in refs and ("ranking_alone" in results or "full_rebuild" in results):
        alone = "ranking_alone" in results  # else (stopped before it): its time within the full rebuild
        dbt_s = (results["ranking_alone"]["model_seconds"] if alone
                 else results["full_rebuild"]["model_seconds"].get("fct_zone_ranking_monthly"))
        pandas_s = refs["pandas_ranking"]["compute_seconds"]
        raw_s = refs.get("raw_sql_full", {}).get("model_seconds", {}).get("fct_zone_ranking_monthly")
        if dbt_s is not None:
            add("ranking mart (dbt, all months) ÷ pandas implementation", dbt_s / pandas_s, "< 1.0", dbt_s < pandas_s,
                f"dbt model {dbt_s:.1f} s ({'run alone' if alone else 'within the full rebuild'}) vs pandas "
                f"{pandas_s:.1f} s (+ {refs['pandas_ranking']['load_seconds']:.1f} s to load its inputs)"
                + ("" if raw_s is None else f"; the same SQL alone in DuckDB {raw_s:.1f} s"))
    if h_n:
        add("end-to-end incremental month (absolute)", _stage(h_n, "end-to-end")["seconds"], "report", None,
            f"{results['config']['zones']} zones, {h_n['files']} files, {h_n['history_months']} months loaded")
    return out


def _fmt_met(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "NO")


def print_summary(results: dict, console: Console) -> None:
    cfg = results["config"]
    console.print(f"[bold]ParkStats benchmark {results['date']}[/bold]: {cfg['zones']} zones, month {cfg['month']}, "
                  f"history {cfg['history_months']} months, {results['machine']['cpus']} CPUs")
    baselines = ", ".join(f"{r['baseline_gib']:.2f}" for r in results.get("incremental", {}).values()
                          if "baseline_gib" in r)
    table = Table(title="Stages (seconds, peak RSS of the process tree in GiB"
                        + (f"; before each run: {baselines} GiB)" if baselines else ")"), title_justify="left")
    table.add_column("stage")
    for name in ("h1", "hN"):
        if name in results.get("incremental", {}):
            n = results["incremental"][name]["history_months"]
            table.add_column(f"{n} month{'s' if n > 1 else ''} loaded", justify="right")
    rows = [s["name"] for s in next(iter(results.get("incremental", {}).values()), {"stages": []})["stages"]]
    for row in rows:
        cells = []
        for r in results["incremental"].values():
            s = next(x for x in r["stages"] if x["name"] == row)
            cells.append(f"{s['seconds']:.1f} s  {s['peak_gib']:.2f}")
        table.add_row(row, *cells)
    console.print(table)

    other = Table(title="Rebuild, set-up and reference points", title_justify="left")
    for col, justify in (("measure", "left"), ("seconds", "right"), ("peak GiB", "right"), ("note", "left")):
        other.add_column(col, justify=justify)
    for row in reference_rows(results):
        other.add_row(row[0], f"{row[1]:.1f}" if row[1] is not None else "—",
                      f"{row[2]:.2f}" if row[2] is not None else "—", row[3])
    console.print(other)

    ratios = Table(title="Targets (issue #7, part 3)", title_justify="left")
    for col, justify in (("target", "left"), ("measured", "right"), ("limit", "right"), ("met", "center"),
                         ("detail", "left")):
        ratios.add_column(col, justify=justify)
    for t in results["targets"]:
        ratios.add_row(t["target"], "—" if t["measured"] is None else f"{t['measured']:.2f}", t["limit"],
                       _fmt_met(t["met"]), t["detail"])
    console.print(ratios)


def reference_rows(results: dict) -> list[tuple[str, float | None, float | None, str]]:
    rows: list[tuple[str, float | None, float | None, str]] = []
    setup = results.get("setup", {})
    gen = setup.get("history_generation", {})
    if gen:
        rows.append(("generate history ledgers", gen.get("seconds"), None,
                     f"{gen.get('files')} files{'' if not setup.get('history_cached') else ' (cached, earlier run)'}"))
    for name, load in setup.get("history_load", {}).items():
        runs = ", ".join(f"{r['months'][0]}..{r['months'][-1]} {r['seconds']:.0f} s" for r in load.get("runs", []))
        rows.append((f"load history {name} (runs of the monthly job)", load["seconds"], None,
                     f"{len(load['months'])} months, {load['files']} files; {runs}"
                     + (" (cached)" if setup.get("history_cached") else "")))
    for key in ("generate_month", "clone_h1", "clone_hN"):
        if key in setup:
            s = setup[key]
            rows.append((key.replace("_", " "), s["seconds"], s["peak_gib"], s.get("note", "")))
    if "full_rebuild" in results:
        fr = results["full_rebuild"]
        rows.append(("full rebuild: dbt build --full-refresh", fr["stage"]["seconds"], fr["stage"]["peak_gib"],
                     f"{fr['history_months'] + 1} months; {fr['counts']}"))
    if "ranking_alone" in results:
        ra = results["ranking_alone"]
        rows.append(("ranking mart alone: dbt run --full-refresh", ra["stage"]["seconds"], ra["stage"]["peak_gib"],
                     f"model {ra['model_seconds']:.1f} s, the rest dbt's start-up"))
    refs = results.get("references", {})
    if "calamine" in refs:
        c = refs["calamine"]
        rows.append(("raw parse (calamine / csv) of the month", c["seconds"], c["stage"]["peak_gib"],
                     f"{c['files']} files, {c['bytes'] / 1e6:.0f} MB, {c['cells']:,} cells"))
    for key, label in (("raw_sql_month_h1", "raw DuckDB SQL of the month's dbt build, 1 month loaded"),
                       ("raw_sql_month_hN", "raw DuckDB SQL of the month's dbt build, history loaded"),
                       ("raw_sql_full", "raw DuckDB SQL, whole warehouse")):
        if key in refs:
            r = refs[key]
            slow = ", ".join(f"{k} {v:.1f}" for k, v in list(r["slowest"].items())[:3])
            rows.append((label, r["seconds"], r["stage"]["peak_gib"], f"{r['models']} models; slowest: {slow}"))
    if "pandas_ranking" in refs:
        p = refs["pandas_ranking"]
        rows.append(("pandas ranking mart (compute)", p["compute_seconds"], p["stage"]["peak_gib"],
                     f"+ {p['load_seconds']:.1f} s loading inputs; {p['rows']:,} rows; agrees with dbt: "
                     f"{p['comparison']['agree']}"))
    return rows


def markdown(results: dict) -> str:
    cfg = results["config"]
    lines = [f"# ParkStats benchmark {results['date']}", "",
             f"{cfg['zones']} zones, incremental month {cfg['month']}, {cfg['history_months']} months of history; "
             f"{results['machine']['cpus']} CPUs, {results['machine']['memory_gib']:.0f} GiB; "
             f"total {results['total_seconds'] / 60:.1f} min.", "",
             "## Incremental month (real Dagster job)", "",
             "Seconds and peak RSS of the process tree (the benchmark process, which runs the job, and dbt); "
             "before each run the tree held "
             + ", ".join(f"{r.get('baseline_gib', float('nan')):.2f}" for r in results.get("incremental", {}).values())
             + " GiB.", ""]
    inc = results.get("incremental", {})
    if inc:
        header = "| stage | " + " | ".join(f"{r['history_months']} month(s) loaded" for r in inc.values()) + " |"
        lines += [header, "|---" * (1 + len(inc)) + "|"]
        for s in next(iter(inc.values()))["stages"]:
            cells = []
            for r in inc.values():
                x = next(y for y in r["stages"] if y["name"] == s["name"])
                cells.append(f"{x['seconds']:.1f} s, {x['peak_gib']:.2f} GiB")
            lines.append(f"| {s['name']} | " + " | ".join(cells) + " |")
    lines += ["", "## Rebuild, set-up and reference points", "", "| measure | seconds | peak GiB | note |",
              "|---|---:|---:|---|"]
    for name, secs, peak, note in reference_rows(results):
        lines.append(f"| {name} | {'—' if secs is None else f'{secs:.1f}'} | "
                     f"{'—' if peak is None else f'{peak:.2f}'} | {note} |")
    lines += ["", "## Targets (issue #7, part 3)", "", "| target | measured | limit | met | detail |",
              "|---|---:|---:|:---:|---|"]
    for t in results["targets"]:
        measured = "—" if t["measured"] is None else f"{t['measured']:.2f}"
        lines.append(f"| {t['target']} | {measured} | {t['limit']} | {_fmt_met(t['met'])} | {t['detail']} |")
    if results.get("errors"):
        lines += ["", "## Errors", ""] + [f"- {e}" for e in results["errors"]]
    return "\n".join(lines) + "\n"


def write_results(results: dict, directory: Path, stem: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path
