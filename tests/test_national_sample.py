"""The national scale generator (issue #7) at small scale, and a smoke run of the benchmark harness."""

from __future__ import annotations

import hashlib
import json
import os
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from pipelines.registry import load_zones, zone_resolver
from pipelines.sample.national import (
    MAX_FIRMS,
    SCENARIO_YEARS,
    generate_national,
    plan_zones,
)

LAYOUT_IDS = {"a_indicator_rows_yi", "b_city_monthly_csv", "c_indicator_rows_hectare", "d_text_values_xlsx",
              "e1_firm_ledger_xlsx", "e2_firm_ledger_csv", "p1_project_ledger_xlsx", "p2_project_library_csv"}
ZONES = 40  # enough for every one of the eight layouts


def digest(root: Path) -> dict[str, tuple[str, int]]:
    """Relative path → (sha256, mtime) of every file under root."""
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """January and February 2024 (layout C reports them together) for ZONES zones, one folder per month."""
    root = tmp_path_factory.mktemp("national") / "landing"
    return root, generate_national(root, "2024-01", "2024-02", zones=ZONES, month_dirs=True)


def test_every_catalogue_zone_is_planned_and_resolves_by_its_catalogue_name():
    plan = plan_zones()
    resolver = zone_resolver()
    assert len(plan) == len(load_zones()) == 2543
    assert len({nz.zone.code for nz in plan}) == 2543
    assert all(resolver.resolve(nz.zone.ledger_name) == nz.zone.code for nz in plan)
    # project ids are bound to one zone, firm codes must not collide: prefixes and divisions are unique
    assert len({nz.project_profile.prefix for nz in plan}) == 2543
    assert len({nz.firm_profile.division for nz in plan}) == 2543


def test_layout_mix_is_the_samples():
    plan = plan_zones()
    share = {k: v / len(plan) for k, v in Counter(nz.zone.layout for nz in plan).items()}
    assert set(share) == {"A", "B", "C", "D"}  # the sample: A 4, B 4, C 3, D 2 of 13 zones
    assert all(0.15 <= s <= 0.40 for s in share.values()), share
    assert 0.10 <= sum(nz.firm_profile.layout == "E2" for nz in plan) / len(plan) <= 0.35
    assert 0.20 <= sum(nz.project_profile.layout == "P1" for nz in plan) / len(plan) <= 0.50
    # layout B: one CSV per city office, for several provincial zones of one province
    senders: dict[str, set] = defaultdict(set)
    for nz in plan:
        if nz.zone.layout == "B":
            assert nz.level == "provincial"
            senders[nz.group].add((nz.province, nz.zone.code))
    assert all(len(members) >= 2 and len({p for p, _ in members}) == 1 for members in senders.values())
    assert "淮安市" in senders  # the sample's city office sends for the 淮安 provincial zones here too
    # national zones send layout A more often than provincial ones (as 上饶, 合肥, 淮安经开区 in the sample)
    a_share = {lvl: statistics.mean(nz.zone.layout == "A" for nz in plan if nz.level == lvl)
               for lvl in ("national", "provincial")}
    assert a_share["national"] > a_share["provincial"]


def test_sizes_are_skewed_national_zones_larger():
    plan = plan_zones()
    above = {lvl: statistics.mean(nz.target_above_scale for nz in plan if nz.level == lvl)
             for lvl in ("national", "provincial")}
    assert 100 <= statistics.mean(nz.target_above_scale for nz in plan) <= 140  # "about 120 above-scale firms"
    assert above["national"] > 2.5 * above["provincial"]
    assert max(nz.firm_profile.population for nz in plan) <= MAX_FIRMS

    from pipelines.sample.firms import simulate_firms
    from pipelines.sample.projects import listed
    from pipelines.sample.projects_sim import simulate_projects
    from pipelines.sample.simulate import simulate_zone, simulation_years

    firms: dict[str, list[int]] = defaultdict(list)
    projects: dict[str, list[int]] = defaultdict(list)
    for nz in plan_zones(60):
        series = simulate_zone(nz.zone, simulation_years(2023, 2024))
        panel = simulate_firms(series, SCENARIO_YEARS, set(), profile=nz.firm_profile, max_firms=MAX_FIRMS)
        firms[nz.level].append(sum(f.above_scale for f in panel.listed(2024)))
        zp = simulate_projects(nz.zone.code, 2024, nz.project_profile)
        projects[nz.level].append(len(listed(zp, 2024, 6)))
    assert statistics.mean(firms["national"]) > 2 * statistics.mean(firms["provincial"])
    assert statistics.mean(projects["national"]) > 1.4 * statistics.mean(projects["provincial"])
    everyone = [*projects["national"], *projects["provincial"]]
    assert 25 <= statistics.mean(everyone) <= 60  # "about 40 projects per zone"


