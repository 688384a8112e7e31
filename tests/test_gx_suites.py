"""The GX lake suites on small frames: code lists reach GX as suite parameters and still fail unknown codes;
failures are reported per zone with file and line; result rows aggregate failures by score and severity."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from pipelines.quality.catalogue import rules_by_id
from pipelines.quality.results import result_rows

MONTH = (2024, 6)


def _zone_rows(rows: list[dict]) -> pd.DataFrame:
    from pipelines.lake_schema import LAKE_TABLES

    base = {"file_sha256": "f1", "source_file": "a.xlsx", "sheet": "Sheet1", "layout_id": "A",
            "received_at": datetime(2024, 7, 1), "vintage": 1, "zone_name_raw": "某园区", "year": 2024,
            "month": 6, "value_basis": "ytd", "unit": "万元", "prior_ytd_value": None, "yoy_pct": 5.0,
            "raw_value": "1", "raw_unit": "万元"}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    return pa_frame(frame, LAKE_TABLES["zone_indicators"])


def pa_frame(frame: pd.DataFrame, schema) -> pd.DataFrame:
    import pyarrow as pa

    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False).to_pandas()


@pytest.mark.filterwarnings("ignore")
def test_lake_suite_fails_unknown_codes_and_negative_values_with_file_and_line(home):
    from pipelines.quality.gx_suites import build_data_docs, data_docs_index, gx_context, validate_lake_rows
    from pipelines.registry import load_zones

    zone, other = (z.zone_code for z in load_zones()[:2])
    frame = _zone_rows([
        {"zone_code": zone, "measure": "industrial_revenue", "value": 100.0, "source_line": 5},
        {"zone_code": zone, "measure": "tax_revenue", "value": -3.0, "source_line": 6},  # ZI-007
        {"zone_code": zone, "measure": "no_such_measure", "value": 1.0, "source_line": 7},  # ZI-003
        {"zone_code": "X999999", "measure": "tax_revenue", "value": 1.0, "source_line": 8, "file_sha256": "f2"},
        {"zone_code": other, "measure": "tax_revenue", "value": 2.0, "source_line": 9, "file_sha256": "f3"},
    ])
    context = gx_context(home)
    rows = validate_lake_rows(home, "zone_indicators.lake", frame, [MONTH], "run-1", context=context)
    by = {(r["rule_id"], r["zone_code"]): r for r in rows}
    assert by[("ZI-002", "X999999")]["failed"] == 1 and by[("ZI-002", zone)]["failed"] == 0
    assert json.loads(by[("ZI-002", "X999999")]["failing_rows"])[0]["detail"] == "zone_code = 'X999999'"
    unknown = json.loads(by[("ZI-003", zone)]["failing_rows"])
    assert [(r["source_line"], r["detail"]) for r in unknown] == [(7, "measure = 'no_such_measure'")]
    negative = by[("ZI-007", zone)]
    assert (negative["checked"], negative["passed"], negative["failed"]) == (3, 2, 1)
    assert json.loads(negative["failing_rows"])[0]["source_line"] == 6
    assert all(r["failed"] == 0 for r in rows if r["zone_code"] == other)
    build_data_docs(context)
    assert data_docs_index(home).exists()
    # the stored suite names the code lists (expect_column_values_to_be_in_reference_set) instead of copying them
    stored = (home.home / "quality" / "gx" / "expectations" / "zone_indicators" / "lake.json").read_text(encoding="utf-8")
    assert '"reference": "zone_codes"' in stored and other not in stored


def test_reference_set_expectation_is_the_in_set_rule_with_a_named_list():
    """Same verdicts as expect_column_values_to_be_in_set with the list written out: missing values are not
    evaluated, unknown codes fail, the list is read from sources/."""
    import great_expectations as gx

    from pipelines.quality.gx_reference import ExpectColumnValuesToBeInReferenceSet, reference_values
    from pipelines.registry import load_zones

    codes = [z.zone_code for z in load_zones()]
    assert reference_values("zone_codes") == frozenset(codes) and len(codes) == 2543
    with pytest.raises(ValueError, match="unknown reference set 'nope'"):
        reference_values("nope")
    frame = pd.DataFrame({"zone_code": [codes[0], "X999999", None, codes[-1], "G32"]})
    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("t").add_dataframe_asset("a").add_batch_definition_whole_dataframe(
        "b").get_batch(batch_parameters={"dataframe": frame})
    named = batch.validate(ExpectColumnValuesToBeInReferenceSet(column="zone_code", reference="zone_codes"),
                           result_format="COMPLETE")
    listed = batch.validate(gx.expectations.ExpectColumnValuesToBeInSet(column="zone_code", value_set=codes),
                            result_format="COMPLETE")
    assert not named.success and named.result["unexpected_list"] == listed.result["unexpected_list"] == [
        "X999999", "G32"]
    assert named.result["unexpected_index_list"] == listed.result["unexpected_index_list"] == [1, 4]
    assert named.result["missing_count"] == listed.result["missing_count"] == 1


def test_result_rows_sample_the_highest_scores_first_and_take_the_worst_severity():
    rule = rules_by_id()["ZI-203"]
    items = pd.DataFrame({
        "zone_code": ["Z1", "Z1", "Z1", "Z2", "Z2"], "year": 2024, "month": 6,
        "ok": pd.array([False, False, True, False, None], dtype="boolean"),
        "subject": ["a", "b", "c", "a", "b"], "detail": ["d1", "d2", "", "d4", ""],
        "file_sha256": ["f1", "f1", "f1", "f2", "f2"], "source_file": "x.xlsx", "source_line": [3, 4, 5, 3, 4],
        "score": [5.0, 40.0, None, None, None], "severity": [None, "error", None, None, None]})
    rows = {r["zone_code"]: r for r in result_rows(rule, items, [MONTH], run_id="r", checked_at=datetime(2024, 7, 1))}
    z1, z2 = rows["Z1"], rows["Z2"]
    assert [r["subject"] for r in json.loads(z1["failing_rows"])] == ["b", "a"]
    assert (z1["severity"], z1["score"], z1["failed"], z1["passed"]) == ("error", 40.0, 2, 1)
    assert (z2["severity"], z2["score"], z2["failed"], z2["not_evaluable"]) == ("warning", None, 1, 1)
    assert json.loads(z2["failing_rows"]) == [{"subject": "a", "detail": "d4", "file_sha256": "f2",
                                               "source_file": "x.xlsx", "source_line": 3}]


@pytest.mark.parametrize("with_nulls", [True, False])
def test_lake_frames_have_the_dtypes_and_values_duckdb_gives(tmp_path, with_nulls):
    """The checks read lake rows through Arrow; GX and the failure details must see what `.df()` gave."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipelines.assets.ingest import arrow_to_pandas
    from pipelines.lake_schema import LAKE_TABLES

    samples = {pa.string(): ["a", "b", "c"], pa.bool_(): [True, False, True], pa.float64(): [1.5, -2.0, 0.0],
               pa.date32(): [datetime(2024, 1, 2).date(), datetime(2023, 12, 31).date(), datetime(2024, 6, 1).date()],
               pa.timestamp("us"): [datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 7, 1), datetime(2023, 1, 1)]}
    for name, schema in LAKE_TABLES.items():
        columns = {}
        for i, field in enumerate(schema):
            values = samples.get(field.type, [1, 2, 3])
            columns[field.name] = pa.array([None if with_nulls and j == i % 3 else v for j, v in enumerate(values)],
                                           type=field.type)
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table(columns), path)
        with duckdb.connect() as con:
            expected = con.execute("select * from read_parquet(?)", [str(path)]).df()
            got = arrow_to_pandas(con.sql("select * from read_parquet($p)", params={"p": str(path)}).to_arrow_table())
        pd.testing.assert_frame_equal(got, expected)
