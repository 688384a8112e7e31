"""`parkstats compare`, `parkstats zone`, `parkstats views` and the analytics views of a release.

The CLI's answers are checked against direct SQL on the published marts (not on the views the CLI reads), every
error message against the valid choices it must list, and the views against the marts they are made of.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from pipelines.analytics import VIEWS, create_analytics_views
from pipelines.cli import app
from pipelines.compare import COMPARE_COLUMNS, SERIES_COLUMNS, csv_safe, month_ranges, write_csv, write_xlsx
from tests.processes import stop
from tests.warehouse import published


def squash(text: str) -> str:
    """Output without white space: rich wraps long lines anywhere in Chinese text."""
    return re.sub(r"\s+", "", text)


def run(home, *args: str):
    return CliRunner().invoke(app, list(args), env={"PARKSTATS_HOME": str(home.home)})


def ok(home, *args: str) -> str:
    result = run(home, *args)
    assert result.exit_code == 0, result.output
    return result.output


def formula_cells(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as z:
        return [m for n in z.namelist() if n.startswith("xl/worksheets/")
                for m in re.findall(r"<f[ >/].{0,60}", z.read(n).decode())]


# ---------------------------------------------------------------------------------------------------------------
# without a release

def test_month_ranges_collapse_consecutive_months():
    assert month_ranges(["2024-01", "2023-11", "2023-12", "2024-03"]) == "2023-11..2024-01, 2024-03"
    assert month_ranges([]) == "none"


def test_csv_quotes_text_that_a_spreadsheet_would_run_but_not_numbers():
    assert [csv_safe(v) for v in ("=1+2", "+86", "-x", "@SUM(A1)", "\tcmd", "淮安", -3.5, None)] == \
        ["'=1+2", "'+86", "'-x", "'@SUM(A1)", "'\tcmd", "淮安", -3.5, None]
    buffer = io.StringIO()
    write_csv(buffer, COMPARE_COLUMNS[4:6], [{"zone_code": "=HYPERLINK(\"x\")", "zone_name": "@evil"}])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["zone_code", "zone_name"],
                                                               ["'=HYPERLINK(\"x\")", "'@evil"]]


def test_xlsx_writes_every_text_as_text(tmp_path: Path):
    texts = ["=1+2", "+86 517", "-5", "@SUM(A1)", "http://x.example", "00123"]
    rows = [{"zone_code": t, "zone_name": t, "value": -2.5, "rank": 3} for t in texts]
    columns = [c for c in COMPARE_COLUMNS if c.name in ("rank", "zone_code", "zone_name", "value")]
    write_xlsx(tmp_path / "x.xlsx", "compare", columns, rows, [("query", "=cmd|' /C calc'!A0")])
    sheet = CalamineWorkbook.from_path(str(tmp_path / "x.xlsx")).get_sheet_by_name("compare").to_python()
    assert sheet[0] == [c.label for c in columns]
    assert [r[1] for r in sheet[1:]] == texts and all(r[3] == -2.5 and r[0] == 3 for r in sheet[1:])
    assert formula_cells(tmp_path / "x.xlsx") == []


def test_views_are_plain_sql_over_the_release_and_fully_documented():
    for view in VIEWS.values():
        assert not re.search(r"(?i)\battach\b|read_parquet|\bwh\.|/tmp|/work|[A-Z]:\\\\", view.sql), view.name
        assert view.label and view.description and view.columns
        assert all(c.name.isidentifier() and c.name == c.name.lower() and c.label and c.description
                   for c in view.columns), view.name
        assert len({c.name for c in view.columns}) == len(view.columns)


def test_views_command_lists_every_view_and_column(home):
    output = squash(ok(home, "views"))
    for view in VIEWS.values():
        assert squash(f"{view.name}—{view.label}") in output
        assert all(squash(c.name) in output and squash(c.label) in output for c in view.columns)
    assert "nothingispublishedyet" in output
    one = ok(home, "views", "v_release")
    assert "v_release" in one and "v_zone_metrics" not in one
    markdown = ok(home, "views", "--markdown")
    assert "#### `v_zone_metrics` — 园区指标长表" in markdown and "| `metric_label` | 指标名称 |" in markdown


def test_unknown_view_lists_the_views(home):
    result = run(home, "views", "v_nope")
    assert result.exit_code == 1
    assert squash(f"unknown view 'v_nope'; views: {', '.join(VIEWS)}") in squash(result.output)


def test_compare_help_names_the_views(home):
    output = squash(ok(home, "compare", "--help"))
    assert all(squash(f"{v.name} ({v.label})") in output for v in VIEWS.values())


@pytest.mark.parametrize("command", [["compare"], ["zone", "G361149"]])
def test_nothing_published_says_so(home, command):
    result = run(home, *command)
    assert result.exit_code == 1 and "nothingispublishedyet" in squash(result.output)


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xlsx"], "--format xlsx needs --out FILE.xlsx"),
    (["--out", "ranking.txt"], "cannot tell the format of 'ranking.txt' from its suffix"),
    (["--format", "table", "--out", "ranking.csv"], "--out writes csv, json or xlsx"),
])
@pytest.mark.parametrize("command", [["compare"], ["zone", "G361149"]])
def test_output_options_that_do_not_fit_are_refused(home, command, args, message):
    result = run(home, *command, *args)
    assert result.exit_code == 1 and squash(message) in squash(result.output)


# ---------------------------------------------------------------------------------------------------------------
# on the release the whole sample publishes

@pytest.fixture(scope="module")
def release_home(built):
    """The data folder of the session's end-to-end run (its `published/current` is the release)."""
    return built[0]