def test_generation_is_deterministic_parallel_and_month_by_month(generated, tmp_path: Path):
    root, summary = generated
    first = digest(root)
    assert summary.total_files == len(first) == sum(summary.files_per_month.values())
    generate_national(tmp_path / "again", "2024-01", "2024-02", zones=ZONES, month_dirs=True, workers=2)
    assert digest(tmp_path / "again") == first
    # the bench generates its new month on its own: the same bytes and mtimes as within a longer run
    alone = generate_national(tmp_path / "alone", "2024-02", "2024-02", zones=ZONES, month_dirs=True)
    assert digest(tmp_path / "alone") == {k: v for k, v in first.items() if k.startswith("2024-02/")}
    assert alone.files_per_layout["C"] == summary.files_per_layout["C"]  # layout C: no January ledger
    assert set(summary.files_per_layout) == {"A", "B", "C", "D", "E1", "E2", "P1", "P2"}


def test_reader_ingests_every_file_without_quarantine(generated, home):
    from pipelines.ingest.batch import ingest_months
    from pipelines.lake import read_month
    from pipelines.settings import export_env

    root, summary = generated
    export_env(home)
    layouts: set[str] = set()
    for month in ("2024-01", "2024-02"):
        for src in sorted((root / month).rglob("*")):
            if src.is_file():
                dst = home.landing / src.relative_to(root / month)
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(src.read_bytes())
        report = ingest_months(home, [month])
        assert report.quarantined == [] and report.rejections == [], report.summary()
        assert len(report.ingested) == summary.files_per_month[month]
        manifest = read_month(home.lake, "manifest", month).to_pydict()
        layouts |= set(manifest["layout_id"])
        codes = {nz.zone.code for nz in plan_zones(ZONES)}
        for table in ("zone_indicators", "firm_indicators", "project_snapshots"):
            expected = codes
            if table == "zone_indicators" and month == "2024-01":  # layout C reports 1-2月 in February
                expected = {nz.zone.code for nz in plan_zones(ZONES) if nz.zone.layout != "C"}
            assert set(read_month(home.lake, table, month)["zone_code"].to_pylist()) == expected, (table, month)
    assert layouts == LAYOUT_IDS
    assert not any(home.landing.rglob("*.*"))  # everything left the landing folder


def test_cli_sample_national(tmp_path: Path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["sample", "--scale", "national", "--zones", "3", "--start", "2024-12", "--end",
                                 "2024-12", "--landing", str(tmp_path / "landing"), "--truth", str(tmp_path / "truth")])
    assert result.exit_code == 0, result.output
    assert "for 3 zones" in result.output
    plan = (tmp_path / "truth" / "national_zones.csv").read_text(encoding="utf-8").splitlines()
    assert len(plan) == 4
    reporters = (tmp_path / "truth" / "national_expected_reporters.yaml").read_text(encoding="utf-8")
    assert all(line.split(",")[0] in reporters for line in plan[1:])
    assert len([p for p in (tmp_path / "landing").rglob("*") if p.is_file()]) >= 9  # zone, firm, project ledgers
    refused = runner.invoke(app, ["sample", "--zones", "3", "--landing", str(tmp_path / "x")])
    assert refused.exit_code == 1
    assert not (tmp_path / "x").exists()


def test_bench_history_is_back_loaded_then_run_monthly():
    from bench.history import history_runs

    months = [f"2024-{m:02d}" for m in range(1, 12)]
    assert history_runs(months, size=4) == [months[0:4], months[4:8], months[8:10], ["2024-11"]]
    assert history_runs(["2024-11"]) == [["2024-11"]]
    assert [m for run in history_runs(months) for m in run] == months


@pytest.mark.e2e
def test_bench_smoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`python -m bench.run --zones 50` end to end (one month of history to stay quick): correctness only."""
    from bench.run import main

    for name in ("PARKSTATS_HOME", "PARKSTATS_LAKE", "PARKSTATS_WAREHOUSE", "DAGSTER_HOME", "PATH",
                 "PARKSTATS_EXPECTED_REPORTERS"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # restored after the bench moves them
    status = main(["--zones", "50", "--history", "1", "--tmp", str(tmp_path / "tmp"), "--results",
                   str(tmp_path / "results")])
    results_file = next((tmp_path / "results").glob("*-z50.json"))
    results = json.loads(results_file.read_text(encoding="utf-8"))
    assert status == 0, results["errors"]
    assert results["config"]["zones"] == 50
    run = results["incremental"]["h1"]
    assert run["files"] == results["data"]["month_files"] > 100
    categories = {s["category"] for s in run["stages"]}
    assert {"startup", "ingest", "checks", "dbt", "publish", "total"} <= categories
    assert all(s["seconds"] >= 0 and s["peak_gib"] > 0 for s in run["stages"])
    refs = results["references"]
    assert refs["calamine"]["files"] == run["files"]
    assert refs["raw_sql_full"]["models"] == refs["raw_sql_month"]["models"] > 20
    assert refs["pandas_ranking"]["comparison"]["agree"], refs["pandas_ranking"]["comparison"]
    assert refs["pandas_ranking"]["rows"] == refs["pandas_ranking"]["comparison"]["rows_dbt"] > 0
    assert results["full_rebuild"]["model_seconds"]["fct_zone_ranking_monthly"] > 0
    assert results["ranking_alone"]["model_seconds"] > 0
    measured = {t["target"] for t in results["targets"] if t["measured"] is not None}
    assert len(measured) >= 5
    assert results_file.with_suffix(".md").read_text(encoding="utf-8").startswith("# ParkStats benchmark")
