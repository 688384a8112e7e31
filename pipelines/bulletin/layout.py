"""What the bulletin shows, in the offices' words: the theme tables, their Chinese headers with units, how each
value is rounded and labelled, and the footnotes. The workbook and the HTML page both read these specs, so the
two outputs cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from pipelines.bulletin.data import BulletinData

WAN_PER_YI = 10_000  # 1 亿元 = 10,000 万元: big amounts are published in 亿元

BASIS_LABELS = {"ttm": "TTM", "annualised_ytd": "年化", "comparable": "同口径", "nominal": "名义", "none": "—"}
LEVEL_LABELS = {"national": "国家级", "provincial": "省级"}
# target periods are cumulative from January to the period's end (sources/targets)
PERIOD_LABELS = {"year": "全年", "Q1": "一季度", "H1": "上半年", "Q2": "上半年", "Q3": "前三季度", "Q4": "全年"}
# SDMX observation status (and Eurostat's r); A (normal) is not marked
FLAG_LABELS = {"P": "初步数（开发区仍可能更正）", "E": "估算数", "r": "修订数（较上一发布版本有变动）", "B": "序列中断",
               "V": "未核实"}
SUPERSCRIPT = {"A": "ᴬ", "P": "ᴾ", "E": "ᴱ", "r": "ʳ", "B": "ᴮ", "V": "ⱽ"}


@dataclass(frozen=True)
class Column:
    """One column of a theme table. `key` names the frame column; its status flag is in `<key>__flag`."""

    key: str
    header: str  # Chinese, with the unit; "{ytd}" becomes 1-N月
    kind: str = "number"  # number | count | rank | change | text | basis | level | period | unit | amount | schedule
    digits: int = 1
    scale: float = 1.0  # 1 / WAN_PER_YI shows 万元 as 亿元

    def title(self, data: BulletinData) -> str:
        return self.header.format(ytd=data.ytd_label)

    @property
    def numeric(self) -> bool:
        return self.kind in {"number", "count", "rank", "amount"}


@dataclass(frozen=True)
class Theme:
    sheet: str  # the sheet name and the HTML section title
    frame: str  # attribute of BulletinData holding the rows
    columns: tuple[Column, ...]
    frozen_columns: int  # columns kept in view when scrolling right (rank, change, zone)
    note: Callable[[BulletinData], str]
    footnotes: Callable[[BulletinData], list[str]]
    # (completion, time progress) keys: rows where completion < time progress are highlighted
    schedule: tuple[str, str] | None = None

    def rows(self, data: BulletinData) -> pd.DataFrame:
        return getattr(data, self.frame)

    def all_footnotes(self, data: BulletinData) -> list[str]:
        """The theme's notes, the legend of the status flags its cells show, and the source."""
        return [*self.footnotes(data), *_flag_footnote(self, data),
                f"资料来源：ParkStats 发布版本 {data.release.release_id}（仅据发布版本生成，非实时库）。"]


def cell_value(column: Column, row: pd.Series) -> float | str | None:
    """The value as published: numbers scaled to the shown unit and rounded (what is stored is what is shown),
    labels as text; None for no value."""
    raw = row.get(column.key)
    if _missing(raw):
        # ranked this month but not the month before: the zone is new to the ranking
        if column.kind == "change" and not _missing(row.get(column.key.replace("__change", "__rank"))):
            return "新"
        return None
    match column.kind:
        case "change":
            change = int(raw)
            return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "–"
        case "rank" | "count":
            return int(raw)
        case "number":
            return round(float(raw) * column.scale, column.digits)
        case "amount":
            value, _, digits = _row_unit(row, float(raw))
            return round(value, digits)
        case "basis":
            return BASIS_LABELS.get(str(raw), str(raw))
        case "level":
            return LEVEL_LABELS.get(str(raw), str(raw))
        case "period":
            return PERIOD_LABELS.get(str(raw), str(raw))
        case "unit":
            return _row_unit(row, 0.0)[1]
        case "schedule":
            gap = float(raw)
            if abs(gap) < 0.05:
                return "与序时进度持平"
            return f"超序时进度 {gap:.1f} 个百分点" if gap > 0 else f"落后序时进度 {-gap:.1f} 个百分点"
        case _:
            return str(raw)


def cell_digits(column: Column, row: pd.Series) -> int:
    if column.kind in {"rank", "count"}:
        return 0
    if column.kind == "amount":
        return _row_unit(row, 0.0)[2]
    return column.digits


def cell_flag(column: Column, row: pd.Series) -> str | None:
    """The value's status flag when it is not A (normal): shown as a superscript beside the number."""
    if not column.numeric:
        return None
    flag = row.get(f"{column.key}__flag")
    return None if _missing(flag) or flag == "A" else str(flag)