@pytest.fixture(scope="module")
def release_db(built) -> Path:
    """The current release's DuckDB file: publishing creates the analytics views in it."""
    return (built[0].published / "current").resolve() / "parkstats.duckdb"


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def published_months(release_home) -> list[str]:
    return [m for (m,) in published(release_home, "select month from release_months where status = 'published' order by 1")]


def ranking_sql(release_home, metric: str, month: str, where: str = "true", params: list | None = None) -> list[tuple]:
    """The published ranking of a month, straight from the mart."""
    return published(release_home, f"""
        select r.zone_code, r.rank_overall, r.rank_change, r.value, r.basis, r.status_flag, r.rank_in_level,
               r.rank_in_province, r.rank_in_region, z.level, z.zone_type, z.province, z.city, z.region
        from fct_zone_ranking_monthly r join dim_zone z using (zone_code)
        where r.metric = ? and strftime(r.period_date, '%Y-%m') = ? and {where}
        order by r.rank_overall, r.zone_code""", [metric, month, *(params or [])])


def compare_json(release_home, *args: str) -> dict:
    return json.loads(ok(release_home, "compare", "--format", "json", *args))


@pytest.mark.e2e
def test_views_exist_documented_in_the_database(release_db: Path):
    views = dict(query(release_db, "select view_name, comment from duckdb_views() where not internal"))
    for view in VIEWS.values():
        assert views[view.name] == view.comment()
        columns = query(release_db, "select column_name, comment from duckdb_columns() where table_name = ? "
                                    "order by column_index", [view.name])
        assert [(n, c.split(":")[0]) for n, c in columns] == [(c.name, c.label) for c in view.columns]


