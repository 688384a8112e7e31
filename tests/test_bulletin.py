"""The monthly bulletin (月通报): the xlsx workbook read back (sheets, headers, values against the release, no
formulas, frozen panes), formula-like names kept as text, and the HTML page rendered in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from pipelines.bulletin import BulletinError, build_bulletin
from pipelines.bulletin.charts import build_charts
from pipelines.bulletin.data import load_bulletin_data
from pipelines.bulletin.release import NOT_RECORDED

SHEETS = ["综合排名", "亩均效益", "招商引资与项目", "目标进度"]
HEADER_ROW = 3  # title, release line, unit line, then the header
MONTH = "2024-03"  # 1-3月: Q1 and year targets both apply, ranks have moved
ARTIFACTS = Path(__file__).parent / "artifacts"


# ---------------------------------------------------------------------------------------------------------------
# reading an xlsx back


def sheet_rows(xlsx: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name(sheet).to_python()


def data_rows(xlsx: Path, sheet: str) -> list[dict]:
    """The table under the header, as dicts, up to the blank row before the footnotes."""
    rows = sheet_rows(xlsx, sheet)
    header = rows[HEADER_ROW]
    table = []
    for row in rows[HEADER_ROW + 1:]:
        if all(v == "" for v in row):
            break
        table.append(dict(zip(header, row, strict=True)))
    return table


def sheet_xml(xlsx: Path) -> dict[str, str]:
    """Sheet name → its worksheet XML (workbook.xml lists the sheets in order; xlsxwriter numbers them so)."""
    with zipfile.ZipFile(xlsx) as z:
        names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
        return {name: z.read(f"xl/worksheets/sheet{i}.xml").decode() for i, name in enumerate(names, start=1)}


def formula_cells(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as z:
        return [f"{n}: {m}" for n in z.namelist() if n.startswith("xl/worksheets/")
                for m in re.findall(r"<f[ >/].{0,60}", z.read(n).decode())]


# ---------------------------------------------------------------------------------------------------------------
# a tiny synthetic release: the published tables' columns the bulletin reads, for four zones and two months

TINY_TABLES: dict[str, list[str]] = {
    "dim_zone": ["zone_code VARCHAR", "zone_name VARCHAR", "level VARCHAR"],
    "fct_zone_ranking_monthly": [
        "zone_code VARCHAR", "year INTEGER", "month INTEGER", "period_date DATE", "metric VARCHAR", "label VARCHAR",
        "metric_order INTEGER", "value DOUBLE", "basis VARCHAR", "rank_overall BIGINT", "zones_ranked BIGINT",
        "rank_change BIGINT", "composite_weight DOUBLE", "composite_coverage DOUBLE", "status_flag VARCHAR"],
    "fct_zone_land_efficiency": [
        "zone_code VARCHAR", "period_date DATE", "industrial_land_mu DOUBLE", "revenue_12m DOUBLE", "tax_12m DOUBLE",
        "revenue_per_mu DOUBLE", "tax_per_mu DOUBLE", "basis VARCHAR", "status_flag VARCHAR"],
    "fct_project_pipeline_monthly": [
        "zone_code VARCHAR", "period_date DATE", "stage VARCHAR", "stage_label VARCHAR", "stage_order INTEGER",
        "projects BIGINT", "projects_ytd BIGINT", "total_investment_ytd DOUBLE"],
    "fct_project_conversion": ["zone_code VARCHAR", "period_date DATE", "start_rate_pct DOUBLE",
                               "completion_rate_pct DOUBLE"],
    "fct_zone_investment_monthly": [
        "zone_code VARCHAR", "period_date DATE", "project_investment_completed_ytd DOUBLE",
        "fixed_asset_investment_ytd DOUBLE", "fixed_asset_investment_yoy_pct DOUBLE",
        "fixed_asset_investment_yoy_basis VARCHAR", "project_share_pct DOUBLE"],
    "fct_target_progress": [
        "zone_code VARCHAR", "measure_label VARCHAR", "unit VARCHAR", "period VARCHAR", "period_date DATE",
        "actual_value DOUBLE", "actual_complete BOOLEAN", "target_value DOUBLE", "completion_pct DOUBLE",
        "time_progress_pct DOUBLE", "gap_pp DOUBLE", "target_note VARCHAR"],
    "fct_key_project_progress": [
        "zone_code VARCHAR", "period_date DATE", "key_projects BIGINT", "annual_plan_investment DOUBLE",
        "investment_completed_ytd DOUBLE", "completion_pct DOUBLE", "time_progress_pct DOUBLE", "gap_pp DOUBLE"],
}
# names a spreadsheet would take for formulas: they must arrive as text
FORMULA_LIKE = {"S900001": '=HYPERLINK("http://example.invalid","点击")', "S900002": "+86开发区",
                "S900003": "-1号园区", "S900004": "@SUM(A1:A9)"}
CHECK_SUMMARY = {"rules_checked": 42, "findings": 3, "errors": 1, "warnings": 2, "waived": 0, "accepted": 1,
                 "open_errors": 0}
STAGES = [("negotiation", "新洽谈", 1), ("signed", "新签约", 2), ("started", "新开工", 3), ("completed", "新竣工", 4),
          ("production", "新投产", 5), ("revived", "盘活", 6), ("four_new_one_revived", "四新一盘活合计", 7)]


def write_tiny_release(root: Path, *, check_summary: dict | None = CHECK_SUMMARY, record: dict | None = None,
                       june_flag: str = "P") -> Path:
    """Months 2024-05 and 2024-06; in June zone S900002 overtakes S900001, and S900001 is behind 序时进度."""
    release = root / "20240710T000000000000"
    release.mkdir(parents=True)
    zones = list(FORMULA_LIKE)
    rows: dict[str, list[tuple]] = {t: [] for t in TINY_TABLES}
    rows["dim_zone"] = [(code, name, "provincial") for code, name in FORMULA_LIKE.items()]
    scores = {"2024-05-01": [90.0, 80.0, 50.0, 10.0], "2024-06-01": [70.0, 85.0, 50.0, 10.0]}
    for day, values in scores.items():
        year, month = int(day[:4]), int(day[5:7])
        previous = None if day == "2024-05-01" else {z: i + 1 for i, z in enumerate(zones)}
        order = sorted(range(4), key=lambda i: -values[i])
        for rank, i in enumerate(order, start=1):
            zone = zones[i]
            change = None if previous is None else previous[zone] - rank
            flag = june_flag if (zone, day) == ("S900002", "2024-06-01") else "A"
            rows["fct_zone_ranking_monthly"] += [
                (zone, year, month, day, "composite_score", "综合得分", 8, values[i], None, rank, 4, change, None,
                 1.0, flag),
                (zone, year, month, day, "revenue_per_mu", "亩均营收", 1, values[i] * 10, "ttm", rank, 4, change, 0.5,
                 None, "r" if zone == "S900003" else "A"),
                (zone, year, month, day, "tax_per_mu", "亩均税收", 2, values[i] / 2, "ttm", rank, 4, change, 0.5, None,
                 "A"),
            ]
            rows["fct_zone_land_efficiency"].append(
                (zone, day, 1000.0, values[i] * 1e4, values[i] * 500, values[i] * 10, values[i] / 2, "ttm", "A"))
            for stage, label, order_ in STAGES:
                rows["fct_project_pipeline_monthly"].append((zone, day, stage, label, order_, 2, 2 * month,
                                                             1e4 * month))
            rows["fct_project_conversion"].append((zone, day, 75.0, 50.0))
            rows["fct_zone_investment_monthly"].append((zone, day, 5e4, 1e5, 3.5, "comparable", 50.0))
    rows["fct_target_progress"] = [
        ("S900001", "工业营业收入", "万元", "year", "2024-06-01", 3e5, True, 1e6, 30.0, 50.0, -20.0, "落后的目标"),
        ("S900002", "工业营业收入", "万元", "year", "2024-06-01", 6e5, True, 1e6, 60.0, 50.0, 10.0, "超前的目标"),
    ]
    rows["fct_key_project_progress"] = [("S900003", "2024-06-01", 5, 2e5, 1.2e5, 60.0, 50.0, 10.0)]
    with duckdb.connect(str(release / "parkstats.duckdb")) as con:
        for table, columns in TINY_TABLES.items():
            con.execute(f"create table {table} ({', '.join(columns)})")
            if rows[table]:
                con.executemany(f"insert into {table} values ({', '.join('?' * len(columns))})", rows[table])
    record = {"release_id": release.name, "published_at": "2024-07-10T00:00:00", "months_built": ["2024-06"],
              **(record or {})}
    if check_summary is not None:
        record["check_summary"] = {"2024-06": check_summary}
    (release / "release.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return release


@pytest.fixture
def tiny_release(tmp_path: Path) -> Path:
    return write_tiny_release(tmp_path / "releases")


def test_formula_like_zone_names_are_stored_as_text(tiny_release: Path, tmp_path: Path):
    files = build_bulletin(tiny_release, "2024-06", tmp_path / "out")
    assert formula_cells(files.xlsx) == []
    for sheet in SHEETS:
        names = {row["开发区"] for row in data_rows(files.xlsx, sheet)}
        assert names <= set(FORMULA_LIKE.values()) and names, sheet
    assert {r["开发区"] for r in data_rows(files.xlsx, "综合排名")} == set(FORMULA_LIKE.values())
    with zipfile.ZipFile(files.xlsx) as z:
        shared = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
    texts = {t.text for t in shared.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}t")}
    assert set(FORMULA_LIKE.values()) <= texts  # shared strings: text cells, exactly as the registry has them


def test_rank_changes_flags_and_check_summary_are_printed(tiny_release: Path, tmp_path: Path):
    files = build_bulletin(tiny_release, "2024-06", tmp_path / "out")
    ranking = data_rows(files.xlsx, "综合排名")
    by_zone = {r["开发区"]: r for r in ranking}
    assert by_zone["+86开发区"]["排名"] == 1 and by_zone["+86开发区"]["较上月"] == "↑1"
    assert by_zone[FORMULA_LIKE["S900001"]]["较上月"] == "↓1"
    assert by_zone["-1号园区"]["较上月"] == "–"
    assert by_zone["+86开发区"]["综合得分（分）"] == 85.0  # a flagged value stays a number
    release_line = sheet_rows(files.xlsx, "综合排名")[1][0]
    assert "20240710T000000000000" in release_line and "规则 42" in release_line and "未处理错误 0" in release_line
    with zipfile.ZipFile(files.xlsx) as z:
        styles = z.read("xl/styles.xml").decode()
    assert 'formatCode="#,##0.0&quot;ᴾ&quot;"' in styles  # P shown beside the composite of +86开发区
    footnotes = [r[0] for r in sheet_rows(files.xlsx, "综合排名") if str(r[0]).strip("　").startswith("数据标识")]
    assert footnotes and "P = 初步数" in footnotes[0] and "r = 修订数" in footnotes[0]
    page = files.html.read_text(encoding="utf-8")
    assert "20240710T000000000000" in page and "规则 42，发现问题 3，错误 1，警告 2" in page
    assert '85.0<sup class="flag">P</sup>' in page and "P = 初步数" in page


def test_rows_behind_schedule_are_highlighted(tiny_release: Path, tmp_path: Path):
    files = build_bulletin(tiny_release, "2024-06", tmp_path / "out")
    progress = data_rows(files.xlsx, "目标进度")
    assert [(r["开发区"], r["完成率（%）"], r["序时进度（%）"]) for r in progress] == [
        ("+86开发区", 60.0, 50.0), ("-1号园区", 60.0, 50.0), (FORMULA_LIKE["S900001"], 30.0, 50.0)]
    assert progress[2]["进度"] == "落后序时进度 20.0 个百分点" and progress[2]["目标值"] == 100.0  # 亿元
    xml = sheet_xml(files.xlsx)["目标进度"]
    rule = re.search(r"<conditionalFormatting sqref=\"A5:K7\">.*?<formula>(.*?)</formula>", xml)
    assert rule and rule[1] == "AND(ISNUMBER($G5),ISNUMBER($H5),$G5&lt;$H5)"  # G 完成率, H 序时进度
    page = files.html.read_text(encoding="utf-8")
    assert page.count('<tr class="behind">') == 1


def test_check_summary_absent_is_said_so(tmp_path: Path):
    release = write_tiny_release(tmp_path / "releases", check_summary=None)
    files = build_bulletin(release, "2024-06", tmp_path / "out")
    assert NOT_RECORDED in sheet_rows(files.xlsx, "亩均效益")[1][0]
    assert NOT_RECORDED in files.html.read_text(encoding="utf-8")


def test_newer_release_records_are_printed_in_words(tmp_path: Path):
    """Keys the publishing side adds (gate outcome, reviewers, withheld months, flag legend) read as text."""
    summary = {**CHECK_SUMMARY, "items_checked": 1200, "rejected": 0, "publishable": False,
               "reviewers": ["张三", "李四"], "a_later_key": 5}
    release = write_tiny_release(tmp_path / "releases", check_summary=summary, june_flag="X", record={
        "months_withheld": {"2024-06": "1 open error(s)"}, "status_flags": {"X": "experimental series"}})
    files = build_bulletin(release, "2024-06", tmp_path / "out")
    line = sheet_rows(files.xlsx, "综合排名")[1][0]
    for text in ("检查项 1200", "已驳回 0", "可发布 否", "复核人 张三、李四", "a_later_key 5",
                 "本月新报数据暂缓发布（1 open error(s)）"):
        assert text in line and text in files.html.read_text(encoding="utf-8"), text
    footnotes = " ".join(str(r[0]) for r in sheet_rows(files.xlsx, "综合排名"))
    assert "X = experimental series" in footnotes


def test_a_month_without_targets_or_projects_still_builds(tiny_release: Path, tmp_path: Path):
    files = build_bulletin(tiny_release, "2024-05", tmp_path / "out")  # May: no targets, first ranked month
    assert sheet_rows(files.xlsx, "目标进度")[HEADER_ROW + 1][0] == "本月无数据"
    assert {r["较上月"] for r in data_rows(files.xlsx, "综合排名")} == {"新"}
    assert "本月无数据" in files.html.read_text(encoding="utf-8")


def test_a_month_not_in_the_release_lists_the_months_that_are(tiny_release: Path, tmp_path: Path):
    with pytest.raises(BulletinError, match=r"month 2024-07 is not in release .*: 2024-05 \.\. 2024-06"):
        build_bulletin(tiny_release, "2024-07", tmp_path / "out")
    with pytest.raises(BulletinError, match="YYYY-MM"):
        build_bulletin(tiny_release, "2024-6", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_every_chart_has_data_on_a_full_month(tiny_release: Path):
    charts = build_charts(load_bulletin_data(tiny_release, "2024-06"))
    assert list(charts) == ["ranking", "trend_composite_rank", "trend_revenue_per_mu", "quadrant", "funnel",
                            "progress"]
    assert all(fig.data for fig in charts.values())


# ---------------------------------------------------------------------------------------------------------------
# from the real release of the sample (the session's Dagster run)


@pytest.fixture(scope="module")
def release_bulletin(built, tmp_path_factory: pytest.TempPathFactory):
    home, _ = built
    release = (home.published / "current").resolve()
    return release, build_bulletin(release, MONTH, tmp_path_factory.mktemp("bulletin"))


def release_query(release: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(release / "parkstats.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.e2e
def test_tiny_release_has_the_published_shapes(built, tiny_release: Path):
    """The synthetic tables above are true to the published ones (status_flag is the one column to come)."""
    home, _ = built

    def shapes(db: Path) -> dict[str, set[tuple[str, str]]]:
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute("select table_name, column_name, data_type from information_schema.columns").fetchall()
        out: dict[str, set[tuple[str, str]]] = {}
        for table, column, dtype in rows:
            out.setdefault(table, set()).add((column, dtype))
        return out

    real, tiny = shapes(home.published / "current" / "parkstats.duckdb"), shapes(tiny_release / "parkstats.duckdb")
    for table, columns in tiny.items():
        assert {c for c in columns if c[0] != "status_flag"} <= real[table], table


@pytest.mark.e2e
def test_workbook_has_the_theme_sheets_headers_and_the_release_values(release_bulletin):
    release, files = release_bulletin
    assert CalamineWorkbook.from_path(str(files.xlsx)).sheet_names == SHEETS
    headers = {sheet: sheet_rows(files.xlsx, sheet)[HEADER_ROW] for sheet in SHEETS}
    assert headers["综合排名"][:5] == ["排名", "较上月", "开发区", "级别", "综合得分（分）"]
    assert {"亩均营收（万元/亩）", "亩均税收（万元/亩）", "工业营业收入1-3月（亿元）", "固定资产投资同比（%）"} <= set(
        headers["综合排名"])
    assert {"亩均营收排名", "近12个月工业营业收入（亿元）", "已投产工业用地（亩）", "象限（相对中位数）"} <= set(headers["亩均效益"])
    assert {"四新一盘活 1-3月（个）", "新签约（个）", "签约金额（亿元）", "新开工（个）", "新竣工（个）", "新投产（个）", "盘活（个）",
            "开工率（%）"} <= set(headers["招商引资与项目"])
    assert headers["目标进度"][:8] == ["开发区", "指标", "目标期", "单位", "目标值", "1-3月完成", "完成率（%）", "序时进度（%）"]
    release_id = json.loads((release / "release.json").read_text(encoding="utf-8"))["release_id"]
    assert all(release_id in sheet_rows(files.xlsx, s)[1][0] for s in SHEETS)

    composite = release_query(release, """
        select z.zone_name, r.rank_overall, r.rank_change, r.value from fct_zone_ranking_monthly r
        join dim_zone z using (zone_code) where r.metric = 'composite_score' and r.period_date = ?""",
                              [f"{MONTH}-01"])
    ranking = {r["开发区"]: r for r in data_rows(files.xlsx, "综合排名")}
    assert len(ranking) == len(composite) == 13
    for name, rank, change, value in composite:
        row = ranking[name]
        assert row["排名"] == rank and row["综合得分（分）"] == pytest.approx(round(value, 1))
        assert row["较上月"] == ("–" if change == 0 else f"↑{change}" if change > 0 else f"↓{-change}")
    assert any(r["较上月"].startswith(("↑", "↓")) for r in ranking.values())  # this month has movers
    assert [r["排名"] for r in data_rows(files.xlsx, "综合排名")] == sorted(r[1] for r in composite)

    efficiency = {r["开发区"]: r for r in data_rows(files.xlsx, "亩均效益")}
    for name, revenue, tax, land in release_query(release, """
            select z.zone_name, e.revenue_per_mu, e.tax_per_mu, e.industrial_land_mu from fct_zone_land_efficiency e
            join dim_zone z using (zone_code) where e.period_date = ?""", [f"{MONTH}-01"]):
        assert efficiency[name]["亩均营收（万元/亩）"] == pytest.approx(round(revenue, 1))
        assert efficiency[name]["亩均税收（万元/亩）"] == pytest.approx(round(tax, 2))
        assert efficiency[name]["已投产工业用地（亩）"] == round(land)

    projects = {r["开发区"]: r for r in data_rows(files.xlsx, "招商引资与项目")}
    for name, signed, amount in release_query(release, """
            select z.zone_name, p.projects_ytd, p.total_investment_ytd from fct_project_pipeline_monthly p
            join dim_zone z using (zone_code) where p.stage = 'signed' and p.period_date = ?""", [f"{MONTH}-01"]):
        assert projects[name]["新签约（个）"] == signed
        assert projects[name]["签约金额（亿元）"] == pytest.approx(round(amount / 1e4, 2))  # 万元 → 亿元

    targets = {(r["开发区"], r["指标"], r["目标期"]): r for r in data_rows(files.xlsx, "目标进度")}
    [(actual, target, completion, progress)] = release_query(release, """
        select actual_value, target_value, completion_pct, time_progress_pct from fct_target_progress
        where zone_code = 'G361149' and measure = 'industrial_revenue' and period = 'Q1' and period_date = ?""",
                                                             [f"{MONTH}-01"])
    q1 = targets[("上饶经济技术开发区", "工业营业收入", "一季度")]
    assert (q1["目标值"], q1["单位"]) == (590.0, "亿元") and q1["1-3月完成"] == pytest.approx(round(actual / 1e4, 2))
    assert q1["完成率（%）"] == pytest.approx(round(completion, 1)) and q1["序时进度（%）"] == progress == 100.0
    assert target == 5_900_000


@pytest.mark.e2e
def test_workbook_has_no_formulas_and_frozen_panes(release_bulletin):
    _, files = release_bulletin
    assert formula_cells(files.xlsx) == []
    for sheet, xml in sheet_xml(files.xlsx).items():
        pane = re.search(r"<pane [^>]*/>", xml)
        assert pane and 'ySplit="4"' in pane[0] and 'state="frozen"' in pane[0], sheet
        assert re.search(r'xSplit="[23]"', pane[0]), sheet  # rank, change and zone (or zone, indicator) stay


@pytest.mark.e2e
def test_cli_writes_the_bulletin_and_refuses_an_unpublished_month(built, tmp_path: Path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    home, _ = built
    result = CliRunner().invoke(app, ["bulletin", "--month", "2024-02", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"xlsx: {tmp_path / 'parkstats-bulletin-2024-02.xlsx'}" in result.output
    assert (tmp_path / "parkstats-bulletin-2024-02.html").is_file()
    result = CliRunner().invoke(app, ["bulletin", "--month", "2022-01"])
    assert result.exit_code == 1 and "2023-01 .. 2024-12" in result.output
    assert not (home.published / "bulletins" / "2022-01").exists()


@pytest.mark.e2e
def test_asset_builds_each_month_of_the_run_from_the_current_release(built):
    import dagster as dg
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from pipelines.assets.bulletin import bulletin

    home, _ = built
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([bulletin], instance=instance, tags={
            ASSET_PARTITION_RANGE_START_TAG: "2024-11-01", ASSET_PARTITION_RANGE_END_TAG: "2024-12-01"})
    assert result.success
    for month in ("2024-11", "2024-12"):
        folder = home.published / "bulletins" / month
        assert sorted(p.name for p in folder.iterdir()) == [f"parkstats-bulletin-{month}.html",
                                                             f"parkstats-bulletin-{month}.xlsx"]


# ---------------------------------------------------------------------------------------------------------------
# the HTML page in headless Chromium


def _apt_install(packages: list[str]) -> subprocess.CompletedProcess:
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            pytest.fail(f"{' '.join(packages)} missing and cannot be installed: not root and no sudo. "
                        f"Install them with `apt-get install -y {' '.join(packages)}`.")
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, "apt-get", "install", "-y", *packages]
    result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=1800, check=False)
    if result.returncode != 0:  # package lists may be empty on a fresh image
        subprocess.run([*prefix, "apt-get", "update"], capture_output=True, env=env, timeout=600, check=False)
        result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=1800, check=False)
    return result


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """Debian's chromium and chromedriver, installed when absent; a test fails, never skips, without them."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        result = _apt_install(["chromium", "chromium-driver"])
        if result.returncode != 0:
            pytest.fail(f"could not install chromium and chromium-driver with apt-get (exit {result.returncode}):\n"
                        f"{(result.stderr or result.stdout)[-2000:]}")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        _apt_install(["fonts-wqy-microhei"])  # only so the screenshot shows Chinese; rendering does not need it
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.fail("chromium / chromedriver are still not on PATH after installing the Debian packages")
    return browser, driver


