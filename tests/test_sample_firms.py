"""Enterprise (firm) ledgers of the sample generator: layouts E1/E2, their truth, and the bad-input fixture."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import uscc

from pipelines.sample import SampleSummary, generate_sample, write_bad_firm_ledger
from pipelines.sample.firms import is_valid_org_code
from pipelines.sample.scenario import ZONE_BY_CODE

E1_ZONES = ("G321100", "G322077", "S327065", "S327131", "S327069", "S327070", "S327068", "S327067", "S329064")
E1_ZONES += ("G361149",)
E2_ZONES = ("G321016", "G511193", "G341022")
FLOWS = ("revenue", "tax", "value_added", "energy_tce", "electricity_kwh", "emissions_t", "rd_spend")
E1_HEADER = [
    "序号", "统一社会信用代码", "企业名称", "行业代码", "是否规上", "用地性质", "用地面积", "投产年限",
    "营业收入", "实缴税金", "工业增加值", "综合能耗", "用电量", "排放当量", "从业人员", "研发经费",
]  # fmt: skip
E2_HEADER = (
    "统计期,园区,信用代码,单位名称,国民经济行业,规模,自有土地面积(平方米),是否租赁,投产年限(年),"
    "营业收入(千元),税金(千元),增加值(千元),能耗(吨标煤),用电(千瓦时),排放当量(吨),平均从业人数,研发投入(千元)"
)


@pytest.fixture(scope="module")
def sample(sample_summary: SampleSummary) -> SampleSummary:
    return sample_summary


@pytest.fixture(scope="module")
def firms(sample: SampleSummary) -> pd.DataFrame:
    return pd.read_csv(
        sample.truth_dir / "firm_indicators.csv",
        dtype={"uscc": str, "industry_code": str, "zone_code": str, "firm_name": str},
        keep_default_na=False,
    )


@pytest.fixture(scope="module")
def zones(sample: SampleSummary) -> pd.DataFrame:
    truth = pd.read_csv(sample.truth_dir / "zone_indicators.csv", dtype={"zone_code": str})
    return truth.pivot_table(
        index=["zone_code", "year", "month"], columns="measure", values="ytd_value", aggfunc="first"
    )


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _e1_path(sample: SampleSummary, code: str, year: int, month: int) -> Path:
    name = ZONE_BY_CODE[code].ledger_name
    period = "1月" if month == 1 else f"1-{month}月"
    return sample.landing_dir / name / f"{name}{year}年{period}工业企业亩均效益监测台账.xlsx"


def _e2_path(sample: SampleSummary, code: str, year: int, month: int) -> Path:
    name = ZONE_BY_CODE[code].ledger_name
    return sample.landing_dir / name / f"{name}_企业效益数据_{year}{month:02d}.csv"


# --- counts, names, timing -------------------------------------------------------------------------


def test_file_counts_per_layout(sample: SampleSummary) -> None:
    assert sample.files_per_layout["E1"] == 10 * 24
    assert sample.files_per_layout["E2"] == 3 * 24
    for year in (2023, 2024):
        for month in range(1, 13):
            for code in E1_ZONES:
                assert _e1_path(sample, code, year, month).is_file()
            for code in E2_ZONES:
                assert _e2_path(sample, code, year, month).is_file()
    assert sample.truth_dir / "firm_indicators.csv" in sample.truth_files
    on_disk = [p for p in sample.landing_dir.rglob("*") if p.is_file()]
    assert len(on_disk) == sample.total_files == sum(sample.files_per_layout.values())


def test_without_firms_nothing_is_written(tmp_path: Path) -> None:
    summary = generate_sample(tmp_path / "landing", tmp_path / "truth", "2024-01", "2024-03", firms=False)
    assert summary.files_per_layout["E1"] == summary.files_per_layout["E2"] == 0
    assert not (tmp_path / "truth" / "firm_indicators.csv").exists()
    assert not list((tmp_path / "landing").rglob("*企业*"))


def test_firm_ledger_arrives_after_the_zone_ledger(sample: SampleSummary) -> None:
    for code in ("G321100", "G361149", "S327131"):
        firm_file = _e1_path(sample, code, 2024, 3)
        arrived = datetime.fromtimestamp(firm_file.stat().st_mtime)
        assert (arrived.year, arrived.month, arrived.day) == (2024, 4, 8)
    zone = sample.landing_dir / "淮安经开区" / "淮安经开区2024年1-3月主要经济指标.xlsx"
    city = sample.landing_dir / "淮安市" / "淮安市省级开发区2024年3月主要指标.csv"
    assert zone.stat().st_mtime < _e1_path(sample, "G321100", 2024, 3).stat().st_mtime
    assert city.stat().st_mtime < _e1_path(sample, "S327131", 2024, 3).stat().st_mtime
    december = datetime.fromtimestamp(_e2_path(sample, "G341022", 2024, 12).stat().st_mtime)
    assert (december.year, december.month, december.day) == (2025, 1, 8)


def test_two_runs_are_byte_identical(sample: SampleSummary, tmp_path: Path) -> None:
    # tests/test_sample_generator.py checks the whole sample; here the firm ledgers alone, for a short range
    first = generate_sample(tmp_path / "a" / "landing", tmp_path / "a" / "truth", "2024-01", "2024-03", projects=False)
    again = generate_sample(tmp_path / "b" / "landing", tmp_path / "b" / "truth", "2024-01", "2024-03", projects=False)
    assert again.files_per_layout == first.files_per_layout and first.files_per_layout["E1"] > 0
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")


# --- identifiers and population -----------------------------------------------------------------


def test_every_uscc_is_valid_and_unique(firms: pd.DataFrame) -> None:
    codes = firms["uscc"].drop_duplicates()
    assert codes.map(uscc.is_valid).all()
    assert (codes.str.len() == 18).all() and codes.str.startswith("91").all()
    assert codes.map(lambda c: is_valid_org_code(c[8:17])).all()
    # unique within every ledger, and one code never names two firms or belongs to two zones
    assert not firms.duplicated(["zone_code", "year", "month", "uscc"]).any()
    assert (firms.groupby("uscc")["zone_code"].nunique() == 1).all()
    assert (firms.groupby("uscc")["firm_name"].nunique() == 1).all()
    assert not firms.duplicated(["zone_code", "year", "month", "firm_name"]).any()
    divisions = firms.assign(division=firms["uscc"].str[2:8]).groupby("zone_code")["division"].unique()
    assert list(divisions["G361149"]) == ["361102"]
    assert list(divisions["G321016"]) == ["320691"]


def test_population_shape(firms: pd.DataFrame) -> None:
    layouts = firms.groupby("zone_code")["layout"].unique()
    assert {code for code, values in layouts.items() if list(values) == ["E1"]} == set(E1_ZONES)
    assert {code for code, values in layouts.items() if list(values) == ["E2"]} == set(E2_ZONES)
    per_ledger = firms.groupby(["zone_code", "year", "month"]).size()
    assert per_ledger.between(40, 250).all()
    assert per_ledger.loc["G361149"].min() >= 230 and per_ledger.loc["G341022"].min() >= 230
    december = firms[firms["month"] == 12]
    for (code, _year), group in december.groupby(["zone_code", "year"]):
        utilities = group["industry_code"].isin(["4411", "4430", "4610"]).sum()
        assert 1 <= utilities <= 3
        assert 0.05 <= (~group["own_land"]).mean() <= 0.16
        assert (group.loc[~group["own_land"], "land_mu"] == 0).all()
        assert (group.loc[group["own_land"], "land_mu"] > 0).all()
        if code != "S327131":  # 清河: the zone counts only 18 规上 firms, fewer than 70% of 40
            assert 0.6 <= group["above_scale"].mean() <= 0.8
    young = december.groupby("year")["years_in_production"].apply(lambda s: (s < 2).mean())
    assert young.between(0.03, 0.08).all()
    assert firms["industry_code"].str.fullmatch(r"\d{4}").all()
    above = december[december["above_scale"]]
    assert (above["revenue"] >= 2000).all()
    assert (december.loc[~december["above_scale"], "revenue"] < 2000).all()


def test_population_is_stable_with_some_turnover(firms: pd.DataFrame) -> None:
    for _code, group in firms.groupby("zone_code"):
        by_year = {year: set(g["uscc"]) for year, g in group.groupby("year")}
        for _year, g in group.groupby("year"):
            per_month = [frozenset(m["uscc"]) for _, m in g.groupby("month")]
            assert len(per_month) == 12 and len(set(per_month)) == 1  # listed in every month of the year
        new, gone = by_year[2024] - by_year[2023], by_year[2023] - by_year[2024]
        assert 1 <= len(new) <= max(3, 0.08 * len(by_year[2023]))
        assert 1 <= len(gone) <= max(3, 0.05 * len(by_year[2023]))


# --- values ---------------------------------------------------------------------------------------


def test_flows_ytd_never_decrease_within_a_year(firms: pd.DataFrame) -> None:
    ordered = firms.sort_values(["uscc", "year", "month"])
    steps = ordered.groupby(["uscc", "year"])[list(FLOWS)].diff().dropna()
    assert (steps >= 0).all().all()
    assert (firms[list(FLOWS)] >= 0).all().all()


def test_ratios_are_plausible(firms: pd.DataFrame) -> None:
    december = firms[(firms["month"] == 12) & (firms["revenue"] > 0)]
    tax_rate = december["tax"] / december["revenue"]
    assert tax_rate.between(0.025, 0.095).all() and tax_rate.std() > 0.01
    assert (december["value_added"] / december["revenue"]).between(0.17, 0.34).all()
    assert (december["rd_spend"] / december["revenue"]).between(0, 0.065).all()
    assert (december["rd_spend"] == 0).any()
    own = december[december["land_mu"] > 0]
    per_mu = own["tax"] / own["land_mu"]
    assert per_mu.quantile(0.95) > 10 * per_mu.quantile(0.05)  # heterogeneous, with a low-yield tail


def test_firms_are_a_subset_of_their_zone(firms: pd.DataFrame, zones: pd.DataFrame) -> None:
    keys = ["zone_code", "year", "month"]
    above = firms[firms["above_scale"]].groupby(keys)
    totals = pd.DataFrame(
        {
            "revenue_above": above["revenue"].sum(),
            "n_above": above.size(),
            "tax": firms.groupby(keys)["tax"].sum(),
            "land": firms.groupby(keys)["land_mu"].sum(),
        }
    )
    joined = totals.join(zones, how="inner")  # layout C has no January ledger of its own
    assert len(joined) == 13 * 24 - 3 * 2
    share = joined["revenue_above"] / joined["industrial_revenue"]
    assert share.between(0.55, 0.90).all(), share.describe()
    assert (joined["tax"] <= joined["tax_revenue"]).all()
    assert (joined["land"] <= joined["industrial_land"]).all()
    assert (joined["n_above"] <= joined["above_scale_firms"]).all()
    # the corrected vintage is the one firms are scaled to
    assert 0.55 <= share.loc[("G322077", 2024, 6)] <= 0.90


# --- the files as written -------------------------------------------------------------------------


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


def test_e1_file_matches_truth(sample: SampleSummary, firms: pd.DataFrame) -> None:
    path = _e1_path(sample, "G361149", 2024, 3)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("企业台账").to_python()
    assert rows[0][0] == "上饶经开区2024年1-3月工业企业亩均效益监测台账"
    assert rows[1][0] == "金额单位：万元；用地：亩；能耗：吨标准煤；用电：万千瓦时；排放：吨"
    assert rows[2] == E1_HEADER
    truth = firms.query("zone_code == 'G361149' and year == 2024 and month == 3").reset_index(drop=True)
    data = rows[3 : 3 + len(truth)]
    assert rows[3 + len(truth)] == [""] * 16
    assert rows[4 + len(truth)][0] == "注：数据来源于税务、电力、统计部门及企业填报。"
    assert len(rows) == 5 + len(truth)
    for i, (row, t) in enumerate(zip(data, truth.itertuples(), strict=True), start=1):
        assert row[0] == i and row[1] == t.uscc and row[2] == t.firm_name and row[3] == t.industry_code
        assert row[4] == ("是" if t.above_scale else "否")
        assert row[5] == ("自有" if t.own_land else "租赁")
        assert _dec(row[6]) == _dec(t.land_mu) and row[7] == t.years_in_production
        assert [_dec(v) for v in row[8:12]] == [
            _dec(t.revenue),
            _dec(t.tax),
            _dec(t.value_added),
            _dec(t.energy_tce),
        ]
        assert _dec(row[12]) * 10000 == _dec(t.electricity_kwh)
        assert (
            _dec(row[13]) == _dec(t.emissions_t)
            and row[14] == t.employees
            and _dec(row[15]) == _dec(t.rd_spend)
        )


def test_e2_is_utf8_bom_csv_matching_truth(sample: SampleSummary, firms: pd.DataFrame) -> None:
    path = _e2_path(sample, "G341022", 2024, 3)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == E2_HEADER
    truth = firms.query("zone_code == 'G341022' and year == 2024 and month == 3").reset_index(drop=True)
    records = list(csv.reader(io.StringIO(text)))[1:]
    assert len(records) == len(truth)
    assert any('","' in line or ',"' in line for line in lines[1:])  # money is quoted
    to_wan, mu_per_m2 = Decimal("0.1"), Decimal("0.0015")
    for rec, t in zip(records, truth.itertuples(), strict=True):
        assert rec[:6] == [
            "2024-03",
            "合肥经开区",
            t.uscc,
            t.firm_name,
            t.industry_code,
            "规上" if t.above_scale else "规下",
        ]
        assert rec[6].isdigit() and Decimal(rec[6]) * mu_per_m2 == _dec(t.land_mu)
        assert rec[7] == ("否" if t.own_land else "是") and int(rec[8]) == t.years_in_production
        money = [Decimal(rec[i].replace(",", "")) * to_wan for i in (9, 10, 11, 16)]
        assert money == [_dec(t.revenue), _dec(t.tax), _dec(t.value_added), _dec(t.rd_spend)]
        assert all(len(rec[i].split(".")[1]) == 1 for i in (9, 10, 11, 16))
        assert Decimal(rec[12]) == _dec(t.energy_tce) and Decimal(rec[13]) == _dec(t.electricity_kwh)
        assert rec[13].isdigit() and len(rec[14].split(".")[1]) == 3 and int(rec[15]) == t.employees
    big = [r[9] for r in records if Decimal(r[9].replace(",", "")) >= 1000]
    assert big and all("," in v for v in big)
    for code in E2_ZONES:  # every E2 file decodes
        for month in (1, 12):
            _e2_path(sample, code, 2023, month).read_bytes().decode("utf-8-sig")


# --- bad input fixture ----------------------------------------------------------------------------


def _find_problems(rows: list[list[object]]) -> list[dict]:
    """A minimal reference validator: check digits, duplicates within the file, negative land."""
    problems: list[dict] = []
    seen: Counter[str] = Counter()
    for line, row in enumerate(rows, start=1):
        if line < 4 or not isinstance(row[0], float):
            continue
        code = str(row[1])
        if not uscc.is_valid(code) or not is_valid_org_code(code[8:17]) or seen[code]:
            problems.append({"line": line, "field": "统一社会信用代码"})
        seen[code] += 1
        if float(row[6]) < 0:
            problems.append({"line": line, "field": "用地面积"})
    return problems


def test_bad_firm_ledger_has_exactly_the_stated_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad" / "淮安经开区2024年1-3月工业企业亩均效益监测台账.xlsx"
    expected = write_bad_firm_ledger(path)
    assert expected == [
        {"line": 6, "field": "统一社会信用代码"},
        {"line": 11, "field": "统一社会信用代码"},
        {"line": 9, "field": "用地面积"},
    ]
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("企业台账").to_python()
    assert rows[0][0] == "淮安经开区2024年1-3月工业企业亩均效益监测台账" and rows[2] == E1_HEADER
    data = [r for r in rows[3:] if isinstance(r[0], float)]
    assert len(data) == 10
    key = lambda p: (p["line"], p["field"])  # noqa: E731
    assert sorted(_find_problems(rows), key=key) == sorted(expected, key=key)
    assert rows[7][1] == rows[10][1] and uscc.is_valid(rows[7][1])
    assert rows[8][6] == -5.0 and rows[8][5] == "自有"
    assert uscc.calc_check_digit(rows[5][1][:17]) != rows[5][1][17]
    # the same call writes the same bytes
    again = tmp_path / "again.xlsx"
    write_bad_firm_ledger(again)
    assert again.read_bytes() == path.read_bytes()