@pytest.mark.e2e
def test_zone_metrics_is_one_row_per_zone_month_metric_with_labels_units_and_flags(release_db: Path):
    [(rows, keys, unlabelled, flags)] = query(release_db, """
        select count(*), count(distinct (zone_code, period, metric)),
               count(*) filter (where zone_name is null or metric_label is null or unit is null or value is null
                                or province is null or level is null),
               list(distinct status_flag order by status_flag)
        from v_zone_metrics""")
    assert rows == keys > 0 and unlabelled == 0 and set(flags) <= {"A", "E", "P", "r"} and "E" in flags
    # every ranked row, exactly as published
    assert query(release_db, """
        select count(*) from fct_zone_ranking_monthly r
        left join v_zone_metrics v on v.zone_code = r.zone_code and v.period_date = r.period_date
             and v.metric = r.metric
        where v.value is distinct from r.value or v.rank_overall is distinct from r.rank_overall
           or v.rank_change is distinct from r.rank_change or v.status_flag is distinct from r.status_flag
           or v.basis is distinct from r.basis or v.metric_label is distinct from r.label""") == [(0,)]
    # every zone-ledger value with its 同比, flows as <measure>_ytd and stocks as <measure>
    assert query(release_db, """
        select count(*) from fct_zone_indicators_monthly i
        left join v_zone_metrics v on v.zone_code = i.zone_code and v.period_date = i.period_date
             and v.metric = i.measure || case when i.kind = 'flow' then '_ytd' else '' end
        where i.ytd_value is not null and (v.value is distinct from i.ytd_value
              or v.yoy_pct is distinct from i.yoy_pct or v.unit is distinct from i.unit)""") == [(0,)]
    # targets against 序时进度
    assert query(release_db, """
        select count(*) from fct_target_progress t
        left join v_zone_metrics v on v.zone_code = t.zone_code and v.period_date = t.period_date
             and v.metric = t.measure || '_target_' || lower(t.period) || '_pct'
        where t.completion_pct is not null and (v.value is distinct from t.completion_pct
              or v.time_progress_pct is distinct from t.time_progress_pct or v.gap_pp is distinct from t.gap_pp
              or v.unit <> '%')""") == [(0,)]
    metrics = dict(query(release_db, "select metric, metric_label from v_metric_catalogue"))
    assert metrics["four_new_one_revived_ytd"] == "四新一盘活项目数（1-N月累计）"
    assert metrics["industrial_revenue_target_year_pct"] == "工业营业收入年度目标完成率"


@pytest.mark.e2e
def test_zone_metrics_give_guangyuan_s_published_2023_project_figures(release_db: Path):
    """广元 2023 四新一盘活: 1,241 = 265 新洽谈 + 183 新签约 + 363 新开工 + 400 新竣工 + 30 盘活 (DOMAIN.md)."""
    figures = dict(query(release_db, "select metric, value from v_zone_metrics where zone_code = 'G511193' "
                                     "and period = '2023-12' and unit = '个'"))
    assert {k: figures[k] for k in ("four_new_one_revived_ytd", "negotiation_projects_ytd", "signed_projects_ytd",
                                    "started_projects_ytd", "completed_projects_ytd", "revived_projects_ytd")} == \
        {"four_new_one_revived_ytd": 1241, "negotiation_projects_ytd": 265, "signed_projects_ytd": 183,
         "started_projects_ytd": 363, "completed_projects_ytd": 400, "revived_projects_ytd": 30}


@pytest.mark.e2e
def test_other_views_answer_from_the_marts(release_db: Path, release_home):
    assert query(release_db, "select count(*) from v_zone_ranking") == \
        published(release_home, "select count(*) from fct_zone_ranking_monthly")
    [(completion, progress, gap)] = query(release_db, """
        select completion_pct, time_progress_pct, gap_pp from v_target_progress
        where zone_code = 'G361149' and period = '2024-09' and measure = 'industrial_revenue' and target_period = 'year'""")
    [(ytd,)] = published(release_home, "select ytd_value from fct_zone_indicators_monthly where zone_code = 'G361149' "
                               "and year = 2024 and month = 9 and measure = 'industrial_revenue'")
    assert completion == pytest.approx(ytd / 27_000_000 * 100) and progress == 75.0 and gap == completion - 75
    record = json.loads((release_home.published / "current" / "release.json").read_text(encoding="utf-8"))
    rows = query(release_db, "select release_id, period, status from v_release")
    assert {r[0] for r in rows} == {record["release_id"]}
    assert [p for _, p, s in rows if s == "published"] == record["months_published"]
    assert [z for (z,) in query(release_db, "select zone_code from v_zone order by 1")] == \
        [z for (z,) in published(release_home, "select distinct zone_code from fct_zone_indicators_monthly order by 1")]


