"""The bulletin as one self-contained HTML page: plotly.js is inlined, so the page opens offline, from a mail
attachment or a USB stick, with nothing fetched from the network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import plotly.io as pio
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from pipelines.bulletin.charts import build_charts
from pipelines.bulletin.data import BulletinData
from pipelines.bulletin.layout import THEMES, Column, Theme, behind_schedule, cell_flag, cell_text


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    charts: tuple[str, ...]
    theme: str | None  # the sheet whose table the section shows


SECTIONS = (
    Section("ranking", "综合排名", ("ranking",), "综合排名"),
    Section("trends", "近12个月走势", ("trend_composite_rank", "trend_revenue_per_mu"), None),
    Section("efficiency", "亩均效益", ("quadrant",), "亩均效益"),
    Section("investment", "招商引资与项目", ("funnel",), "招商引资与项目"),
    Section("progress", "目标进度", ("progress",), "目标进度"),
)

_environment = Environment(loader=PackageLoader("pipelines.bulletin", "templates"),
                           autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)


def write_html(data: BulletinData, path: Path) -> Path:
    charts = {
        name: pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=f"chart-{name}",
                          config={"displaylogo": False, "responsive": True,
                                  "toImageButtonOptions": {"filename": f"bulletin-{data.month}-{name}"}})
        for name, fig in build_charts(data).items()
    }
    themes = {theme.sheet: theme for theme in THEMES}
    page = _environment.get_template("bulletin.html.j2").render(
        data=data, plotly_js=get_plotlyjs(), charts=charts,
        sections=[(s, _table(themes[s.theme], data) if s.theme else None) for s in SECTIONS],
    )
    path.write_text(page, encoding="utf-8")
    return path


def _table(theme: Theme, data: BulletinData) -> dict:
    rows = []
    for _, row in theme.rows(data).iterrows():
        cells = []
        for column in theme.columns:
            text = cell_text(column, row)
            cells.append({"text": text, "flag": cell_flag(column, row), "css": _css(column, text)})
        rows.append({"cells": cells, "behind": behind_schedule(theme, row)})
    return {"headers": [column.title(data) for column in theme.columns], "rows": rows,
            "note": theme.note(data), "footnotes": theme.all_footnotes(data)}


def _css(column: Column, text: str) -> str:
    if column.numeric:
        return "num"
    if column.kind == "change":
        return "change " + {"↑": "up", "↓": "down"}.get(text[:1], "")
    return ""
