"""Hidiroglou–Berthelot (HB) outlier detection for period-to-period ratios (ESS validation level 2).

The HB method (Hidiroglou & Berthelot, 1986) is the usual way official statistics flag suspicious changes
between two periods of the same units, e.g. a zone whose revenue jumps tenfold from one month to the next.
For every unit i with both values positive:

    r_i   = y_t / y_(t-1)                                      period-to-period ratio
    r_M   = median of the r_i                                  (of the group the unit belongs to)
    s_i   = 1 - r_M / r_i   if r_i < r_M                       centred, symmetric transform: a fall by a
          = r_i / r_M - 1   otherwise                          factor k gives 1 - k, a rise by k gives k - 1
    E_i   = s_i * max(y_t, y_(t-1)) ** U                       "effect": large units weigh more (0 <= U <= 1)
    E_M, E_Q1, E_Q3 = median, first and third quartile of the E_i
    d_Q1  = max(E_M - E_Q1, |A * E_M|)                         A keeps the bounds open when the E's barely
    d_Q3  = max(E_Q3 - E_M, |A * E_M|)                         vary (it guards against a zero spread)
    lower = E_M - C * d_Q1,  upper = E_M + C * d_Q3
    outlier when E_i < lower ('low', a collapse) or E_i > upper ('high', a jump); points on a bound pass.

The usual constants are U = 0.5, A = 0.05, C = 4 (`HBParams()`); all three are parameters.

Quantiles. Medians and quartiles are the pandas/numpy default, linear interpolation (numpy method 'linear',
R type 7): sort the n values x_(0) <= ... <= x_(n-1); the q-quantile is at position h = (n - 1) * q, i.e.
x_(floor h) + (h - floor h) * (x_(floor h + 1) - x_(floor h)). For the median this is the textbook median
(mean of the two middle values when n is even). The rule has no parameter and depends only on the sorted
values, so results do not depend on row order.

Not evaluable. A unit whose current or previous value is missing, non-positive or infinite has no ratio; it
is returned with `evaluable` False and a `reason` ('missing', 'non_positive', 'non_finite') rather than
dropped, so a caller can report "not evaluable" counts per rule. Those units take no part in the median and
quartiles of the others.

Small groups. Groups with fewer than `MIN_UNITS` (4) evaluable units get no bounds: their units have ratio,
s and effect but `lower`/`upper` NaN, `is_outlier` False, `evaluable` False, reason 'small_group'. The
reason is that with n <= 3 the quartiles are interpolated between the very units under test, and the bounds
always contain all of them whenever C >= 2 (e.g. n = 3: lower <= E_M - 2 * (E_M - E_Q1) = E_(0)), so a
"pass" would be vacuous; calling it "not evaluable" is the honest outcome. (With n = 4 and C >= 4 the same
holds — lower <= E_(0) + 1.5 * (E_(1) - E_(2)) <= E_(0) — so at the default C a 4-unit group cannot flag
anything either; it can for C < 4. `MIN_UNITS` follows the usual rule of thumb of 4.)

Score. `score` ranks findings: how far E lies outside its bound, relative to the distance from the median to
that bound — (E - upper) / (C * d_Q3) for 'high', (lower - E) / (C * d_Q1) for 'low', 0 inside the bounds,
NaN when not evaluable. A score of 1 means E lies twice as far from E_M as the bound does. In the degenerate
case of a zero-width side (E_M = 0 and no spread on that side, or A = 0 and no spread) every E beyond the
bound is an outlier with score +inf, as the formulas imply.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_UNITS = 4
"""Fewest evaluable units a group needs for HB bounds (see the module docstring)."""

QUANTILE_METHOD = "linear"
"""Interpolation used for every median and quartile (numpy/pandas default, R type 7)."""

RESULT_COLUMNS = (
    "ratio",
    "ratio_median",
    "s",
    "effect",
    "lower",
    "upper",
    "is_outlier",
    "direction",
    "score",
    "evaluable",
    "reason",
)
"""Columns hb_scores adds after the key, group, current and previous columns."""


@dataclass(frozen=True)
class HBParams:
    """HB constants. u: size exponent in E = s * max(y_t, y_(t-1)) ** u (0 <= u <= 1; 0 ignores size, 1 weighs
    in full); a: floor of the spread as a share of |E_M| (>= 0); c: width of the bounds in spreads (> 0)."""

    u: float = 0.5
    a: float = 0.05
    c: float = 4.0

    def __post_init__(self) -> None:
        for name in ("u", "a", "c"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"HBParams.{name} must be finite, got {getattr(self, name)!r}")
        if not 0 <= self.u <= 1:
            raise ValueError(f"HBParams.u must lie in [0, 1], got {self.u}")
        if self.a < 0:
            raise ValueError(f"HBParams.a must be >= 0, got {self.a}")
        if self.c <= 0:
            raise ValueError(f"HBParams.c must be > 0, got {self.c}")


@dataclass(frozen=True)
class HBBounds:
    """Median, quartiles, spreads and bounds of one set of effects E (see hb_bounds)."""

    n: int
    median: float
    q1: float
    q3: float
    d_q1: float
    d_q3: float
    lower: float
    upper: float


def hb_bounds(effects: Iterable[float], params: HBParams = HBParams()) -> HBBounds:
    """The HB acceptance interval for one set of effects E (all finite; at least one value).

    Quartiles use linear interpolation (see the module docstring). No minimum size is applied here; hb_scores
    applies MIN_UNITS."""
    values = pd.Series(list(effects), dtype="float64")
    if values.empty or not np.isfinite(values.to_numpy()).all():
        raise ValueError("hb_bounds needs at least one effect and only finite values")
    q1, median, q3 = (float(v) for v in values.quantile([0.25, 0.5, 0.75], interpolation=QUANTILE_METHOD))
    floor = abs(params.a * median)
    d_q1 = max(median - q1, floor)
    d_q3 = max(q3 - median, floor)
    return HBBounds(
        n=len(values),
        median=median,
        q1=q1,
        q3=q3,
        d_q1=d_q1,
        d_q3=d_q3,
        lower=median - params.c * d_q1,
        upper=median + params.c * d_q3,
    )


def _as_list(columns: str | list[str] | None) -> list[str]:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def _as_float(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="raise").to_numpy(dtype="float64", na_value=np.nan)


def hb_scores(
    frame: pd.DataFrame,
    *,
    current: str,
    previous: str,
    key: str | list[str],
    group: str | list[str] | None = None,
    params: HBParams = HBParams(),
) -> pd.DataFrame:
    """Score every unit of `frame` with the HB method, separately within each `group` (e.g. per measure).

    frame: one row per unit (and group); `key` identifies the unit (e.g. zone_code), `group` the populations
    compared separately (e.g. measure, or [measure, month]); (key, group) must be unique.
    current, previous: the numeric columns y_t and y_(t-1) (numbers, Decimals or numeric strings; missing ok).

    Returns one row per input row, in input order and with the input index: the key and group columns,
    current, previous, then
      ratio         y_t / y_(t-1) (NaN when a value is missing or non-positive)
      ratio_median  r_M of the unit's group (over evaluable-valued units)
      s, effect     the centred ratio s and the effect E = s * max(y_t, y_(t-1)) ** u
      lower, upper  the group's bounds for E (NaN when the group has fewer than MIN_UNITS units)
      is_outlier    E outside (lower, upper); False when not evaluable
      direction     'high' (E > upper, a jump), 'low' (E < lower, a collapse) or None (object column)
      score         distance outside the bound / (c * spread of that side); 0 inside; NaN when not evaluable
      evaluable     False for missing/non-positive/infinite values and for units of too small groups
      reason        None, or why not evaluable: 'missing', 'non_positive', 'non_finite', 'small_group'
    """
    keys, groups = _as_list(key), _as_list(group)
    id_columns = [*keys, *(g for g in groups if g not in keys)]
    if not keys:
        raise ValueError("hb_scores needs at least one key column")
    wanted = [*id_columns, current, previous]
    missing = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
    if missing:
        raise KeyError(f"hb_scores: columns not in frame: {missing}")
    if current == previous or current in id_columns or previous in id_columns:
        raise ValueError("hb_scores: current, previous and the key/group columns must be distinct")
    clash = [c for c in wanted if c in RESULT_COLUMNS]
    if clash:
        raise ValueError(f"hb_scores: input columns clash with result columns: {clash}")
    duplicated = frame.duplicated(subset=id_columns, keep=False)
    if duplicated.any():
        examples = frame.loc[duplicated, id_columns].drop_duplicates().head(5).to_dict("records")
        raise ValueError(f"hb_scores: (key, group) is not unique, e.g. {examples}")

    y_t, y_p = _as_float(frame[current]), _as_float(frame[previous])
    n = len(frame)
    reason = np.full(n, None, dtype=object)
    reason[np.isnan(y_t) | np.isnan(y_p)] = "missing"
    is_missing = reason == "missing"
    non_positive = ~is_missing & ((y_t <= 0) | (y_p <= 0))
    reason[non_positive] = "non_positive"
    non_finite = ~is_missing & ~non_positive & (np.isinf(y_t) | np.isinf(y_p))
    reason[non_finite] = "non_finite"
    valid = ~is_missing & ~non_positive & ~non_finite

    ratio = np.full(n, np.nan)
    ratio[valid] = y_t[valid] / y_p[valid]
    size = np.full(n, np.nan)
    size[valid] = np.maximum(y_t[valid], y_p[valid]) ** params.u
    ratio_median, s, effect = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    lower, upper = np.full(n, np.nan), np.full(n, np.nan)
    d_low, d_high = np.full(n, np.nan), np.full(n, np.nan)

    positions = np.arange(n)
    if groups:
        labels = frame[groups].reset_index(drop=True)
        members = [p[valid[p]] for p in labels.groupby(groups, sort=False, dropna=False).indices.values()]
    else:
        members = [positions[valid]]
    for rows in members:
        if len(rows) == 0:
            continue
        r = ratio[rows]
        r_m = float(pd.Series(r).quantile(0.5, interpolation=QUANTILE_METHOD))
        s_rows = np.where(r < r_m, 1.0 - r_m / r, r / r_m - 1.0)
        ratio_median[rows] = r_m
        s[rows] = s_rows
        effect[rows] = s_rows * size[rows]
        if len(rows) < MIN_UNITS:
            reason[rows] = "small_group"
            continue
        bounds = hb_bounds(effect[rows], params)
        lower[rows], upper[rows] = bounds.lower, bounds.upper
        d_low[rows], d_high[rows] = params.c * bounds.d_q1, params.c * bounds.d_q3

    evaluable = np.array([r is None for r in reason], dtype=bool)
    high = evaluable & (effect > upper)
    low = evaluable & (effect < lower)
    direction = np.full(n, None, dtype=object)
    direction[high] = "high"
    direction[low] = "low"
    score = np.where(evaluable, 0.0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        score[high] = np.where(d_high[high] > 0, (effect[high] - upper[high]) / d_high[high], np.inf)
        score[low] = np.where(d_low[low] > 0, (lower[low] - effect[low]) / d_low[low], np.inf)

    out = frame.loc[:, [*id_columns, current, previous]].copy()
    added = {
        "ratio": ratio,
        "ratio_median": ratio_median,
        "s": s,
        "effect": effect,
        "lower": lower,
        "upper": upper,
        "is_outlier": high | low,
        "direction": pd.Series(direction, index=out.index, dtype=object),
        "score": score,
        "evaluable": evaluable,
        "reason": pd.Series(reason, index=out.index, dtype=object),
    }
    for name in RESULT_COLUMNS:
        out[name] = added[name]
    return out
