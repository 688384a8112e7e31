"""Hidiroglou–Berthelot outliers (pipelines/quality/hb.py), checked against a worked example done by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipelines.quality.hb import MIN_UNITS, RESULT_COLUMNS, HBParams, hb_bounds, hb_scores

# Worked example: 8 zones, U = 0.5, A = 0.05, C = 4. Sizes are chosen so that max(y_t, y_(t-1)) is a perfect
# square, ratios so that r_M = 1 and s is exact. Eight units (even n) rather than seven: with an odd n the
# median ratio belongs to a unit whose s = 0 and, as s has the sign of r - r_M, E_M is then always 0; with
# an even n E_M is nonzero and the |A * E_M| floor is really computed.
#
# zone  prev   cur   ratio r = cur/prev    s                         max   sqrt(max)  E = s * sqrt(max)
# Z1    2500   250   0.1      (collapse)   1 - 1/0.1   = 1 - 10  = -9      2500  50    -9    * 50 = -450
# Z2     400   200   0.5                   1 - 1/0.5   = 1 - 2   = -1       400  20    -1    * 20 = -20
# Z3    1600  1000   0.625                 1 - 1/0.625 = 1 - 1.6 = -0.6    1600  40    -0.6  * 40 = -24
# Z4     100    80   0.8                   1 - 1/0.8   = 1 - 1.25 = -0.25   100  10    -0.25 * 10 = -2.5
# Z5     750   900   1.2                   1.2/1 - 1   = 0.2                900  30     0.2  * 30 = 6
# Z6     320   400   1.25                  1.25/1 - 1  = 0.25               400  20     0.25 * 20 = 5
# Z7     600   900   1.5                   1.5/1 - 1   = 0.5                900  30     0.5  * 30 = 15
# Z8     160  1600  10        (10x jump)   10/1 - 1    = 9                 1600  40     9    * 40 = 360
#
# r_M: sorted ratios 0.1 0.5 0.625 0.8 | 1.2 1.25 1.5 10, median = (0.8 + 1.2) / 2 = 1.0
# E sorted: -450, -24, -20, -2.5, 5, 6, 15, 360 (positions 0..7); linear quantile at h = (n - 1) * q = 7q:
#   E_Q1: h = 1.75 -> -24 + 0.75 * (-20 - -24) = -24 + 3    = -21
#   E_M:  h = 3.5  -> -2.5 + 0.5 * (5 - -2.5)  = -2.5 + 3.75 = 1.25
#   E_Q3: h = 5.25 -> 6 + 0.25 * (15 - 6)      = 6 + 2.25    = 8.25
#   |A * E_M| = 0.05 * 1.25 = 0.0625
#   d_Q1 = max(1.25 - -21, 0.0625) = max(22.25, 0.0625) = 22.25
#   d_Q3 = max(8.25 - 1.25, 0.0625) = max(7, 0.0625)    = 7
#   lower = 1.25 - 4 * 22.25 = 1.25 - 89 = -87.75
#   upper = 1.25 + 4 * 7     = 1.25 + 28 = 29.25
# Flags: Z1 (-450 < -87.75, low) and Z8 (360 > 29.25, high); Z3 (-24) and Z7 (15) stay inside.
# Scores: Z8 (360 - 29.25) / (4 * 7) = 330.75 / 28 = 11.8125; Z1 (-87.75 - -450) / (4 * 22.25) = 362.25 / 89.
ZONES = ["Z1", "Z2", "Z3", "Z4", "Z5", "Z6", "Z7", "Z8"]
PREV = [2500.0, 400.0, 1600.0, 100.0, 750.0, 320.0, 600.0, 160.0]
CUR = [250.0, 200.0, 1000.0, 80.0, 900.0, 400.0, 900.0, 1600.0]
RATIO = [0.1, 0.5, 0.625, 0.8, 1.2, 1.25, 1.5, 10.0]
S = [-9.0, -1.0, -0.6, -0.25, 0.2, 0.25, 0.5, 9.0]
EFFECT = [-450.0, -20.0, -24.0, -2.5, 6.0, 5.0, 15.0, 360.0]
E_Q1, E_M, E_Q3 = -21.0, 1.25, 8.25
D_Q1, D_Q3 = 22.25, 7.0
LOWER, UPPER = -87.75, 29.25
DIRECTION = ["low", None, None, None, None, None, None, "high"]
SCORE = [362.25 / 89, 0, 0, 0, 0, 0, 0, 330.75 / 28]


def worked_frame() -> pd.DataFrame:
    return pd.DataFrame({"zone_code": ZONES, "value_prev": PREV, "value": CUR})


def score(frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    kwargs.setdefault("key", "zone_code")
    return hb_scores(frame, current="value", previous="value_prev", **kwargs)


def flagged(result: pd.DataFrame) -> set[str]:
    return set(result.loc[result["is_outlier"], "zone_code"])


def test_worked_example_every_intermediate():
    result = score(worked_frame())

    assert list(result.columns) == ["zone_code", "value", "value_prev", *RESULT_COLUMNS]
    assert result["zone_code"].tolist() == ZONES
    assert result["ratio"].tolist() == pytest.approx(RATIO)
    assert result["ratio_median"].tolist() == pytest.approx([1.0] * 8)
    assert result["s"].tolist() == pytest.approx(S)
    assert result["effect"].tolist() == pytest.approx(EFFECT)
    assert result["lower"].tolist() == pytest.approx([LOWER] * 8)
    assert result["upper"].tolist() == pytest.approx([UPPER] * 8)
    assert result["is_outlier"].tolist() == [d is not None for d in DIRECTION]
    assert result["direction"].tolist() == DIRECTION
    assert result["score"].tolist() == pytest.approx(SCORE)
    assert result["evaluable"].all()
    assert result["reason"].isna().all()
    assert flagged(result) == {"Z1", "Z8"}
    # ranking by score: the jump is more extreme, relative to its side's spread, than the collapse
    assert result.sort_values("score", ascending=False)["zone_code"].head(2).tolist() == ["Z8", "Z1"]


def test_worked_example_quartiles_and_spreads():
    bounds = hb_bounds(EFFECT)

    assert bounds.n == 8
    assert bounds.q1 == pytest.approx(E_Q1)
    assert bounds.median == pytest.approx(E_M)
    assert bounds.q3 == pytest.approx(E_Q3)
    assert bounds.d_q1 == pytest.approx(D_Q1)
    assert bounds.d_q3 == pytest.approx(D_Q3)
    assert bounds.lower == pytest.approx(LOWER)
    assert bounds.upper == pytest.approx(UPPER)


def test_a_floors_a_small_spread():
    # E sorted 10, 10, 10, 10, 10.5, 11, 100 (n = 7, h = 6q):
    #   Q1: h = 1.5 -> 10;  M: h = 3 -> 10;  Q3: h = 4.5 -> 10.5 + 0.5 * (11 - 10.5) = 10.75
    #   A = 0.05: |A * M| = 0.5; d_Q1 = max(10 - 10, 0.5) = 0.5; d_Q3 = max(10.75 - 10, 0.5) = 0.75
    #   lower = 10 - 4 * 0.5 = 8; upper = 10 + 4 * 0.75 = 13
    effects = [10, 10, 10, 10, 10.5, 11, 100]
    bounds = hb_bounds(effects)
    assert (bounds.q1, bounds.median, bounds.q3) == pytest.approx((10, 10, 10.75))
    assert (bounds.d_q1, bounds.d_q3) == pytest.approx((0.5, 0.75))
    assert (bounds.lower, bounds.upper) == pytest.approx((8, 13))
    # without the floor the lower side has zero width: lower = 10 - 4 * 0 = 10
    no_floor = hb_bounds(effects, HBParams(a=0))
    assert (no_floor.d_q1, no_floor.lower, no_floor.upper) == pytest.approx((0, 10, 13))
    # a larger A widens both sides once it dominates: A = 0.5 -> floor 5, bounds 10 -/+ 4 * 5
    wide = hb_bounds(effects, HBParams(a=0.5))
    assert (wide.lower, wide.upper) == pytest.approx((-10, 30))


def test_groups_are_scored_independently():
    revenue = worked_frame().assign(measure="revenue")
    # a calm measure for the same zones: ratios 1.0 to 1.07, nothing to flag
    calm = worked_frame().assign(measure="tax", value=lambda f: f["value_prev"] * np.linspace(1.0, 1.07, 8))
    # a measure reported by only three zones: no bounds
    few = worked_frame().head(3).assign(measure="jobs")
    both = pd.concat([calm, revenue, few], ignore_index=True)

    result = score(both, key="zone_code", group="measure")

    assert len(result) == len(both)
    assert result.columns[:2].tolist() == ["zone_code", "measure"]
    rev = result[result["measure"] == "revenue"]
    alone = score(revenue)
    for column in ["ratio", "ratio_median", "s", "effect", "lower", "upper", "score"]:
        assert rev[column].tolist() == pytest.approx(alone[column].tolist())
    assert flagged(rev) == {"Z1", "Z8"}
    tax = result[result["measure"] == "tax"]
    assert tax["evaluable"].all()
    assert not tax["is_outlier"].any()
    assert tax["ratio_median"].tolist() == pytest.approx([1.035] * 8)  # (1.03 + 1.04) / 2
    jobs = result[result["measure"] == "jobs"]
    assert len(jobs) == 3 < MIN_UNITS
    assert not jobs["evaluable"].any()
    assert (jobs["reason"] == "small_group").all()
    assert jobs["lower"].isna().all() and jobs["upper"].isna().all() and jobs["score"].isna().all()
    assert not jobs["is_outlier"].any()
    assert jobs["ratio"].tolist() == pytest.approx([0.1, 0.5, 0.625])  # ratios are still shown

    # a list of group columns (e.g. measure and month) and a list key work the same way
    by_two = score(
        both.assign(month="2024-05", zone_kind="A"),
        key=["zone_code", "zone_kind"],
        group=["measure", "month"],
    )
    assert by_two["is_outlier"].tolist() == result["is_outlier"].tolist()


def test_larger_c_flags_fewer():
    frame = worked_frame()
    counts = []
    previous_flags: set[str] | None = None
    for c in [1, 2, 4, 8, 16, 64]:
        flags = flagged(score(frame, params=HBParams(c=c)))
        if previous_flags is not None:
            assert flags <= previous_flags
        previous_flags = flags
        counts.append(len(flags))
    # C = 1: lower = 1.25 - 22.25 = -21, upper = 1.25 + 7 = 8.25 -> Z1 (-450), Z3 (-24), Z7 (15), Z8 (360)
    assert flagged(score(frame, params=HBParams(c=1))) == {"Z1", "Z3", "Z7", "Z8"}
    # C = 64: lower = 1.25 - 1424 = -1422.75, upper = 1.25 + 448 = 449.25 -> nothing
    assert counts == [4, 2, 2, 2, 2, 0]


def test_u_sets_the_weight_of_size():
    frame = worked_frame()
    # U = 0: E = s * max ** 0 = s, the size of the zone plays no part
    flat = score(frame, params=HBParams(u=0))
    assert flat["effect"].tolist() == pytest.approx(S)
    # U = 1: E = s * max, e.g. Z1: -9 * 2500 = -22500, Z8: 9 * 1600 = 14400
    full = score(frame, params=HBParams(u=1))
    assert full["effect"].tolist() == pytest.approx(
        [s * max(p, c) for s, p, c in zip(S, PREV, CUR, strict=True)]
    )
    assert full["effect"].iloc[[0, 7]].tolist() == pytest.approx([-22500, 14400])


@pytest.mark.parametrize("bad", [{"u": -0.1}, {"u": 1.5}, {"a": -1}, {"c": 0}, {"c": math.nan}])
def test_params_are_checked(bad):
    with pytest.raises(ValueError):
        HBParams(**bad)


def test_non_evaluable_units_are_kept_and_do_not_move_the_bounds():
    extra = pd.DataFrame(
        {
            "zone_code": ["N1", "N2", "N3", "N4", "N5"],
            "value_prev": [100.0, None, 0.0, 100.0, 100.0],
            "value": [None, 50.0, 40.0, -5.0, math.inf],
        }
    )
    result = score(pd.concat([worked_frame(), extra], ignore_index=True))

    assert len(result) == 13
    bad = result[result["zone_code"].str.startswith("N")]
    assert bad["reason"].tolist() == ["missing", "missing", "non_positive", "non_positive", "non_finite"]
    assert not bad["evaluable"].any()
    assert not bad["is_outlier"].any()
    assert bad["direction"].isna().all()
    for column in ["ratio", "s", "effect", "score"]:
        assert bad[column].isna().all()
    # the eight evaluable zones get exactly the hand-computed results
    good = result[result["evaluable"]]
    assert good["zone_code"].tolist() == ZONES
    assert good["lower"].tolist() == pytest.approx([LOWER] * 8)
    assert good["upper"].tolist() == pytest.approx([UPPER] * 8)
    assert good["score"].tolist() == pytest.approx(SCORE)
    # counts for a rule-outcome report: checked, fails, not evaluable
    assert (len(result), int(result["is_outlier"].sum()), int((~result["evaluable"]).sum())) == (13, 2, 5)


def test_values_may_be_decimals_or_strings():
    from decimal import Decimal

    frame = worked_frame()
    frame["value"] = [Decimal(str(v)) for v in CUR]
    frame["value_prev"] = [str(v) for v in PREV]
    assert score(frame)["effect"].tolist() == pytest.approx(EFFECT)


def test_deterministic_and_independent_of_row_order():
    frame = worked_frame()
    first = score(frame)
    assert score(frame).equals(first)
    shuffled = frame.sample(frac=1, random_state=7)
    again = score(shuffled)
    assert again.index.tolist() == shuffled.index.tolist()  # input order and index are kept
    pd.testing.assert_frame_equal(again.sort_index(), first)


def test_degenerate_zero_spread_gives_infinite_score():
    # five zones unchanged (r = r_M = 1, E = 0) and one that doubled: E_M = E_Q1 = E_Q3 = 0, floor 0,
    # so the bounds are [0, 0] and any change is an outlier with an infinite score
    frame = pd.DataFrame(
        {"zone_code": list("ABCDEF"), "value_prev": [100.0] * 6, "value": [100.0] * 5 + [200.0]}
    )
    result = score(frame)
    assert flagged(result) == {"F"}
    assert result["score"].iloc[-1] == math.inf


def test_bad_input_is_refused():
    frame = worked_frame()
    with pytest.raises(ValueError, match="not unique"):
        score(pd.concat([frame, frame.head(1)]))
    with pytest.raises(KeyError):
        score(frame, key="zone")
    with pytest.raises(ValueError, match="clash"):
        hb_scores(
            frame.rename(columns={"value": "ratio"}), current="ratio", previous="value_prev", key="zone_code"
        )