def cell_text(column: Column, row: pd.Series) -> str:
    """The value as the HTML table prints it: thousands separators, — for no value."""
    value = cell_value(column, row)
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value:,.{cell_digits(column, row)}f}"


def behind_schedule(theme: Theme, row: pd.Series) -> bool:
    """Completion below 序时进度, judged on the printed (rounded) figures as the workbook's rule does."""
    if theme.schedule is None:
        return False
    by_key = {column.key: column for column in theme.columns if column.numeric}
    completion, progress = (cell_value(by_key[k], row) for k in theme.schedule)
    return completion is not None and progress is not None and completion < progress


def _row_unit(row: pd.Series, value: float) -> tuple[float, str, int]:
    """A row's own unit (targets mix 万元 and 个): amounts in 万元 are shown in 亿元."""
    unit = row.get("unit")
    if unit == "万元":
        return value / WAN_PER_YI, "亿元", 2
    if unit == "个":
        return value, "个", 0
    return value, "" if _missing(unit) else str(unit), 1


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _flag_footnote(theme: Theme, data: BulletinData) -> list[str]:
    rows = theme.rows(data)
    shown = {flag for _, row in rows.iterrows() for column in theme.columns if (flag := cell_flag(column, row))}
    if not shown:
        return []
    described = data.release.flag_descriptions  # the release's own words for a flag this module does not know
    used = "，".join(f"{SUPERSCRIPT.get(f, f)} {f} = {FLAG_LABELS.get(f) or described.get(f, '见发布说明')}"
                    for f in sorted(shown))
    return [f"数据标识（数值右上角）：{used}；未标注者为正常值（A）。"]


def _ranking_footnotes(data: BulletinData) -> list[str]:
    weights = "、".join(f"{label} {weight:.0%}" for label, weight in data.composite_weights) or "本月无"
    return [
        f"综合得分：各指标按当月参评开发区的最小–最大值标准化为 0–100 分后加权平均，权重为 {weights}；"
        "指标覆盖率 = 有值指标的权重之和 ÷ 全部权重。",
        "较上月：↑ 名次上升，↓ 名次下降，– 持平，新 = 上月未参评。",
        "亩均口径：TTM = 近12个月；年化 = 1-N月累计 × 12 ÷ N（缺上年数据时的估算）。"
        "同比口径：同口径 = 台账上年同期（可比口径）；名义 = 与上年库内数比较。",
    ]


def _efficiency_footnotes(data: BulletinData) -> list[str]:
    revenue, tax = data.efficiency_medians
    medians = ("本月无可比数据" if revenue is None else
               f"亩均营收中位数 {revenue:,.1f} 万元/亩，亩均税收中位数 {tax:,.2f} 万元/亩（等于中位数计为“高”）")
    return [
        "亩均营收、亩均税收 = 近12个月工业营业收入、税收收入 ÷ 月末已投产工业用地面积。",
        f"象限按当月各开发区中位数划分：{medians}。",
    ]


def _investment_footnotes(data: BulletinData) -> list[str]:
    return [
        "四新一盘活 = 新洽谈 + 新签约 + 新开工 + 新竣工 + 盘活（新投产单列、不计入合计；一个项目进入两个阶段时分别计数）。",
        "签约金额、新开工项目总投资为协议投资额；开工率 = 截至本月已签约项目中已开工的比重，竣工率 = 已开工项目中已竣工的比重。",
        "项目本年完成投资取项目台账，固定资产投资取园区月报台账。",
    ]


def _progress_footnotes(data: BulletinData) -> list[str]:
    return [
        "序时进度 = 已过月数 ÷ 目标期月数（全年为 N/12，一季度为 N/3）；完成率低于序时进度的行以红色底纹标出。",
        "重点项目年度投资：目标值为重点项目年度计划投资，完成率 = 本年完成投资 ÷ 年度计划投资。",
    ]


YI = 1 / WAN_PER_YI

