"""The clean-up report: `/report` and `domainbot report FILE` (.xlsx, or .csv for the detail rows alone)."""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from bot.config.settings import office_today
from bot.deadlines.calendar import work_calendar
from bot.monitoring.store import monitor_rows
from bot.registry.export import guard_cell
from bot.registry.sheets import SpreadsheetError
from bot.reporting.collect import (
    Registry,
    RollUp,
    late_contact_units,
    office_region,
    overdue_contact_changes,
    unit_views,
    with_late_contacts,
)
from bot.reporting.scope import OfficeScope, office_scope
from bot.reporting.workbook import DETAIL_HEADERS, ReportHeader, detail_row, write_workbook
from knowledge.campaigns import Campaign


@dataclass
class Report:
    registry: Registry
    header: ReportHeader
    monitoring: list[list[object]] = field(default_factory=list)  # open monitoring findings (bot/monitoring)

    def summary(self) -> str:
        r = self.registry
        lines = [f"{self.header.title}（{self.header.day.isoformat()}）",
                 f"{r.units} 个单位，{r.sites} 个网站，{r.domains} 个域名。"]
        lines.append("；".join(f"{label} {value}" for label, value in r.figures()[3:]) + "。")
        if r.by_office is not None:
            lines.append("按下级办公室：" + "；".join(
                f"{row.label} {row.registry.domains} 个域名，完成率 {row.registry.completion:.0%}，"
                f"已逾期 {row.registry.overdue_count}" for row in r.by_office.rows) + "。")
        if self.monitoring:
            lines.append(f"域名监测：{len({row[1] for row in self.monitoring})} 个域名有 {len(self.monitoring)} 个未解决的问题。")
        return "\n".join(lines)


def report_header(session: Session, today: dt.date, settings: object | None = None,
                  campaign: Campaign | None = None, office: OfficeScope | None = None) -> ReportHeader:
    """The cover's names: the home office's region (collect.office_region) and 人民政府办公室, or the office's own
    (a county's report says its county, never the home's)."""
    if office is not None and office.office_id is not None:
        return ReportHeader(office.region, office.title, today, campaign)
    region = office_region(session, settings)
    title = f"{region}人民政府办公室" if region else ""
    return ReportHeader(region, title, today, campaign)


def _scope(session: Session, today: dt.date, settings: object | None, office_id: int | None):
    """(the office, its cover, an empty roll-up or None): what a report of `office_id` (None: home) covers."""
    from bot.campaigns.store import current_campaign

    office = office_scope(session, office_id)
    header = report_header(session, today, settings, current_campaign(session, today), office)
    return office, header, office.roll_up(today, own_label(header))


def own_label(header: ReportHeader) -> str:
    """The roll-up's row of the reporting office's own units: 楚雄彝族自治州本级."""
    return f"{header.region}本级" if header.region else "本级"


def write_report(session: Session, path: Path, today: dt.date | None = None, settings: object | None = None,
                 office_id: int | None = None) -> Report:
    """Write the report of the office `office_id` (None: the home office, everything; an office: its units and
    those below) (.xlsx: the workbook, with the figures by office below when there are any; .csv: the detail
    rows alone), streaming the registry once."""
    today = today or office_today()
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise SpreadsheetError("报表只能写成 .xlsx 或 .csv 文件")
    office, header, by_office = _scope(session, today, settings, office_id)
    scope = office.scope
    views = with_late_contacts(unit_views(session, work_calendar(session), scope=scope),
                               late_contact_units(session, today, scope))
    late_contacts = overdue_contact_changes(session, today, scope=scope)
    if suffix == ".xlsx":
        monitoring = monitor_rows(session, scope=scope)
        registry = write_workbook(path, views, header, today, monitoring, late_contacts, by_office)
        return Report(registry, header, monitoring)
    registry = Registry(today=today, keep_lines=False, by_office=by_office)
    registry.add_overdue(late_contacts)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(DETAIL_HEADERS)
        number = 0
        for unit_view in views:
            for line in registry.add(unit_view):
                number += 1
                values = [number, *detail_row(line, today)]
                writer.writerow(["" if v is None else guard_cell(v.isoformat() if isinstance(v, dt.date) else v)
                                 for v in values])
    return Report(registry, header)


def build_report(session: Session, today: dt.date | None = None, settings: object | None = None,
                 office_id: int | None = None) -> Report:
    """The counts alone (no file), with the figures by office below as the workbook has them."""
    today = today or office_today()
    office, header, by_office = _scope(session, today, settings, office_id)
    scope = office.scope
    registry = Registry(today=today, keep_lines=False, by_office=by_office)
    for unit_view in with_late_contacts(unit_views(session, work_calendar(session), scope=scope),
                                        late_contact_units(session, today, scope)):
        registry.add(unit_view)
    registry.add_overdue(overdue_contact_changes(session, today, scope=scope))
    return Report(registry, header, monitor_rows(session, scope=scope))


__all__ = ["Report", "RollUp", "build_report", "own_label", "report_header", "write_report"]