@pytest.mark.e2e
def test_a_release_made_before_the_views_is_still_compared(release_db: Path, tmp_path: Path):
    """compare and zone read the views' SQL inline when a release has no views (published before them)."""
    from pipelines.compare import PeerGroup, compare, zone_series

    old = tmp_path / "old.duckdb"
    shutil.copy(release_db, old)
    with duckdb.connect(str(old)) as con:
        for name in VIEWS:
            con.execute(f"drop view {name}")
    with duckdb.connect(str(release_db), read_only=True) as new, duckdb.connect(str(old), read_only=True) as con:
        peers = PeerGroup(province="江苏省")
        assert compare(con, "2024-06", "tax_per_mu", peers).rows == compare(new, "2024-06", "tax_per_mu", peers).rows
        assert zone_series(con, "G361149").rows == zone_series(new, "G361149").rows
    with duckdb.connect(str(old)) as con:  # publishing again creates them, with the release id
        assert create_analytics_views(con, release_id="again") == list(VIEWS)
        assert con.execute("select distinct release_id from v_release").fetchall() == [("again",)]
        # a mart that loses a column fails at publication, not in an analyst's query
        con.execute("alter table fct_zone_ranking_monthly drop column composite_coverage")
        with pytest.raises(duckdb.BinderException, match="composite_coverage"):
            create_analytics_views(con)


@pytest.mark.e2e
def test_views_bind_read_only_and_attached_under_another_name(release_db: Path):
    with duckdb.connect(str(release_db), read_only=True) as first, \
            duckdb.connect(str(release_db), read_only=True) as second:
        assert first.execute("select count(*) from v_zone_metrics").fetchone() == \
            second.execute("select count(*) from v_zone_metrics").fetchone()
    with duckdb.connect() as con:
        con.execute(f"attach '{release_db}' as release (read_only)")
        assert con.execute("select count(*) from release.v_zone_ranking where metric = 'composite_score'"
                           ).fetchone()[0] > 0


@pytest.mark.e2e
def test_compare_equals_the_published_ranking(release_home):
    latest = published_months(release_home)[-1]
    answer = compare_json(release_home)
    assert answer["month"] == latest and answer["metric"] == "composite_score"
    expected = ranking_sql(release_home, "composite_score", latest)
    assert [(r["zone_code"], r["rank"], r["rank_overall"], r["rank_change"], r["basis"], r["status_flag"])
            for r in answer["rows"]] == [(z, rank, rank, change, basis, flag)
                                         for z, rank, change, _, basis, flag, *_ in expected]
    assert [r["value"] for r in answer["rows"]] == pytest.approx([e[3] for e in expected])


@pytest.mark.e2e
def test_compare_table_prints_the_ranking_in_order(release_home):
    month = published_months(release_home)[-1]
    output = ok(release_home, "compare")
    names = [n for (n,) in published(release_home, """
        select z.zone_name from fct_zone_ranking_monthly r join dim_zone z using (zone_code)
        where r.metric = 'composite_score' and strftime(r.period_date, '%Y-%m') = ?
        order by r.rank_overall, r.zone_code""", [month])]
    positions = [output.index(n) for n in names]
    assert positions == sorted(positions) and f"开发区对比 {month}（综合得分，分；all zones）" in output
    assert "变动" in output and "标志" in output


@pytest.mark.e2e
def test_compare_csv_shows_the_basis_and_flag_of_each_value(release_home, tmp_path: Path):
    month = "2023-06"  # first year: 亩均 values are annualised YTD, flagged E
    rows = list(csv.DictReader(io.StringIO(ok(release_home, "compare", "--metric", "亩均税收", "--month", month,
                                              "--format", "csv"))))
    expected = ranking_sql(release_home, "tax_per_mu", month)
    assert list(rows[0]) == [c.name for c in COMPARE_COLUMNS]
    assert [(r["zone_code"], int(r["rank"]), r["basis"], r["status_flag"]) for r in rows] == \
        [(z, rank, basis, flag) for z, rank, _, _, basis, flag, *_ in expected]
    assert {r["basis"] for r in rows} == {"annualised_ytd"} and {r["status_flag"] for r in rows} == {"E"}
    assert [float(r["value"]) for r in rows] == pytest.approx([e[3] for e in expected])
    # the same as a file, with a BOM for Excel
    assert "wrote" in ok(release_home, "compare", "--metric", "tax_per_mu", "--month", month, "--out",
                         str(tmp_path / "c.csv"))
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbfrank,")
    assert list(csv.DictReader(io.StringIO((tmp_path / "c.csv").read_text(encoding="utf-8-sig")))) == rows


