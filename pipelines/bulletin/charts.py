"""The bulletin's charts (plotly): ranking bars, 12-month trends, the 亩均营收 × 亩均税收 quadrant, the project
funnel and target progress against 序时进度."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from pipelines.bulletin.data import FUNNEL_STAGES, BulletinData
from pipelines.bulletin.layout import PERIOD_LABELS, SUPERSCRIPT, WAN_PER_YI

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, sans-serif"
BLUE, GREEN, RED, GREY = "#2F5597", "#2E7D32", "#C62828", "#888888"
# names in charts are shortened the way offices write them; the tables keep the full names
ABBREVIATIONS = (("高新技术产业开发区", "高新区"), ("经济技术开发区", "经开区"), ("经济开发区", "经开区"))


def build_charts(data: BulletinData) -> dict[str, go.Figure]:
    """Every chart of the page, by name, in page order."""
    return {
        "ranking": ranking_bars(data),
        "trend_composite_rank": trend_lines(data, "composite_score", rank=True),
        "trend_revenue_per_mu": trend_lines(data, "revenue_per_mu", rank=False),
        "quadrant": efficiency_quadrant(data),
        "funnel": project_funnel(data),
        "progress": target_progress(data),
    }


def short_names(names: pd.Series) -> pd.Series:
    """Abbreviated names, unless two zones would then share one."""
    short = names.map(_abbreviate)
    clash = short.duplicated(keep=False) & ~names.duplicated(keep=False)
    return short.where(~clash, names)


def _abbreviate(name: str) -> str:
    for long, abbreviation in ABBREVIATIONS:
        if name.endswith(long):
            return name[: -len(long)] + abbreviation
    return name


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01}, height=height, template="plotly_white",
                      font={"family": FONT, "size": 13}, margin={"l": 10, "r": 20, "t": 60, "b": 40},
                      hoverlabel={"font": {"family": FONT}})
    fig.update_yaxes(automargin=True)
    return fig


def _empty(fig: go.Figure, title: str) -> go.Figure:
    fig.add_annotation(text="本月无数据", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 16, "color": GREY})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, 240)


def _flag(value: object) -> str:
    return SUPERSCRIPT.get(str(value), "") if isinstance(value, str) and value != "A" else ""


def ranking_bars(data: BulletinData) -> go.Figure:
    title = f"综合得分排名（{data.title_month}）"
    rows = data.ranking.dropna(subset=["composite_score"])
    fig = go.Figure()
    if rows.empty:
        return _empty(fig, title)
    changes = [_change_text(c) for c in rows["composite_score__change"]]
    fig.add_bar(
        x=rows["composite_score"], y=short_names(rows["zone_name"]), orientation="h", marker_color=BLUE,
        text=[f"{s:.1f}{_flag(f)}  {c}" for s, f, c in zip(rows["composite_score"], rows["composite_score__flag"],
                                                           changes, strict=True)],
        textposition="outside", cliponaxis=False,
        customdata=list(zip(rows["zone_name"], rows["composite_score__rank"], changes, strict=True)),
        hovertemplate="%{customdata[0]}<br>第 %{customdata[1]} 名（较上月 %{customdata[2]}）"
                      "<br>综合得分 %{x:.1f}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="综合得分（分）", range=[0, 112])
    return _layout(fig, title, 120 + 28 * len(rows))


def _change_text(change: object) -> str:
    if change is None or pd.isna(change):
        return "新"
    change = int(change)
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "–"


def trend_lines(data: BulletinData, metric: str, *, rank: bool) -> go.Figure:
    label = "综合排名" if rank else "亩均营收（万元/亩）"
    title = f"近12个月{label}走势"
    rows = data.trends[data.trends["metric"] == metric].sort_values("month")
    fig = go.Figure()
    if rows.empty:
        return _empty(fig, title)
    y_column = "rank_overall" if rank else "value"
    rows = rows.assign(short=short_names(rows["zone_name"]))
    order = data.ranking["zone_name"].tolist()  # legend in this month's ranking order
    groups = sorted(rows.groupby("zone_name"), key=lambda g: order.index(g[0]) if g[0] in order else len(order))
    palette = qualitative.Dark24  # one colour per zone: the default ten repeat with more zones
    for i, (name, zone) in enumerate(groups):
        fig.add_scatter(
            x=zone["month"], y=zone[y_column], mode="lines+markers", name=zone["short"].iloc[0],
            line={"color": palette[i % len(palette)]},
            hovertemplate=f"{name}<br>%{{x}}：%{{y}}<extra></extra>" if rank
            else f"{name}<br>%{{x}}：%{{y:,.1f}} 万元/亩<extra></extra>",
        )
    if rank:
        fig.update_yaxes(autorange="reversed", dtick=1, title="名次")
    else:
        fig.update_yaxes(title="万元/亩")
    # categories in calendar order, not in order of first appearance (a zone without January comes first)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=data.trend_months, title=None)
    return _layout(fig, title, 420)


def efficiency_quadrant(data: BulletinData) -> go.Figure:
    title = f"亩均营收 × 亩均税收（{data.title_month}，虚线为中位数）"
    rows = data.efficiency.dropna(subset=["revenue_per_mu", "tax_per_mu"])
    fig = go.Figure()
    revenue_median, tax_median = data.efficiency_medians
    if rows.empty or revenue_median is None:
        return _empty(fig, title)
    colours = {"高营收·高税收": GREEN, "低营收·低税收": RED}
    fig.add_scatter(
        x=rows["revenue_per_mu"], y=rows["tax_per_mu"], mode="markers+text",
        text=short_names(rows["zone_name"]), textposition="top center", textfont={"size": 11},
        marker={"size": 12, "color": [colours.get(q, BLUE) for q in rows["quadrant"]], "line": {"width": 1,
                                                                                             "color": "white"}},
        customdata=list(zip(rows["zone_name"], rows["quadrant"], strict=True)),
        hovertemplate="%{customdata[0]}<br>亩均营收 %{x:,.1f} 万元/亩<br>亩均税收 %{y:,.2f} 万元/亩"
                      "<br>%{customdata[1]}<extra></extra>",
        showlegend=False,
    )
    fig.add_vline(x=revenue_median, line_dash="dash", line_color=GREY,
                  annotation_text=f"亩均营收中位数 {revenue_median:,.1f}", annotation_position="top")
    fig.add_hline(y=tax_median, line_dash="dash", line_color=GREY,
                  annotation_text=f"亩均税收中位数 {tax_median:,.2f}", annotation_position="bottom left")
    for x, y, text in ((1, 1, "高营收·高税收"), (0, 1, "低营收·高税收"), (1, 0, "高营收·低税收"),
                       (0, 0, "低营收·低税收")):
        fig.add_annotation(x=x, y=y, xref="paper", yref="paper", text=text, showarrow=False,
                           xanchor="right" if x else "left", yanchor="top" if y else "bottom",
                           font={"color": GREY, "size": 12})
    fig.update_xaxes(title="亩均营收（万元/亩）")
    fig.update_yaxes(title="亩均税收（万元/亩）")
    return _layout(fig, title, 520)


def project_funnel(data: BulletinData) -> go.Figure:
    title = f"项目推进漏斗（{data.ytd_label}累计，全部开发区）"
    funnel = data.funnel.set_index("stage")
    steps = [s for s in FUNNEL_STAGES if s in funnel.index]
    fig = go.Figure()
    if not steps:
        return _empty(fig, title)
    rows = funnel.loc[steps]
    amounts = rows["total_investment_ytd"] / WAN_PER_YI
    # counts and amounts, not "% of the first stage": within a year a later stage can outnumber an earlier one
    # (projects negotiated last year are signed this year), so percentages of 新洽谈 would mislead
    fig.add_funnel(
        y=rows["stage_label"], x=rows["projects_ytd"], textinfo="text",
        text=[f"{int(n)} 个 · {a:,.1f} 亿元" for n, a in zip(rows["projects_ytd"], amounts, strict=True)],
        marker={"color": [BLUE, "#3E6DB5", "#5B8BD0", "#7FA7E0", "#A9C4EC"][: len(rows)]},
        customdata=amounts,
        hovertemplate="%{y}：%{x} 个<br>协议投资额 %{customdata:,.2f} 亿元<extra></extra>",
    )
    extra = []
    if "revived" in funnel.index:
        extra.append(f"另：盘活 {int(funnel.loc['revived', 'projects_ytd'])} 个")
    if "four_new_one_revived" in funnel.index:
        extra.append(f"四新一盘活合计 {int(funnel.loc['four_new_one_revived', 'projects_ytd'])} 个")
    if extra:
        fig.add_annotation(text="；".join(extra), x=1, y=0, xref="paper", yref="paper", showarrow=False,
                           xanchor="right", yanchor="bottom", font={"color": GREY})
    return _layout(fig, title, 420)


def target_progress(data: BulletinData) -> go.Figure:
    title = f"目标完成率与序时进度（{data.title_month}）"
    rows = data.progress.dropna(subset=["completion_pct"])
    fig = go.Figure()
    if rows.empty:
        return _empty(fig, title)
    labels = [f"{z}·{i}" + ("" if p == "year" else f"（{PERIOD_LABELS.get(p, p)}）")
              for z, i, p in zip(short_names(rows["zone_name"]), rows["indicator"], rows["period"], strict=True)]
    behind = rows["completion_pct"] < rows["time_progress_pct"]
    fig.add_bar(
        x=rows["completion_pct"], y=labels, orientation="h", name="完成率",
        marker_color=[RED if b else GREEN for b in behind],
        text=[f"{v:.1f}%" for v in rows["completion_pct"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>完成率 %{x:.1f}%<extra></extra>",
    )
    fig.add_scatter(
        x=rows["time_progress_pct"], y=labels, mode="markers", name="序时进度",
        marker={"symbol": "line-ns-open", "size": 22, "color": "#222222", "line": {"width": 3}},
        hovertemplate="%{y}<br>序时进度 %{x:.1f}%<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="%", range=[0, max(110.0, float(rows["completion_pct"].max()) * 1.12)])
    fig.update_layout(legend={"orientation": "h", "y": -0.12})
    return _layout(fig, title, 140 + 30 * len(rows))