@pytest.mark.e2e
def test_html_bulletin_renders_every_chart_in_chromium(release_bulletin, chromium):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        pytest.fail("selenium is not installed: `.venv/bin/pip install -e '.[dev]'`")
    _, files = release_bulletin
    page = files.html.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)\b[^>]*\b(src|href)=", page)  # self-contained: nothing to fetch
    browser, driver_path = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})  # offline
        driver.get(files.html.as_uri())
        expected = ["ranking", "trend_composite_rank", "trend_revenue_per_mu", "quadrant", "funnel", "progress"]
        charts_js = """
            return [...document.querySelectorAll('[data-chart]')].map(el => {
              const svg = el.querySelector('svg.main-svg'), canvas = el.querySelector('canvas');
              const box = (svg || canvas) ? (svg || canvas).getBoundingClientRect() : {width: 0, height: 0};
              return {name: el.dataset.chart, width: box.width, height: box.height,
                      traces: el.querySelectorAll('svg.main-svg g.trace').length,
                      marks: el.querySelectorAll('g.trace path, g.trace text').length};
            });"""
        WebDriverWait(driver, 30).until(
            lambda d: len([c for c in d.execute_script(charts_js) if c["traces"]]) == len(expected))
        charts = driver.execute_script(charts_js)
        assert [c["name"] for c in charts] == expected
        for chart in charts:
            assert chart["width"] > 300 and chart["height"] > 150 and chart["traces"] and chart["marks"], chart
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        driver.execute_script("console.error('bulletin-probe')")  # the log is really captured
        assert any("bulletin-probe" in e["message"] for e in driver.get_log("browser"))
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(height + 100, 16000))
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"bulletin-{MONTH}.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 50_000
    finally:
        driver.quit()