@pytest.mark.e2e
def test_compare_xlsx_has_the_rows_under_chinese_labels(release_home, tmp_path: Path):
    out = tmp_path / "compare.xlsx"
    ok(release_home, "compare", "--metric", "industrial_revenue_yoy_pct", "--format", "xlsx", "--out", str(out))
    book = CalamineWorkbook.from_path(str(out))
    sheet = book.get_sheet_by_name("compare").to_python()
    month = published_months(release_home)[-1]
    expected = ranking_sql(release_home, "industrial_revenue_yoy_pct", month)
    assert sheet[0] == [c.label for c in COMPARE_COLUMNS] and len(sheet) == len(expected) + 1
    column = {c.name: i for i, c in enumerate(COMPARE_COLUMNS)}
    assert [(r[column["zone_code"]], r[column["basis"]]) for r in sheet[1:]] == [(e[0], e[4]) for e in expected]
    notes = book.get_sheet_by_name("说明").to_python()
    about = dict((r[0], r[1]) for r in notes[:[r[0] for r in notes].index("")])  # the query, above the columns
    assert about["month"] == month and about["metric"].startswith("industrial_revenue_yoy_pct")
    assert formula_cells(out) == []


@pytest.mark.e2e
@pytest.mark.parametrize(("option", "value", "attribute", "mart_rank"), [
    ("--level", "provincial", "level", "rank_in_level"),
    ("--level", "国家级", "level", "rank_in_level"),
    ("--province", "江苏", "province", "rank_in_province"),
    ("--region", "中部", "region", "rank_in_region"),
    ("--type", "economic_development", "zone_type", None),
    ("--type", "高新技术产业开发区", "zone_type", None),
    ("--city", "淮安", "city", None),
])
def test_each_peer_group_ranks_its_zones_as_sql_does(release_home, option, value, attribute, mart_rank):
    month = "2024-09"
    answer = compare_json(release_home, "--metric", "revenue_per_mu", "--month", month, option, value)
    key = {"国家级": "national", "江苏": "江苏省", "中部": "central", "高新技术产业开发区": "high_tech"}.get(value, value)
    assert answer["peer_group"][attribute] == key
    expected = published(release_home, f"""
        select r.zone_code, rank() over (order by r.value desc) as peer_rank, r.rank_overall,
               {mart_rank or 'null'} as mart_rank
        from fct_zone_ranking_monthly r join dim_zone z using (zone_code)
        where r.metric = 'revenue_per_mu' and strftime(r.period_date, '%Y-%m') = ? and z.{attribute} = ?
        order by peer_rank, r.zone_code""", [month, key])
    assert 0 < len(expected) < 13
    assert [(r["zone_code"], r["rank"], r["rank_overall"], r["zones_ranked"]) for r in answer["rows"]] == \
        [(z, rank, overall, len(expected)) for z, rank, overall, _ in expected]
    if mart_rank:  # the published peer ranks of level, province and region agree
        assert [r["rank"] for r in answer["rows"]] == [m for *_, m in expected]
    table = squash(ok(release_home, "compare", "--metric", "revenue_per_mu", "--month", month, option, value))
    assert squash(f"{attribute if attribute != 'zone_type' else 'type'}={key}") in table and "总排名" in table


