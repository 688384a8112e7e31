"""What a release says about itself (release.json) and which months it holds, in the words the bulletin prints."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
NOT_RECORDED = "check summary: not recorded in this release"

# release.json["check_summary"][month] keys, in the order and words the offices read them
CHECK_SUMMARY_LABELS = {
    "rules_checked": "规则",
    "items_checked": "检查项",
    "findings": "发现问题",
    "errors": "错误",
    "warnings": "警告",
    "waived": "已豁免",
    "accepted": "已确认",
    "rejected": "已驳回",
    "open_errors": "未处理错误",
    "publishable": "可发布",
    "reviewers": "复核人",
}


class BulletinError(ValueError):
    """The bulletin cannot be built: bad month, a month the release does not hold, or no release."""


@dataclass(frozen=True)
class ReleaseInfo:
    release_id: str
    published_at: str | None
    check_summary: dict | None  # the summary of the bulletin's month, None when the release has not recorded one
    withheld_reason: str | None = None  # the month's new figures failed the gate: the release keeps the old ones
    flag_descriptions: dict[str, str] = field(default_factory=dict)  # release.json "status_flags"

    @property
    def check_text(self) -> str:
        """One line for the bulletin's header: the check summary of the month, or that there is none."""
        if self.check_summary is None:
            text = f"数据检查：本版本未记录（{NOT_RECORDED}）"
        else:
            parts = [f"{label} {_summary_value(self.check_summary[key])}"
                     for key, label in CHECK_SUMMARY_LABELS.items() if key in self.check_summary]
            # keys added later still show, untranslated, rather than vanish
            parts += [f"{key} {_summary_value(value)}" for key, value in self.check_summary.items()
                      if key not in CHECK_SUMMARY_LABELS]
            text = "数据检查：" + "，".join(parts)
        if self.withheld_reason:
            text += f"；本月新报数据暂缓发布（{self.withheld_reason}），所列为此前已发布数据"
        return text

    @property
    def header_text(self) -> str:
        published = f"（发布于 {self.published_at}）" if self.published_at else ""
        return f"发布版本：{self.release_id}{published}；{self.check_text}"


def _summary_value(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(map(str, value)) or "无"
    return str(value)


def parse_month(month: str) -> tuple[int, int]:
    match = MONTH_PATTERN.match(month or "")
    if not match:
        raise BulletinError(f"month must be YYYY-MM (e.g. 2024-06), got {month!r}")
    return int(match[1]), int(match[2])


def read_release_info(release_dir: Path, month: str) -> ReleaseInfo:
    path = release_dir / "release.json"
    if not path.is_file():
        raise BulletinError(f"{release_dir} is not a release: it has no release.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    summary = (record.get("check_summary") or {}).get(month)
    withheld = (record.get("months_withheld") or {}).get(month)
    return ReleaseInfo(release_id=str(record["release_id"]), published_at=record.get("published_at"),
                       check_summary=summary if isinstance(summary, dict) else None,
                       withheld_reason=str(withheld) if withheld else None,
                       flag_descriptions={str(k): str(v) for k, v in (record.get("status_flags") or {}).items()})


def release_db(release_dir: Path) -> Path:
    db = release_dir / "parkstats.duckdb"
    if not db.is_file():
        raise BulletinError(f"{release_dir} has no parkstats.duckdb; is it a published release?")
    return db


def connect_release(release_dir: Path) -> duckdb.DuckDBPyConnection:
    """Read-only, like every reader: the bulletin never locks a release or touches the warehouse."""
    return duckdb.connect(str(release_db(release_dir)), read_only=True)


def published_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months with a ranking: the ranking is the bulletin's backbone, so these are the months it can report."""
    return [r[0] for r in con.execute(
        "select distinct strftime(period_date, '%Y-%m') from fct_zone_ranking_monthly order by 1").fetchall()]


def latest_month(release_dir: Path) -> str:
    with connect_release(release_dir) as con:
        months = published_months(con)
    if not months:
        raise BulletinError(f"release {release_dir.name} has no ranking yet, so no month to report")
    return months[-1]


def describe_months(months: list[str]) -> str:
    """'2023-01 .. 2023-12, 2024-03' — consecutive months as ranges, so a long list stays readable."""
    def index(m: str) -> int:
        return int(m[:4]) * 12 + int(m[5:]) - 1

    runs: list[list[str]] = []
    for m in months:
        if runs and index(m) == index(runs[-1][-1]) + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]} .. {r[-1]}" for r in runs)


def check_month_published(con: duckdb.DuckDBPyConnection, month: str, info: ReleaseInfo) -> None:
    parse_month(month)
    months = published_months(con)
    if month not in months:
        available = describe_months(months) if months else "none"
        withheld = f" (withheld: {info.withheld_reason})" if info.withheld_reason else ""
        raise BulletinError(f"month {month} is not in release {info.release_id}{withheld}; "
                            f"its months are: {available}")