THEMES: tuple[Theme, ...] = (
    Theme(
        sheet="综合排名", frame="ranking", frozen_columns=3,
        note=lambda d: f"{d.title_month}开发区综合排名（按综合得分）",
        footnotes=_ranking_footnotes,
        columns=(
            Column("composite_score__rank", "排名", "rank"),
            Column("composite_score__change", "较上月", "change"),
            Column("zone_name", "开发区", "text"),
            Column("level", "级别", "level"),
            Column("composite_score", "综合得分（分）", digits=1),
            Column("composite_score__coverage", "指标覆盖率（%）", digits=0, scale=100),
            Column("revenue_per_mu", "亩均营收（万元/亩）", digits=1),
            Column("tax_per_mu", "亩均税收（万元/亩）", digits=2),
            Column("revenue_per_mu__basis", "亩均口径", "basis"),
            Column("industrial_revenue_ytd", "工业营业收入{ytd}（亿元）", digits=2, scale=YI),
            Column("industrial_revenue_yoy_pct", "工业营收同比（%）", digits=1),
            Column("industrial_revenue_yoy_pct__basis", "营收同比口径", "basis"),
            Column("tax_revenue_ytd", "税收收入{ytd}（亿元）", digits=2, scale=YI),
            Column("fixed_asset_investment_ytd", "固定资产投资{ytd}（亿元）", digits=2, scale=YI),
            Column("fixed_asset_investment_yoy_pct", "固定资产投资同比（%）", digits=1),
            Column("fixed_asset_investment_yoy_pct__basis", "固投同比口径", "basis"),
        ),
    ),
    Theme(
        sheet="亩均效益", frame="efficiency", frozen_columns=3,
        note=lambda d: f"{d.title_month}开发区亩均效益（按亩均营收排序）",
        footnotes=_efficiency_footnotes,
        columns=(
            Column("revenue_per_mu__rank", "亩均营收排名", "rank"),
            Column("revenue_per_mu__change", "营收排名较上月", "change"),
            Column("zone_name", "开发区", "text"),
            Column("revenue_per_mu", "亩均营收（万元/亩）", digits=1),
            Column("tax_per_mu", "亩均税收（万元/亩）", digits=2),
            Column("tax_per_mu__rank", "亩均税收排名", "rank"),
            Column("tax_per_mu__change", "税收排名较上月", "change"),
            Column("revenue_12m", "近12个月工业营业收入（亿元）", digits=2, scale=YI),
            Column("tax_12m", "近12个月税收收入（亿元）", digits=2, scale=YI),
            Column("industrial_land_mu", "已投产工业用地（亩）", digits=0),
            Column("basis", "口径", "basis"),
            Column("quadrant", "象限（相对中位数）", "text"),
        ),
    ),
    Theme(
        sheet="招商引资与项目", frame="investment", frozen_columns=3,
        note=lambda d: f"{d.title_month}招商引资与项目推进（四新一盘活，项目数与金额为{d.ytd_label}累计）",
        footnotes=_investment_footnotes,
        columns=(
            Column("four_new_one_revived_ytd__rank", "四新一盘活排名", "rank"),
            Column("four_new_one_revived_ytd__change", "较上月", "change"),
            Column("zone_name", "开发区", "text"),
            Column("four_new_one_revived__projects", "四新一盘活 当月（个）", "count"),
            Column("four_new_one_revived__projects_ytd", "四新一盘活 {ytd}（个）", "count"),
            Column("negotiation__projects_ytd", "新洽谈（个）", "count"),
            Column("signed__projects_ytd", "新签约（个）", "count"),
            Column("signed__investment_ytd", "签约金额（亿元）", digits=2, scale=YI),
            Column("started__projects_ytd", "新开工（个）", "count"),
            Column("started__investment_ytd", "新开工项目总投资（亿元）", digits=2, scale=YI),
            Column("completed__projects_ytd", "新竣工（个）", "count"),
            Column("production__projects_ytd", "新投产（个）", "count"),
            Column("revived__projects_ytd", "盘活（个）", "count"),
            Column("start_rate_pct", "开工率（%）", digits=1),
            Column("completion_rate_pct", "竣工率（%）", digits=1),
            Column("project_investment_completed_ytd", "项目本年完成投资（亿元）", digits=2, scale=YI),
            Column("fixed_asset_investment_ytd", "固定资产投资{ytd}（亿元）", digits=2, scale=YI),
            Column("fixed_asset_investment_yoy_pct", "固定资产投资同比（%）", digits=1),
            Column("fixed_asset_investment_yoy_basis", "同比口径", "basis"),
            Column("project_share_pct", "项目投资占固投比重（%）", digits=1),
        ),
    ),
    Theme(
        sheet="目标进度", frame="progress", frozen_columns=2,
        note=lambda d: f"{d.title_month}目标完成情况与序时进度（{d.ytd_label}）",
        footnotes=_progress_footnotes,
        schedule=("completion_pct", "time_progress_pct"),
        columns=(
            Column("zone_name", "开发区", "text"),
            Column("indicator", "指标", "text"),
            Column("period", "目标期", "period"),
            Column("unit", "单位", "unit"),
            Column("target_value", "目标值", "amount"),
            Column("actual_value", "{ytd}完成", "amount"),
            Column("completion_pct", "完成率（%）", digits=1),
            Column("time_progress_pct", "序时进度（%）", digits=1),
            Column("gap_pp", "快慢于序时进度（百分点）", digits=1),
            Column("gap_pp", "进度", "schedule"),
            Column("note", "说明", "text"),
        ),
    ),
)