@pytest.mark.e2e
def test_peer_group_rank_change_is_against_the_same_group_last_month(release_home):
    answer = compare_json(release_home, "--metric", "tax_per_mu", "--month", "2024-05", "--province", "江苏省")
    previous = {z: r for z, r in published(release_home, """
        select zone_code, rank_in_province from fct_zone_ranking_monthly r join dim_zone z using (zone_code)
        where metric = 'tax_per_mu' and r.period_date = date '2024-04-01' and z.province = '江苏省'""")}
    assert answer["previous_month"] == "2024-04"
    assert all(r["rank_change"] == previous[r["zone_code"]] - r["rank"] for r in answer["rows"])


@pytest.mark.e2e
def test_explicit_zone_list_by_code_and_name_and_a_zone_without_value(release_home):
    # 2024-01: 盱眙 sends 1-2月 together, so it has no January value
    answer = compare_json(release_home, "--metric", "industrial_revenue_ytd", "--month", "2024-01",
                          "--zones", "淮安经开区, G361149，江苏盱眙经济开发区")
    expected = published(release_home, """
        select zone_code, ytd_value, yoy_pct from fct_zone_indicators_monthly
        where measure = 'industrial_revenue' and year = 2024 and month = 1 and zone_code in ('G321100', 'G361149')
        order by ytd_value desc""")
    assert answer["peer_group"]["zones"] == ["G321100", "G361149", "S327068"]
    assert [(r["zone_code"], r["rank"], r["value"], r["yoy_pct"]) for r in answer["rows"]] == \
        [(z, i, v, y) for i, (z, v, y) in enumerate(expected, start=1)]
    assert answer["zones_without_value"] == ["S327068"]
    table = squash(ok(release_home, "compare", "--metric", "industrial_revenue_ytd", "--month", "2024-01",
                      "--zones", "G321100,G361149,S327068"))
    assert squash("no value in 2024-01: S327068 江苏盱眙经济开发区") in table


@pytest.mark.e2e
def test_top_keeps_the_first_n_of_the_group(release_home):
    answer = compare_json(release_home, "--top", "3", "--level", "provincial")
    assert [r["rank"] for r in answer["rows"]] == [1, 2, 3] and answer["rows"][0]["zones_ranked"] == 7
    table = ok(release_home, "compare", "--top", "3", "--level", "provincial")
    assert squash("3 of 7 zones in the peer group") in squash(table)


@pytest.mark.e2e
def test_compare_ranks_a_metric_the_ranking_does_not(release_home):
    """industrial_land is not ranked by the mart: compare ranks it from the values, larger first."""
    month = published_months(release_home)[-1]
    answer = compare_json(release_home, "--metric", "industrial_land", "--month", month)
    expected = published(release_home, """
        select zone_code, rank() over (order by ytd_value desc) from fct_zone_indicators_monthly
        where measure = 'industrial_land' and strftime(period_date, '%Y-%m') = ? order by 2, 1""", [month])
    assert [(r["zone_code"], r["rank"]) for r in answer["rows"]] == [tuple(e) for e in expected]
    assert answer["unit"] == "亩" and answer["metric_label"] == "工业用地面积（期末）"


