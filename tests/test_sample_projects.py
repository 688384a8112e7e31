"""Project ledgers of the sample generator: layouts P1/P2, their truth, calibration and the bad-input fixtures."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from pipelines.lake_schema import PROJECT_SNAPSHOTS
from pipelines.sample.projects import (
    P1_HEADER,
    P2_HEADER,
    generate_projects,
    project_submission_time,
    write_bad_project_ledger,
    write_bad_unit_project_ledger,
)
from pipelines.sample.scenario import ZONE_BY_CODE, ZONES
from pipelines.sample.simulate import simulate_zone

P1_ZONES = ("G361149", "G511193", "G341022", "G321100", "G322077")
P2_ZONES = tuple(z.code for z in ZONES if z.code not in P1_ZONES)
MONTHS = [(y, m) for y in (2023, 2024) for m in range(1, 13)]
DATES = ("negotiation_date", "signed_date", "started_date", "completed_date", "production_date")
MONEY = ("total_investment", "annual_plan_investment", "investment_completed_ytd", "funds_in_place")
STAGE_DATE = {
    "negotiation": "negotiation_date", "signed": "signed_date", "started": "started_date",
    "completed": "completed_date", "production": "production_date", "revived": "revived_date",
}  # fmt: skip
GUANGYUAN_2023 = {
    "negotiation": (265, None),
    "signed": (183, Decimal(9_563_000)),
    "started": (363, Decimal(5_844_000)),
    "completed": (400, None),
    "revived": (30, None),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("projects")
    counts = generate_projects(root / "landing", root / "truth")
    return root, counts


@pytest.fixture(scope="module")
def snapshots(generated: tuple[Path, dict[str, int]]) -> list[dict[str, str]]:
    root, _ = generated
    with (root / "truth" / "project_snapshots.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _p1_path(root: Path, code: str, year: int, month: int) -> Path:
    name = ZONE_BY_CODE[code].ledger_name
    return root / "landing" / name / f"{name}招商引资及重点项目台账（{year}年{month}月）.xlsx"


def _p2_path(root: Path, code: str, year: int, month: int) -> Path:
    name = ZONE_BY_CODE[code].ledger_name
    return root / "landing" / name / f"{name}_项目库_{year}{month:02d}.csv"


def _p1_rows(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("项目台账").to_python()


def _dec(value: object) -> Decimal | None:
    if value in ("", None):
        return None
    return Decimal(str(value))


def _day(value: object) -> date | None:
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# --- files ---------------------------------------------------------------------------------------------


def test_files_per_layout(generated: tuple[Path, dict[str, int]]) -> None:
    root, counts = generated
    assert counts == {"P1": 5 * 24, "P2": 8 * 24}
    for year, month in MONTHS:
        for code in P1_ZONES:
            assert _p1_path(root, code, year, month).is_file()
        for code in P2_ZONES:
            assert _p2_path(root, code, year, month).is_file()
    assert len([p for p in (root / "landing").rglob("*") if p.is_file()]) == 13 * 24


def test_mtimes_on_the_ninth(generated: tuple[Path, dict[str, int]]) -> None:
    root, _ = generated
    for code in P1_ZONES:
        path = _p1_path(root, code, 2023, 12)
        expected = project_submission_time(code, 2023, 12)
        assert path.stat().st_mtime == expected.timestamp()
        assert expected.date() == date(2024, 1, 9)
        assert datetime(2024, 1, 9, 10) <= expected < datetime(2024, 1, 9, 11, 30)
    stamps = {project_submission_time(z.code, 2024, 3) for z in ZONES}
    assert len(stamps) > 5  # zones have their own habits


def test_p1_layout_matches_truth(
    generated: tuple[Path, dict[str, int]], snapshots: list[dict[str, str]]
) -> None:
    root, _ = generated
    truth = defaultdict(list)
    for r in snapshots:
        truth[(r["zone_code"], int(r["year"]), int(r["month"]))].append(r)
    for code, year, month in (("G511193", 2023, 12), ("G361149", 2024, 3), ("G321100", 2023, 1)):
        rows = _p1_rows(_p1_path(root, code, year, month))
        name = ZONE_BY_CODE[code].ledger_name
        assert rows[0][0] == f"{name}招商引资及重点项目台账"
        assert rows[1][0] == f"截至{year}年{month}月末\u3000金额单位：万元；用地：亩"
        assert tuple(rows[2]) == P1_HEADER
        data = [r for r in rows[3:] if r[1]]
        expected = truth[(code, year, month)]
        assert len(data) == len(expected) > 0
        for got, want in zip(data, expected, strict=True):
            cell = dict(zip(P1_HEADER, got, strict=True))
            assert cell["项目编号"] == want["project_id"]
            assert cell["是否外资"] == ("是" if want["is_foreign"] == "true" else "否")
            assert cell["是否重点项目"] == ("是" if want["is_key_project"] == "true" else "否")
            assert {"在建": "active", "停滞": "stalled", "终止": "dropped"}[cell["项目状态"]] == want[
                "status"
            ]
            assert _dec(cell["协议投资额"]) == _dec(want["total_investment"])
            assert _dec(cell["其中外资(万美元)"]) == _dec(want["foreign_investment_usd"])
            assert _dec(cell["用地面积"]) == _dec(want["land_mu"])
            assert _dec(cell["本年完成投资"]) == _dec(want["investment_completed_ytd"])
            assert _dec(cell["到位资金"]) == _dec(want["funds_in_place"])
            for label, field in zip(
                ("洽谈日期", "签约日期", "开工日期", "竣工日期", "投产日期"), DATES, strict=True
            ):
                assert cell[label] == "" or isinstance(cell[label], date)
                assert _day(cell[label]) == _day(want[field])


def test_p2_is_gbk_and_matches_truth(
    generated: tuple[Path, dict[str, int]], snapshots: list[dict[str, str]]
) -> None:
    root, _ = generated
    truth = defaultdict(list)
    for r in snapshots:
        truth[(r["zone_code"], int(r["year"]), int(r["month"]))].append(r)
    for code in P2_ZONES:
        raw = _p2_path(root, code, 2024, 3).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # Chinese text in GBK is not valid UTF-8
        lines = list(csv.reader(io.StringIO(raw.decode("gbk"), newline="")))
        assert tuple(lines[0]) == P2_HEADER
        expected = truth[(code, 2024, 3)]
        assert len(lines) - 1 == len(expected) > 0
        for got, want in zip(lines[1:], expected, strict=True):
            cell = dict(zip(P2_HEADER, got, strict=True))
            assert cell["快照月份"] == "2024-03"
            assert cell["园区"] == ZONE_BY_CODE[code].ledger_name
            assert cell["项目代码"] == want["project_id"]
            assert re.fullmatch(r"\d+\.\d{4}", cell["总投资(亿元)"])
            assert Decimal(cell["总投资(亿元)"]) * 10_000 == Decimal(want["total_investment"])
            land = _dec(cell["占地(公顷)"])
            assert (None if land is None else land * 15) == _dec(want["land_mu"])
            assert _dec(cell["预计年产值(亿元)"]) * 10_000 == Decimal(want["expected_annual_output"])
            assert _dec(cell["1-N月完成投资(万元)"]) == _dec(want["investment_completed_ytd"])
            assert cell["外资项目"] == ("Y" if want["is_foreign"] == "true" else "N")
            assert {"正常推进": "active", "停滞": "stalled", "终止": "dropped"}[cell["状态"]] == want[
                "status"
            ]
            assert _day(cell["开工"]) == _day(want["started_date"])
            assert want["is_key_project"] == "false"


# --- truth ---------------------------------------------------------------------------------------------


def test_truth_columns(generated: tuple[Path, dict[str, int]], snapshots: list[dict[str, str]]) -> None:
    names = PROJECT_SNAPSHOTS.names
    assert list(snapshots[0]) == ["zone_code", *names[names.index("zone_name_raw") + 1 :], "layout"]
    assert {r["status"] for r in snapshots} == {"active", "stalled", "dropped"}
    assert {r["layout"] for r in snapshots} == {"P1", "P2"}


def test_calibration_guangyuan(generated: tuple[Path, dict[str, int]]) -> None:
    root, _ = generated
    totals = {
        (r["zone_code"], r["year"], r["stage"]): r for r in _read(root / "truth" / "project_totals.csv")
    }
    for stage, (count, amount) in GUANGYUAN_2023.items():
        row = totals[("G511193", "2023", stage)]
        assert int(row["projects"]) == count
        if amount is not None:
            assert Decimal(row["total_investment"]) == amount
    assert sum(c for c, _ in GUANGYUAN_2023.values()) == 1241
    # the same from the events and from the December ledger as written
    events = [r for r in _read(root / "truth" / "project_events.csv") if r["zone_code"] == "G511193"]
    rows = _p1_rows(_p1_path(root, "G511193", 2023, 12))
    data = [dict(zip(P1_HEADER, r, strict=True)) for r in rows[3:] if r[1]]
    labels = {"negotiation": "洽谈日期", "signed": "签约日期", "started": "开工日期", "completed": "竣工日期",
              "revived": "盘活日期"}  # fmt: skip
    for stage, (count, amount) in GUANGYUAN_2023.items():
        ev = [e for e in events if e["year"] == "2023" and e["stage"] == stage]
        assert len(ev) == count
        in_file = [r for r in data if r[labels[stage]] != "" and _day(r[labels[stage]]).year == 2023]
        assert len(in_file) == count
        if amount is not None:
            assert sum(Decimal(e["total_investment"]) for e in ev) == amount
            assert sum(_dec(r["协议投资额"]) for r in in_file) == amount


def test_calibration_shangrao(generated: tuple[Path, dict[str, int]]) -> None:
    root, _ = generated
    totals = {
        (r["zone_code"], r["year"], r["stage"]): r for r in _read(root / "truth" / "project_totals.csv")
    }
    row = totals[("G361149", "2023", "signed")]
    assert (int(row["projects"]), Decimal(row["total_investment"])) == (117, Decimal(3_751_600))
    rows = _p1_rows(_p1_path(root, "G361149", 2023, 12))
    data = [dict(zip(P1_HEADER, r, strict=True)) for r in rows[3:] if r[1]]
    signed = [(_day(r["签约日期"]), _dec(r["协议投资额"])) for r in data if r["签约日期"] != ""]
    year = [(d, a) for d, a in signed if d.year == 2023]
    august = [(d, a) for d, a in year if d >= date(2023, 8, 1)]
    assert (len(year), sum(a for _, a in year)) == (117, Decimal(3_751_600))
    assert (len(august), sum(a for _, a in august)) == (92, Decimal(1_555_600))


def test_events_match_first_snapshot(
    generated: tuple[Path, dict[str, int]], snapshots: list[dict[str, str]]
) -> None:
    root, _ = generated
    first: dict[tuple[str, str, str], tuple[int, int]] = {}
    for r in snapshots:
        for stage, field in STAGE_DATE.items():
            if r[field]:
                key = (r["zone_code"], r["project_id"], stage)
                month = (int(r["year"]), int(r["month"]))
                d = date.fromisoformat(r[field])
                if (d.year, d.month) >= (2023, 1) and key not in first:
                    first[key] = month
    events = {
        (e["zone_code"], e["project_id"], e["stage"]): (int(e["year"]), int(e["month"]))
        for e in _read(root / "truth" / "project_events.csv")
    }
    assert events == first


def test_stage_dates_ordered(snapshots: list[dict[str, str]]) -> None:
    for r in snapshots:
        dates = [date.fromisoformat(r[f]) for f in DATES if r[f]]
        assert dates == sorted(dates), r["project_id"]
        assert r["negotiation_date"]  # every listed project has reached 洽谈
        if r["revived_date"]:
            assert r["revived_date"] >= r["negotiation_date"]
        # no gaps: a later stage implies the earlier ones
        present = [bool(r[f]) for f in DATES]
        assert present == sorted(present, reverse=True), r["project_id"]


def test_ids_unique_and_bound_to_one_zone(snapshots: list[dict[str, str]]) -> None:
    zone_of: dict[str, str] = {}
    fixed: dict[str, tuple[str, str, str]] = {}
    seen: set[tuple[str, str, str, str]] = set()
    for r in snapshots:
        pid = r["project_id"]
        assert re.fullmatch(r"[A-Z]{2}-20(2[1-4])-\d{4}", pid), pid
        assert pid[3:7] == r["negotiation_date"][:4]  # year of entry
        assert zone_of.setdefault(pid, r["zone_code"]) == r["zone_code"]
        key = (r["zone_code"], r["year"], r["month"], pid)
        assert key not in seen
        seen.add(key)
        attrs = (r["project_name"], r["total_investment"], r["industry_code"])
        assert fixed.setdefault(pid, attrs) == attrs
    prefixes = defaultdict(set)
    for pid, code in zone_of.items():
        prefixes[pid[:2]].add(code)
    assert all(len(codes) == 1 for codes in prefixes.values())


def test_investment_paths(snapshots: list[dict[str, str]]) -> None:
    last: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for r in snapshots:  # zone, year, month order
        total = Decimal(r["total_investment"])
        assert total > 0
        if r["funds_in_place"]:
            assert Decimal(r["funds_in_place"]) <= total
        if r["investment_completed_ytd"]:
            ytd, plan = Decimal(r["investment_completed_ytd"]), Decimal(r["annual_plan_investment"])
            assert ytd <= plan * Decimal("1.2")
            key = (r["project_id"], r["year"])
            previous = last.get(key)
            funds = Decimal(r["funds_in_place"] or 0)
            if previous is not None:
                assert ytd >= previous[0]  # 本年完成投资 never falls within a year
                assert funds >= previous[1]
            last[key] = (ytd, funds)
        if r["is_foreign"] == "true":
            assert Decimal(r["foreign_investment_usd"]) > 0
        else:
            assert r["foreign_investment_usd"] == ""
        if r["land_mu"] and r["started_date"]:
            intensity = total / Decimal(r["land_mu"])
            assert 50 < intensity < 3000


def test_intensity_and_foreign_shares(snapshots: list[dict[str, str]]) -> None:
    latest = {r["project_id"]: r for r in snapshots}
    intensities = sorted(
        float(Decimal(r["total_investment"]) / Decimal(r["land_mu"])) for r in latest.values() if r["land_mu"]
    )
    inside = sum(150 <= x <= 600 for x in intensities) / len(intensities)
    below = sum(x < 300 for x in intensities) / len(intensities)
    assert inside > 0.75 and 0.1 < below < 0.6
    foreign = sum(r["is_foreign"] == "true" for r in latest.values()) / len(latest)
    assert 0.08 < foreign < 0.22


def test_share_of_zone_investment(snapshots: list[dict[str, str]]) -> None:
    spent: dict[tuple[str, int, int], Decimal] = defaultdict(Decimal)
    for r in snapshots:
        if r["investment_completed_ytd"]:
            spent[(r["zone_code"], int(r["year"]), int(r["month"]))] += Decimal(r["investment_completed_ytd"])
    for zone in ZONES:
        series = simulate_zone(zone, [2023, 2024])
        for year, month in MONTHS:
            fai = series.ytd("fixed_asset_investment", year, month)
            if fai > 0:
                share = spent[(zone.code, year, month)] / fai
                assert Decimal("0.4") <= share <= Decimal("0.9"), (zone.code, year, month, share)


# --- determinism ---------------------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_deterministic(generated: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    root, _ = generated
    for run in ("a", "b"):
        generate_projects(tmp_path / run / "landing", tmp_path / run / "truth", "2024-01", "2024-03")
    first, second = _snapshot(tmp_path / "a" / "landing"), _snapshot(tmp_path / "b" / "landing")
    assert first == second and len(first) == 13 * 3
    assert _snapshot(tmp_path / "a" / "truth") == _snapshot(tmp_path / "b" / "truth")
    full = _snapshot(root / "landing")
    assert all(full[name] == value for name, value in first.items())  # same files in the full run


# --- bad fixtures --------------------------------------------------------------------------------------


def test_bad_date_fixture(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    errors = write_bad_project_ledger(path)
    assert errors == [{"line": 5, "field": "开工日期"}]
    rows = _p1_rows(path)
    assert rows[0][0] == "淮安经开区招商引资及重点项目台账"
    assert rows[1][0].startswith("截至2024年3月末")
    data = [dict(zip(P1_HEADER, r, strict=True)) for r in rows[3:] if r[1]]
    assert len(data) == 8
    for line, r in enumerate(data, start=4):
        dates = [_day(r[label]) for label in ("洽谈日期", "签约日期", "开工日期", "竣工日期", "投产日期")]
        dates = [d for d in dates if d is not None]
        assert (dates == sorted(dates)) == (line != 5)
        if line == 5:
            assert _day(r["开工日期"]) < _day(r["签约日期"])
    assert len({r["项目编号"] for r in data}) == 8


def test_bad_unit_fixture(tmp_path: Path) -> None:
    path = tmp_path / "bad_unit.xlsx"
    errors = write_bad_unit_project_ledger(path)
    rows = _p1_rows(path)
    assert rows[2][6] == "协议投资额(万英镑)"
    assert [r for i, r in enumerate(rows[2]) if i != 6] == [h for i, h in enumerate(P1_HEADER) if i != 6]
    data_lines = [i + 1 for i, r in enumerate(rows) if i >= 3 and r[1]]
    assert errors == [{"line": line, "field": "协议投资额(万英镑)"} for line in data_lines]
    assert len(errors) == 8
    for r in rows[3:11]:
        dates = [_day(v) for v in r[9:14] if v != ""]
        assert dates == sorted(dates)


def test_submission_offsets_stay_in_the_morning() -> None:
    for zone in ZONES:
        t = project_submission_time(zone.code, 2024, 12)
        assert t.date() == date(2025, 1, 9)
        assert timedelta(0) <= t - datetime(2025, 1, 9, 10) < timedelta(minutes=90)