@pytest.mark.e2e
def test_zone_series_has_yoy_and_time_progress(release_home, release_db: Path, tmp_path: Path):
    answer = json.loads(ok(release_home, "zone", "上饶经开区", "--from", "2024-01", "--to", "2024-03", "--format", "json"))
    assert answer["zone_code"] == "G361149" and (answer["from"], answer["to"]) == ("2024-01", "2024-03")
    rows = {(r["period"], r["metric"]): r for r in answer["rows"]}
    assert {p for p, _ in rows} == {"2024-01", "2024-02", "2024-03"}
    for month in (1, 2, 3):
        [(ytd, yoy, basis)] = published(release_home, """
            select ytd_value, yoy_pct, yoy_basis from fct_zone_indicators_monthly
            where zone_code = 'G361149' and year = 2024 and month = ? and measure = 'industrial_revenue'""", [month])
        row = rows[(f"2024-0{month}", "industrial_revenue_ytd")]
        assert (row["value"], row["yoy_pct"], row["yoy_basis"]) == (ytd, yoy, basis)
    march_year, march_q1 = rows[("2024-03", "industrial_revenue_target_year_pct")], \
        rows[("2024-03", "industrial_revenue_target_q1_pct")]
    assert march_year["time_progress_pct"] == 25.0 and march_q1["time_progress_pct"] == 100.0
    assert march_q1["gap_pp"] == pytest.approx(march_q1["value"] - 100)
    assert rows[("2024-03", "composite_score")]["rank_overall"] is not None
    table = ok(release_home, "zone", "G361149", "--from", "2024-02", "--to", "2024-03")
    assert "上饶经济技术开发区 G361149" in table and "序时进度" in table and "工业营业收入年度目标完成率" in squash(table)
    assert table.index("2024-02") < table.index("2024-03")
    # chosen metrics, CSV and xlsx
    only = list(csv.DictReader(io.StringIO(ok(release_home, "zone", "G361149", "--from", "2024-01", "--to", "2024-06",
                                              "--metric", "tax_per_mu", "--metric", "亩均营收", "--format", "csv"))))
    assert list(only[0]) == [c.name for c in SERIES_COLUMNS]
    assert [r["metric"] for r in only] == ["tax_per_mu", "revenue_per_mu"] * 6
    ok(release_home, "zone", "G361149", "--out", str(tmp_path / "zone.xlsx"))
    sheet = CalamineWorkbook.from_path(str(tmp_path / "zone.xlsx")).get_sheet_by_name("G361149").to_python()
    assert sheet[0] == [c.label for c in SERIES_COLUMNS] and len(sheet) > 12
    every = json.loads(ok(release_home, "zone", "G361149", "--from", "2024-12", "--to", "2024-12", "--metric", "all",
                          "--format", "json"))
    assert len(every["rows"]) == len({r["metric"] for r in every["rows"]}) > 30
    assert query(release_db, "select count(*) from v_zone_metrics where zone_code = 'G361149' and period = '2024-12'"
                 ) == [(len(every["rows"]),)]


@pytest.mark.e2e
def test_zone_series_defaults_to_the_latest_twelve_published_months(release_home):
    months = published_months(release_home)
    answer = json.loads(ok(release_home, "zone", "G321100", "--format", "json"))
    assert (answer["from"], answer["to"]) == (months[-12], months[-1])


# ---- every error lists what is valid ---------------------------------------------------------------------------

def expect_error(release_home, args: list[str], *messages: str) -> None:
    result = run(release_home, *args)
    assert result.exit_code == 1, result.output
    output = squash(result.output)
    for message in messages:
        assert squash(message) in output, (message, result.output)


@pytest.mark.e2e
def test_unknown_metric_lists_the_published_metrics(release_home):
    metrics = [f"{m} ({label})" for m, label in published(release_home, """
        select metric, any_value(label) from fct_zone_ranking_monthly group by 1 order by 1""")]
    for command in (["compare"], ["zone", "G361149"]):
        expect_error(release_home, [*command, "--metric", "亩均产值"], "error: unknown metric '亩均产值'; published metrics:",
                     *metrics, "industrial_land (工业用地面积（期末）)")


@pytest.mark.e2e
def test_month_not_published_lists_the_published_months(release_home):
    months = month_ranges(published_months(release_home))
    expect_error(release_home, ["compare", "--month", "2030-01"], f"--month 2030-01 is not published; published months: {months}")
    expect_error(release_home, ["zone", "G361149", "--from", "2022-01"],
                 f"--from 2022-01 is not published; published months: {months}")
    expect_error(release_home, ["zone", "G361149", "--to", "2030-12"], f"--to 2030-12 is not published; published months: {months}")


@pytest.mark.e2e
@pytest.mark.parametrize(("args", "message"), [
    (["compare", "--month", "2024-6"], "--month '2024-6' is not a month in the form YYYY-MM (e.g. 2024-06)"),
    (["compare", "--month", "2024/06"], "--month '2024/06' is not a month in the form YYYY-MM"),
    (["zone", "G361149", "--from", "24-01"], "--from '24-01' is not a month in the form YYYY-MM"),
    (["zone", "G361149", "--to", "2024-13"], "--to '2024-13' is not a month in the form YYYY-MM"),
    (["zone", "G361149", "--from", "2024-06", "--to", "2024-01"], "--from 2024-06 is after --to 2024-01"),
])
def test_bad_months_are_refused(release_home, args, message):
    expect_error(release_home, args, f"error: {message}")


@pytest.mark.e2e
def test_unknown_zone_lists_the_published_zones(release_home):
    zones = [f"{c} {n}" for c, n in published(release_home, """
        select zone_code, zone_name from dim_zone
        where zone_code in (select zone_code from fct_zone_indicators_monthly) order by 1""")]
    assert len(zones) == 13
    expect_error(release_home, ["zone", "某某开发区"], "unknown zone '某某开发区': not a catalogue code, catalogue name or alias; "
                                          f"published zones: {', '.join(zones)}")
    expect_error(release_home, ["compare", "--zones", "G321100,某某开发区"], "unknown zone '某某开发区'", zones[0])
    # in the catalogue, but nothing of it is published
    expect_error(release_home, ["zone", "G156020"], "zone G156020 满洲里中俄互市贸易区 has no published figures; published zones: ",
                 *zones)


@pytest.mark.e2e
@pytest.mark.parametrize(("option", "value", "message"), [
    ("--level", "county", "unknown --level 'county'; published levels: national (国务院), provincial (省政府)"),
    ("--type", "free_trade", "unknown --type 'free_trade'; published zone types: economic_development (经济开发区), "
                             "economic_technological (经济技术开发区), high_tech (高新技术产业开发区), "
                             "industrial_park (工业园区)"),
    ("--province", "浙江省", "unknown --province '浙江省'; published provinces: 四川省, 安徽省, 江苏省, 江西省"),
    ("--province", "江", "unknown --province '江'; published provinces: 四川省, 安徽省, 江苏省, 江西省"),
    ("--city", "杭州", "unknown --city '杭州'; published cities: 上饶, 南通, 合肥, 广元, 淮安"),
    ("--region", "north", "unknown --region 'north'; published regions: central (中部), east (东部), west (西部)"),
])
def test_unknown_peer_group_value_lists_the_published_ones(release_home, option, value, message):
    expect_error(release_home, ["compare", option, value], f"error: {message}")


@pytest.mark.e2e
def test_an_empty_peer_group_is_said_so(release_home):
    month = published_months(release_home)[-1]
    expect_error(release_home, ["compare", "--level", "national", "--type", "industrial_park"],
                 f"no zone of the peer group (level=national, type=industrial_park) has a value of composite_score "
                 f"in {month}")


@pytest.mark.e2e
def test_metric_without_values_in_the_month_lists_the_months_that_have_them(release_home):
    months = [m for (m,) in published(release_home, """
        select distinct strftime(period_date, '%Y-%m') from fct_target_progress
        where measure = 'industrial_revenue' and period = 'Q1' order by 1""")]
    expect_error(release_home, ["compare", "--metric", "industrial_revenue_target_q1_pct", "--month", "2024-06"],
                 "metric industrial_revenue_target_q1_pct has no values in 2024-06; months with values: "
                 + month_ranges(months))


# ---- readers never touch the warehouse -------------------------------------------------------------------------

@pytest.mark.e2e
def test_queries_run_while_the_warehouse_is_locked_by_a_writer(release_home):
    """A writer (dbt) holds the warehouse: compare and zone still answer, from the release, read-only."""
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('locked', flush=True); time.sleep(60)", str(release_home.warehouse)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "locked"
        with pytest.raises(duckdb.IOException):  # the lock is real
            duckdb.connect(str(release_home.warehouse), read_only=True)
        ok(release_home, "compare", "--metric", "tax_per_mu")
        ok(release_home, "zone", "G361149")
    finally:
        stop(writer)
